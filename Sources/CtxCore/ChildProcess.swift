import CSpawn

#if canImport(Glibc)
  import Glibc
#endif

/// A child process with its stdin and stdout as pipes, started with `posix_spawn` so that
/// ctx alone decides when it is killed and reaped.
///
/// Foundation's `Process` reaps children on its own monitor thread and `waitUntilExit` spins
/// a run loop; while a process exits, that loop can spin forever. Here `kill` and `waitpid`
/// are plain system calls with nothing in between. Both pipes are close-on-exec and
/// non-blocking on ctx's side: callers poll them with their own deadline.
public final class ChildProcess: @unchecked Sendable {
  public let pid: pid_t
  /// Write end of the child's stdin (non-blocking).
  public private(set) var input: Int32
  /// Read end of the child's stdout (non-blocking).
  public private(set) var output: Int32
  private var reaped = false

  /// Starts `executable` (an absolute path) with `arguments`; its stderr goes to /dev/null.
  public init(executable: String, arguments: [String]) throws(CtxError) {
    _ = ChildProcess.ignoreBrokenPipes
    var toChild: [Int32] = [-1, -1]
    var fromChild: [Int32] = [-1, -1]
    guard ctx_pipe_cloexec(&toChild) == 0 else { throw CtxError(.io, "cannot make a pipe: errno \(errno)") }
    guard ctx_pipe_cloexec(&fromChild) == 0 else {
      close(toChild[0])
      close(toChild[1])
      throw CtxError(.io, "cannot make a pipe: errno \(errno)")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    // Nothing else is inherited: another thread's pipes held open by a long-lived ctags would
    // keep their readers from ever seeing end of file.
    ctx_spawn_close_from(&actions, 3)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    var status = posix_spawn(&child, executable, &actions, nil, argv, environ)
    // ETXTBSY: a script just written is still open for writing in a child another thread
    // forked a moment ago; it closes on that child's exec (Go's os/exec retries the same way).
    var attempts = 0
    while status == ETXTBSY && attempts < 50 {
      attempts += 1
      usleep(20_000)
      status = posix_spawn(&child, executable, &actions, nil, argv, environ)
    }
    close(toChild[0])
    close(fromChild[1])
    guard status == 0 else {
      close(toChild[1])
      close(fromChild[0])
      throw CtxError(.toolMissing, "cannot start \(executable): \(String(cString: strerror(status)))")
    }
    pid = child
    input = toChild[1]
    output = fromChild[0]
    for descriptor in [input, output] {
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }
  }

  /// Runs `executable` to its end with nothing on stdin and returns what it printed (at most
  /// `limit` bytes) and its exit status; nil when it cannot start, or has not finished within
  /// `seconds` (it is then killed and reaped): a tool that hangs never holds up ctx.
  public static func run(
    executable: String, arguments: [String], seconds: Double, limit: Int = 1 << 20
  ) -> (output: [UInt8], status: Int32)? {
    guard let child = try? ChildProcess(executable: executable, arguments: arguments) else { return nil }
    close(child.input)
    child.input = -1
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    reading: while true {
      let left = deadline - ContinuousClock.now
      guard left > .zero else {
        child.terminate()
        return nil
      }
      var descriptor = pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(min(1000, max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))))
      if ready < 0 && errno != EINTR {
        child.terminate()
        return nil
      }
      guard ready > 0 else { continue }
      let count = buffer.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
      if count > 0 {
        if output.count < limit { output.append(contentsOf: buffer.prefix(min(count, limit - output.count))) }
      } else if count == 0 {
        break reading
      } else if errno != EAGAIN && errno != EINTR {
        break reading
      }
    }
    // End of output; the exit usually follows at once, but it too has the deadline.
    var status: Int32 = 0
    while true {
      let result = waitpid(child.pid, &status, WNOHANG)
      if result == child.pid {
        child.reaped = true
        child.terminate()
        // WEXITSTATUS by hand: the C macros are not imported.
        return (output, (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
      }
      if result < 0 && errno != EINTR { break }
      if ContinuousClock.now >= deadline { break }
      usleep(2_000)
    }
    child.terminate()
    return nil
  }

  /// A write to a child that died must be an EPIPE error, not a signal that ends ctx.
  private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

  deinit {
    terminate()
  }

  /// Closes ctx's ends of the pipes, kills the child and reaps it. Safe to call twice.
  public func terminate() {
    if input >= 0 { close(input) }
    input = -1
    if output >= 0 { close(output) }
    output = -1
    guard !reaped else { return }
    reaped = true
    // Until it is reaped the pid cannot be reused, so the signal reaches this child only.
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }
}

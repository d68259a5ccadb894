import CtxCore
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One long-lived `ctags --_interactive=sandbox` process.
///
/// File contents go to ctags over stdin (`"size"` requests), so ctags never opens files itself
/// (sandbox mode forbids it) and the same path works for files read from git objects. Replies
/// are JSON lines, one per tag, ended by a `completed` line.
///
/// Talking to ctags can never block forever (docs/symbols.md, "Talking to ctags"):
/// - the request and the file are written without blocking while replies are read, in one
///   `poll` loop, because ctags may start answering before it has read everything;
/// - each file has a deadline; past it ctags is killed, the file is a named problem and the
///   next file starts a new process;
/// - ctags sees a synthetic, always-safe file name that keeps only what picks its parser
///   (a short plain base name, or the extension), so no path can break the request line;
/// - warnings (`"warning": true`) are part of a reply and do not end it; any other error,
///   a tag for another file, or an unreadable line restarts ctags, so replies never drift out
///   of step with requests.
///
/// A session is used by one crawl worker at a time. The blocking pipe IO never holds a thread
/// of Swift's cooperative pool: it runs on the session's own dispatch queue, or right where it
/// is called when that is a `DedicatedThreadExecutor`'s thread (the crawl workers').
public final class CtagsSession: @unchecked Sendable {
  /// How long one file may take by default (connector key `ctags_timeout`).
  public static let defaultFileTimeout: Duration = .seconds(30)

  // All mutable state below is only touched on `queue`.
  private let queue: DispatchQueue
  private let executable: String
  private let fileTimeout: Duration
  private var child: ChildProcess?
  private var buffer: [UInt8] = []
  private var bufferStart = 0
  /// Where the search for the next newline resumes (bytes before it hold none).
  private var scanFrom = 0

  /// Options after `--_interactive`: JSON, no search patterns or type references (large and
  /// unused), line, end line, kind names, signatures and scopes. The `fileScope` extra stays
  /// on: without it ctags drops C's static functions and every macro and struct a `.c` file
  /// defines (three quarters of git/git's C symbols).
  static let arguments = [
    "--_interactive=sandbox", "--output-format=json", "--fields=-Pt+neKS", "--languages=-JSON",
  ]

  /// - Parameters:
  ///   - executable: the ctags binary (a path or a name found on `PATH`).
  ///   - fileTimeout: how long one file may take, from the request to the last reply line.
  public init(executable: String = "ctags", fileTimeout: Duration = CtagsSession.defaultFileTimeout) {
    self.executable = executable
    self.fileTimeout = fileTimeout
    queue = DispatchQueue(label: "ctx.ctags")
  }

  deinit {
    stop()
  }

  /// Finds universal-ctags on `PATH` and returns its version line, or nil when missing.
  public static func locate(executable: String = "ctags") -> (path: String, version: String)? {
    guard let path = resolveExecutable(executable) else { return nil }
    // `--version` answers at once; the deadline only keeps a broken or stopped binary from
    // holding up `ctx index` and `ctx doctor`.
    guard let (data, status) = ChildProcess.run(executable: path, arguments: ["--version"], seconds: 5), status == 0 else { return nil }
    let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    guard firstLine.contains("Universal Ctags") else { return nil }
    return (path, firstLine)
  }

  static func resolveExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    for directory in paths {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The name ctags is told for `path`: the base name when it is short and plain ASCII, else
  /// `file.EXT` with a plain extension, else `file`. ctags picks a parser from the base name
  /// (`Makefile`, `x.py`), never from folders, so nothing it needs is lost.
  static func requestName(for path: String) -> String {
    let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    func plain(_ text: Substring, limit: Int) -> Bool {
      !text.isEmpty && text.utf8.count <= limit
        && text.utf8.allSatisfy { byte in
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x2B || byte == 0x2C || byte == 0x40
        }
    }
    if plain(Substring(base), limit: 120) && base != "." && base != ".." { return base }
    if let dot = base.lastIndex(of: "."), plain(base[base.index(after: dot)...], limit: 24) {
      return "file." + base[base.index(after: dot)...]
    }
    return "file"
  }

  /// The tags of one file's content.
  ///
  /// - Parameters:
  ///   - path: the file's path; only its base name or extension reaches ctags.
  ///   - content: the file's bytes.
  /// - Throws: `.toolMissing` when ctags cannot be started, `.timedOut` past the file's
  ///   deadline, `.connectorFailed` when ctags dies or answers something unreadable (each
  ///   restarts ctags on the next call).
  public func symbols(path: String, content: [UInt8]) async throws -> [Symbol] {
    // On a crawl worker's own thread the exchange runs right here (`sync` on an idle queue
    // runs on the calling thread): no hand-off to the queue's thread and back.
    if DedicatedThreadExecutor.isCurrent { return try queue.sync { try generate(path: path, content: content) } }
    return try await withCheckedThrowingContinuation { continuation in
      queue.async {
        do {
          continuation.resume(returning: try self.generate(path: path, content: content))
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
  }

  private func start(deadline: ContinuousClock.Instant, path: String) throws(CtxError) {
    guard let resolved = CtagsSession.resolveExecutable(executable) else {
      throw CtxError(.toolMissing, "universal-ctags (`\(executable)`) is not installed; install it with `apt-get install universal-ctags` to get symbols")
    }
    do {
      child = try ChildProcess(executable: resolved, arguments: CtagsSession.arguments)
    } catch {
      throw CtxError(.toolMissing, "cannot start universal-ctags at \(resolved): \(error.message)", cause: error)
    }
    buffer.removeAll(keepingCapacity: true)
    bufferStart = 0
    scanFrom = 0
    // The first line announces the program; read it so replies line up.
    var pending: [UInt8] = []
    guard try exchange(&pending, deadline: deadline, path: path) != nil else {
      stop()
      throw CtxError(.connectorFailed, "universal-ctags at \(resolved) exited before announcing itself")
    }
  }

  /// Ends the process for good: closes both pipes, kills it (it may be stuck in a parser) and
  /// reaps it.
  private func stop() {
    child?.terminate()
    child = nil
  }

  private func generate(path: String, content: [UInt8]) throws(CtxError) -> [Symbol] {
    let deadline = ContinuousClock.now + fileTimeout
    if child == nil { try start(deadline: deadline, path: path) }
    let name = CtagsSession.requestName(for: path)
    var pending = Array("{\"command\":\"generate-tags\",\"filename\":\"\(name)\",\"size\":\(content.count)}\n".utf8)
    pending.append(contentsOf: content)
    var symbols: [Symbol] = []
    while true {
      guard let line = try exchange(&pending, deadline: deadline, path: path) else {
        stop()
        throw CtxError(.connectorFailed, "ctags exited while reading this file; it restarts for the next one", path: path)
      }
      guard let reply = CtagsReply(line) else {
        stop()
        throw CtxError(.connectorFailed, "ctags answered a line that is not JSON; it restarts for the next file", path: path)
      }
      switch reply.type {
      case .tag:
        // A tag for another name means the replies are out of step: never attribute it here.
        if let tagPath = reply.path, !tagPath.isString(name.utf8) {
          stop()
          throw CtxError(.connectorFailed, "ctags answered for another file; it restarts for the next one", path: path)
        }
        guard let tagName = reply.name, let lineNumber = reply.line else { continue }
        symbols.append(
          Symbol(
            name: tagName, kind: reply.kind ?? "unknown", line: lineNumber, endLine: reply.end, scope: reply.scope,
            signature: reply.signature))
      case .completed:
        guard pending.isEmpty else {
          stop()
          throw CtxError(.connectorFailed, "ctags finished before reading the whole file; it restarts for the next one", path: path)
        }
        return symbols
      case .error:
        // Warnings (`ignoring null tag ...`) belong to this reply, which goes on.
        if reply.warning { continue }
        stop()
        let message = reply.message ?? "unknown error"
        throw CtxError(.connectorFailed, "ctags: \(message)", path: path)
      case .other:
        continue
      }
    }
  }

  /// Writes what is left of `pending` while reading, until one whole reply line is in; returns
  /// it (without the newline), or nil at end of file. Never blocks past `deadline`.
  private func exchange(_ pending: inout [UInt8], deadline: ContinuousClock.Instant, path: String?) throws(CtxError)
    -> ArraySlice<UInt8>?
  {
    var written = 0
    defer { pending.removeFirst(written) }
    while true {
      guard let child else { return nil }
      if let line = bufferedLine() { return line }
      let left = deadline - ContinuousClock.now
      if left <= .zero {
        stop()
        let seconds = Double(fileTimeout.components.seconds) + Double(fileTimeout.components.attoseconds) / 1e18
        throw CtxError(
          .timedOut,
          "ctags took longer than \(seconds) s on this file and was stopped; indexed without symbols (raise `ctags_timeout` in the connector file, or exclude the file)",
          path: path)
      }
      let wantsWrite = written < pending.count
      var descriptors = [pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)]
      if wantsWrite { descriptors.append(pollfd(fd: child.input, events: Int16(POLLOUT), revents: 0)) }
      let milliseconds = Int32(clamping: max(1, (left.components.seconds * 1000) + left.components.attoseconds / 1_000_000_000_000_000))
      let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
      if ready < 0 {
        if errno == EINTR { continue }
        stop()
        throw CtxError(.connectorFailed, "cannot wait for ctags: errno \(errno)", path: path)
      }
      if wantsWrite && descriptors[1].revents != 0 {
        let count = pending[written...].withUnsafeBytes { write(child.input, $0.baseAddress, $0.count) }
        if count > 0 {
          written += count
        } else if count < 0 && errno != EAGAIN && errno != EINTR {
          // EPIPE: ctags is gone; what it printed before dying is still read below.
          stop()
          return nil
        }
      }
      if descriptors[0].revents != 0 {
        if buffer.count - bufferStart > 0 && bufferStart > 65536 {
          buffer.removeFirst(bufferStart)
          scanFrom -= bufferStart
          bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { read(child.output, $0.baseAddress, 65536) }
        if count < 0 {
          if errno == EINTR || errno == EAGAIN { continue }
          stop()
          throw CtxError(.connectorFailed, "cannot read from ctags: errno \(errno)", path: path)
        }
        if count == 0 { return bufferedLine() }
        buffer.append(contentsOf: chunk[0..<count])
      }
    }
  }

  /// The next whole line already read, if any.
  private func bufferedLine() -> ArraySlice<UInt8>? {
    if bufferStart == buffer.count {
      buffer.removeAll(keepingCapacity: true)
      bufferStart = 0
      scanFrom = 0
      return nil
    }
    guard let newline = buffer[max(scanFrom, bufferStart)...].firstIndex(of: 0x0A) else {
      scanFrom = buffer.count
      return nil
    }
    let line = buffer[bufferStart..<newline]
    bufferStart = newline + 1
    scanFrom = bufferStart
    return line
  }
}

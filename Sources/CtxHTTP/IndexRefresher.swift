import CtxCore
import CtxWorkspace
import Foundation
import Logging

/// `--refresh EVERY`: runs `ctx index --quiet` on the workspace every so often, as a child
/// process (the crawl's memory is the child's, never the server's). The index lock keeps it
/// from ever overlapping a cron run: a round that finds the lock held is skipped.
struct IndexRefresher: Sendable {
  let workspace: Workspace
  let every: Double
  let timeout: Double
  let ctx: String?
  let metrics: ServerMetrics
  let logger: Logger

  func run() async {
    while !Task.isCancelled {
      try? await Task.sleep(for: .milliseconds(Int64(every * 1000)))
      if Task.isCancelled { return }
      await refreshOnce()
    }
  }

  func refreshOnce() async {
    // A probe of the lock: another writer (cron) is running; skip this round quietly.
    do {
      let probe = try IndexLock.acquire(workspace, command: "ctx serve --refresh (checking)")
      withExtendedLifetime(probe) {}
    } catch {
      metrics.refresh(outcome: "skipped")
      logger.info("refresh skipped: another ctx index holds the lock", metadata: ["detail": "\(error.message)"])
      return
    }
    guard let ctx = ctx ?? IndexRefresher.ctxBeside() else {
      metrics.refresh(outcome: "failed")
      logger.error("refresh cannot find the ctx executable beside ctx-mcp; set CTX_BINARY")
      return
    }
    let started = ContinuousClock.now
    let status = await IndexRefresher.runChild(ctx, ["index", "--quiet", "--workspace", workspace.root], timeout: timeout)
    let seconds = (ContinuousClock.now - started).components.seconds
    switch status {
    case 0?:
      metrics.refresh(outcome: "ok")
      logger.info("refresh done", metadata: ["seconds": "\(seconds)"])
    case nil:
      metrics.refresh(outcome: "timed_out")
      logger.error("refresh stopped: ctx index ran longer than the refresh timeout", metadata: ["seconds": "\(seconds)"])
    case let code?:
      metrics.refresh(outcome: "failed")
      logger.error("refresh: ctx index exited with \(code); see `ctx status` and index/ logs", metadata: ["seconds": "\(seconds)"])
    }
  }

  static func ctxBeside() -> String? {
    if let explicit = ProcessInfo.processInfo.environment["CTX_BINARY"], !explicit.isEmpty { return explicit }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let candidate = (executable as NSString).deletingLastPathComponent + "/ctx"
    return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
  }

  /// Runs a child to its end: its exit status, or nil when killed at the timeout or on
  /// cancellation (shutdown): the index is crash-safe, an interrupted run only leaves it as
  /// the previous run did.
  static func runChild(_ executable: String, _ arguments: [String], timeout: Double) async -> Int32? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let finished = Deadline.Once<Int32?>()
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
        finished.set(continuation)
        process.terminationHandler = { process in
          finished.resume(process.terminationReason == .exit ? process.terminationStatus : nil)
        }
        do {
          try process.run()
        } catch {
          finished.resume(127)
          return
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
          if process.isRunning { process.terminate() }
        }
      }
    } onCancel: {
      if process.isRunning { process.terminate() }
    }
  }
}

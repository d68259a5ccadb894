import CtxCore
import CtxWorkspace
import Foundation
import Logging

/// The per-run log of `ctx index`: `index/logs/index-<UTC time>.log`, the newest
/// `RunLog.kept` kept. Every line of progress, every problem and the final report go there,
/// whatever the flags, so a cron run can be read the next morning.
final class RunLogFile: @unchecked Sendable {
  static let kept = 20
  let path: String
  private let handle: FileHandle?
  private let lock = NSLock()

  init(workspace: Workspace, now: Date = Date()) {
    let directory = workspace.indexDirectory + "/logs"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // `20261123T200000Z`: `Timestamps` without its separators (a Foundation formatter built
    // an ICU formatter, a millisecond of every run's start).
    let stamp = Timestamps.string(now).filter { $0 != "-" && $0 != ":" }
    var candidate = directory + "/index-\(stamp).log"
    var suffix = 1
    while FileManager.default.fileExists(atPath: candidate) {
      candidate = directory + "/index-\(stamp)-\(suffix).log"
      suffix += 1
    }
    path = candidate
    // A log file that cannot be created leaves `handle` nil: the run goes on unlogged.
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    handle = FileHandle(forWritingAtPath: path)
    RunLogFile.rotate(directory)
  }

  deinit {
    try? handle?.close()
  }

  func write(_ line: String) {
    lock.withLock { try? handle?.write(contentsOf: Data((line + "\n").utf8)) }
  }

  /// Keeps the newest `kept` run logs (names sort by time).
  static func rotate(_ directory: String) {
    let logs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("index-") && $0.hasSuffix(".log") }.sorted()
    for old in logs.dropLast(kept) { try? FileManager.default.removeItem(atPath: directory + "/" + old) }
  }
}

/// A swift-log handler writing timestamped plain lines (no control characters) to the run log
/// and, at or above `stderrLevel`, to stderr.
struct RunLogHandler: LogHandler {
  let file: RunLogFile?
  let stderrLevel: Logger.Level
  var logLevel: Logger.Level = .debug
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let line = "\(Timestamps.string(Date())) \(event.level.rawValue.uppercased()) \(event.message)"
    file?.write(line)
    if event.level >= stderrLevel { Output.errorRaw(line + "\n") }
  }
}

extension Logger {
  /// The logger of one `ctx index` run.
  static func indexRun(file: RunLogFile?, stderrLevel: Logger.Level) -> Logger {
    Logger(label: "ctx.index") { _ in RunLogHandler(file: file, stderrLevel: stderrLevel) }
  }
}

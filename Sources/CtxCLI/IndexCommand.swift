import ArgumentParser
import CtxConnectorCode
import CtxCore
import CtxIndexer
import CtxWorkspace
import Foundation
import Logging

extension Ctx {
  struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "index",
      abstract: "Bring every source up to date (incrementally unless --full).",
      discussion: """
        Exit codes: 0 everything indexed; 3 every source ran but some items had problems (named in the summary); \
        2 a source failed (its previous index is kept); 78 a connector file is invalid (the other sources are indexed); \
        75 another ctx index is running on this workspace.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .long, help: ArgumentHelp("Index only this source (repeatable).", valueName: "name"))
    var source: [String] = []

    @Flag(name: .long, help: "Rebuild the index from nothing.")
    var full = false

    @Flag(name: [.long, .customShort("q")], help: "Print only problems.")
    var quiet = false


    @Flag(name: .long, help: "Print the run report as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Files read and parsed at once (default: the number of cores, at least 2).", valueName: "n"))
    var workers: Int?

    @Option(
      name: .long,
      help: ArgumentHelp(
        "End the run by this time from its start (e.g. 90m, 2h, 600s): the source being crawled is rolled back, the rest are not started, all keep their previous index; exit 4.",
        valueName: "duration"))
    var deadline: String?

    func validate() throws {
      if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
      if let deadline, IndexCommandDeadline.seconds(deadline) == nil {
        throw ValidationError("--deadline must be a duration such as 600s, 90m or 2h")
      }
    }

    func run() async throws {
      ProcessMemory.keepFreedMemory()  // a short-lived process
      let workspace = try workspaceOptions.locate()
      let lock = try IndexLock.acquire(workspace)
      defer { withExtendedLifetime(lock) {} }
      var options = IndexOptions()
      options.full = full
      options.sources = source.isEmpty ? nil : source
      if let workers { options.code.workers = workers }
      if let ctags = ProcessInfo.processInfo.environment["CTX_CTAGS"] { options.code.ctagsExecutable = ctags }
      if let deadline, let seconds = IndexCommandDeadline.seconds(deadline) {
        options.deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        IndexCommandDeadline.armHardStop(after: seconds + IndexCommandDeadline.grace)
      }
      // Everything goes to the run log; stderr gets plain lines unless quiet (or a progress
      // bar instead, on a terminal).
      let runLog = RunLogFile(workspace: workspace)
      let terminal = Output.stderrIsTerminal
      let stderrLevel: Logger.Level = workspaceOptions.verbose ? .debug : (quiet || json || terminal) ? .critical : .info
      let logger = Logger.indexRun(file: runLog, stderrLevel: stderrLevel)
      logger.info("ctx \(CtxVersion.current) index\(full ? " --full" : "") in \(workspace.root) (pid \(getpid()))")
      let progress = ProgressPrinter(logger: logger, bar: terminal && !quiet && !json && !workspaceOptions.verbose)
      let report = try await Indexer(workspace: workspace, options: options).run(progress: progress)
      let summary = IndexSummary.render(report, workspace: workspace, quiet: false)
      for line in summary.split(separator: "\n") { logger.debug("\(line)") }
      if let data = try? JSONEncoder().encode(report) { logger.debug("report \(String(decoding: data, as: UTF8.self))") }
      logger.info("finished in \(String(format: "%.2f", report.seconds)) s; log: \(runLog.path)")
      if json {
        try Output.json(report)
      } else {
        Output.write(IndexSummary.render(report, workspace: workspace, quiet: quiet))
      }
      if !report.configErrors.isEmpty { throw ExitCode(CtxExit.invalidWorkspace) }
      if !report.deadlineStopped.isEmpty { throw ExitCode(CtxExit.deadline) }
      if report.sources.contains(where: { $0.status == .failed }) { throw ExitCode(CtxExit.error) }
      if report.hasProblems { throw ExitCode(CtxExit.partial) }
    }
  }
}

/// The human summary of an index run.
enum IndexSummary {
  static func render(_ report: IndexReport, workspace: Workspace, quiet: Bool) -> String {
    var lines: [String] = []
    if let damage = report.rebuiltDamagedIndex {
      lines.append(
        "the index file was damaged (\(damage.prefix(2).joined(separator: "; "))): rebuilt beside it and switched; "
          + "the damaged file is kept as \(workspace.databasePath).damaged (delete it when you no longer need it)")
    }
    for error in report.configErrors { lines.append("connector file error: \(error)") }
    for warning in report.warnings { lines.append("warning: \(warning)") }
    for name in report.removedSources { lines.append("\(name): connector file removed; its content was dropped from the index") }
    for source in report.sources {
      if let error = source.error {
        // A missing folder's error already says what became of its index.
        lines.append("\(source.name): FAILED: \(error)" + (error.contains("is missing (") ? "" : " (its previous index is kept)"))
        continue
      }
      if !quiet, let history = source.history {
        var line = "\(source.name): \(history.commitsAdded) new commit(s), \(history.commitsRemoved) removed"
        if history.rewritten { line += " (history was rewritten)" }
        line += "; \(history.commitsTotal) in the index; \(history.filesChanged) file changes, line counts for \(history.lineCounted); "
          + String(format: "%.2f s", source.seconds)
        lines.append(line)
      } else if !quiet, let chat = source.chat {
        lines.append(
          "\(source.name): \(chat.conversations) conversation(s) read from \(source.added + source.changed > 0 || source.listed > 0 ? "\(source.listed) export file(s)" : "the export"); "
            + "\(chat.messagesAdded) new message(s), \(chat.messagesUpdated) edited, \(chat.messagesUnchanged) already indexed; "
            + "\(chat.threadsRebuilt) thread(s) updated; \(source.unchanged) unchanged file(s) skipped; \(String(format: "%.2f", source.seconds)) s")
      } else if !quiet {
        let indexed = source.added + source.changed
        let unit = source.kind == "docs" ? "documents" : "files"
        let pieces = source.kind == "docs" ? "\(source.chunks) sections" : "\(source.chunks) chunks, \(source.symbols) symbols"
        lines.append(
          "\(source.name): \(source.listed) \(unit); \(indexed) indexed (\(source.added) new, \(source.changed) changed), "
            + "\(source.unchanged + source.restamped) unchanged, \(source.deleted) deleted; "
            + "\(pieces); \(megabytes(source.bytesRead)) read in \(String(format: "%.2f", source.seconds)) s")
      }
      if !quiet && source.error == nil && source.history == nil {
        if !source.skipped.isEmpty {
          let parts = source.skipped.sorted { $0.key < $1.key }.map { kind, count -> String in
            let examples = source.skippedExamples[kind] ?? []
            return "\(count) \(kind)" + (examples.isEmpty ? "" : " (e.g. \(examples.prefix(2).joined(separator: ", ")))")
          }
          lines.append("  skipped: " + parts.joined(separator: "; "))
        }
      }
      if !quiet {
        for note in source.notes { lines.append("  note: \(note)") }
        if !source.redacted.isEmpty {
          // Counts only: a summary must never show what was redacted.
          lines.append("  redacted: " + source.redacted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
      }
      if !source.problems.isEmpty {
        lines.append("  \(source.name): \(source.problems.count) problem(s):")
        for problem in source.problems.prefix(50) {
          lines.append("    \(problem.kind.rawValue)  \(problem.path.map { $0 + ": " } ?? "")\(problem.message)")
        }
        if source.problems.count > 50 { lines.append("    ... and \(source.problems.count - 50) more (see --json)") }
      }
    }
    for error in report.annotations.errors { lines.append("annotation file error: \(error) (left out until fixed)") }
    for clash in report.annotations.clashes { lines.append("annotation warning: \(clash)") }
    if !quiet && report.annotations.files > 0 {
      var line = "annotations: \(report.annotations.files) file(s), \(report.annotations.live) live, \(report.annotations.proposed) proposed (`ctx review`)"
      if let conflicts = report.annotations.conflicts, conflicts > 0 { line += "; \(conflicts) conflict(s) (`ctx conflicts`)" }
      lines.append(line)
    }
    if !quiet {
      lines.append("index: \(workspace.databasePath), \(megabytes(report.indexBytes)); \(String(format: "%.2f", report.seconds)) s")
    }
    return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
  }

  static func megabytes(_ bytes: Int64) -> String {
    String(format: "%.1f MB", Double(bytes) / 1_000_000)
  }
}

/// Progress: a live bar on a terminal, else plain timestamped lines through the run's logger
/// (stderr for cron, and always the run log).
final class ProgressPrinter: IndexProgress, @unchecked Sendable {
  private let logger: Logger
  private let bar: Bool
  private let lock = NSLock()
  private var started = Date()
  private var lastLine = Date.distantPast
  private var lastBar = Date.distantPast
  private var unit = "files"

  init(logger: Logger, bar: Bool) {
    self.logger = logger
    self.bar = bar
  }

  func sourceStarted(_ name: String) {
    lock.withLock {
      started = Date()
      logger.info("\(name): crawling")
    }
  }

  func listed(_ name: String, total: Int, unit: String) {
    lock.withLock {
      self.unit = unit
      logger.info("\(name): \(total) \(unit) to check")
    }
  }

  func counting(_ name: String, unit: String) {
    lock.withLock { self.unit = unit }
  }

  func advanced(_ name: String, done: Int, total: Int) {
    lock.withLock {
      let now = Date()
      let elapsed = max(now.timeIntervalSince(started), 0.001)
      let rate = Double(done) / elapsed
      guard total > 0 else {
        // Not counted yet: no bar, no estimate.
        if bar && now.timeIntervalSince(lastBar) >= 0.1 {
          lastBar = now
          Output.errorRaw(String(format: "\r\u{1B}[K%@ %d %@ so far  %.0f/s", name, done, unit, rate))
        }
        if now.timeIntervalSince(lastLine) >= 10 {
          lastLine = now
          logger.info("\(String(format: "%@: %d %@ so far, %.0f/s", name, done, unit, rate))")
        }
        return
      }
      let remaining = rate > 0 ? Double(max(total - done, 0)) / rate : 0
      if bar && now.timeIntervalSince(lastBar) >= 0.1 {
        lastBar = now
        let width = 24
        let filled = total > 0 ? min(width, width * done / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        Output.errorRaw(String(format: "\r\u{1B}[K%@ [%@] %d/%d %@  %.0f/s  ETA %.0fs", name, bar, done, total, unit, rate, remaining))
      }
      if now.timeIntervalSince(lastLine) >= 10 {
        lastLine = now
        logger.info("\(String(format: "%@: %d/%d %@, %.0f/s, about %.0f s left", name, done, total, unit, rate, remaining))")
      }
    }
  }

  func sourceFinished(_ report: SourceReport) {
    lock.withLock {
      if bar { Output.errorRaw("\r\u{1B}[K") }
      logger.info("\(report.name): done (\(report.status.rawValue)) in \(String(format: "%.2f", report.seconds)) s")
      for problem in report.problems { logger.warning("\(report.name): \(problem.kind.rawValue) \(problem.path ?? ""): \(problem.message)") }
      if let error = report.error { logger.error("\(report.name): failed: \(error)") }
    }
  }
}

/// `ctx index --deadline`: parsing, and the hard stop behind the cooperative one.
enum IndexCommandDeadline {
  /// Seconds a crawl gets after the deadline to notice its cancellation before the process
  /// ends itself: the open source transaction is then rolled back by SQLite on the next open
  /// (the same path as a run killed at any moment, docs/design.md "Writing and crash safety").
  static let grace: Double = 30

  static func seconds(_ text: String) -> Double? {
    DurationText.seconds(text, maximum: 7 * 86_400)
  }

  static func armHardStop(after seconds: Double) {
    let timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now() + seconds)
    timer.setEventHandler {
      FileHandle.standardError.write(Data("ctx: the run deadline passed and the current source did not stop within \(Int(grace)) s; ending the run (its transaction is rolled back)\n".utf8))
      exit(CtxExit.deadline)
    }
    timer.resume()
    hardStop = timer
  }

  nonisolated(unsafe) static var hardStop: (any DispatchSourceTimer)?
}

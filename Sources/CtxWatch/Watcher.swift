import CtxCore
import CtxIndexer
import CtxWorkspace
import Foundation

/// Options of `ctx watch` (and of a server that keeps its index fresh the same way).
public struct WatchOptions: Sendable {
  /// Quiet time that ends a burst: a branch switch or `git pull` writing thousands of files is
  /// one run, not thousands.
  public var settle: Duration = .milliseconds(250)
  /// The longest a change waits while the tree keeps changing.
  public var maxDelay: Duration = .seconds(3)
  /// Poll every target at this interval instead of using inotify (`--poll`).
  public var poll: Duration? = nil
  /// The interval for targets inotify cannot watch (no inotify, or its watch limit reached).
  public var fallbackPoll: Duration = .seconds(2)
  /// At most this many inotify watches (one per folder); roots beyond it are polled.
  public var maxWatches: Int? = nil
  /// How often a run waiting for the index lock (a cron `ctx index`) tries again.
  public var lockRetry: Duration = .milliseconds(250)
  /// How long the trees must be quiet before the term counts of changed full-text tables are
  /// refreshed (runs leave them marked out of date: `IndexOptions.deferVocabulary`).
  public var vocabularyAfter: Duration = .seconds(10)
  /// Bring every source up to date when the watch starts (changes made while nothing watched).
  public var initialRun = true
  /// Options of each run (workers, ctags).
  public var index = IndexOptions()

  public init() {
    index.deferVocabulary = true
  }
}

/// Keeps a workspace's index current: watches what its sources read (`WatchPlan`,
/// `ChangeMonitor`) and runs the incremental indexer on the sources that changed, under the
/// same lock as `ctx index`, one run at a time. Reusable: `run()` until `stop()`.
public final class Watcher: @unchecked Sendable {
  public let workspace: Workspace
  public let options: WatchOptions
  private let log: @Sendable (String) -> Void
  private let lock = NSLock()
  private var stopped = false
  private var monitor: ChangeMonitor?
  private var current: Task<IndexReport, any Error>?
  private let waitQueue = DispatchQueue(label: "ctx.watch.wait")
  /// Runs done, for callers and tests.
  public private(set) var runs = 0

  /// - Parameter log: receives one line per run and each notice (limits, lost roots, waits).
  public init(workspace: Workspace, options: WatchOptions = WatchOptions(), log: @escaping @Sendable (String) -> Void) {
    self.workspace = workspace
    self.options = options
    self.log = log
  }

  /// Ends `run()`: a wait returns at once; a run in progress is cancelled (its source's
  /// transaction is rolled back, as at a `--deadline`).
  public func stop() {
    let (monitor, current) = lock.withLock { () -> (ChangeMonitor?, Task<IndexReport, any Error>?) in
      stopped = true
      return (self.monitor, self.current)
    }
    monitor?.stop()
    current?.cancel()
  }

  private var isStopped: Bool { lock.withLock { stopped } }

  /// Watches and indexes until `stop()`.
  public func run() async {
    var first = true
    while !isStopped {
      let (sources, errors) = workspace.loadSources()
      for error in errors { log("connector file error: \(error) (that source is not watched until fixed)") }
      let targets = WatchPlan.targets(for: workspace, sources: sources)
      let monitor = ChangeMonitor(
        targets: targets,
        settings: .init(settle: options.settle, maxDelay: options.maxDelay, forcedPoll: options.poll, fallbackPoll: options.fallbackPoll,
          maxWatches: options.maxWatches),
        note: { [log] in log($0) })
      lock.withLock { self.monitor = monitor }
      if isStopped { break }
      // Watches first, then the run: a change made during the first run is not missed.
      monitor.start()
      log(describe(monitor, sources: sources))
      if first && options.initialRun { await index(nil, trigger: "start") }
      if !first { await index(nil, trigger: "connector files changed") }
      first = false
      while !isStopped {
        guard let changed = await wait(monitor, idle: vocabularyStale ? options.vocabularyAfter : nil) else { break }
        if changed.isEmpty {
          await refreshVocabulary()
          continue
        }
        if changed.contains(WatchPlan.connectorsChanged) { break }  // plan again from the new files
        await index(changed.sorted(), trigger: "changes")
      }
      monitor.close()
    }
    lock.withLock { self.monitor = nil }
  }

  private func wait(_ monitor: ChangeMonitor, idle: Duration?) async -> Set<String>? {
    // The wait blocks in poll(2): on its own thread, never on the cooperative pool.
    await withCheckedContinuation { continuation in
      waitQueue.async { continuation.resume(returning: monitor.wait(idle: idle)) }
    }
  }

  /// Whether some run left term counts out of date (refreshed once the trees are quiet).
  private var vocabularyStale = false

  private func refreshVocabulary() async {
    guard let held = await takeLock() else { return }
    defer { withExtendedLifetime(held) {} }
    let started = ContinuousClock.now
    do {
      let tables = try await Indexer(workspace: workspace, options: options.index).refreshStaleVocabulary()
      vocabularyStale = false
      if !tables.isEmpty {
        log("\(Timestamps.string(Date())) term counts refreshed (\(tables.joined(separator: ", "))) in \(String(format: "%.2f", Double((ContinuousClock.now - started).milliseconds) / 1000)) s")
      }
    } catch {
      vocabularyStale = false  // the next run marks them again; searches count from fts5vocab meanwhile
      log("term counts not refreshed: \((error as? CtxError)?.description ?? "\(error)")")
    }
  }

  private func describe(_ monitor: ChangeMonitor, sources: [SourceConfig]) -> String {
    let watched = sources.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", ")
    let polled = monitor.modes.filter { $0 == .polled }.count
    var how = "\(monitor.watchCount) folder(s) through inotify"
    if let poll = options.poll { how = "polling every \(ChangeMonitor.text(poll))" } else if polled > 0 { how += ", \(polled) root(s) polled" }
    return "watching \(sources.count) source(s): \(watched.isEmpty ? "none" : watched); \(how)"
  }

  /// One incremental run of `sources` (nil: all), once the index lock is free.
  private func index(_ sources: [String]?, trigger: String) async {
    guard let held = await takeLock() else { return }
    defer { withExtendedLifetime(held) {} }
    var runOptions = options.index
    runOptions.sources = sources
    let workspace = self.workspace
    let task = Task { try await Indexer(workspace: workspace, options: runOptions).run() }
    lock.withLock { current = task }
    defer { lock.withLock { current = nil } }
    do {
      let report = try await task.value
      lock.withLock { runs += 1 }
      if options.index.deferVocabulary && report.sources.contains(where: { Indexer.vocabularyTable(changedBy: $0) != nil }) { vocabularyStale = true }
      log(WatchRunLine.render(report, trigger: trigger))
    } catch {
      // A source that vanished in between, or the index could not be opened: say so, keep
      // watching (the next change tries again).
      log("run failed (\(trigger)): \((error as? CtxError)?.description ?? "\(error)")")
    }
  }

  /// The workspace lock, waiting while another `ctx index` holds it (a cron run); nil when
  /// stopped meanwhile or the lock cannot be taken at all.
  private func takeLock() async -> IndexLock? {
    var waiting = false
    while !isStopped {
      do {
        let held = try IndexLock.acquire(workspace, command: "ctx watch")
        if waiting { log("the index lock is free again; running") }
        return held
      } catch let error where error.code == .locked {
        if !waiting {
          waiting = true
          log("waiting: \(error.message)")
        }
        try? await Task.sleep(for: options.lockRetry)
      } catch {
        log("cannot take the index lock: \(error.description)")
        return nil
      }
    }
    return nil
  }
}

/// The one line a watch run logs: what changed and how long it took.
public enum WatchRunLine {
  public static func render(_ report: IndexReport, trigger: String) -> String {
    var parts: [String] = []
    for source in report.sources {
      if let error = source.error {
        parts.append("\(source.name): FAILED: \(error)")
      } else if let history = source.history {
        parts.append("\(source.name): \(history.commitsAdded) new commit(s)" + (history.commitsRemoved > 0 ? ", \(history.commitsRemoved) removed" : ""))
      } else if let chat = source.chat {
        parts.append("\(source.name): \(chat.messagesAdded) new message(s), \(chat.messagesUpdated) edited")
      } else {
        parts.append("\(source.name): \(source.added) new, \(source.changed) changed, \(source.deleted) deleted")
      }
      if !source.problems.isEmpty { parts[parts.count - 1] += " (\(source.problems.count) problem(s); `ctx status`)" }
    }
    let time = Timestamps.string(Date())
    return "\(time) run (\(trigger)): " + (parts.isEmpty ? "nothing to index" : parts.joined(separator: "; ")) + String(format: "; %.2f s", report.seconds)
  }
}

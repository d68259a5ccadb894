import CtxConnectorGit
import CtxConnectors
import CtxCore
import CtxRedaction
import CtxStore

extension Indexer {
  /// Brings a `kind: git` source up to date: new commits added, unreachable ones removed,
  /// signals recomputed, and the ref cursors moved last (docs/history.md).
  func crawlHistory(_ source: SourceConfig, sourceID: Int64, store: IndexStore, report: SourceReport, progress: (any IndexProgress)?) async throws
    -> SourceReport
  {
    // Same refs as the last run: nothing to read (the nightly and `ctx watch` common case).
    if !options.full, let root = try GitConnector(config: source).unchangedRepositoryRoot(since: try store.historyRefs(sourceID: sourceID)) {
      _ = try await store.ensureSource(name: source.name, kind: source.kind.rawValue, root: root)
      var unchanged = report
      unchanged.history = HistoryCounts()
      return unchanged
    }
    // Read before anything is written in this source's transaction (reads see committed data).
    let state = options.full ? HistoryState(refs: [:], indexed: []) : try store.historyState(sourceID: sourceID)
    let writer = try HistoryWriter(store: store, sourceID: sourceID, fresh: options.full)
    let sink = HistoryCollector(
      writer: writer, redactor: try Redactor(settings: source.redaction), name: source.name, progress: progress, report: report)
    do {
      try await GitConnector(config: source).crawl(indexedRefs: state.refs, indexed: state.indexed, into: sink)
    } catch {
      // Nothing handed to the writer may be written once this source is rolled back.
      await sink.abandon()
      throw error
    }
    // Commit paths are relative to the repository root, which may lie above `path:`.
    if let root = await sink.repositoryRoot {
      _ = try await store.ensureSource(name: source.name, kind: source.kind.rawValue, root: root)
    }
    return try await sink.finish()
  }
}

/// Receives history events and writes them. Each batch of commits is redacted and given its
/// full-text columns on a task of its own, then written after the batch before it: the crawl
/// hands a batch over and goes on reading, and waits only when the writer is `queueLimit`
/// batches behind. (The crawl's own task did that preparation and then waited for the previous
/// write: about 0.9 s of a 2.2 s moby run in which it launched no reads.)
actor HistoryCollector: HistorySink {
  let writer: HistoryWriter
  let redactor: Redactor
  let name: String
  let progress: (any IndexProgress)?
  private var report: SourceReport
  private var counts = HistoryCounts()
  /// Batches handed over and not yet settled, oldest first. Each returns its redaction counts.
  private var queued: [Task<[String: Int], any Error>] = []
  /// Batches that may wait for the writer: each holds its commits' messages and paths.
  static let queueLimit = 3
  private var total = 0
  private var done = 0
  private(set) var repositoryRoot: String?

  init(writer: HistoryWriter, redactor: Redactor, name: String, progress: (any IndexProgress)?, report: SourceReport) {
    self.writer = writer
    self.redactor = redactor
    self.name = name
    self.progress = progress
    self.report = report
  }

  nonisolated func accept(_ event: HistoryEvent) async throws {
    if case .commits(let commits) = event {
      try await enqueue(commits)
    } else {
      try await handle(event)
    }
  }

  private func enqueue(_ commits: [GitCommitRecord]) async throws {
    while queued.count >= HistoryCollector.queueLimit { try await settleOldest() }
    let writer = self.writer
    let redactor = self.redactor
    let previous = queued.last
    // Detached: not on this actor, so batches are prepared while the crawl hands over more.
    queued.append(
      Task.detached {
        // Messages and paths lose their secrets before anything derived from them is written.
        var redacted: [String: Int] = [:]
        let prepared = commits.map { HistoryWriter.prepare(HistoryCollector.redact($0, with: redactor, counts: &redacted)) }
        // In order: a batch is written after the one before it, and not at all if that failed
        // or the crawl was abandoned.
        _ = try await previous?.value
        try Task.checkCancellation()
        try await writer.add(prepared)
        return redacted
      })
    counts.commitsAdded += commits.count
    counts.filesChanged += commits.reduce(0) { $0 + $1.changes.count }
    counts.lineCounted += commits.filter { $0.changes.contains { $0.added != nil } }.count
    done += commits.count
    progress?.advanced(name, done: done, total: total)
  }

  /// Waits for the oldest batch to be written and takes its redaction counts.
  private func settleOldest() async throws {
    let redacted = try await queued.removeFirst().value
    if !redacted.isEmpty { report.addRedactions(redacted) }
  }

  /// Every batch handed over is written (or the first failure is thrown).
  private func settleAll() async throws {
    while !queued.isEmpty { try await settleOldest() }
  }

  /// The crawl failed or was stopped: batches not yet written are dropped, and this returns
  /// only when none of them can still reach the writer.
  func abandon() async {
    for task in queued { task.cancel() }
    for task in queued { _ = try? await task.value }
    queued = []
  }

  static func redact(_ commit: GitCommitRecord, with redactor: Redactor, counts: inout [String: Int]) -> GitCommitRecord {
    var commit = commit
    /// The text with its secrets replaced; nil when it held none.
    func redacted(_ text: String) -> String? {
      let result = redactor.redact(text)
      guard result.didRedact else { return nil }
      for (rule, count) in result.counts { counts[rule, default: 0] += count }
      return result.text
    }
    commit.summary = redacted(commit.summary) ?? commit.summary
    commit.body = redacted(commit.body) ?? commit.body
    commit.author.name = redacted(commit.author.name) ?? commit.author.name
    // Only a path that held a secret is written back: assigning every one copied the whole
    // change list (its array is shared with the reader's record), two strings per change.
    for index in commit.changes.indices {
      if let path = redacted(commit.changes[index].path) { commit.changes[index].path = path }
      if let old = commit.changes[index].oldPath, let path = redacted(old) { commit.changes[index].oldPath = path }
    }
    return commit
  }

  private func handle(_ event: HistoryEvent) async throws {
    switch event {
    case .plan(let plan):
      report.notes += plan.notes
      counts.rewritten = plan.rewritten
      repositoryRoot = plan.repositoryRoot
      progress?.counting(name, unit: "new commits")
    case .counted(let newCommits):
      total = newCommits
      report.listed = newCommits
      progress?.listed(name, total: newCommits, unit: "new commits")
    case .removed(let shas):
      try await settleAll()
      try await writer.remove(shas)
      counts.commitsRemoved += shas.count
    case .commits:
      break  // handled in accept
    case .issue(let issue):
      report.record(issue)
    case .finished(let refs):
      try await settleAll()
      try await writer.finish(refs: refs)
    }
  }

  func finish() async throws -> SourceReport {
    try await settleAll()
    var result = report
    result.added = counts.commitsAdded
    result.deleted = counts.commitsRemoved
    result.history = counts
    progress?.advanced(name, done: total, total: total)
    return result
  }
}

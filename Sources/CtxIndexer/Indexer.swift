import CtxAnnotations
import CtxConnectorCode
import CtxConnectors
import CtxCore
import CtxGit
import CtxStore
import CtxWorkspace
import Foundation

/// Options of one `ctx index` run.
public struct IndexOptions: Sendable {
  /// Rebuild from nothing (`--full`).
  public var full = false
  /// Only these sources (`--source`); nil for all.
  public var sources: [String]? = nil
  public var code = CodeConnectorOptions()
  /// Files per write transaction.
  public var batchSize = 256
  /// When the whole run must end (`--deadline`): the source being crawled then is stopped and
  /// rolled back, the ones after it are not started; all keep their previous index.
  public var deadline: ContinuousClock.Instant? = nil
  /// Leave the term-count copies of changed full-text tables marked out of date instead of
  /// refreshing them at the end of the run (searches count from `fts5vocab` meanwhile):
  /// `ctx watch` runs after every save, and copying the counts of a large code table took
  /// longer than indexing the one changed file. It calls `refreshStaleVocabulary()` once quiet.
  public var deferVocabulary = false
  /// Lets a `--full` of every source build a new file beside the index (`Indexer.run`); off
  /// for the in-place rebuild it falls back to when a source fails there.
  var rebuildsBeside = true

  public init() {}
}

/// Receives progress while a crawl runs. Called from crawl tasks; implementations must be cheap.
public protocol IndexProgress: Sendable {
  func sourceStarted(_ name: String)
  /// The crawl knows how many items it will look at; `unit` names them ("files", "commits").
  func listed(_ name: String, total: Int, unit: String)
  /// The crawl reads items before it knows how many there are (`advanced` then gets total 0
  /// until `listed`): a git walk that is still running.
  func counting(_ name: String, unit: String)
  func advanced(_ name: String, done: Int, total: Int)
  func sourceFinished(_ report: SourceReport)
}

extension IndexProgress {
  public func counting(_ name: String, unit: String) {}
}

/// Drives connectors into the store: one source after another, files in batches.
public struct Indexer: Sendable {
  public let workspace: Workspace
  public let options: IndexOptions

  public init(workspace: Workspace, options: IndexOptions) {
    self.workspace = workspace
    self.options = options
  }

  /// Indexes every source (or the chosen ones).
  ///
  /// - Throws: only when the index cannot be opened; a source that fails is reported in its
  ///   `SourceReport` and the others still run.
  public func run(progress: (any IndexProgress)? = nil) async throws -> IndexReport {
    let clock = ContinuousClock.now
    var report = IndexReport()
    let (sources, configErrors) = workspace.loadSources()
    report.configErrors = configErrors.map(\.description)
    if sources.contains(where: { $0.kind == .code || $0.kind == .git }) { GitLibrary.initializeInBackground() }
    if let wanted = options.sources {
      let known = Set(sources.map(\.name))
      for name in wanted where !known.contains(name) {
        // Its connector file is there but does not read: that error, not "no source named".
        if let broken = configErrors.first(where: { ($0.path.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }) == name }) {
          throw broken
        }
        throw CtxError(
          .notFound, "no source named \(name); the sources are: \(sources.map(\.name).joined(separator: ", "))",
          path: workspace.connectorsDirectory)
      }
    }
    // A damaged file is never written to: `--full` rebuilds beside it and switches at the end.
    // A `--full` of every source (every connector file readable, no deadline) always does: it
    // never writes the old file, so the integrity check runs beside the crawl instead of before
    // it, nothing is cleared, and readers keep the old index until the new one is whole
    // (moby's code: 3-4% faster than in place; docs/benchmarks.md).
    let schedule = IntegritySchedule(indexDirectory: workspace.indexDirectory)
    let exists = FileManager.default.fileExists(atPath: workspace.databasePath)
    let beside = options.full && options.rebuildsBeside && options.sources == nil && options.deadline == nil && configErrors.isEmpty && exists
    // Stale rebuilds (a run killed before its switch): this run holds the workspace lock.
    try IndexStore.removeLeftoverRebuild(for: workspace.databasePath)
    let databasePath = workspace.databasePath
    let besideCheck = beside ? Task.detached { IndexStore.damage(at: databasePath) } : nil
    let checked = !beside && (options.full || schedule.isDue())
    let damage = checked ? IndexStore.damage(at: workspace.databasePath) : []
    if checked && damage.isEmpty && exists { schedule.markChecked() }
    var storePath = beside ? IndexStore.rebuildPath(for: workspace.databasePath) : workspace.databasePath
    if !damage.isEmpty {
      guard options.full, options.sources == nil else {
        throw CtxError(
          .storeFailed,
          "the index file is damaged (\(damage.prefix(3).joined(separator: "; "))). Rebuild it with `ctx index --full`"
            + (options.sources == nil ? "" : " (without --source: every source is rebuilt)")
            + ": it builds a new index beside this one and switches when done; annotations come back from annotations/",
          path: workspace.databasePath)
      }
      storePath = IndexStore.rebuildPath(for: workspace.databasePath)
      report.rebuiltDamagedIndex = damage
    }
    let store = try IndexStore(path: storePath, mode: .readWrite, rebuild: options.full)
    if options.sources == nil && configErrors.isEmpty && !beside {
      // A source whose connector file was deleted leaves the index with it. Not when some
      // connector file is unreadable: that source is then kept as it was.
      report.removedSources = try await store.removeSources(notIn: Set(sources.map(\.name)))
      for name in report.removedSources { try? FileManager.default.removeItem(atPath: Indexer.listingCachePath(workspace: workspace, source: name)) }
    }
    for source in sources where options.sources?.contains(source.name) ?? true {
      if let deadline = options.deadline, ContinuousClock.now >= deadline {
        var skipped = SourceReport(name: source.name, kind: source.kind.rawValue)
        skipped.status = .failed
        skipped.error = "not started: the run deadline (--deadline) was reached; its previous index is kept"
        report.sources.append(skipped)
        report.deadlineStopped.append(source.name)
        continue
      }
      progress?.sourceStarted(source.name)
      var sourceReport = await crawlBefore(options.deadline, source, store: store, progress: progress)
      if let deadline = options.deadline, ContinuousClock.now >= deadline, sourceReport.status == .failed {
        sourceReport.error = "stopped at the run deadline (--deadline); its previous index is kept"
        report.deadlineStopped.append(source.name)
      }
      progress?.sourceFinished(sourceReport)
      report.sources.append(sourceReport)
    }
    if let besideCheck {
      let damage = await besideCheck.value
      if report.sources.contains(where: { $0.status == .failed }) {
        // A failed source would be missing from the new file: rebuild in place instead, where
        // it keeps its previous index (unless the old file is damaged: then it stays out).
        if damage.isEmpty {
          try? store.close()  // the in-place run removes the unfinished rebuild first
          var inPlace = options
          inPlace.rebuildsBeside = false
          var rebuilt = try await Indexer(workspace: workspace, options: inPlace).run(progress: progress)
          let failed = report.sources.filter { $0.status == .failed }.map(\.name).joined(separator: ", ")
          rebuilt.warnings.insert("\(failed) failed in the new index file, so every source was rebuilt again in place (where a failed source keeps its previous index)", at: 0)
          return rebuilt
        }
      }
      if damage.isEmpty {
        schedule.markChecked()
        do {
          report.removedSources = try await store.copyRunHistory(from: workspace.databasePath)
        } catch {
          // The new index is whole: switch to it; only `ctx status`'s older runs are missing.
          report.warnings.append("the run history of the previous index was not kept: \((error as? CtxError)?.description ?? "\(error)")")
        }
        for name in report.removedSources { try? FileManager.default.removeItem(atPath: Indexer.listingCachePath(workspace: workspace, source: name)) }
      } else {
        report.rebuiltDamagedIndex = damage
      }
    }
    report.annotations = try await mirrorAnnotations(store: store)
    try await compactRewrittenTables(store: store, report: report)
    if !options.deferVocabulary { try await refreshVocabulary(store: store, report: report) }
    try? store.checkpoint()
    report.indexBytes = store.sizeOnDisk
    if storePath != workspace.databasePath {
      // A rebuild stopped by the deadline is not switched to: it lacks sources.
      guard report.deadlineStopped.isEmpty else {
        throw CtxError(
          .storeFailed,
          "the rebuild of the damaged index was stopped by the run deadline (--deadline) before \(report.deadlineStopped.joined(separator: ", ")); "
            + "the damaged index is still in place; run `ctx index --full` again with a later deadline",
          path: workspace.databasePath)
      }
      try store.close()
      try IndexStore.switchToRebuilt(at: workspace.databasePath, keepingDamaged: report.rebuiltDamagedIndex != nil)
    }
    report.seconds = (ContinuousClock.now - clock).seconds
    return report
  }

  /// Copies the term counts of every full-text table this run changed (or that has no copy
  /// yet) into `vocabulary`, for searches' rarest-words choice (`IndexStore.refreshVocabulary`).
  /// Not when the run deadline passed: the copy is refreshed by the next run that changes it.
  private func refreshVocabulary(store: IndexStore, report: IndexReport) async throws {
    if let deadline = options.deadline, ContinuousClock.now >= deadline { return }
    var tables = Set(try store.vocabularyMissing())
    if options.full || !report.removedSources.isEmpty { tables = Set(IndexStore.vocabularyTables) }
    try await store.refreshVocabulary(IndexStore.vocabularyTables.filter(tables.contains))
  }

  /// Merges the segments of a code or docs full-text table when this run rewrote most of a
  /// source's files (at least 500): replaced rows leave tombstones that automatic merging
  /// (off) would have cleaned. Not past the run deadline.
  private func compactRewrittenTables(store: IndexStore, report: IndexReport) async throws {
    if let deadline = options.deadline, ContinuousClock.now >= deadline { return }
    var tables = Set<String>()
    for source in report.sources where source.kind == "code" || source.kind == "docs" {
      let rewritten = source.changed + source.deleted
      let total = source.added + source.changed + source.unchanged
      if rewritten >= 500 && 2 * rewritten >= total, let table = Indexer.vocabularyTable(changedBy: source) { tables.insert(table) }
    }
    try await store.optimizeFullText(IndexStore.vocabularyTables.filter(tables.contains))
  }

  /// Refreshes the term-count copies marked out of date (runs with `deferVocabulary`); the
  /// tables refreshed. The caller holds the index lock.
  public func refreshStaleVocabulary() async throws -> [String] {
    guard FileManager.default.fileExists(atPath: workspace.databasePath) else { return [] }
    let store = try IndexStore(path: workspace.databasePath, mode: .readWrite, rebuild: false)
    let stale = try store.vocabularyMissing()
    guard !stale.isEmpty else { return [] }
    try await store.refreshVocabulary(stale)
    try? store.checkpoint()
    return stale
  }

  /// The full-text table a source's run changed, if it changed anything.
  public static func vocabularyTable(changedBy source: SourceReport) -> String? {
    let filesChanged = source.added + source.changed + source.deleted > 0
    switch source.kind {
    case "code" where filesChanged: return "chunk_ft"
    case "docs" where filesChanged: return "section_ft"
    case "git" where (source.history?.commitsAdded ?? 0) + (source.history?.commitsRemoved ?? 0) > 0: return "commit_ft"
    case "chat" where (source.chat?.threadsRebuilt ?? 0) > 0 || filesChanged: return "thread_ft"
    default: return nil
    }
  }

  /// Crawls one source, cancelled at `deadline`: the crawl's tasks check for cancellation
  /// between items, and the source's transaction is rolled back.
  private func crawlBefore(
    _ deadline: ContinuousClock.Instant?, _ source: SourceConfig, store: IndexStore, progress: (any IndexProgress)?
  ) async -> SourceReport {
    guard let deadline else { return await crawl(source, store: store, progress: progress) }
    return await withTaskGroup(of: SourceReport?.self) { group in
      group.addTask { await self.crawl(source, store: store, progress: progress) }
      group.addTask {
        try? await Task.sleep(until: deadline, clock: .continuous)
        return nil
      }
      var result: SourceReport? = nil
      while let next = await group.next() {
        if let report = next {
          result = report
          group.cancelAll()  // the timer
        } else if result == nil {
          group.cancelAll()  // the deadline: stop the crawl
        }
      }
      return result ?? SourceReport(name: source.name, kind: source.kind.rawValue)
    }
  }

  private func crawl(_ source: SourceConfig, store: IndexStore, progress: (any IndexProgress)?) async -> SourceReport {
    let started = Date()
    let clock = ContinuousClock.now
    var report = SourceReport(name: source.name, kind: source.kind.rawValue)
    do {
      // One transaction per source: readers, and a run killed at any moment, see either the
      // source's previous state or its new one, never a mix.
      try await store.beginSource()
      // A vanished folder fails the source; nothing of its index is touched.
      if let missing = source.missingFolderError(
        indexedBefore: (try? store.sourceRecords())?.first(where: { $0.name == source.name })?.lastSuccess != nil)
      {
        throw missing
      }
      let sourceID = try await store.ensureSource(
        name: source.name, kind: source.kind.rawValue, root: source.root, revision: source.kind == .code ? source.code.revision : nil)
      // A code source clears while its work tree is listed (`crawlCode`).
      if options.full && source.kind != .code { try await store.clearSource(sourceID) }
      switch source.kind {
      case .code:
        report = try await crawlCode(source, sourceID: sourceID, store: store, report: report, progress: progress)
      case .git:
        report = try await crawlHistory(source, sourceID: sourceID, store: store, report: report, progress: progress)
      case .docs:
        report = try await crawlDocs(source, sourceID: sourceID, store: store, report: report, progress: progress)
      case .chat:
        report = try await crawlChat(source, sourceID: sourceID, store: store, report: report, progress: progress)
      }
      // In the source's own transaction: a changed table's vocabulary copy is marked out of
      // date with the change itself, so a run killed before the copy is refreshed leaves it
      // marked (the next run refreshes it; searches count from fts5vocab meanwhile).
      if let table = Indexer.vocabularyTable(changedBy: report) { try await store.invalidateVocabulary([table]) }
      try await store.commitSource()
      if source.kind == .git { report.history?.commitsTotal = try store.commitCount(sourceID: sourceID) }
    } catch {
      // Not in this task: when the run deadline cancelled it, the rollback must still run.
      await Task { await store.rollbackSource() }.value
      report.status = .failed
      report.error = (error as? CtxError)?.description ?? "\(error)"
    }
    report.seconds = (ContinuousClock.now - clock).seconds
    if report.status == .ok && !report.problems.isEmpty { report.status = .partial }
    if let json = try? String(decoding: JSONEncoder().encode(report), as: UTF8.self) {
      let status = report.status.rawValue
      await Task {
        if let sourceID = try? await store.ensureSource(
          name: source.name, kind: source.kind.rawValue, root: source.root, revision: source.kind == .code ? source.code.revision : nil)
        {
          try? await store.recordRun(sourceID: sourceID, started: started, finished: Date(), status: status, reportJSON: json)
        }
      }.value
    }
    return report
  }
}

extension Indexer {
  /// Rewrites the index's mirror of `annotations/` from the files (the truth), every run.
  func mirrorAnnotations(store: IndexStore) async throws -> AnnotationCounts {
    let folder = AnnotationFolder(path: workspace.annotationsDirectory)
    folder.cleanUp()
    let loaded = folder.load()
    let live = Set(ConflictDetector.live(loaded.annotations).map(\.id))
    var counts = AnnotationCounts()
    counts.files = loaded.annotations.count
    counts.live = live.count
    counts.proposed = loaded.annotations.filter { $0.status == .proposed && live.contains($0.id) }.count
    counts.errors = loaded.errors.map(\.description)
    counts.clashes = loaded.clashes.map(\.message)
    let rows = loaded.annotations.map { annotation in
        AnnotationRow(
          name: annotation.id, target: annotation.target.description, targetKind: annotation.target.kind, targetValue: annotation.target.value,
          kind: annotation.kind.rawValue, author: annotation.author, date: annotation.date, status: annotation.status.rawValue,
          live: live.contains(annotation.id), factKey: annotation.factKey, factValue: annotation.factValue, supersedes: annotation.supersedes,
          fingerprint: annotation.anchor?.fingerprint, location: annotation.anchor?.location, body: annotation.body,
          stamp: loaded.stamps[annotation.id]?.text)
    }
    // Nothing changed (the nightly common case): no write at all.
    if try store.annotations() != rows.sorted(by: { $0.name < $1.name }) {
      try await store.replaceAnnotations(rows)
    }
    return counts
  }

  func crawlCode(_ source: SourceConfig, sourceID: Int64, store: IndexStore, report: SourceReport, progress: (any IndexProgress)?) async throws -> SourceReport {
    // Read before anything is written in this source's transaction (reads see committed data),
    // while the work tree is listed: on a no-change run both are most of the time.
    let full = options.full
    // `--full` clears the source on the writer while this task lists the work tree.
    async let cleared: Void = full ? store.clearSource(sourceID) : ()
    async let loadedKnown = Indexer.knownFiles(store: store, sourceID: sourceID, full: full)
    var connector = CodeConnector(config: source, options: options.code)
    connector.listingCachePath = Indexer.listingCachePath(workspace: workspace, source: source.name)
    connector.ignoreListingCache = options.full
    // A `revision:` source lists its commit's tree inside `crawl`.
    let listing = source.code.revision == nil ? Result { try connector.listFiles(cached: true) } : nil
    let known = try await loadedKnown
    try await cleared
    let skipped = options.full ? [:] : try store.skippedFiles(sourceID: sourceID)
    let sink = IndexingSink(
      store: store, sourceID: sourceID, known: known, batchSize: options.batchSize, name: source.name, progress: progress,
      previouslySkipped: Set(skipped.values))
    connector.skipped = skipped.mapValues { SkippedStamp(stamp: $0.stamp, contentHash: $0.contentHash, reason: $0.reason) }
    // Empty code tables (a first or `--full` run): their indexes are built once at the end.
    let indexesSuspended = known.isEmpty ? try await store.suspendCodeIndexes() : false
    if let listing {
      try await connector.crawl(listing: try listing.get(), known: known, into: sink)
    } else {
      try await connector.crawl(known: known, into: sink)
    }
    let finished = try await sink.finish(report)
    if indexesSuspended { try await store.restoreCodeIndexes() }
    return finished
  }

  private static func knownFiles(store: IndexStore, sourceID: Int64, full: Bool) throws -> [String: KnownFile] {
    full ? [:] : try store.indexedFiles(sourceID: sourceID).mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
  }
}

extension Indexer {
  /// The code connector's record of a work tree's folders (`CtxGit.ListingCache`), beside the
  /// index: it describes the work tree, not the index, so it needs no transaction.
  public static func listingCachePath(workspace: Workspace, source: String) -> String {
    workspace.indexDirectory + "/listing-" + source + ".cache"
  }
}

extension Duration {
  var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

/// Collects crawl events into write batches and keeps the run's counts.
///
/// `accept` does the per-file CPU work (identifier parts) on the calling crawl task, then
/// hands the change to the `BatchCollector` actor. While one batch is being written, crawl
/// tasks keep filling the next; a second full batch waits for the first (back-pressure), so
/// memory is bounded by the batch size, not the repository.
struct IndexingSink: DocumentSink {
  let collector: BatchCollector

  init(
    store: IndexStore, sourceID: Int64, known: [String: KnownFile], batchSize: Int, name: String, progress: (any IndexProgress)?,
    previouslySkipped: Set<SkippedFile>? = nil
  ) {
    collector = BatchCollector(
      store: store, sourceID: sourceID, known: known, batchSize: batchSize, name: name, progress: progress, previouslySkipped: previouslySkipped)
  }

  func accept(_ event: CrawlEvent) async throws {
    if case .file(var file) = event {
      // CPU work here, on the crawl task, not on the one writer thread.
      for index in file.symbols.indices { file.symbols[index].norm = IndexStore.normalizedSymbol(file.symbols[index].name) }
      let parts = file.chunks.map { chunk in
        IdentifierParts.expansion(of: (chunk.symbol ?? "") + " " + file.path + "\n" + chunk.text)
      }
      let bodies = file.chunks.map { ChunkText.encode($0.text) }
      try await collector.add(.upsert(file, chunkParts: parts, chunkBodies: bodies), event: event)
    } else {
      try await collector.add(nil, event: event)
    }
  }

  func finish(_ report: SourceReport) async throws -> SourceReport {
    try await collector.finish(report)
  }
}

actor BatchCollector {
  let store: IndexStore
  let sourceID: Int64
  let known: [String: KnownFile]
  let batchSize: Int
  let name: String
  let progress: (any IndexProgress)?

  private var batch: [FileChange] = []
  private var batchBytes = 0
  private var seen = Set<String>()
  private var unchangedBulk: [[String]] = []
  private var unchangedBulkCount = 0
  /// Whether `seen` holds every known file of a folder that could not be read (they may also
  /// be in a bulk event: the counts above no longer tell).
  private var markedFolder = false
  /// Files read and skipped by policy, kept so `ctx status` does not count them as new.
  private var skipped: [SkippedFile] = []
  private var report: SourceReport
  private var done = 0
  private var total = 0

  /// Problems after which the file's previous index entry is kept rather than dropped.
  private static let keepsPrevious: Set<CrawlIssue.Kind> = [.unreadable, .ctagsFailed, .parseFailed, .symlinkLoop]

  /// The skip list the index holds, when known: an unchanged list is not written again.
  let previouslySkipped: Set<SkippedFile>?

  init(
    store: IndexStore, sourceID: Int64, known: [String: KnownFile], batchSize: Int, name: String, progress: (any IndexProgress)?,
    previouslySkipped: Set<SkippedFile>? = nil
  ) {
    self.previouslySkipped = previouslySkipped
    self.store = store
    self.sourceID = sourceID
    self.known = known
    self.batchSize = batchSize
    self.name = name
    self.progress = progress
    report = SourceReport(name: name, kind: "code")
  }

  func add(_ change: FileChange?, event: CrawlEvent) async throws {
    switch event {
    case .listed(let count):
      total = count
      report.listed = count
      progress?.listed(name, total: count, unit: "files")
      return
    case .file(let file):
      seen.insert(file.path)
      if known[file.path] == nil { report.added += 1 } else { report.changed += 1 }
      report.chunks += file.chunks.count
      report.symbols += file.symbols.count
      report.addRedactions(file.redactions)
      report.bytesRead += file.stamp.size
      batchBytes += Int(file.stamp.size)
      done += 1
    case .unchanged(let path):
      seen.insert(path)
      report.unchanged += 1
      done += 1
    case .unchangedFiles(let paths):
      // Kept aside, not hashed into `seen`: when they and the other seen files cover every
      // known file (the no-change run), nothing is gone and the set is never needed.
      unchangedBulk.append(paths)
      unchangedBulkCount += paths.count
      report.unchanged += paths.count
      done += paths.count
    case .restamped(let path, let stamp):
      seen.insert(path)
      report.restamped += 1
      report.bytesRead += stamp.size
      batch.append(.restamp(path: path, stamp: stamp))
      done += 1
    case .listing(let counts):
      report.listing = counts
      return
    case .issue(let issue):
      report.record(issue)
      if !issue.kind.isProblem, let path = issue.path, let stamp = issue.stamp {
        skipped.append(SkippedFile(path: path, stamp: stamp, contentHash: issue.contentHash, reason: issue.kind.rawValue))
      }
      if let path = issue.path, BatchCollector.keepsPrevious.contains(issue.kind) {
        seen.insert(path)
        // A folder that could not be listed keeps every file it had.
        let folder = path.hasSuffix("/") ? path : path + "/"
        for known in known.keys where known.hasPrefix(folder) { seen.insert(known) }
        markedFolder = true
      }
      if issue.path != nil && issue.kind != .excluded && issue.kind != .invalidUTF8 && issue.kind != .ctagsFailed { done += 1 }
    }
    if let change { batch.append(change) }
    if done % 64 == 0 { progress?.advanced(name, done: done, total: total) }
    if batch.count >= batchSize || batchBytes >= 16 << 20 { try await flush() }
  }

  private func flush() async throws {
    guard !batch.isEmpty else { return }
    let pending = batch
    batch = []
    batchBytes = 0
    try await store.apply(pending, sourceID: sourceID)
  }

  /// Writes what is left and removes files that are gone. Only called after a complete
  /// listing: an aborted crawl never deletes anything.
  func finish(_ base: SourceReport) async throws -> SourceReport {
    try await flush()
    var gone: [String] = []
    // Paths in a bulk event are known, distinct, and in no other event.
    if markedFolder || unchangedBulkCount + seen.lazy.filter({ self.known[$0] != nil }).count < known.count {
      for paths in unchangedBulk { seen.formUnion(paths) }
      gone = known.keys.filter { !seen.contains($0) }.sorted()
    }
    for start in stride(from: 0, to: gone.count, by: batchSize) {
      let slice = gone[start..<min(start + batchSize, gone.count)]
      try await store.apply(slice.map { .delete(path: $0) }, sourceID: sourceID)
    }
    report.deleted = gone.count
    if previouslySkipped != Set(skipped) { try await store.replaceSkippedFiles(skipped, sourceID: sourceID) }
    progress?.advanced(name, done: total, total: total)
    var result = report
    result.name = base.name
    result.kind = base.kind
    return result
  }
}

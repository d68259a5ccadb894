import CtxConnectors
import CtxCore
import CtxGit
import Foundation

/// What the git connector decided before reading any commit.
public struct HistoryPlan: Sendable {
  /// Indexed commits that no ref reaches any more (history was rewritten, or a ref removed).
  public var removedCommits: Int
  /// True when a ref's previous tip is no longer an ancestor of its tip (force-push, rebase).
  public var rewritten: Bool
  /// Facts worth telling the user that are not problems: an empty repository, a shallow clone.
  public var notes: [String]
  /// What the commits' paths are relative to: the work tree root (no trailing `/`), or the
  /// git folder of a bare repository.
  public var repositoryRoot: String
}

/// What the git connector reports while it crawls, in this order: the plan, the removals, the
/// new commits in batches (with `counted` among them, when the walk has ended), and last the
/// ref tips to remember.
public enum HistoryEvent: Sendable {
  case plan(HistoryPlan)
  case removed([String])
  case commits([GitCommitRecord])
  /// How many new commits the walk found (sent once, when it ends: commits may come before).
  case counted(newCommits: Int)
  case issue(CrawlIssue)
  /// Everything is written: the cursors may move to these tips.
  case finished(refs: [String: String])
}

public protocol HistorySink: Sendable {
  func accept(_ event: HistoryEvent) async throws
}

/// The `kind: git` connector: every commit reachable from the configured refs, through
/// libgit2, incrementally (docs/history.md).
///
/// Invariant kept with the store: the indexed commits are exactly those reachable from the
/// remembered ref tips. So when every old tip is an ancestor of its ref's new tip, the walk
/// can stop at indexed commits; otherwise (force-push, rebase, a ref dropped from the config)
/// a full walk of commit ids decides what to add and what to remove.
public struct GitConnector: Sendable {
  public let config: SourceConfig
  /// Commits per `.commits` event.
  public var batchSize = 1000
  /// Commits read at once by one reader.
  var chunkSize = 256
  /// Commits per chunk among the newest, whose lines are counted (`line_counts`): counting
  /// reads every changed blob, and one reader counting 200 commits alone held up everything
  /// written after them (commits are written in walk order) for a tenth of a full moby run.
  var lineCountedChunkSize = 16
  /// Chunks the walk may run ahead of the readers.
  var walkWindow = 32
  /// Parallel readers (one libgit2 repository handle each).
  public var workers = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

  public init(config: SourceConfig) {
    self.config = config
  }

  /// When every ref in `refs:` still points where the index says, the repository root (what
  /// a run records as the source's root); nil when the source must be read. Then a run skips
  /// the source after this one check (refs resolved; no walk, and the indexed commit list is
  /// never loaded). A shallow clone always runs, to keep its note in the report.
  public func unchangedRepositoryRoot(since indexedRefs: [String: String]) throws -> String? {
    guard !indexedRefs.isEmpty, Set(indexedRefs.keys) == Set(config.git.refs) else { return nil }
    let history = try GitHistory(path: config.root, trustOwner: config.git.trustOwner)
    if history.isShallow { return nil }
    for ref in config.git.refs {
      guard let tip = try history.resolve(ref), tip == indexedRefs[ref] else { return nil }
    }
    return String((history.workdir ?? history.gitDirectory).reversed().drop { $0 == "/" }.reversed())
  }

  public func crawl(indexedRefs: [String: String], indexed: Set<String>, into sink: any HistorySink) async throws {
    try await GitLibrary.historyPass { try await crawlHistory(indexedRefs: indexedRefs, indexed: indexed, into: sink) }
  }

  private func crawlHistory(indexedRefs: [String: String], indexed: Set<String>, into sink: any HistorySink) async throws {
    let history = try GitHistory(path: config.root, trustOwner: config.git.trustOwner)
    var notes: [String] = []
    var tips: [String: String] = [:]
    var unresolved: [String] = []
    for ref in config.git.refs {
      // `resolve` throws when a ref exists but its commit cannot be read: corrupt data fails
      // the source (its indexed history is kept), it is never read as "no commits".
      if let sha = try history.resolve(ref) {
        tips[ref] = sha
      } else if ref == "HEAD" && history.isEmpty {
        notes.append("the repository has no commits yet (HEAD is unborn)")
      } else {
        unresolved.append(ref)
      }
    }
    // Refs that name nothing at all would make an empty history (and remove whatever was
    // indexed): that is a mistake in `refs:` or a broken checkout, not a state to index.
    if tips.isEmpty && !unresolved.isEmpty {
      throw CtxError(
        .connectorFailed,
        "no ref in `refs:` names a commit in \(config.root) (\(unresolved.joined(separator: ", ")) "
          + (unresolved.count == 1 ? "does" : "do") + " not exist); fix `refs:` in \(config.configFile). The history already indexed is kept",
        path: config.configFile, source: config.name)
    }
    for ref in unresolved {
      let message = ref == "HEAD"
        ? "HEAD is on a branch with no commits yet (an orphan branch?) while the repository has other refs; name the branches to index in `refs:` in \(config.name).yaml"
        : "ref `\(ref)` does not exist in \(config.root); fix `refs:` in \(config.name).yaml"
      try await sink.accept(.issue(CrawlIssue(kind: .listingFailed, path: ref, message: message)))
    }
    if history.isShallow {
      notes.append("shallow clone: history stops at \(history.shallowBoundary.count) commit(s) whose parents are not in the clone; their changes are not recorded")
    }

    // Fast-forward only? Then the indexed commits are all still reachable.
    var rewritten = false
    for (ref, oldTip) in indexedRefs {
      guard let newTip = tips[ref] else {
        rewritten = true  // the ref was dropped from the config or deleted
        continue
      }
      if !history.isAncestor(oldTip, of: newTip) { rewritten = true }
    }
    if indexedRefs.isEmpty && !indexed.isEmpty { rewritten = true }  // cursors lost: reconcile

    // The commits to read arrive in chunks, in walk order. A fast-forward walk runs on its own
    // repository handle while the readers start on its first chunks (the walk alone was a
    // tenth of a full-history run with one core idle); a reconciling walk must finish first,
    // to know which indexed commits are gone.
    let chunking = Chunking(size: chunkSize, smallSize: lineCountedChunkSize, smallUntil: config.git.lineCountsPerRun)
    let (chunkStream, chunkFeed) = AsyncStream<[GitHistory.WalkedCommit]>.makeStream()
    let walkResult = WalkResult()
    var walker: Walker?
    var removed: [String] = []
    if rewritten {
      let walk = history.walk(from: Array(Set(tips.values)))
      let reachable = Set(walk.commits)
      // A walk that could not read some commits does not know what is reachable below them:
      // remove nothing rather than history that is only unreadable (the missing commits are
      // named as problems below).
      removed = walk.missing.isEmpty ? indexed.filter { !reachable.contains($0) }.sorted() : []
      let fresh = walk.commits.filter { !indexed.contains($0) }
      var start = 0
      while start < fresh.count {
        let end = min(start + chunking.size(after: start), fresh.count)
        chunkFeed.yield(fresh[start..<end].map(GitHistory.WalkedCommit.init(sha:)))
        start = end
      }
      walkResult.set(walk)
      chunkFeed.finish()
    } else {
      let started = Walker(history: try GitHistory(path: config.root, trustOwner: config.git.trustOwner), window: walkWindow)
      started.start(from: Array(Set(tips.values)), skipping: indexed, chunking: chunking, feed: chunkFeed, result: walkResult)
      walker = started
    }
    defer { walker?.stop() }

    let filter = PathFilter(include: config.include.map(Glob.init), exclude: config.exclude.map(Glob.init))
    let filtersPaths = !config.include.isEmpty || !config.exclude.isEmpty
    let repositoryRoot = String((history.workdir ?? history.gitDirectory).reversed().drop { $0 == "/" }.reversed())
    // The plan goes out before the first commit is read, so the store writes while the walk
    // still runs (waiting for the walk's count left the writer idle for a third of a
    // full-history run); the count follows as `.counted` when the walk ends.
    try await sink.accept(.plan(HistoryPlan(removedCommits: removed.count, rewritten: rewritten, notes: notes, repositoryRoot: repositoryRoot)))
    if !removed.isEmpty { try await sink.accept(.removed(removed)) }

    // Commits are read in chunks by one repository handle per core (libgit2 handles are not
    // shareable), and emitted in walk order.
    // A reader's handle is opened when its first chunk arrives: ten new commits need one.
    let readerCount = max(1, workers)
    var readers = [CommitReader(history: history)]
    var inFlight: [Task<[CommitReader.Outcome], Never>] = []
    var next = 0
    var launched = 0
    func launch(_ chunk: [GitHistory.WalkedCommit]) throws {
      if readers.count < readerCount && next >= readers.count {
        readers.append(CommitReader(history: try GitHistory(path: config.root, trustOwner: config.git.trustOwner)))
      }
      let reader = readers[next % readers.count]
      // Line counts for the newest commits only: they read every changed blob.
      let counted = max(0, min(chunk.count, config.git.lineCountsPerRun - launched))
      launched += chunk.count
      inFlight.append(Task { await reader.read(chunk, countingLinesOfFirst: counted) })
      next += 1
    }
    var chunks = chunkStream.makeAsyncIterator()
    var walkEnded = false
    var freshCount = 0
    var batch: [GitCommitRecord] = []
    while true {
      // Two chunks per reader in flight: enough to keep every reader busy, few enough that
      // read commits do not pile up ahead of the writer.
      while !walkEnded && inFlight.count < readerCount * 2 {
        guard let chunk = await chunks.next() else {
          walkEnded = true
          try await walkEnd(walkResult.get(), newCommits: freshCount, into: sink)
          break
        }
        walker?.took()
        freshCount += chunk.count
        try launch(chunk)
      }
      guard !inFlight.isEmpty else { break }
      for outcome in await inFlight.removeFirst().value {
        switch outcome {
        case .commit(var record):
          if filtersPaths { record.changes = record.changes.filter { filter.admits($0.path) } }
          if !record.changesComplete && !record.isMerge && !history.shallowBoundary.contains(record.sha) {
            try await sink.accept(
              .issue(CrawlIssue(kind: .unreadable, path: record.sha, message: "commit \(record.sha): a tree or parent could not be read (missing or corrupt object); its file list is partial")))
          }
          batch.append(record)
        case .failed(let sha, let error):
          try await sink.accept(.issue(CrawlIssue(kind: .unreadable, path: sha, message: error.description)))
        }
        if batch.count >= batchSize {
          try await sink.accept(.commits(batch))
          batch = []
        }
      }
    }
    if !batch.isEmpty { try await sink.accept(.commits(batch)) }

    try await sink.accept(.finished(refs: tips))
  }
}

extension GitConnector {
  /// What the walk found once it ended: the missing commits as problems, then the count.
  private func walkEnd(_ walk: GitHistory.Walk?, newCommits: Int, into sink: any HistorySink) async throws {
    for missing in walk?.missing ?? [] {
      try await sink.accept(
        .issue(CrawlIssue(kind: .unreadable, path: missing, message: "commit \(missing) is missing from the object database (corrupt or partial clone); history below it is not indexed")))
    }
    try await sink.accept(.counted(newCommits: newCommits))
  }
}

/// How many commits go in each chunk: small ones among the newest (whose lines are counted,
/// the slow part), so that several readers share them; the rest in full-size chunks.
struct Chunking: Sendable {
  let size: Int
  let smallSize: Int
  let smallUntil: Int

  /// The size of the chunk that starts after `offset` commits.
  func size(after offset: Int) -> Int {
    offset < smallUntil ? max(1, min(smallSize, size)) : max(1, size)
  }
}

/// The walk's outcome, handed from the walking thread to the crawl (set before the chunk
/// stream finishes, read after it).
final class WalkResult: @unchecked Sendable {
  private let lock = NSLock()
  private var walk: GitHistory.Walk?

  func set(_ value: GitHistory.Walk) { lock.withLock { walk = value } }
  func get() -> GitHistory.Walk? { lock.withLock { walk } }
}

/// A fast-forward walk on its own thread and repository handle, feeding chunks of new commits
/// as it reaches them, at most `window` chunks ahead of the crawl: each holds its commits'
/// messages, and a walk that ran ahead unchecked held the whole history's (40 MB on moby).
final class Walker: @unchecked Sendable {
  private let history: GitHistory
  private let room: DispatchSemaphore
  private let lock = NSLock()
  private var stopped = false

  init(history: GitHistory, window: Int = 32) {
    self.history = history
    room = DispatchSemaphore(value: window)
  }

  /// The crawl took a chunk: the walk may run one further ahead.
  func took() { room.signal() }

  /// The crawl is over (finished or failed): the walk stops waiting and yields nothing more.
  func stop() {
    lock.withLock { stopped = true }
    room.signal()
  }

  private var isStopped: Bool { lock.withLock { stopped } }

  /// Waits for room in the window, a second at a time so that a crawl gone away is noticed;
  /// false when the crawl stopped.
  private func waitForRoom() -> Bool {
    while room.wait(timeout: .now() + 1) == .timedOut {
      if isStopped { return false }
    }
    if isStopped {
      room.signal()  // pass the wake-up on
      return false
    }
    return true
  }

  func start(
    from tips: [String], skipping indexed: Set<String>, chunking: Chunking, feed: AsyncStream<[GitHistory.WalkedCommit]>.Continuation,
    result: WalkResult
  ) {
    DispatchQueue(label: "ctx.git.walk").async {
      var chunk: [GitHistory.WalkedCommit] = []
      var handed = 0
      var feeding = true
      func hand(_ commits: [GitHistory.WalkedCommit]) {
        guard feeding else { return }
        handed += commits.count
        if self.waitForRoom() { feed.yield(commits) } else { feeding = false }
      }
      // Once the crawl has stopped, no parent is queued: the walk ends with what it holds.
      let walk = self.history.walkReading(from: tips, stop: { !feeding || indexed.contains($0) }) { walked in
        guard feeding, !indexed.contains(walked.sha) else { return }
        chunk.append(walked)
        if chunk.count == chunking.size(after: handed) {
          hand(chunk)
          chunk = []
        }
      }
      if !chunk.isEmpty { hand(chunk) }
      result.set(walk)
      feed.finish()
    }
  }
}

/// One repository handle and the serial queue it is used on: libgit2 objects are not shared
/// between threads, so each reader owns its own.
final class CommitReader: @unchecked Sendable {
  enum Outcome: Sendable {
    case commit(GitCommitRecord)
    case failed(String, CtxError)
  }

  private let history: GitHistory
  private let queue = DispatchQueue(label: "ctx.git.reader")

  init(history: GitHistory) {
    self.history = history
  }

  func read(_ commits: [GitHistory.WalkedCommit], countingLinesOfFirst counted: Int) async -> [Outcome] {
    await withCheckedContinuation { continuation in
      queue.async {
        continuation.resume(
          returning: commits.enumerated().map { index, walked in
            do { return .commit(try self.history.commit(walked, countLines: index < counted)) } catch {
              return .failed(walked.sha, error as? CtxError ?? CtxError(.gitFailed, "\(error)"))
            }
          })
      }
    }
  }
}

/// How far a repository is from what the index holds: what `ctx status` reports as "behind".
public struct PendingCommits: Sendable, Codable, Hashable {
  /// Commits the refs have that the index does not (summed over refs).
  public var newCommits = 0
  /// A ref's indexed tip is no longer its ancestor (force-push, rebase).
  public var rewritten = false
  /// Configured refs that were never indexed, or no longer exist.
  public var refsChanged: [String] = []
}

extension GitConnector {
  public func pendingCommits(indexedRefs: [String: String]) throws -> PendingCommits {
    let history = try GitHistory(path: config.root, trustOwner: config.git.trustOwner)
    var pending = PendingCommits()
    for ref in config.git.refs {
      let tip = try history.resolve(ref)
      guard let tip, let old = indexedRefs[ref] else {
        if tip != nil || indexedRefs[ref] != nil { pending.refsChanged.append(ref) }
        continue
      }
      guard tip != old else { continue }
      if history.isAncestor(old, of: tip), let counts = history.aheadBehind(tip, old) {
        pending.newCommits += counts.ahead
      } else {
        pending.rewritten = true
        pending.newCommits += history.aheadBehind(tip, old)?.ahead ?? 0
      }
    }
    for ref in indexedRefs.keys where !config.git.refs.contains(ref) { pending.refsChanged.append(ref) }
    return pending
  }
}

import CtxAnnotations
import CtxCore
import CtxStore
import Foundation

/// The annotations queries use: the files in `annotations/` as they are at this request, so
/// `ctx annotate`, `ctx correct` and a review are in effect at the next query of every process
/// (a long-running `ctx serve` included) without `ctx index`.
///
/// One per folder and process. Each call lists the folder and stats every file. While every
/// file is as the last `ctx index` mirrored it (its size, mtime and inode are the ones the
/// mirror recorded), the mirror answers, as before. Otherwise the rows are built in memory:
/// unchanged files from the mirror, and only new or changed files read and parsed; later
/// calls re-read only files whose stamp changed again. Nothing is written to the database and
/// the index lock is never taken.
public final class CurrentAnnotations: @unchecked Sendable {
  public let folder: String
  private let lock = NSLock()
  /// What this process knows, by id bytes (Swift's `String` equality would merge two files
  /// whose names differ only in Unicode normalization).
  private var known: [[UInt8]: (stamp: AnnotationFileStamp, row: AnnotationRow?)] = [:]
  private var currentRows: [AnnotationRow] = []
  private var generation = 0
  private var textIndex: AnnotationTextIndex?
  private var indexedGeneration = -1

  /// Below this many files to read, parsing them beats loading the mirror.
  static let mirrorThreshold = 32

  init(folder: String) {
    self.folder = folder
  }

  private static let registryLock = NSLock()
  nonisolated(unsafe) private static var registry: [String: CurrentAnnotations] = [:]

  public static func shared(folder: String) -> CurrentAnnotations {
    registryLock.withLock {
      if let found = registry[folder] { return found }
      let made = CurrentAnnotations(folder: folder)
      registry[folder] = made
      return made
    }
  }

  /// The folder as it is now, listed once.
  public struct Snapshot: Sendable {
    /// Every annotation that parses, with its liveness, by name; nil when the index's mirror
    /// holds exactly these (then its SQL answers, as fast as before annotations were read
    /// from the folder). Files that do not parse are left out (`ctx index` and
    /// `ctx conflicts` report them).
    public var rows: [AnnotationRow]?
    var generation: Int
  }

  /// - Parameter store: the index whose mirror may stand in for unchanged files.
  public func snapshot(store: IndexStore?) -> Snapshot {
    let entries = AnnotationListing.list(folder)
    return lock.withLock {
      let keys = entries.map { Array($0.id.utf8) }
      let unknown = zip(entries, keys).filter { entry, key in known[key]?.stamp != entry.stamp }.map(\.0)
      if generation > 0 && unknown.isEmpty && entries.count == known.count { return Snapshot(rows: currentRows, generation: generation) }
      var mirror: [String: AnnotationRow] = [:]
      if unknown.count >= CurrentAnnotations.mirrorThreshold, let store {
        if mirrorIsCurrent(entries, store: store) { return Snapshot(rows: nil, generation: 0) }
        for row in (try? store.annotations()) ?? [] { mirror[row.name] = row }
      }
      var next: [[UInt8]: (stamp: AnnotationFileStamp, row: AnnotationRow?)] = [:]
      next.reserveCapacity(entries.count)
      var rows: [AnnotationRow] = []
      rows.reserveCapacity(entries.count)
      for (entry, key) in zip(entries, keys) {
        var item: (stamp: AnnotationFileStamp, row: AnnotationRow?)
        if let cached = known[key], cached.stamp == entry.stamp {
          item = cached
        } else if let row = mirror[entry.id], row.stamp == entry.stamp.text {
          item = (entry.stamp, row)
        } else {
          // New or changed since the last `ctx index`: read it; one that does not parse is skipped.
          item = (entry.stamp, (try? AnnotationFolder.read(entry).get())?.row(live: false, stamp: entry.stamp.text))
        }
        next[key] = item
        if let row = item.row { rows.append(row) }
      }
      let live = Liveness.live(rows, id: \.name, rejected: { $0.status == Annotation.Status.rejected.rawValue }, supersedes: \.supersedes)
      for index in rows.indices { rows[index].live = live.contains(rows[index].name) }
      known = next
      currentRows = rows
      generation += 1
      return Snapshot(rows: rows, generation: generation)
    }
  }

  /// True when the mirror holds exactly the annotations the folder does: every file's stamp is
  /// the one the mirror recorded, or the file does not parse (the mirror leaves those out too).
  /// Two narrow columns of the mirror and a few `stat`s: the common case of a query.
  private func mirrorIsCurrent(_ entries: [AnnotationFileEntry], store: IndexStore) -> Bool {
    guard let stamps = try? store.annotationStamps() else { return false }
    var matched = 0
    var misses: [AnnotationFileEntry] = []
    for entry in entries {
      if stamps[entry.id] == entry.stamp.text { matched += 1 } else { misses.append(entry) }
      if misses.count > CurrentAnnotations.mirrorThreshold { return false }
    }
    guard matched == stamps.count else { return false }
    return misses.allSatisfy { (try? AnnotationFolder.read($0).get()) == nil }
  }

  /// Full-text matches over `snapshot`'s annotations: names and bm25 scores (lower is better).
  /// The index's table while the files are as it mirrored them; otherwise an in-memory table
  /// kept in step with the files.
  public func match(_ expression: String, limit: Int, in snapshot: Snapshot, store: IndexStore) throws -> [(name: String, score: Double)] {
    guard let rows = snapshot.rows else { return try store.matchAnnotations(expression, limit: limit) }
    let index: AnnotationTextIndex = try lock.withLock {
      let index = try textIndex ?? AnnotationTextIndex()
      textIndex = index
      if indexedGeneration != snapshot.generation {
        try index.update(rows)
        indexedGeneration = snapshot.generation
      }
      return index
    }
    return try index.match(expression, limit: limit)
  }
}

/// One request's view of the annotations: the folder is listed once, at first use, and every
/// part of the request (layers, search, bundle) sees the same snapshot.
public final class AnnotationView: @unchecked Sendable {
  public let current: CurrentAnnotations
  let store: IndexStore
  private let lock = NSLock()
  private var taken: CurrentAnnotations.Snapshot?

  public init(folder: String, store: IndexStore) {
    current = CurrentAnnotations.shared(folder: folder)
    self.store = store
  }

  public var snapshot: CurrentAnnotations.Snapshot {
    lock.withLock {
      if let taken { return taken }
      let made = current.snapshot(store: store)
      taken = made
      return made
    }
  }

  /// The current rows, or nil when the index's mirror is current (use its SQL).
  public func rows() -> [AnnotationRow]? { snapshot.rows }

  public func match(_ expression: String, limit: Int) throws -> [(name: String, score: Double)] {
    try current.match(expression, limit: limit, in: snapshot, store: store)
  }
}

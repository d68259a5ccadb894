import CtxAnnotations
import CtxCore
import CtxStore
import Foundation

/// The annotations queries use: the files in `annotations/` as they are at this request, so
/// `ctx annotate`, `ctx correct` and a review are in effect at the next query of every process
/// (a long-running `ctx serve` included) without `ctx index`.
///
/// One per folder and process. Each request lists the folder and stats every file, and
/// compares each file's (size, mtime, inode) with the stamp the index's mirror recorded when
/// `ctx index` read it:
/// - all as mirrored: the mirror answers, as it did before queries read the folder;
/// - a few new, changed or removed files (the state between a correction and the next
///   `ctx index`): only those are read, and the mirror's answers are corrected by them
///   (an overlay), with liveness recomputed over the whole folder;
/// - many (a large `git pull`), or no index: every row is built in memory, unchanged files
///   from the mirror, and kept for the life of the process, which later re-reads only files
///   whose stamp changed again.
/// Nothing is written to the database and the index lock is never taken.
public final class CurrentAnnotations: @unchecked Sendable {
  public let folder: String
  private let lock = NSLock()
  /// What this process has built, by id bytes (Swift's `String` equality would merge two
  /// files whose names differ only in Unicode normalization).
  private var known: [[UInt8]: (stamp: AnnotationFileStamp, row: AnnotationRow?)] = [:]
  private var knownRows: [AnnotationRow] = []
  private var generation = 0
  private var lastOverlay: (key: [String], overlay: Overlay)?
  private var textIndex: AnnotationTextIndex?
  private var indexedGeneration = -1

  /// Up to this many changed files are read on top of the mirror; past it, every row is built.
  static let overlayLimit = 500

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

  /// The mirror's rows corrected by the files that changed since `ctx index`.
  public struct Overlay: Sendable {
    /// Mirrored names to leave out: removed, or changed (their new version is in `rows`).
    var hidden: Set<String>
    /// New and changed annotations, read from their files.
    var rows: [AnnotationRow]
    /// Live ids over the whole folder.
    var live: Set<String>
    var generation: Int

    /// `mirrored` (rows of the mirror) as the folder now has them.
    func apply(_ mirrored: [AnnotationRow], adding extra: [AnnotationRow]) -> [AnnotationRow] {
      (mirrored.filter { !hidden.contains($0.name) } + extra).map { row in
        var row = row
        row.live = live.contains(row.name)
        return row
      }
    }
  }

  /// The folder as it is now, listed once.
  public enum Snapshot: Sendable {
    /// The index's mirror holds exactly the folder's annotations.
    case mirror
    case overlay(Overlay)
    /// Every annotation that parses, with its liveness.
    case rows([AnnotationRow], generation: Int)
  }

  /// - Parameter store: the index whose mirror stands in for unchanged files.
  public func snapshot(store: IndexStore?) -> Snapshot {
    let entries = AnnotationListing.list(folder)
    return lock.withLock {
      let keys = entries.map { Array($0.id.utf8) }
      if generation > 0, entries.count == known.count, zip(entries, keys).allSatisfy({ known[$1]?.stamp == $0.stamp }) {
        return .rows(knownRows, generation: generation)
      }
      if known.isEmpty, let store, let mirrored = try? store.annotationStates() {
        if let snapshot = overlay(entries, mirrored: mirrored) { return snapshot }
        return build(entries, keys: keys, mirror: Dictionary(((try? store.annotations()) ?? []).map { ($0.name, $0) }) { first, _ in first })
      }
      return build(entries, keys: keys, mirror: [:])
    }
  }

  /// The mirror plus the few files that differ from it; nil when too many do.
  private func overlay(_ entries: [AnnotationFileEntry], mirrored: [String: IndexStore.AnnotationState]) -> Snapshot? {
    var misses: [AnnotationFileEntry] = []
    var matched = Set<String>()
    for entry in entries {
      if let state = mirrored[entry.id], state.stamp == entry.stamp.text {
        matched.insert(entry.id)
      } else {
        misses.append(entry)
        if misses.count > CurrentAnnotations.overlayLimit { return nil }
      }
    }
    let rows = misses.compactMap { entry in (try? AnnotationFolder.read(entry).get())?.row(live: false, stamp: entry.stamp.text) }
    let hidden = Set(mirrored.keys).subtracting(matched)
    if rows.isEmpty && hidden.isEmpty { return .mirror }
    let key = misses.map { "\($0.id)@\($0.stamp.text)" }.sorted() + ["--"] + hidden.sorted()
    if let last = lastOverlay, last.key == key { return .overlay(last.overlay) }
    var states = mirrored.filter { matched.contains($0.key) }.map { (name: $0.key, rejected: $0.value.rejected, supersedes: $0.value.supersedes) }
    states += rows.map { (name: $0.name, rejected: $0.status == Annotation.Status.rejected.rawValue, supersedes: $0.supersedes) }
    let live = Liveness.live(states, id: \.name, rejected: \.rejected, supersedes: \.supersedes)
    generation += 1
    let made = Overlay(hidden: hidden, rows: rows, live: live, generation: generation)
    lastOverlay = (key, made)
    return .overlay(made)
  }

  /// Every row in memory: cached, from the mirror when its stamp matches, else parsed.
  private func build(_ entries: [AnnotationFileEntry], keys: [[UInt8]], mirror: [String: AnnotationRow]) -> Snapshot {
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
    knownRows = rows
    generation += 1
    return .rows(rows, generation: generation)
  }

  /// Full-text matches over `texts` (names and bm25 scores, lower is better), on an in-memory
  /// table with the index's tokenizer and weights, updated row by row as `generation` moves.
  func match(_ expression: String, limit: Int, texts: () throws -> [AnnotationText], generation: Int) throws -> [(name: String, score: Double)] {
    let index: AnnotationTextIndex = try lock.withLock {
      let index = try textIndex ?? AnnotationTextIndex()
      textIndex = index
      if indexedGeneration != generation {
        try index.update(try texts())
        indexedGeneration = generation
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
  private var all: [AnnotationRow]?

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

  /// Every annotation, with its liveness (fetched once a request).
  public func allRows() throws -> [AnnotationRow] {
    if let all = lock.withLock({ all }) { return all }
    let made: [AnnotationRow]
    switch snapshot {
    case .mirror: made = try store.annotations()
    case .overlay(let overlay): made = overlay.apply(try store.annotations(), adding: overlay.rows)
    case .rows(let rows, _): made = rows
    }
    lock.withLock { all = made }
    return made
  }

  /// Annotations that are not rejected on these symbols (in any spelling) or of these target
  /// kinds, like `IndexStore.annotations(symbols:kinds:)`.
  public func rows(symbols: [String], kinds: [String]) throws -> [AnnotationRow] {
    let norms = Set(symbols.map(IndexStore.normalizedSymbol))
    func wanted(_ rows: [AnnotationRow]) -> [AnnotationRow] {
      rows.filter {
        $0.status != Annotation.Status.rejected.rawValue
          && ($0.targetKind == "symbol"
            ? norms.contains(IndexStore.symbolTargetNorm($0.targetValue))
              || (kinds.contains(IndexStore.qualifiedSymbolKind) && IndexStore.qualifiedSymbol($0.targetValue) != nil)
            : kinds.contains($0.targetKind))
      }
    }
    switch snapshot {
    case .mirror: return try store.annotations(symbols: symbols, kinds: kinds)
    case .overlay(let overlay): return overlay.apply(try store.annotations(symbols: symbols, kinds: kinds), adding: wanted(overlay.rows))
    case .rows(let rows, _): return wanted(rows)
    }
  }

  public func isEmpty() throws -> Bool {
    switch snapshot {
    case .mirror: return try store.annotationCount() == 0
    case .overlay(let overlay): return try overlay.rows.isEmpty && store.annotationCount() == overlay.hidden.count
    case .rows(let rows, _): return rows.isEmpty
    }
  }

  /// Full-text matches: the index's table while the files are as mirrored, otherwise an
  /// in-memory one over the current rows.
  public func match(_ expression: String, limit: Int) throws -> [(name: String, score: Double)] {
    switch snapshot {
    case .mirror: return try store.matchAnnotations(expression, limit: limit)
    case .overlay(let overlay):
      // The mirror's texts (identifier parts as stored) with the changed files' in their place.
      let texts = { try self.store.annotationTexts().filter { !overlay.hidden.contains($0.name) } + overlay.rows.map(AnnotationText.init) }
      return try current.match(expression, limit: limit, texts: texts, generation: overlay.generation)
    case .rows(let rows, let generation): return try current.match(expression, limit: limit, texts: { rows.map(AnnotationText.init) }, generation: generation)
    }
  }

  /// The annotations with these names, with their liveness.
  public func rows(named names: [String]) throws -> [AnnotationRow] {
    let wanted = Set(names)
    switch snapshot {
    case .mirror: return try store.annotations(names: names)
    case .overlay(let overlay): return overlay.apply(try store.annotations(names: names), adding: overlay.rows.filter { wanted.contains($0.name) })
    case .rows(let rows, _): return rows.filter { wanted.contains($0.name) }
    }
  }
}

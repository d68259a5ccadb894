import CtxAnnotations
import CtxCore
import CtxStore
import Foundation

/// The annotations queries use: the files in `annotations/` as they are at this request, not
/// the index's mirror of them, so `ctx annotate`, `ctx correct` and a review are in effect at
/// the next query of every process (a long-running `ctx serve` included) without `ctx index`.
///
/// One per folder and process, built on `AnnotationCache`: rows are rebuilt only when a file
/// changed, and the in-memory full-text table (for `ctx search`) is built on first use and then
/// updated row by row.
public final class CurrentAnnotations: @unchecked Sendable {
  public let cache: AnnotationCache
  private let lock = NSLock()
  private var generation = -1
  private var currentRows: [AnnotationRow] = []
  private var textIndex: AnnotationTextIndex?
  private var indexedGeneration = -1

  init(folder: String) {
    cache = AnnotationCache.shared(folder: folder)
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

  /// Every annotation that parses, with its liveness, by name. Files that do not parse are
  /// left out (`ctx index` and `ctx conflicts` report them).
  public func rows() -> [AnnotationRow] {
    let snapshot = cache.snapshot()
    return lock.withLock {
      if snapshot.generation != generation {
        currentRows = snapshot.annotations.map { $0.row(live: snapshot.live.contains($0.id)) }
        generation = snapshot.generation
      }
      return currentRows
    }
  }

  /// Full-text matches over the current annotations: names and bm25 scores (lower is better).
  public func match(_ expression: String, limit: Int) throws -> [(name: String, score: Double)] {
    let rows = rows()
    let index: AnnotationTextIndex = try lock.withLock {
      let index = try textIndex ?? AnnotationTextIndex()
      textIndex = index
      if indexedGeneration != generation {
        try index.update(rows)
        indexedGeneration = generation
      }
      return index
    }
    return try index.match(expression, limit: limit)
  }
}

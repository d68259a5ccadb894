import CtxCore
import Foundation

/// The annotations as the files say now, for readers (queries, `ctx serve`).
public struct AnnotationSnapshot: Sendable {
  /// Every annotation that parses, sorted by id.
  public var annotations: [Annotation]
  /// Ids of the live ones (`ConflictDetector.live`): not rejected, not superseded.
  public var live: Set<String>
  /// Files that do not parse: queries skip them; `ctx index` and `ctx conflicts` report them.
  public var errors: [CtxError]
  public var clashes: [IdClash]
  /// Changes whenever anything above changes (within one process), for caches built on it.
  public var generation: Int

  public static let empty = AnnotationSnapshot(annotations: [], live: [], errors: [], clashes: [], generation: 0)
}

/// A per-process cache of `annotations/`, so that a new, changed or removed file is in effect
/// at the next request of every process, with no `ctx index` and no write to the database.
///
/// Each call lists the folder and stats every file (milliseconds for 10,000), re-reads only
/// files whose (size, mtime, inode) changed, and recomputes liveness when anything did. It
/// never takes the index lock, so a running `ctx index` does not delay it.
public final class AnnotationCache: @unchecked Sendable {
  public let folder: String
  private let lock = NSLock()
  /// By path as bytes: Swift compares strings by canonical equivalence, and two files whose
  /// names differ only in Unicode normalization are two files.
  private var files: [[UInt8]: (stamp: AnnotationFileStamp, entry: AnnotationFileEntry, parsed: Result<Annotation, CtxError>)] = [:]
  private var current = AnnotationSnapshot.empty

  public init(folder: String) {
    self.folder = folder
  }

  private static let registryLock = NSLock()
  nonisolated(unsafe) private static var registry: [String: AnnotationCache] = [:]

  /// The process's cache for `folder`.
  public static func shared(folder: String) -> AnnotationCache {
    registryLock.withLock {
      if let cache = registry[folder] { return cache }
      let cache = AnnotationCache(folder: folder)
      registry[folder] = cache
      return cache
    }
  }

  /// The folder as it is now.
  public func snapshot() -> AnnotationSnapshot {
    lock.withLock {
      let entries = AnnotationListing.list(folder)
      var changed = entries.count != files.count
      var next: [[UInt8]: (stamp: AnnotationFileStamp, entry: AnnotationFileEntry, parsed: Result<Annotation, CtxError>)] = [:]
      next.reserveCapacity(entries.count)
      for entry in entries {
        let key = Array(entry.path.utf8)
        if let known = files[key], known.stamp == entry.stamp {
          next[key] = known
        } else {
          changed = true
          next[key] = (entry.stamp, entry, AnnotationFolder.read(entry))
        }
      }
      guard changed || current.generation == 0 else { return current }
      files = next
      var annotations: [Annotation] = []
      var errors: [CtxError] = []
      for entry in entries {
        switch next[Array(entry.path.utf8)]!.parsed {
        case .success(let annotation): annotations.append(annotation)
        case .failure(let error): errors.append(error)
        }
      }
      current = AnnotationSnapshot(
        annotations: annotations, live: Set(ConflictDetector.live(annotations).map(\.id)), errors: errors, clashes: IdClashes.find(entries),
        generation: current.generation + 1)
      return current
    }
  }
}

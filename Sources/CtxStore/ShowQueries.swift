import CtxCore
import Foundation
import GRDB

/// A file as the index holds it, with its source: what `ctx show` compares the disk against.
public struct IndexedFileInfo: Sendable, Hashable {
  public var source: String
  public var kind: String
  /// The source's root folder (absolute); the file lives at `root + "/" + path`.
  public var root: String
  public var path: String
  /// The git blob id of the content that was indexed.
  public var contentHash: String
  public var lineCount: Int
  /// When the content was indexed (seconds since 1970).
  public var indexedAt: Double
  /// The commit-ish a `revision:` source reads its files from; nil: they are on disk.
  public var revision: String? = nil
}

extension IndexStore {
  /// The indexed files at `path` (relative to their source's root), in every source, by
  /// source name.
  ///
  /// ```sql
  /// SELECT s.name, s.kind, s.root, f.path, f.content_hash, f.line_count, f.indexed_at
  /// FROM file f JOIN source s ON s.id = f.source_id WHERE f.path = ? ORDER BY s.name
  /// ```
  public func indexedFiles(atPath path: String) throws -> [IndexedFileInfo] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT s.name, s.kind, s.root, f.path, f.content_hash, f.line_count, f.indexed_at, s.revision
          FROM file f JOIN source s ON s.id = f.source_id WHERE f.path = ? ORDER BY s.name
          """, arguments: [path]
      ).map {
        IndexedFileInfo(
          source: $0[0], kind: $0[1], root: $0[2], path: $0[3], contentHash: $0[4], lineCount: $0[5], indexedAt: $0[6], revision: $0[7])
      }
    }
  }
}

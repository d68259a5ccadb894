import CtxCore
import Foundation
import GRDB

/// What full-text search indexes of one annotation.
public struct AnnotationText: Sendable, Hashable {
  public var name: String
  public var target: String
  public var body: String
  /// Identifier parts of target and body, as the mirror stores them.
  public var parts: String

  public init(name: String, target: String, body: String, parts: String) {
    self.name = name
    self.target = target
    self.body = body
    self.parts = parts
  }

  public init(_ row: AnnotationRow) {
    self.init(name: row.name, target: row.target, body: row.body, parts: IdentifierParts.expansion(of: row.target + "\n" + row.body))
  }
}

/// Full-text search over the annotations as the files say now: an in-memory FTS5 table with
/// the index's tokenizer and column weights, kept in step with the texts it is given (only
/// changed ones are rewritten). It lets a query search annotations written after the last
/// `ctx index` without writing to the index.
public final class AnnotationTextIndex: @unchecked Sendable {
  private let queue: DatabaseQueue
  private let lock = NSLock()
  /// What the table holds, by annotation name.
  private var rows: [String: (rowid: Int64, text: AnnotationText)] = [:]
  private var names: [Int64: String] = [:]

  public init() throws {
    SQLiteSettings.apply()
    do {
      queue = try DatabaseQueue()
      try queue.write { db in
        try db.execute(
          sql: "CREATE VIRTUAL TABLE annotation_ft USING fts5(target, body, parts, tokenize='porter unicode61 remove_diacritics 2')")
      }
    } catch { throw IndexStore.wrap(error, "cannot set up annotation search in memory", path: ":memory:") }
  }

  /// Makes the table hold exactly `current` (by name), rewriting only texts that changed.
  public func update(_ current: [AnnotationText]) throws {
    try lock.withLock {
      var wanted: [String: AnnotationText] = [:]
      for text in current { wanted[text.name] = text }
      let removed = rows.filter { wanted[$0.key] != $0.value.text }
      let added = current.filter { rows[$0.name]?.text != $0 }
      guard !removed.isEmpty || !added.isEmpty else { return }
      do {
        try queue.write { db in
          let delete = try db.cachedStatement(sql: "DELETE FROM annotation_ft WHERE rowid = ?")
          for (name, entry) in removed {
            try delete.execute(arguments: [entry.rowid])
            rows[name] = nil
            names[entry.rowid] = nil
          }
          let insert = try db.cachedStatement(sql: "INSERT INTO annotation_ft(target, body, parts) VALUES (?, ?, ?)")
          for text in added {
            try insert.execute(arguments: [text.target, text.body, text.parts])
            rows[text.name] = (db.lastInsertedRowID, text)
            names[db.lastInsertedRowID] = text.name
          }
        }
      } catch { throw IndexStore.wrap(error, "cannot update annotation search in memory", path: ":memory:") }
    }
  }
  /// Names and bm25 scores (lower is better), like `IndexStore.matchAnnotations`.
  public func match(_ expression: String, limit: Int) throws -> [(name: String, score: Double)] {
    try lock.withLock {
      let found: [(Int64, Double)]
      do {
        found = try queue.read { db in
          try Row.fetchAll(
            db, sql: "SELECT rowid, bm25(annotation_ft, \(Schema.annotationWeights)) AS score FROM annotation_ft WHERE annotation_ft MATCH ? ORDER BY score LIMIT ?",
            arguments: [expression, limit]
          ).map { ($0[0], $0[1]) }
        }
      } catch { throw IndexStore.wrap(error, "cannot search annotations", path: ":memory:") }
      return found.compactMap { rowid, score in names[rowid].map { (name: $0, score: score) } }
    }
  }
}

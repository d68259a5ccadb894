import CtxCore
import Foundation
import GRDB

/// The `vocabulary` table: each full-text table's terms and how many rows hold each, copied
/// from `fts5vocab` after a run changes the table, so that searches pick a long query's rarest
/// words with B-tree lookups instead of walking doclists.
extension IndexStore {
  /// The full-text tables the vocabulary covers.
  public static let vocabularyTables = ["chunk_ft", "section_ft", "thread_ft", "commit_ft"]

  /// Merges a full-text table's segments into one (FTS5 `optimize`). Automatic merging is off
  /// (schema v6): after a run that rewrote most of a table (a re-cut of every file), its old
  /// rows' tombstones and the new segments doubled moby's `chunk_ft` and made long searches
  /// 12% slower until merged; `optimize` takes about 2 s there.
  public func optimizeFullText(_ tables: [String]) async throws {
    for table in tables where IndexStore.vocabularyTables.contains(table) {
      try await write { db in try db.execute(sql: "INSERT INTO \(table)(\(table)) VALUES('optimize')") }
    }
  }

  /// Copies the term counts of `tables` from their `fts5vocab` views (moby: about 1 s for
  /// chunks and commits together). Readers see the previous copy until it commits.
  public func refreshVocabulary(_ tables: [String]) async throws {
    for table in tables where IndexStore.vocabularyTables.contains(table) {
      try await write { db in
        try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.ctx_vocab_\(table) USING fts5vocab(main, \(table), 'row')")
        try db.execute(sql: "DELETE FROM vocabulary WHERE fts = ?", arguments: [table])
        try db.execute(sql: "INSERT INTO vocabulary(fts, term, documents) SELECT ?, term, doc FROM temp.ctx_vocab_\(table)", arguments: [table])
        try db.execute(
          sql: "INSERT INTO vocabulary_built(fts, built) VALUES (?, ?) ON CONFLICT(fts) DO UPDATE SET built = excluded.built",
          arguments: [table, Date().timeIntervalSince1970])
      }
    }
  }

  /// Marks the copies of `tables` out of date (inside the transaction that changed them):
  /// searches count from `fts5vocab` until the end of the run refreshes them.
  public func invalidateVocabulary(_ tables: [String]) async throws {
    try await write { db in
      for table in tables { try db.execute(sql: "DELETE FROM vocabulary_built WHERE fts = ?", arguments: [table]) }
    }
  }

  /// The tables whose vocabulary copy is missing or out of date (a new index, one from before
  /// v8, or a table changed by a run that ended before its copy was refreshed).
  public func vocabularyMissing() throws -> [String] {
    let built = try read { db in Set(try String.fetchAll(db, sql: "SELECT fts FROM vocabulary_built")) }
    return IndexStore.vocabularyTables.filter { !built.contains($0) }
  }

  /// Rows of `table` holding each term, from the copy; nil when there is no copy yet (callers
  /// then ask `fts5vocab`).
  func vocabularyCounts(_ table: String, _ terms: [String], in db: Database) throws -> [String: Int]? {
    guard try Bool.fetchOne(db, sql: "SELECT 1 FROM vocabulary_built WHERE fts = ?", arguments: [table]) == true else { return nil }
    let statement = try db.cachedStatement(sql: "SELECT documents FROM vocabulary WHERE fts = ? AND term = ?")
    var counts: [String: Int] = [:]
    for term in terms { counts[term] = try Int.fetchOne(statement, arguments: [table, term]) ?? 0 }
    return counts
  }
}

import CtxCore
import Foundation
import GRDB

/// One run of one source, as `ctx status` reports it.
public struct SourceRun: Sendable, Hashable {
  public var started: Date
  public var finished: Date
  public var seconds: Double
  /// `ok`, `partial` or `failed`.
  public var status: String
  /// The run's `SourceReport` as JSON.
  public var reportJSON: String
}

/// What the index knows about a source's runs.
public struct SourceRecord: Sendable, Hashable {
  public var id: Int64
  public var name: String
  public var kind: String
  public var root: String
  public var lastRun: SourceRun?
  /// The last run that was `ok` or `partial`.
  public var lastSuccess: SourceRun?
  /// What the index holds for the source now.
  public var totals: SourceTotals
}

public struct SourceTotals: Sendable, Hashable, Codable {
  public var files = 0
  public var chunks = 0
  public var symbols = 0
  public var commits = 0
}

extension IndexStore {
  public func sourceRecords() throws -> [SourceRecord] {
    try read { db in
      let runQuery = try db.cachedStatement(
        sql: "SELECT started, finished, seconds, status, report FROM source_run WHERE source_id = ? AND (? OR status != 'failed') ORDER BY finished DESC LIMIT 1")
      func run(_ sourceID: Int64, successful: Bool) throws -> SourceRun? {
        try Row.fetchOne(runQuery, arguments: [sourceID, !successful]).map {
          SourceRun(
            started: Date(timeIntervalSince1970: $0[0]), finished: Date(timeIntervalSince1970: $0[1]), seconds: $0[2], status: $0[3],
            reportJSON: $0[4])
        }
      }
      func count(_ sql: String, _ id: Int64) throws -> Int { try Int.fetchOne(db, sql: sql, arguments: [id]) ?? 0 }
      return try Row.fetchAll(db, sql: "SELECT id, name, kind, root FROM source ORDER BY name").map { row in
        let id: Int64 = row[0]
        let totals = SourceTotals(
          files: try count("SELECT count(*) FROM file WHERE source_id = ?", id),
          chunks: try count("SELECT count(*) FROM chunk JOIN file ON file.id = chunk.file_id WHERE file.source_id = ?", id),
          symbols: try count("SELECT count(*) FROM symbol JOIN file ON file.id = symbol.file_id WHERE file.source_id = ?", id),
          commits: try count("SELECT count(*) FROM git_commit WHERE source_id = ?", id))
        return SourceRecord(
          id: id, name: row[1], kind: row[2], root: row[3], lastRun: try run(id, successful: false), lastSuccess: try run(id, successful: true),
          totals: totals)
      }
    }
  }

  /// The schema version this ctx writes.
  public static var currentSchemaVersion: Int { Schema.version }

  /// The schema version of the index file.
  public func schemaVersion() throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
  }

  /// The git sources' ref cursors, by source name.
  public func refCursors(sourceID: Int64) throws -> [String: String] {
    try read { db in
      var refs: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT name, tip FROM git_ref WHERE source_id = ?", arguments: [sourceID]) { refs[row[0]] = row[1] }
      return refs
    }
  }
}

/// The SQLite ctx runs on, for `ctx doctor`.
public struct SQLiteFacts: Sendable, Codable {
  public var version: String
  public var fts5: Bool
  public var fts5Error: String?
  /// Connections without a mutex of their own, and no allocation statistics
  /// (`SQLiteSettings`); false when a connection opened before ctx could set them.
  public var multiThread: Bool = false
}

extension IndexStore {
  /// Asks an in-memory database for its version and whether FTS5 works (creates a table).
  public static func sqliteFacts() -> SQLiteFacts {
    SQLiteSettings.apply()
    do {
      let queue = try DatabaseQueue()
      return try queue.write { db in
        let version = try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?"
        let multiThread = SQLiteSettings.applied && SQLiteSettings.isMultiThread(db)
        do {
          try db.execute(sql: "CREATE VIRTUAL TABLE probe USING fts5(a, tokenize='porter unicode61 remove_diacritics 2')")
          try db.execute(sql: "INSERT INTO probe VALUES ('running tests')")
          let found = try Int.fetchOne(db, sql: "SELECT count(*) FROM probe WHERE probe MATCH 'run'") ?? 0
          return SQLiteFacts(version: version, fts5: found == 1, fts5Error: found == 1 ? nil : "the porter tokenizer did not match", multiThread: multiThread)
        } catch {
          return SQLiteFacts(version: version, fts5: false, fts5Error: "\(error)", multiThread: multiThread)
        }
      }
    } catch {
      return SQLiteFacts(version: "unavailable", fts5: false, fts5Error: "\(error)")
    }
  }

  /// A quick health check of an index file: `PRAGMA quick_check` and FTS5's integrity check
  /// with rank = 1 on every full-text table. Returns the problems (empty when healthy).
  /// FTS5 runs its check through an INSERT, so this takes the write lock briefly; while a
  /// `ctx index` holds it, the call waits up to the busy timeout and then throws `.storeBusy`.
  public func healthProblems() throws -> [String] {
    try writeSync { db in
      var problems = try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
      for table in IndexStore.fullTextTables {
        do {
          try db.execute(sql: "INSERT INTO \(table)(\(table), rank) VALUES('integrity-check', 1)")
        } catch {
          problems.append("\(table): \(error)")
        }
      }
      return problems
    }
  }
}

import CtxCore
import GRDB

/// A file a past commit changed, for the history signals of code ranking.
public struct CommitFile: Sendable, Hashable {
  public var commitID: Int64
  public var sourceID: Int64
  public var path: String
  /// How many files the commit changed in all.
  public var filesChanged: Int
  public var time: Int64
}

/// Batched look-ups for file-level ranking (docs/ranking.md): each is one statement for all
/// candidates, never one per candidate.
extension IndexStore {
  /// The files changed by each of `commitIDs`.
  public func changedFiles(commitIDs: [Int64]) throws -> [CommitFile] {
    guard !commitIDs.isEmpty else { return [] }
    return try read { db in
      let placeholders = Array(repeating: "?", count: commitIDs.count).joined(separator: ",")
      return try Row.fetchAll(
        db,
        sql: """
          SELECT c.commit_id, g.source_id, p.path, g.files_changed, g.commit_time FROM git_change c
          JOIN git_path p ON p.id = c.path_id JOIN git_commit g ON g.id = c.commit_id
          WHERE c.commit_id IN (\(placeholders))
          """, arguments: StatementArguments(commitIDs)
      ).map { CommitFile(commitID: $0[0], sourceID: $0[1], path: $0[2], filesChanged: $0[3], time: $0[4]) }
    }
  }

  /// Churn and last change of `paths` in a git source, in one statement.
  public func fileSignals(sourceID: Int64, paths: [String]) throws -> [String: FileSignal] {
    guard !paths.isEmpty else { return [:] }
    return try read { db in
      let placeholders = Array(repeating: "?", count: paths.count).joined(separator: ",")
      var result: [String: FileSignal] = [:]
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT p.path, f.changes, f.last_time FROM git_path p JOIN file_signal f ON f.path_id = p.id
          WHERE p.source_id = ? AND p.path IN (\(placeholders))
          """, arguments: StatementArguments([sourceID]) + StatementArguments(paths))
      {
        result[row[0]] = FileSignal(path: row[0], changes: row[1], lastTime: row[2], lastCommit: "")
      }
      return result
    }
  }

  /// The newest commit time and the largest churn of a git source (what recency and churn
  /// are measured against).
  public func historyScale(sourceID: Int64) throws -> (newest: Int64, maxChanges: Int) {
    try read { db in
      let newest = try Int64.fetchOne(db, sql: "SELECT max(commit_time) FROM git_commit WHERE source_id = ?", arguments: [sourceID]) ?? 0
      let churn = try Int.fetchOne(db, sql: "SELECT max(changes) FROM file_signal WHERE source_id = ?", arguments: [sourceID]) ?? 0
      return (newest, churn)
    }
  }

  /// File ids of `paths` in the code source `source`.
  public func fileIDs(source: String, paths: [String]) throws -> [String: Int64] {
    guard !paths.isEmpty else { return [:] }
    return try read { db in
      let placeholders = Array(repeating: "?", count: paths.count).joined(separator: ",")
      var result: [String: Int64] = [:]
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT file.path, file.id FROM file JOIN source ON source.id = file.source_id
          WHERE source.name = ? AND file.path IN (\(placeholders))
          """, arguments: StatementArguments([source]) + StatementArguments(paths))
      {
        result[row[0]] = row[1]
      }
      return result
    }
  }

  /// For each of `fileIDs`, its chunk best matching `expression` (BM25, as `matchChunks`), or
  /// its first chunk when none matches.
  public func bestChunks(fileIDs: [Int64], expression: String?) throws -> [Int64: (chunk: Int64, score: Double?)] {
    guard !fileIDs.isEmpty else { return [:] }
    return try read { db in
      let placeholders = Array(repeating: "?", count: fileIDs.count).joined(separator: ",")
      var result: [Int64: (chunk: Int64, score: Double?)] = [:]
      if let expression {
        let rows = try Row.fetchAll(
          db,
          sql: """
            SELECT chunk.file_id, m.rowid, m.score FROM (
              SELECT rowid, bm25(chunk_ft, \(Schema.chunkWeights)) AS score FROM chunk_ft
              WHERE chunk_ft MATCH ? AND rowid IN (SELECT id FROM chunk WHERE file_id IN (\(placeholders)))
            ) m JOIN chunk ON chunk.id = m.rowid ORDER BY m.score
            """, arguments: StatementArguments([expression]) + StatementArguments(fileIDs))
        for row in rows {
          let file: Int64 = row[0]
          if result[file] == nil { result[file] = (row[1], row[2]) }
        }
      }
      let missing = fileIDs.filter { result[$0] == nil }
      if !missing.isEmpty {
        let marks = Array(repeating: "?", count: missing.count).joined(separator: ",")
        for row in try Row.fetchAll(
          db, sql: "SELECT file_id, min(id) FROM chunk WHERE file_id IN (\(marks)) GROUP BY file_id", arguments: StatementArguments(missing))
        {
          result[row[0]] = (row[1], nil)
        }
      }
      return result
    }
  }
}

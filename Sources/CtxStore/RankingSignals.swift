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
      let placeholders = databaseQuestionMarks(count: commitIDs.count)
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
      let placeholders = databaseQuestionMarks(count: paths.count)
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
      let placeholders = databaseQuestionMarks(count: paths.count)
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

  /// The chunks of `fileIDs`: id, file id and text, in line order.
  public func chunkTexts(fileIDs: [Int64]) throws -> [(id: Int64, fileID: Int64, text: String)] {
    guard !fileIDs.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: fileIDs.count)
      return try Row.fetchAll(
        db, sql: "SELECT id, file_id, body FROM chunk WHERE file_id IN (\(placeholders)) ORDER BY file_id, start_line",
        arguments: StatementArguments(fileIDs)
      ).map { (id: $0[0], fileID: $0[1], text: ChunkText.decode($0[2]) ?? "") }
    }
  }
}

extension IndexStore {
  /// The chunks best matching `expression` among files under `folder` (a path prefix without
  /// the trailing `/`) in the code source `source`, best first. The folder is found through
  /// the (source, path) index, not by scanning chunks.
  public func matchChunks(_ expression: String, source: String, folder: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    // The folder's words as path-column terms make FTS5 intersect with short doclists
    // instead of scoring every chunk that matches the expression; the prefix is checked after.
    let words = folder.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
    guard !words.isEmpty else { return [] }
    let restricted = "(\(expression)) AND " + words.map { "path : \"\($0)\"" }.joined(separator: " AND ")
    return try read { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT m.rowid, m.score, file.path FROM (
            SELECT rowid, bm25(chunk_ft, \(Schema.chunkWeights)) AS score FROM chunk_ft WHERE chunk_ft MATCH ? ORDER BY score LIMIT ?
          ) m JOIN chunk ON chunk.id = m.rowid JOIN file ON file.id = chunk.file_id JOIN source ON source.id = file.source_id
          WHERE source.name = ? ORDER BY m.score
          """, arguments: [restricted, limit * 5, source])
      return rows.compactMap { row -> (id: Int64, score: Double)? in
        let path: String = row[2]
        return path.hasPrefix(folder + "/") ? (id: row[0], score: row[1]) : nil
      }.prefix(limit).map { $0 }
    }
  }
}

extension IndexStore {
  /// About how many commits the index holds (the largest commit row id): O(1).
  public func commitRowEstimate() throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "SELECT max(id) FROM git_commit") ?? 0 }
  }
}

extension IndexStore {
  /// The file of each chunk id (primary-key look-ups only).
  public func fileIDs(chunkIDs: [Int64]) throws -> [Int64: Int64] {
    guard !chunkIDs.isEmpty else { return [:] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: chunkIDs.count)
      var result: [Int64: Int64] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT id, file_id FROM chunk WHERE id IN (\(placeholders))", arguments: StatementArguments(chunkIDs)) {
        result[row[0]] = row[1]
      }
      return result
    }
  }
}

import CtxCore
import Foundation
import GRDB

/// A commit as search and bundles show it.
public struct CommitRow: Sendable, Hashable {
  public var id: Int64
  public var source: String
  public var sha: String
  public var summary: String
  public var body: String
  public var authorName: String
  public var authorEmail: String
  /// Committer time, seconds since 1970 (what "recent" means for ranking).
  public var time: Int64
  public var authorTime: Int64
  public var filesChanged: Int
  public var linesAdded: Int?
  public var linesRemoved: Int?
  public var isMerge: Bool
}

/// A git source and the repository root its paths are relative to.
public struct GitSourceRow: Sendable, Hashable {
  public var id: Int64
  public var name: String
  /// The work tree root (absolute, no trailing slash), or the git folder of a bare repository.
  public var root: String
}

/// How a path has changed over time: the signals code ranking uses.
public struct FileSignal: Sendable, Hashable {
  public var path: String
  public var changes: Int
  public var lastTime: Int64
  public var lastCommit: String
}

extension IndexStore {
  static let commitColumns = """
    g.id, s.name, g.sha, g.summary, g.body, g.author_name, g.author_email, g.commit_time, g.author_time,
    g.files_changed, g.lines_added, g.lines_removed, g.is_merge
    """

  static func commitRow(_ row: Row) -> CommitRow {
    CommitRow(
      id: row[0], source: row[1], sha: row[2], summary: row[3], body: row[4], authorName: row[5], authorEmail: row[6],
      time: row[7], authorTime: row[8], filesChanged: row[9], linesAdded: row[10], linesRemoved: row[11], isMerge: row[12])
  }

  public func gitSources() throws -> [GitSourceRow] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT id, name, root FROM source WHERE kind = 'git' ORDER BY name").map {
        GitSourceRow(id: $0[0], name: $0[1], root: $0[2])
      }
    }
  }

  /// Commit ids matching an FTS5 expression, best first by weighted BM25 (lower is better).
  /// `expression` must come from `FTSExpression`, which quotes every term.
  public func matchCommits(_ expression: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    try bm25Match(table: "commit_ft", weights: Schema.commitWeights, expression, limit: limit)
  }

  public func commits(ids: [Int64]) throws -> [CommitRow] {
    guard !ids.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: ids.count)
      return try Row.fetchAll(
        db,
        sql: "SELECT \(IndexStore.commitColumns) FROM git_commit g JOIN source s ON s.id = g.source_id WHERE g.id IN (\(placeholders))",
        arguments: StatementArguments(ids)
      ).map(IndexStore.commitRow)
    }
  }

  /// Commits whose id starts with `prefix` (at least 7 hex digits), for a sha in a query or `ctx show`.
  public func commits(shaPrefix prefix: String, limit: Int = 5) throws -> [CommitRow] {
    let lower = prefix.lowercased()
    guard lower.count >= 7, lower.allSatisfy(\.isHexDigit) else { return [] }
    return try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT \(IndexStore.commitColumns) FROM git_commit g JOIN source s ON s.id = g.source_id
          WHERE g.sha >= ? AND g.sha < ? ORDER BY g.commit_time DESC LIMIT ?
          """, arguments: [lower, lower + "g", limit]
      ).map(IndexStore.commitRow)
    }
  }

  /// The files a commit changed (status and path, old path for renames), up to `limit`.
  public func changedPaths(commitID: Int64, limit: Int = 50) throws -> [GitFileChange] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.path, o.path, c.status, c.added, c.removed FROM git_change c
          JOIN git_path p ON p.id = c.path_id LEFT JOIN git_path o ON o.id = c.old_path_id
          WHERE c.commit_id = ? ORDER BY p.path LIMIT ?
          """, arguments: [commitID, limit]
      ).map {
        GitFileChange(path: $0[0], oldPath: $0[1], status: GitFileChange.Status(rawValue: $0[2]) ?? .modified, added: $0[3], removed: $0[4])
      }
    }
  }

  /// The newest commits that changed `path` in a git source (following nothing: one path).
  public func commitsTouching(sourceID: Int64, path: String, limit: Int) throws -> [CommitRow] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT \(IndexStore.commitColumns) FROM git_path p
          JOIN git_change c ON c.path_id = p.id
          JOIN git_commit g ON g.id = c.commit_id JOIN source s ON s.id = g.source_id
          WHERE p.source_id = ? AND p.path = ?
          ORDER BY g.commit_time DESC, g.id LIMIT ?
          """, arguments: [sourceID, path, limit]
      ).map(IndexStore.commitRow)
    }
  }

  /// Churn and last change of each path in a git source (paths it never saw are absent).
  public func signals(sourceID: Int64, paths: [String]) throws -> [String: FileSignal] {
    guard !paths.isEmpty else { return [:] }
    return try read { db in
      var result: [String: FileSignal] = [:]
      let statement = try db.cachedStatement(
        sql: """
          SELECT f.changes, f.last_time, g.sha FROM git_path p JOIN file_signal f ON f.path_id = p.id
          JOIN git_commit g ON g.id = f.last_commit_id WHERE p.source_id = ? AND p.path = ?
          """)
      for path in Set(paths) {
        if let row = try Row.fetchOne(statement, arguments: [sourceID, path]) {
          result[path] = FileSignal(path: path, changes: row[0], lastTime: row[1], lastCommit: row[2])
        }
      }
      return result
    }
  }

  /// Files that changed in the same commits as `path`, most often first. Commits touching more
  /// than `maxFiles` files (mass reformatting, vendoring) say nothing about coupling and are
  /// left out.
  public func coChanged(sourceID: Int64, path: String, limit: Int = 10, maxFiles: Int = 20) throws -> [(path: String, count: Int)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p2.path, count(*) AS n FROM git_path p
          JOIN git_change c ON c.path_id = p.id
          JOIN git_commit g ON g.id = c.commit_id AND g.files_changed <= ?
          JOIN git_change c2 ON c2.commit_id = c.commit_id AND c2.path_id != c.path_id
          JOIN git_path p2 ON p2.id = c2.path_id
          WHERE p.source_id = ? AND p.path = ?
          GROUP BY c2.path_id ORDER BY n DESC, p2.path LIMIT ?
          """, arguments: [maxFiles, sourceID, path, limit]
      ).map { (path: $0[0], count: $0[1]) }
    }
  }
}

extension IndexStore {
  /// Every source's kind and root, by name: what maps a code path to a git path.
  public func sourceRoots() throws -> [String: (kind: String, root: String)] {
    try read { db in
      var result: [String: (kind: String, root: String)] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT name, kind, root FROM source") { result[row[0]] = (row[1], row[2]) }
      return result
    }
  }

  /// The revision each `revision:` code source reads its files from, by source name (sources
  /// that read a work tree are absent).
  public func sourceRevisions() throws -> [String: String] {
    try read { db in
      var result: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT name, revision FROM source WHERE revision IS NOT NULL") { result[row[0]] = row[1] }
      return result
    }
  }
}

extension IndexStore {
  /// How many commits contain each term: its stem's count in the vocabulary copy, else a MATCH
  /// count.
  public func commitTermFrequencies(_ terms: [String]) throws -> [String: Int] {
    // A plain word is one token: its count is its stem's in the vocabulary copy. Other terms
    // (which the tokenizer splits into a phrase) are counted by matching them.
    let plain = terms.filter { !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) } }
    let stems = plain.isEmpty ? [:] : try termStatistics(words: plain, frequencies: false).stems
    return try read { db in
      try frequencyMemo.frequencies("commit", terms, in: db) { db, terms in
        var result: [String: Int] = [:]
        var unmatched = terms
        let stemmed = terms.compactMap { term in stems[term].map { (term, $0) } }
        if !stemmed.isEmpty, let counts = try vocabularyCounts("commit_ft", stemmed.map(\.1), in: db) {
          for (term, stem) in stemmed { result[term] = counts[stem] ?? 0 }
          unmatched = terms.filter { result[$0] == nil }
        }
        let statement = try db.cachedStatement(sql: "SELECT count(*) FROM commit_ft WHERE commit_ft MATCH ?")
        for term in unmatched {
          result[term] = try Int.fetchOne(statement, arguments: ["\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\""]) ?? 0
        }
        return result
      }
    }
  }
}

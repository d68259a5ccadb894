import CtxCore
import Foundation
import GRDB

/// What the index holds of one git source: where each ref pointed, and which commits it has.
public struct HistoryState: Sendable {
  public var refs: [String: String]
  public var indexed: Set<String>

  public init(refs: [String: String], indexed: Set<String>) {
    self.refs = refs
    self.indexed = indexed
  }
}

extension IndexStore {
  public func historyState(sourceID: Int64) throws -> HistoryState {
    try read { db in
      var refs: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT name, tip FROM git_ref WHERE source_id = ?", arguments: [sourceID]) {
        refs[row[0]] = row[1]
      }
      var indexed = Set<String>()
      let cursor = try String.fetchCursor(db, sql: "SELECT sha FROM git_commit WHERE source_id = ?", arguments: [sourceID])
      while let sha = try cursor.next() { indexed.insert(sha) }
      return HistoryState(refs: refs, indexed: indexed)
    }
  }
}

extension IndexStore {
  /// Where each ref of a git source pointed at its last run (no commit list: the cheap half
  /// of `historyState`, for the no-change check).
  public func historyRefs(sourceID: Int64) throws -> [String: String] {
    try read { db in
      var refs: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT name, tip FROM git_ref WHERE source_id = ?", arguments: [sourceID]) {
        refs[row[0]] = row[1]
      }
      return refs
    }
  }

  public func commitCount(sourceID: Int64) throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM git_commit WHERE source_id = ?", arguments: [sourceID]) ?? 0 }
  }
}

/// Writes one git source's commits, inside the source's transaction (`beginSource`: a write
/// that arrives after it ended is refused). Keeps the source's path ids in memory, so the
/// hundreds of thousands of changes in a large history cost no index lookups; used by one
/// task at a time.
public final class HistoryWriter: @unchecked Sendable {
  let store: IndexStore
  let sourceID: Int64
  private var pathIDs: [String: Int64] = [:]
  /// Paths whose signals must be recomputed at the end of the run.
  private var touched = Set<Int64>()
  private var removedAny = false
  /// Each path's signal, kept as the commits are written when the source held no commits
  /// before this run: `finish` then writes them instead of recomputing them from every change
  /// row (a join over all of them, the last 0.3 s of a full moby run). nil otherwise.
  private var signals: [Int64: PathSignal]?

  struct PathSignal: Sendable {
    var lastCommitID: Int64
    var lastTime: Int64
    var changes: Int64
  }

  /// The `paths` column lists at most this many changed files (a mass change names thousands).
  static let pathsColumnLimit = 200

  /// - Parameter fresh: the source was just cleared (a full run): known path ids are stale.
  public init(store: IndexStore, sourceID: Int64, fresh: Bool = false) throws {
    self.store = store
    self.sourceID = sourceID
    guard !fresh else {
      signals = [:]
      return
    }
    let (ids, empty) = try store.read { db in
      var ids: [String: Int64] = [:]
      let rows = try Row.fetchCursor(db, sql: "SELECT path, id FROM git_path WHERE source_id = ?", arguments: [sourceID])
      while let row = try rows.next() { ids[row[0]] = row[1] }
      let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM git_commit WHERE source_id = ?)", arguments: [sourceID]) ?? false
      return (ids, empty)
    }
    pathIDs = ids
    if empty { signals = [:] }
  }

  /// A commit with its full-text columns computed (off the writer's thread).
  public struct Prepared: Sendable {
    var record: GitCommitRecord
    var paths: String
    var parts: String
  }

  /// Computes the full-text columns of a commit; call from crawl tasks, not the writer.
  public static func prepare(_ commit: GitCommitRecord) -> Prepared {
    var listed = commit.changes.prefix(pathsColumnLimit).map(\.path)
    for change in commit.changes.prefix(pathsColumnLimit) { if let old = change.oldPath { listed.append(old) } }
    var paths = listed.joined(separator: "\n")
    if commit.changes.count > pathsColumnLimit { paths += "\n… and \(commit.changes.count - pathsColumnLimit) more files" }
    let parts = IdentifierParts.expansion(of: commit.summary + "\n" + commit.body + "\n" + paths)
    return Prepared(record: commit, paths: paths, parts: parts)
  }

  /// Adds commits (and their changes and full-text rows) in one transaction. A commit already
  /// in the index is left as it is.
  public func add(_ commits: [Prepared]) async throws {
    let sourceID = self.sourceID
    // Path ids: assign new ones in the same transaction, remember them after it commits. Only
    // the new ones are collected: copying every known id per batch cost more than the writes.
    let known = pathIDs
    let keepsSignals = signals != nil
    let result: ([String: Int64], Set<Int64>, [(path: Int64, commit: Int64, time: Int64)]) = try await store.writeInSource { [known] db in
      var added: [String: Int64] = [:]
      var touched = Set<Int64>()
      var changed: [(path: Int64, commit: Int64, time: Int64)] = []
      let insertPath = try db.cachedStatement(sql: "INSERT INTO git_path(source_id, path) VALUES (?, ?)")
      func idOf(_ path: String) throws -> Int64 {
        if let id = known[path] ?? added[path] { return id }
        try BulkInsert.run(insertPath, [.init(sourceID), .init(path)])
        let id = db.lastInsertedRowID
        added[path] = id
        return id
      }
      let insertCommit = try db.cachedStatement(
        sql: """
          INSERT OR IGNORE INTO git_commit(source_id, sha, parents, author_name, author_email, author_time, author_offset,
            committer_name, committer_email, commit_time, summary, body, paths, parts, files_changed,
            lines_added, lines_removed, is_merge, changes_complete)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let insertText = try db.cachedStatement(sql: "INSERT INTO commit_ft(rowid, summary, body, paths, parts) VALUES (?, ?, ?, ?, ?)")
      let insertChange = try db.cachedStatement(
        sql: "INSERT INTO git_change(commit_id, path_id, old_path_id, status, added, removed) VALUES (?, ?, ?, ?, ?, ?)")
      for prepared in commits {
        let commit = prepared.record
        let counted = commit.changes.filter { $0.added != nil || $0.removed != nil }
        let added: Int? = counted.isEmpty ? nil : counted.reduce(0) { $0 + ($1.added ?? 0) }
        let removed: Int? = counted.isEmpty ? nil : counted.reduce(0) { $0 + ($1.removed ?? 0) }
        try BulkInsert.run(
          insertCommit,
          [
            .init(sourceID), .init(commit.sha), .init(commit.parents.joined(separator: " ")), .init(commit.author.name), .init(commit.author.email),
            .init(commit.author.time), .init(commit.author.offsetMinutes), .init(commit.committer.name), .init(commit.committer.email),
            .init(commit.committer.time), .init(commit.summary), .init(commit.body), .init(prepared.paths), .init(prepared.parts),
            .init(commit.changes.count), .init(added), .init(removed), .init(commit.isMerge), .init(commit.changesComplete),
          ])
        guard db.changesCount > 0 else { continue }  // already indexed
        let commitID = db.lastInsertedRowID
        try BulkInsert.run(insertText, [.init(commitID), .init(commit.summary), .init(commit.body), .init(prepared.paths), .init(prepared.parts)])
        for change in commit.changes {
          let pathID = try idOf(change.path)
          touched.insert(pathID)
          if keepsSignals { changed.append((pathID, commitID, commit.committer.time)) }
          let oldID = try change.oldPath.map(idOf)
          try BulkInsert.run(insertChange, [.init(commitID), .init(pathID), oldID.map { .init($0) } ?? .null, .init(change.status.rawValue), .init(change.added), .init(change.removed)])
        }
      }
      return (added, touched, changed)
    }
    pathIDs.merge(result.0) { old, _ in old }
    touched.formUnion(result.1)
    if signals != nil {
      // As the recomputing query does: the newest commit time, the first commit written at
      // that time (max() keeps the first row it met, in commit id order), every change row.
      for change in result.2 {
        if let signal = signals?[change.path] {
          signals?[change.path] = PathSignal(
            lastCommitID: change.time > signal.lastTime ? change.commit : signal.lastCommitID, lastTime: max(signal.lastTime, change.time),
            changes: signal.changes + 1)
        } else {
          signals?[change.path] = PathSignal(lastCommitID: change.commit, lastTime: change.time, changes: 1)
        }
      }
    }
  }

  /// Removes commits that are no longer reachable (history was rewritten).
  public func remove(_ shas: [String]) async throws {
    guard !shas.isEmpty else { return }
    removedAny = true
    let sourceID = self.sourceID
    let paths: Set<Int64> = try await store.writeInSource { db in
      var touched = Set<Int64>()
      let find = try db.cachedStatement(sql: "SELECT id FROM git_commit WHERE source_id = ? AND sha = ?")
      for sha in shas {
        guard let id = try Int64.fetchOne(find, arguments: [sourceID, sha]) else { continue }
        touched.formUnion(try Int64.fetchAll(db, sql: "SELECT path_id FROM git_change WHERE commit_id = ?", arguments: [id]))
        try db.execute(
          sql: """
            INSERT INTO commit_ft(commit_ft, rowid, summary, body, paths, parts)
            SELECT 'delete', id, summary, body, paths, parts FROM git_commit WHERE id = ?
            """, arguments: [id])
        try db.execute(sql: "DELETE FROM git_change WHERE commit_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM git_commit WHERE id = ?", arguments: [id])
      }
      return touched
    }
    touched.formUnion(paths)
  }

  /// Recomputes the signals of every path the run touched, and moves the ref cursors, in one
  /// transaction: until it commits, the next run sees the old cursors and redoes the walk
  /// (commits already stored are skipped).
  public func finish(refs: [String: String]) async throws {
    let sourceID = self.sourceID
    let touched = self.touched
    let everything = touched.count > 5000 || removedAny
    let kept = removedAny ? nil : signals
    try await store.writeInSource { db in
      // SQLite takes a bare column (g.id) from the row that holds max(): the newest commit.
      let select = """
        SELECT c.path_id, ?, g.id, max(g.commit_time), count(*)
        FROM git_change c JOIN git_commit g ON g.id = c.commit_id
        """
      if let kept {
        try db.execute(sql: "DELETE FROM file_signal WHERE source_id = ?", arguments: [sourceID])
        let insert = try db.cachedStatement(sql: "INSERT INTO file_signal(path_id, source_id, last_commit_id, last_time, changes) VALUES (?, ?, ?, ?, ?)")
        for (pathID, signal) in kept {
          try BulkInsert.run(insert, [.init(pathID), .init(sourceID), .init(signal.lastCommitID), .init(signal.lastTime), .init(signal.changes)])
        }
      } else if everything {
        try db.execute(sql: "DELETE FROM file_signal WHERE source_id = ?", arguments: [sourceID])
        try db.execute(
          sql: "INSERT INTO file_signal(path_id, source_id, last_commit_id, last_time, changes) " + select
            + " WHERE g.source_id = ? GROUP BY c.path_id", arguments: [sourceID, sourceID])
      } else {
        let recompute = try db.cachedStatement(
          sql: "INSERT INTO file_signal(path_id, source_id, last_commit_id, last_time, changes) " + select
            + " WHERE c.path_id = ? GROUP BY c.path_id")
        for pathID in touched {
          try db.execute(sql: "DELETE FROM file_signal WHERE path_id = ?", arguments: [pathID])
          try recompute.execute(arguments: [sourceID, pathID])
        }
      }
      try db.execute(sql: "DELETE FROM git_ref WHERE source_id = ?", arguments: [sourceID])
      for (name, tip) in refs {
        try db.execute(sql: "INSERT INTO git_ref(source_id, name, tip) VALUES (?, ?, ?)", arguments: [sourceID, name, tip])
      }
    }
  }
}

extension IndexStore {
  /// Removes everything a git source holds that foreign keys do not cascade to.
  static func removeHistory(sourceID: Int64, _ db: Database) throws {
    try db.execute(
      sql: """
        INSERT INTO commit_ft(commit_ft, rowid, summary, body, paths, parts)
        SELECT 'delete', id, summary, body, paths, parts FROM git_commit WHERE source_id = ?
        """, arguments: [sourceID])
    try db.execute(sql: "DELETE FROM git_change WHERE commit_id IN (SELECT id FROM git_commit WHERE source_id = ?)", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM file_signal WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM git_commit WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM git_path WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM git_ref WHERE source_id = ?", arguments: [sourceID])
  }
}

import CtxCore
import Foundation
import GRDB
import GRDBSQLite

/// A file as the previous run indexed it.
public struct IndexedFile: Sendable, Hashable {
  public var path: String
  public var stamp: FileStamp
  public var contentHash: String
}

/// One change to a source's files, applied inside a batch transaction.
public enum FileChange: Sendable {
  /// New or changed content. `chunkParts[i]` is the identifier-parts text of `file.chunks[i]`
  /// and `chunkBodies[i]` its stored form (`ChunkText.encode`; nil: the text as it is), both
  /// computed by the caller, off the writer's thread. Without `chunkBodies`, the writer
  /// encodes the texts itself.
  case upsert(CodeFile, chunkParts: [String], chunkBodies: [[UInt8]?]? = nil)
  /// A new or changed document file, its sections' identifier-parts text beside it.
  case upsertDocument(DocumentRecord, sectionParts: [String])
  /// Same content, new size/modification time.
  case restamp(path: String, stamp: FileStamp)
  case delete(path: String)
}

extension IndexStore {
  /// The source's row id, created on first use.
  /// - Parameter revision: the commit-ish a `revision:` code source reads; nil for a work tree.
  public func ensureSource(name: String, kind: String, root: String, revision: String? = nil) async throws -> Int64 {
    try await write { db in
      try db.execute(
        sql: """
          INSERT INTO source(name, kind, root, revision) VALUES (?, ?, ?, ?)
          ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, root = excluded.root, revision = excluded.revision
          """, arguments: [name, kind, root, revision])
      return try Int64.fetchOne(db, sql: "SELECT id FROM source WHERE name = ?", arguments: [name]) ?? 0
    }
  }

  /// Every file the source has in the index, by path.
  ///
  /// Read through SQLite's C API (as `BulkInsert` writes): a no-change run of a large source
  /// loads every stamp, and GRDB's row decoding was most of that.
  public func indexedFiles(sourceID: Int64) throws -> [String: IndexedFile] {
    try read { db in
      var files: [String: IndexedFile] = [:]
      // Sized once: growing a 13,000-entry table rehashes every path several times.
      files.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM file WHERE source_id = ?", arguments: [sourceID]) ?? 0)
      let statement = try db.makeStatement(sql: "SELECT path, size, mtime_ns, content_hash FROM file WHERE source_id = ?")
      try statement.setArguments([sourceID])
      let handle = statement.sqliteStatement
      defer { sqlite3_reset(handle) }
      func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
      }
      while true {
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { break }
        guard code == SQLITE_ROW else {
          let message = sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot read the indexed files"
          throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        let path = text(0)
        files[path] = IndexedFile(
          path: path, stamp: FileStamp(size: sqlite3_column_int64(handle, 1), mtimeNanos: sqlite3_column_int64(handle, 2)), contentHash: text(3))
      }
      return files
    }
  }

  /// Files the last complete crawl skipped by policy after reading them, by path.
  public func skippedFiles(sourceID: Int64) throws -> [String: SkippedFile] {
    try read { db in
      var files: [String: SkippedFile] = [:]
      let rows = try Row.fetchCursor(
        db, sql: "SELECT path, size, mtime_ns, content_hash, reason FROM skipped_file WHERE source_id = ?", arguments: [sourceID])
      while let row = try rows.next() {
        let path: String = row[0]
        files[path] = SkippedFile(path: path, stamp: FileStamp(size: row[1], mtimeNanos: row[2]), contentHash: row[3], reason: row[4])
      }
      return files
    }
  }

  /// Replaces the source's list of files skipped by policy (in the source's transaction: only
  /// a complete crawl knows the whole list).
  public func replaceSkippedFiles(_ files: [SkippedFile], sourceID: Int64) async throws {
    try await write { db in
      try db.execute(sql: "DELETE FROM skipped_file WHERE source_id = ?", arguments: [sourceID])
      let insert = try db.cachedStatement(
        sql: "INSERT OR REPLACE INTO skipped_file (source_id, path, size, mtime_ns, content_hash, reason) VALUES (?, ?, ?, ?, ?, ?)")
      for file in files {
        try insert.execute(arguments: [sourceID, file.path, file.stamp.size, file.stamp.mtimeNanos, file.contentHash, file.reason])
      }
    }
  }

  /// Applies a batch of changes in one transaction: a file's chunks, full-text rows and
  /// symbols are replaced together or not at all.
  public func apply(_ changes: [FileChange], sourceID: Int64) async throws {
    let now = Date().timeIntervalSince1970
    try await write { db in
      for change in changes {
        switch change {
        case .upsert(let file, let parts, let bodies):
          try IndexStore.upsert(file, parts: parts, bodies: bodies, sourceID: sourceID, now: now, db)
        case .upsertDocument(let document, let parts):
          try IndexStore.upsert(document, parts: parts, sourceID: sourceID, now: now, db)
        case .restamp(let path, let stamp):
          try db.cachedStatement(sql: "UPDATE file SET size = ?, mtime_ns = ? WHERE source_id = ? AND path = ?")
            .execute(arguments: [stamp.size, stamp.mtimeNanos, sourceID, path])
        case .delete(let path):
          if let fileID = try Int64.fetchOne(
            db, sql: "SELECT id FROM file WHERE source_id = ? AND path = ?", arguments: [sourceID, path])
          {
            try IndexStore.removeContent(fileID: fileID, db)
            try db.execute(sql: "DELETE FROM file WHERE id = ?", arguments: [fileID])
          }
        }
      }
    }
  }

  /// The file row, inserted or updated (its old content removed); returns its id.
  private static func fileRow(
    path: String, stamp: FileStamp, contentHash: String, language: String?, lineCount: Int, sourceID: Int64, now: Double, _ db: Database
  ) throws -> Int64 {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    if let existing = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM file WHERE source_id = ? AND path = ?"), arguments: [sourceID, path]) {
      try removeContent(fileID: existing, db)
      try db.cachedStatement(
        sql: "UPDATE file SET size = ?, mtime_ns = ?, content_hash = ?, language = ?, line_count = ?, indexed_at = ? WHERE id = ?"
      ).execute(arguments: [stamp.size, stamp.mtimeNanos, contentHash, language, lineCount, now, existing])
      return existing
    }
    try db.cachedStatement(
      sql: """
        INSERT INTO file(source_id, path, name, size, mtime_ns, content_hash, language, line_count, indexed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [sourceID, path, name, stamp.size, stamp.mtimeNanos, contentHash, language, lineCount, now])
    return db.lastInsertedRowID
  }

  private static func upsert(_ file: CodeFile, parts: [String], bodies: [[UInt8]?]?, sourceID: Int64, now: Double, _ db: Database) throws {
    let fileID = try fileRow(
      path: file.path, stamp: file.stamp, contentHash: file.contentHash, language: file.language, lineCount: file.lineCount,
      sourceID: sourceID, now: now, db)
    let insertChunk = try db.cachedStatement(
      sql: "INSERT INTO chunk(file_id, start_line, end_line, symbol, kind, body, parts) VALUES (?, ?, ?, ?, ?, ?, ?)")
    let insertText = try db.cachedStatement(sql: "INSERT INTO chunk_ft(rowid, path, symbol, text, parts) VALUES (?, ?, ?, ?, ?)")
    for (index, chunk) in file.chunks.enumerated() {
      let chunkParts = index < parts.count ? parts[index] : ""
      let encoded = bodies.map { index < $0.count ? $0[index] : nil } ?? ChunkText.encode(chunk.text)
      let body: BulkValue = encoded.map { .blob($0) } ?? .init(chunk.text)
      try BulkInsert.run(
        insertChunk,
        [.init(fileID), .init(chunk.startLine), .init(chunk.endLine), .init(chunk.symbol), .init(chunk.kind), body, .init(chunkParts)])
      try BulkInsert.run(insertText, [.init(db.lastInsertedRowID), .init(file.path), .init(chunk.symbol), .init(chunk.text), .init(chunkParts)])
    }
    let insertSymbol = try db.cachedStatement(
      sql: "INSERT INTO symbol(file_id, name, norm, kind, line, end_line, scope, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    for symbol in file.symbols {
      // `norm` was filled by the crawl (off the single writer thread) when it could be.
      let norm = symbol.norm ?? IndexStore.normalizedSymbol(symbol.name)
      try BulkInsert.run(
        insertSymbol,
        [.init(fileID), .init(symbol.name), .init(norm), .init(symbol.kind), .init(symbol.line), .init(symbol.endLine), .init(symbol.scope), .init(symbol.signature)])
    }
  }

  private static func upsert(_ document: DocumentRecord, parts: [String], sourceID: Int64, now: Double, _ db: Database) throws {
    let fileID = try fileRow(
      path: document.path, stamp: document.stamp, contentHash: document.contentHash, language: document.format,
      lineCount: document.lineCount, sourceID: sourceID, now: now, db)
    let frontMatter = String(decoding: (try? JSONEncoder().encode(document.frontMatter)) ?? Data("{}".utf8), as: UTF8.self)
    try db.cachedStatement(
      sql: "INSERT INTO doc(file_id, title, format, status, superseded_by, supersedes, front_matter) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ).execute(arguments: [
      fileID, document.title, document.format, document.status, document.supersededBy, document.supersedes.joined(separator: "\n"), frontMatter,
    ])
    let insertSection = try db.cachedStatement(
      sql: "INSERT INTO section(file_id, path, start_line, end_line, heading, anchor, part, text, parts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    let insertText = try db.cachedStatement(sql: "INSERT INTO section_ft(rowid, path, heading, text, parts) VALUES (?, ?, ?, ?, ?)")
    for (index, section) in document.sections.enumerated() {
      let sectionParts = index < parts.count ? parts[index] : ""
      try insertSection.execute(arguments: [
        fileID, document.path, section.startLine, section.endLine, section.heading, section.anchor, section.part, section.text, sectionParts,
      ])
      let sectionID = db.lastInsertedRowID
      try insertText.execute(arguments: [sectionID, document.path, section.heading, section.text, sectionParts])
      try insertMentions(section.mentions, from: "section", id: sectionID, sourceID: sourceID, db)
    }
  }

  static func insertMentions(_ mentions: [MentionRecord], from kind: String, id: Int64, sourceID: Int64, _ db: Database) throws {
    guard !mentions.isEmpty else { return }
    let insert = try db.cachedStatement(sql: "INSERT INTO mention(source_id, from_kind, from_id, kind, target, norm) VALUES (?, ?, ?, ?, ?, ?)")
    for mention in mentions {
      try insert.execute(arguments: [sourceID, kind, id, mention.kind.rawValue, mention.target, mention.norm])
    }
  }

  /// Removes a file's chunks (and their full-text rows, which external-content tables need
  /// told explicitly, with the old values) and symbols; for a document, its sections, their
  /// full-text rows and mentions, and its doc row.
  private static func removeContent(fileID: Int64, _ db: Database) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO chunk_ft(chunk_ft, rowid, path, symbol, text, parts)
        SELECT 'delete', id, path, symbol, text, parts FROM chunk_content WHERE file_id = ?
        """
    ).execute(arguments: [fileID])
    try db.cachedStatement(sql: "DELETE FROM chunk WHERE file_id = ?").execute(arguments: [fileID])
    try db.cachedStatement(sql: "DELETE FROM symbol WHERE file_id = ?").execute(arguments: [fileID])
    try db.cachedStatement(
      sql: "DELETE FROM mention WHERE from_kind = 'section' AND from_id IN (SELECT id FROM section WHERE file_id = ?)"
    ).execute(arguments: [fileID])
    try db.cachedStatement(
      sql: """
        INSERT INTO section_ft(section_ft, rowid, path, heading, text, parts)
        SELECT 'delete', id, path, heading, text, parts FROM section WHERE file_id = ?
        """
    ).execute(arguments: [fileID])
    try db.cachedStatement(sql: "DELETE FROM section WHERE file_id = ?").execute(arguments: [fileID])
    try db.cachedStatement(sql: "DELETE FROM doc WHERE file_id = ?").execute(arguments: [fileID])
  }

  /// Records how a source's last crawl went, for `ctx status`.
  public func recordRun(sourceID: Int64, started: Date, finished: Date, status: String, reportJSON: String) async throws {
    try await write { db in
      let arguments: StatementArguments = [
        started.timeIntervalSince1970, finished.timeIntervalSince1970, finished.timeIntervalSince(started), status, reportJSON, sourceID,
      ]
      try db.execute(
        sql: """
          UPDATE source SET last_run_started = ?, last_run_finished = ?, last_run_seconds = ?,
            last_run_status = ?, last_run_report = ? WHERE id = ?
          """, arguments: arguments)
      try db.execute(
        sql: "INSERT INTO source_run(started, finished, seconds, status, report, source_id) VALUES (?, ?, ?, ?, ?, ?)", arguments: arguments)
      try IndexStore.trimRunHistory(db)
    }
  }

  /// Runs kept per source in `source_run`.
  static let runsKept = 30

  /// Deletes each source's runs beyond the newest `runsKept`.
  static func trimRunHistory(_ db: Database) throws {
    try db.execute(
      sql: """
        DELETE FROM source_run WHERE id NOT IN
          (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY source_id ORDER BY finished DESC) AS age FROM source_run)
           WHERE age <= \(IndexStore.runsKept))
        """)
  }

  /// Copies the run history (`source_run`) of the index at `path` into this one, for the
  /// sources both have by name: a `--full` rebuilt beside that index keeps what `ctx status`
  /// reports. Returns the names of the sources that index had and this one has not (their
  /// connector files were removed). Outside any transaction (ATTACH cannot run inside one).
  public func copyRunHistory(from path: String) async throws -> [String] {
    do {
      return try await pool.writeWithoutTransaction { db in
        try db.execute(sql: "ATTACH DATABASE ? AS previous", arguments: [path])
        defer { try? db.execute(sql: "DETACH DATABASE previous") }
        try db.inTransaction {
          try db.execute(
            sql: """
              INSERT INTO source_run(source_id, started, finished, seconds, status, report)
              SELECT s.id, r.started, r.finished, r.seconds, r.status, r.report
              FROM previous.source_run r JOIN previous.source p ON p.id = r.source_id JOIN main.source s ON s.name = p.name
              ORDER BY r.finished
              """)
          try IndexStore.trimRunHistory(db)
          return .commit
        }
        return try String.fetchAll(db, sql: "SELECT name FROM previous.source WHERE name NOT IN (SELECT name FROM main.source) ORDER BY name")
      }
    } catch {
      throw IndexStore.wrap(error, "cannot copy the run history of \(path)", path: path)
    }
  }

  /// Removes everything a source holds, keeping the source row (`ctx index --full`, inside the
  /// source's transaction).
  public func clearSource(_ sourceID: Int64) async throws {
    try await write { db in
      // Deleting rows one by one from an external-content FTS table means tokenizing the old
      // text again; when no other source has rows in a table, `delete-all` empties it at once.
      let others = try Int.fetchOne(db, sql: "SELECT count(*) FROM file WHERE source_id != ?", arguments: [sourceID]) ?? 0
      if others == 0 {
        for table in ["chunk_ft", "section_ft"] { try db.execute(sql: "INSERT INTO \(table)(\(table)) VALUES('delete-all')") }
        try db.execute(sql: "DELETE FROM chunk")
        try db.execute(sql: "DELETE FROM symbol")
        try db.execute(sql: "DELETE FROM mention WHERE from_kind = 'section'")
        try db.execute(sql: "DELETE FROM section")
        try db.execute(sql: "DELETE FROM doc")
      } else {
        for fileID in try Int64.fetchAll(db, sql: "SELECT id FROM file WHERE source_id = ?", arguments: [sourceID]) {
          try IndexStore.removeContent(fileID: fileID, db)
        }
      }
      try db.execute(sql: "DELETE FROM file WHERE source_id = ?", arguments: [sourceID])
      try db.execute(sql: "DELETE FROM skipped_file WHERE source_id = ?", arguments: [sourceID])
      let otherCommits = try Int.fetchOne(db, sql: "SELECT count(*) FROM git_commit WHERE source_id != ?", arguments: [sourceID]) ?? 0
      if otherCommits == 0 {
        try db.execute(sql: "INSERT INTO commit_ft(commit_ft) VALUES('delete-all')")
        try db.execute(sql: "DELETE FROM git_change")
        try db.execute(sql: "DELETE FROM file_signal")
        try db.execute(sql: "DELETE FROM git_commit")
        try db.execute(sql: "DELETE FROM git_path")
        try db.execute(sql: "DELETE FROM git_ref")
      } else {
        try IndexStore.removeHistory(sourceID: sourceID, db)
      }
      try IndexStore.removeChat(sourceID: sourceID, db)
    }
  }

  /// Drops sources whose connector file is gone, with all their content.
  public func removeSources(notIn names: Set<String>) async throws -> [String] {
    try await write { db in
      let existing = try String.fetchAll(db, sql: "SELECT name FROM source")
      var removed: [String] = []
      for name in existing where !names.contains(name) {
        guard let sourceID = try Int64.fetchOne(db, sql: "SELECT id FROM source WHERE name = ?", arguments: [name]) else { continue }
        for fileID in try Int64.fetchAll(db, sql: "SELECT id FROM file WHERE source_id = ?", arguments: [sourceID]) {
          try IndexStore.removeContent(fileID: fileID, db)
        }
        try db.execute(sql: "DELETE FROM file WHERE source_id = ?", arguments: [sourceID])
        try db.execute(sql: "DELETE FROM skipped_file WHERE source_id = ?", arguments: [sourceID])
        try IndexStore.removeHistory(sourceID: sourceID, db)
        try IndexStore.removeChat(sourceID: sourceID, db)
        try db.execute(sql: "DELETE FROM source WHERE id = ?", arguments: [sourceID])
        removed.append(name)
      }
      return removed
    }
  }

  /// Runs FTS5's integrity check in the form that also catches external-content drift
  /// (`rank = 1`), and SQLite's own. Returns the problems found (empty when healthy).
  public func integrityProblems() throws -> [String] {
    try writeSync { db in
      var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
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

extension IndexStore {
  /// Every FTS5 table, for integrity checks.
  static let fullTextTables = ["chunk_ft", "commit_ft", "section_ft", "thread_ft", "annotation_ft"]

  /// The form symbols are looked up by: lower-cased, without underscores.
  public static func normalizedSymbol(_ name: String) -> String {
    String(name.lowercased().filter { $0 != "_" })
  }

  /// `Option.resolve_envvar_value` (also `Option::…`, `Option#…`) split into the scope written
  /// and the name; nil for a plain name.
  public static func qualifiedSymbol(_ name: String) -> (scope: String, name: String)? {
    QualifiedSymbol.split(name)
  }

  /// The norm a symbol annotation is looked up by: its name's, without the scope written
  /// before it (`Option.resolve_envvar_value` is found with the chunks of
  /// `resolve_envvar_value`, then kept to its own file by its anchor).
  public static func symbolTargetNorm(_ value: String) -> String {
    normalizedSymbol(qualifiedSymbol(value)?.name ?? value)
  }
}

/// A file a crawl read and skipped by policy, as it was then.
public struct SkippedFile: Sendable, Hashable {
  public var path: String
  public var stamp: FileStamp
  /// The git blob id, for `revision:` sources (whose stamps have no time).
  public var contentHash: String?
  /// The skip's kind: `binary`, `generated`.
  public var reason: String

  public init(path: String, stamp: FileStamp, contentHash: String?, reason: String) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
    self.reason = reason
  }
}

extension IndexStore {
  /// The code tables' secondary indexes that a first or `--full` run builds once at the end,
  /// by name. Filling an empty `symbol` with `symbol_norm` in place meant 379k random inserts
  /// on moby; building it once sorts once (`suspendCodeIndexes` / `restoreCodeIndexes`).
  /// `symbol_file` and `chunk_file` stay: a run inserts rows file by file with rising ids, so
  /// their entries are appends at the end of the b-tree, and building them again at the end
  /// cost 0.1-0.15 s of the run's serial tail.
  static let codeIndexes: [(name: String, sql: String)] = [
    ("symbol_norm", "CREATE INDEX IF NOT EXISTS symbol_norm ON symbol(norm)")
  ]

  /// Drops the code tables' secondary indexes when the tables are empty (a first or `--full`
  /// run of the only code source), inside the source's transaction; true when dropped. The
  /// caller restores them before committing: a rollback restores them too.
  public func suspendCodeIndexes() async throws -> Bool {
    try await write { db in
      let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM symbol) AND NOT EXISTS (SELECT 1 FROM chunk)") ?? false
      guard empty else { return false }
      for index in IndexStore.codeIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(index.name)") }
      return true
    }
  }

  /// Builds the code tables' secondary indexes again (`suspendCodeIndexes`).
  public func restoreCodeIndexes() async throws {
    try await write { db in
      for index in IndexStore.codeIndexes { try db.execute(sql: index.sql) }
    }
  }
}

import CtxCore
import Foundation
import GRDB

/// An annotation as the index mirrors it (the file in `annotations/` is the truth).
public struct AnnotationRow: Sendable, Hashable {
  public var name: String
  public var target: String
  public var targetKind: String
  public var targetValue: String
  public var kind: String
  public var author: String
  public var date: Date
  public var status: String
  /// Not rejected and not superseded by another live annotation.
  public var live: Bool
  public var factKey: String?
  public var factValue: String?
  public var supersedes: [String]
  public var fingerprint: String?
  public var location: String?
  public var body: String
  /// The file's `size:mtime_ns:inode` when it was read: a reader takes the row instead of
  /// parsing the file again while the file's stamp is the same (`CtxQuery.CurrentAnnotations`).
  public var stamp: String?

  public init(
    name: String, target: String, targetKind: String, targetValue: String, kind: String, author: String, date: Date, status: String,
    live: Bool, factKey: String?, factValue: String?, supersedes: [String], fingerprint: String?, location: String?, body: String,
    stamp: String? = nil
  ) {
    self.name = name
    self.target = target
    self.targetKind = targetKind
    self.targetValue = targetValue
    self.kind = kind
    self.author = author
    self.date = date
    self.status = status
    self.live = live
    self.factKey = factKey
    self.factValue = factValue
    self.supersedes = supersedes
    self.fingerprint = fingerprint
    self.location = location
    self.body = body
    self.stamp = stamp
  }
}

extension IndexStore {
  static let annotationColumns = """
    name, target, target_kind, target_value, kind, author, date, status, live, fact_key, fact_value, supersedes, fingerprint, location, body,
    file_stamp
    """

  static func annotationRow(_ row: Row) -> AnnotationRow {
    AnnotationRow(
      name: row[0], target: row[1], targetKind: row[2], targetValue: row[3], kind: row[4], author: row[5],
      date: Date(timeIntervalSince1970: row[6]), status: row[7], live: row[8], factKey: row[9], factValue: row[10],
      supersedes: (row[11] as String).split(separator: " ").map(String.init), fingerprint: row[12], location: row[13], body: row[14],
      stamp: row[15])
  }

  /// Replaces every mirrored annotation with `rows` (one transaction).
  public func replaceAnnotations(_ rows: [AnnotationRow]) async throws {
    try await write { db in
      try db.execute(sql: "INSERT INTO annotation_ft(annotation_ft) VALUES('delete-all')")
      try db.execute(sql: "DELETE FROM annotation")
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO annotation(name, target, target_kind, target_value, norm, kind, author, date, status, live, fact_key, fact_value,
            supersedes, fingerprint, location, body, parts, file_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let text = try db.cachedStatement(sql: "INSERT INTO annotation_ft(rowid, target, body, parts) VALUES (?, ?, ?, ?)")
      for row in rows {
        let norm = row.targetKind == "symbol" ? IndexStore.symbolTargetNorm(row.targetValue) : row.targetValue.lowercased()
        let parts = IdentifierParts.expansion(of: row.target + "\n" + row.body)
        try insert.execute(arguments: [
          row.name, row.target, row.targetKind, row.targetValue, norm, row.kind, row.author, row.date.timeIntervalSince1970, row.status,
          row.live, row.factKey, row.factValue, row.supersedes.joined(separator: " "), row.fingerprint, row.location, row.body, parts,
          row.stamp,
        ])
        try text.execute(arguments: [db.lastInsertedRowID, row.target, row.body, parts])
      }
    }
  }

  /// How many annotations the mirror holds.
  public func annotationCount() throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM annotation") ?? 0 }
  }

  /// What a reader needs of each mirrored annotation to tell whether its file changed and to
  /// recompute liveness, without fetching whole rows.
  public struct AnnotationState: Sendable {
    /// `size:mtime_ns:inode` of the file when `ctx index` read it ("" when unknown).
    public var stamp: String
    public var rejected: Bool
    public var supersedes: [String]
  }

  /// Each mirrored annotation's state, by name.
  public func annotationStates() throws -> [String: AnnotationState] {
    try read { db in
      var states: [String: AnnotationState] = [:]
      let cursor = try Row.fetchCursor(db, sql: "SELECT name, coalesce(file_stamp, ''), status = 'rejected', supersedes FROM annotation")
      while let row = try cursor.next() {
        let supersedes: String = row[3]
        states[row[0]] = AnnotationState(stamp: row[1], rejected: row[2], supersedes: supersedes.isEmpty ? [] : supersedes.split(separator: " ").map(String.init))
      }
      return states
    }
  }

  /// Mirrored annotations with these names.
  public func annotations(names: [String]) throws -> [AnnotationRow] {
    let unique = Array(Set(names))
    guard !unique.isEmpty else { return [] }
    return try read { db in
      var rows: [AnnotationRow] = []
      for start in stride(from: 0, to: unique.count, by: IndexStore.bulkSize) {
        let slice = Array(unique[start..<min(start + IndexStore.bulkSize, unique.count)])
        rows += try Row.fetchAll(
          db, sql: "SELECT \(IndexStore.annotationColumns) FROM annotation WHERE name IN (\(databaseQuestionMarks(count: slice.count)))",
          arguments: StatementArguments(slice)
        ).map(IndexStore.annotationRow)
      }
      return rows
    }
  }

  /// What full-text search indexes of each mirrored annotation (`parts` as stored), by name.
  public func annotationTexts() throws -> [AnnotationText] {
    try read { db in
      var texts: [AnnotationText] = []
      let cursor = try Row.fetchCursor(db, sql: "SELECT name, target, body, parts FROM annotation")
      while let row = try cursor.next() { texts.append(AnnotationText(name: row[0], target: row[1], body: row[2], parts: row[3])) }
      return texts
    }
  }

  /// Every mirrored annotation, by name.
  public func annotations() throws -> [AnnotationRow] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT \(IndexStore.annotationColumns) FROM annotation ORDER BY name").map(IndexStore.annotationRow)
    }
  }

  /// Live annotations on these symbols (normalized like symbol lookups) or of these target kinds.
  /// A pseudo target kind for `annotations(symbols:kinds:)`: every symbol annotation written
  /// with its scope (`symbol:Option.resolve_envvar_value`), which a bundle places by its anchor.
  public static let qualifiedSymbolKind = "symbol-with-scope"

  public func annotations(symbols: [String], kinds: [String] = []) throws -> [AnnotationRow] {
    try read { db in
      var rows: [AnnotationRow] = []
      let bySymbol = try db.cachedStatement(
        sql: "SELECT \(IndexStore.annotationColumns) FROM annotation WHERE target_kind = 'symbol' AND norm = ? AND status != 'rejected'")
      for symbol in Set(symbols.map(IndexStore.normalizedSymbol)) { rows += try Row.fetchAll(bySymbol, arguments: [symbol]).map(IndexStore.annotationRow) }
      if kinds.contains(IndexStore.qualifiedSymbolKind) {
        rows += try Row.fetchAll(
          db,
          sql: """
            SELECT \(IndexStore.annotationColumns) FROM annotation WHERE target_kind = 'symbol' AND status != 'rejected'
              AND (instr(target_value, '.') > 0 OR instr(target_value, '::') > 0 OR instr(target_value, '#') > 0)
            """
        ).map(IndexStore.annotationRow)
      }
      for kind in kinds where kind != IndexStore.qualifiedSymbolKind {
        rows += try Row.fetchAll(
          db, sql: "SELECT \(IndexStore.annotationColumns) FROM annotation WHERE target_kind = ? AND status != 'rejected'", arguments: [kind]
        ).map(IndexStore.annotationRow)
      }
      return rows
    }
  }

  public func matchAnnotations(_ expression: String, limit: Int) throws -> [(name: String, score: Double)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT a.name, bm25(annotation_ft, \(Schema.annotationWeights)) AS score FROM annotation_ft JOIN annotation a ON a.id = annotation_ft.rowid
          WHERE annotation_ft MATCH ? ORDER BY score LIMIT ?
          """, arguments: [expression, limit]
      ).map { (name: $0[0], score: $0[1]) }
    }
  }

  /// Current documents whose sections mention a superseded document's path (or file name).
  public func linksToSupersededDocuments() throws -> [(superseded: String, supersededBy: String?, linkedFrom: String)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT DISTINCT old.path, d.superseded_by, s.path || CASE WHEN s.anchor = '' THEN '' ELSE '#' || s.anchor END
          FROM doc d JOIN file old ON old.id = d.file_id
          JOIN mention m ON m.kind = 'path' AND m.from_kind = 'section'
            AND (m.norm = lower(old.path) OR m.norm = lower(old.name) OR m.norm LIKE '%/' || lower(old.path))
          JOIN section s ON s.id = m.from_id
          LEFT JOIN doc cur ON cur.file_id = s.file_id
          WHERE d.status = 'superseded' AND s.file_id != d.file_id AND coalesce(cur.status, '') != 'superseded'
            AND (d.superseded_by IS NULL OR s.path != d.superseded_by)
          ORDER BY 1, 3
          """
      ).map { (superseded: $0[0], supersededBy: $0[1], linkedFrom: $0[2]) }
    }
  }
}

/// What the annotation resolver needs to look up, besides symbols and commits.
extension IndexStore {
  /// Indexed files with exactly this path, with their source.
  public func files(path: String) throws -> [FileRecord] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: "SELECT file.id, source.name, file.path, file.line_count FROM file JOIN source ON source.id = file.source_id WHERE file.path = ?",
        arguments: [path]
      ).map { FileRecord(id: $0[0], source: $0[1], path: $0[2], lineCount: $0[3]) }
    }
  }

  /// Every indexed file path (code and documents), for glob targets.
  public func allFilePaths() throws -> [String] {
    try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT path FROM file") }
  }

  /// A document's sections at `path` (the one with `anchor`, or all), and the document's status.
  public func documentSections(path: String, anchor: String?) throws -> (sections: [SectionRow], exists: Bool) {
    let ids: [Int64] = try read { db in
      if let anchor {
        return try Int64.fetchAll(db, sql: "SELECT id FROM section WHERE path = ? AND anchor = ? ORDER BY part", arguments: [path, anchor])
      }
      return try Int64.fetchAll(db, sql: "SELECT id FROM section WHERE path = ? ORDER BY start_line", arguments: [path])
    }
    let exists = try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM section WHERE path = ?", arguments: [path]) ?? 0 } > 0
    return (try sections(ids: ids).sorted { $0.startLine < $1.startLine }, exists)
  }

  /// The thread started at `ts` in `channel` (by name or conversation id).
  public func thread(channel: String, ts: String) throws -> ThreadRow? {
    let id: Int64? = try read { db in
      try Int64.fetchOne(
        db, sql: "SELECT id FROM chat_thread WHERE (channel = ? OR conversation = ?) AND thread_ts = ? LIMIT 1", arguments: [channel, channel, ts])
    }
    guard let id else { return nil }
    return try threads(ids: [id]).first
  }
}

/// Where a symbol is defined, with the end of the chunk holding it (for symbols whose
/// extractor gave no end line).
public struct SymbolLocation: Sendable, Hashable {
  public var name: String
  /// ctags' scope (`Option`, `a.b.C`), when the symbol has one.
  public var scope: String? = nil
  public var line: Int
  public var endLine: Int?
  public var chunkEnd: Int?
  public var path: String
  public var source: String
}

/// Bulk lookups for resolving thousands of annotation targets in a few queries.
extension IndexStore {
  static let bulkSize = 500

  public func symbolLocations(norms: [String]) throws -> [String: [SymbolLocation]] {
    let unique = Array(Set(norms))
    guard !unique.isEmpty else { return [:] }
    return try read { db in
      var result: [String: [SymbolLocation]] = [:]
      for start in stride(from: 0, to: unique.count, by: IndexStore.bulkSize) {
        let slice = Array(unique[start..<min(start + IndexStore.bulkSize, unique.count)])
        let placeholders = databaseQuestionMarks(count: slice.count)
        for row in try Row.fetchAll(
          db,
          sql: """
            SELECT y.norm, y.name, y.line, y.end_line, f.path, s.name,
              (SELECT c.end_line FROM chunk c WHERE c.file_id = y.file_id AND c.start_line <= y.line AND c.end_line >= y.line
               ORDER BY c.start_line DESC LIMIT 1), y.scope
            FROM symbol y JOIN file f ON f.id = y.file_id JOIN source s ON s.id = f.source_id
            WHERE y.norm IN (\(placeholders))
            """, arguments: StatementArguments(slice))
        {
          result[row[0], default: []].append(
            SymbolLocation(name: row[1], scope: row[7], line: row[2], endLine: row[3], chunkEnd: row[6], path: row[4], source: row[5]))
        }
      }
      return result
    }
  }

  /// Line `line` of a file as the index holds it (from the chunk covering it), or nil.
  public func indexedLine(source: String, path: String, line: Int) throws -> String? {
    try read { db in
      guard
        let row = try Row.fetchOne(
          db,
          sql: """
            SELECT c.start_line, ctx_text(c.body) FROM chunk c JOIN file f ON f.id = c.file_id JOIN source s ON s.id = f.source_id
            WHERE s.name = ? AND f.path = ? AND c.start_line <= ? AND c.end_line >= ? ORDER BY c.start_line DESC LIMIT 1
            """, arguments: [source, path, line, line])
      else { return nil }
      let start: Int = row[0]
      let text: String = row[1]
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      return line - start < lines.count ? String(lines[line - start]) : nil
    }
  }

  public func fileRecords(paths: [String]) throws -> [String: [FileRecord]] {
    let unique = Array(Set(paths))
    guard !unique.isEmpty else { return [:] }
    return try read { db in
      var result: [String: [FileRecord]] = [:]
      for start in stride(from: 0, to: unique.count, by: IndexStore.bulkSize) {
        let slice = Array(unique[start..<min(start + IndexStore.bulkSize, unique.count)])
        let placeholders = databaseQuestionMarks(count: slice.count)
        for row in try Row.fetchAll(
          db,
          sql: """
            SELECT f.id, s.name, f.path, f.line_count FROM file f JOIN source s ON s.id = f.source_id WHERE f.path IN (\(placeholders))
            """, arguments: StatementArguments(slice))
        {
          let record = FileRecord(id: row[0], source: row[1], path: row[2], lineCount: row[3])
          result[record.path, default: []].append(record)
        }
      }
      return result
    }
  }

  /// Commits of a git source that changed any of `paths` after `time`, newest first, by path.
  public func commitsTouching(sourceID: Int64, paths: [String], after time: Int64) throws -> [String: [CommitRow]] {
    let unique = Array(Set(paths))
    guard !unique.isEmpty else { return [:] }
    return try read { db in
      var result: [String: [CommitRow]] = [:]
      for start in stride(from: 0, to: unique.count, by: IndexStore.bulkSize) {
        let slice = Array(unique[start..<min(start + IndexStore.bulkSize, unique.count)])
        let placeholders = databaseQuestionMarks(count: slice.count)
        for row in try Row.fetchAll(
          db,
          sql: """
            SELECT p.path, \(IndexStore.commitColumns) FROM git_path p
            JOIN git_change c ON c.path_id = p.id JOIN git_commit g ON g.id = c.commit_id JOIN source s ON s.id = g.source_id
            WHERE p.source_id = ? AND p.path IN (\(placeholders)) AND g.commit_time > ?
            ORDER BY g.commit_time DESC
            """, arguments: StatementArguments([sourceID]) + StatementArguments(slice) + [time])
        {
          let path: String = row[0]
          let commit = CommitRow(
            id: row[1], source: row[2], sha: row[3], summary: row[4], body: row[5], authorName: row[6], authorEmail: row[7], time: row[8],
            authorTime: row[9], filesChanged: row[10], linesAdded: row[11], linesRemoved: row[12], isMerge: row[13])
          if result[path, default: []].count < 5 { result[path, default: []].append(commit) }
        }
      }
      return result
    }
  }
}

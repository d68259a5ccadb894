import CtxCore
import GRDB

/// A chunk as search returns it.
public struct ChunkRecord: Sendable, Hashable {
  public var id: Int64
  public var fileID: Int64
  public var source: String
  public var path: String
  public var startLine: Int
  public var endLine: Int
  public var symbol: String?
  public var kind: String?
  public var text: String
}

/// A symbol definition with where it lives.
public struct SymbolRecord: Sendable, Hashable {
  public var name: String
  public var kind: String
  public var line: Int
  public var endLine: Int?
  public var scope: String?
  public var signature: String?
  public var fileID: Int64
  public var path: String
}

/// A file-level row, for path lookups.
public struct FileRecord: Sendable, Hashable {
  public var id: Int64
  public var source: String
  public var path: String
  public var lineCount: Int
}

extension IndexStore {
  /// Chunk ids matching an FTS5 expression, best first by weighted BM25.
  ///
  /// ```sql
  /// SELECT rowid, bm25(chunk_ft, 4.0, 6.0, 1.0, 0.7) AS score
  /// FROM chunk_ft WHERE chunk_ft MATCH ? ORDER BY score LIMIT ?
  /// ```
  /// BM25 scores are negative; lower is better. The caller builds `expression` from quoted
  /// terms only (see `CtxQuery.FTSExpression`), so user text never reaches FTS5 syntax.
  ///
  /// Related documentation: https://sqlite.org/fts5.html#the_bm25_function
  public func matchChunks(_ expression: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    try bm25Match(table: "chunk_ft", weights: Schema.chunkWeights, expression, limit: limit)
  }

  /// Row ids of an FTS5 table matching `expression`, best first by weighted BM25: the one
  /// query behind every layer's full-text candidates.
  func bm25Match(table: String, weights: String, _ expression: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: "SELECT rowid, bm25(\(table), \(weights)) AS score FROM \(table) WHERE \(table) MATCH ? ORDER BY score LIMIT ?",
        arguments: [expression, limit]
      ).map { (id: $0[0], score: $0[1]) }
    }
  }

  /// Like `matchChunks` but without ranking: the first `limit` matches in rowid order. Cheap
  /// for terms that match a large share of the index.
  public func anyChunks(_ expression: String, limit: Int) throws -> [Int64] {
    try read { db in
      try Int64.fetchAll(db, sql: "SELECT rowid FROM chunk_ft WHERE chunk_ft MATCH ? LIMIT ?", arguments: [expression, limit])
    }
  }

  /// Line counts of files, by file id.
  public func lineCounts(fileIDs: [Int64]) throws -> [Int64: Int] {
    guard !fileIDs.isEmpty else { return [:] }
    return try read { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, line_count FROM file WHERE id IN (\(databaseQuestionMarks(count: fileIDs.count)))", arguments: StatementArguments(fileIDs))
      return Dictionary(rows.map { ($0[0] as Int64, $0[1] as Int) }, uniquingKeysWith: { a, _ in a })
    }
  }

  public func chunks(ids: [Int64]) throws -> [ChunkRecord] {
    guard !ids.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: ids.count)
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT chunk.id, chunk.file_id, source.name, file.path, chunk.start_line, chunk.end_line, chunk.symbol, chunk.kind, chunk.body
          FROM chunk JOIN file ON file.id = chunk.file_id JOIN source ON source.id = file.source_id
          WHERE chunk.id IN (\(placeholders))
          """, arguments: StatementArguments(ids))
      return rows.map {
        ChunkRecord(
          id: $0[0], fileID: $0[1], source: $0[2], path: $0[3], startLine: $0[4], endLine: $0[5], symbol: $0[6], kind: $0[7],
          text: ChunkText.decode($0[8]) ?? "")
      }
    }
  }

  /// Definitions whose normalized name (see `normalizedSymbol`) is one of `norms`.
  /// - Parameter perName: at most this many of each name, so that one name defined hundreds
  ///   of times (`__init__`) cannot fill `limit` and leave the others out.
  public func symbols(normalized norms: [String], limit: Int = 200, perName: Int? = nil) throws -> [SymbolRecord] {
    let names = norms
    guard !names.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: names.count)
      let capped = perName.map { "WHERE rank <= \($0)" } ?? ""
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT name, kind, line, end_line, scope, signature, file_id, path FROM (
            SELECT symbol.name, symbol.kind, symbol.line, symbol.end_line, symbol.scope, symbol.signature, symbol.file_id, file.path,
              row_number() OVER (PARTITION BY symbol.norm ORDER BY symbol.id) AS rank
            FROM symbol JOIN file ON file.id = symbol.file_id
            WHERE symbol.norm IN (\(placeholders))
          ) \(capped) LIMIT ?
          """, arguments: StatementArguments(names) + [limit])
      return rows.map {
        SymbolRecord(name: $0[0], kind: $0[1], line: $0[2], endLine: $0[3], scope: $0[4], signature: $0[5], fileID: $0[6], path: $0[7])
      }
    }
  }

  /// The ctags scope of the definition a chunk is labelled with (`Option` for the
  /// `__init__` of class Option, `a.b.C` nested), nil when it has none: the definition of the
  /// chunk's symbol in its file that covers the chunk, the innermost when several do.
  public func definingScope(of chunk: ChunkRecord) throws -> String? {
    guard let symbol = chunk.symbol else { return nil }
    return try read { db in
      try String.fetchOne(
        db,
        sql: """
          SELECT scope FROM symbol WHERE file_id = ? AND name = ? AND line <= ? AND COALESCE(end_line, line) >= ?
          ORDER BY line DESC LIMIT 1
          """, arguments: [chunk.fileID, symbol, chunk.endLine, chunk.startLine])
    }
  }

  /// Files whose name (last path component) is `name`.
  public func files(named name: String) throws -> [FileRecord] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT file.id, source.name, file.path, file.line_count FROM file JOIN source ON source.id = file.source_id
          WHERE file.name = ? LIMIT 50
          """, arguments: [name]
      ).map { FileRecord(id: $0[0], source: $0[1], path: $0[2], lineCount: $0[3]) }
    }
  }

  /// The chunk of `fileID` covering `line`, or the file's first chunk when `line` is nil.
  public func chunkID(fileID: Int64, line: Int?) throws -> Int64? {
    try read { db in try IndexStore.chunkID(fileID: fileID, line: line, db) }
  }

  /// `chunkID(fileID:line:)` for many places in one read (a query looks up the chunks of up to
  /// 120 definitions; a read each cost more than the look-ups).
  public func chunkIDs(_ places: [(fileID: Int64, line: Int)]) throws -> [Int64?] {
    guard !places.isEmpty else { return [] }
    return try read { db in try places.map { try IndexStore.chunkID(fileID: $0.fileID, line: $0.line, db) } }
  }

  private static func chunkID(fileID: Int64, line: Int?, _ db: Database) throws -> Int64? {
    if let line {
      if let id = try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT id FROM chunk WHERE file_id = ? AND start_line <= ? AND end_line >= ? ORDER BY start_line DESC LIMIT 1"),
        arguments: [fileID, line, line])
      {
        return id
      }
      return try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT id FROM chunk WHERE file_id = ? ORDER BY abs(start_line - ?) LIMIT 1"), arguments: [fileID, line])
    }
    return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM chunk WHERE file_id = ? ORDER BY start_line LIMIT 1"), arguments: [fileID])
  }

  /// How many chunks contain each term (already in index form: lower-case, stemmed by the
  /// caller's choice of raw term). Uses the fts5vocab table.
  public func documentFrequencies(_ terms: [String]) throws -> [String: Int] {
    guard !terms.isEmpty else { return [:] }
    return try read { db in
      try frequencyMemo.frequencies("chunk", terms, in: db) { db, terms in
        if let counts = try vocabularyCounts("chunk_ft", terms, in: db) { return counts }
        var result: [String: Int] = [:]
        let statement = try db.cachedStatement(sql: "SELECT doc FROM chunk_vocab WHERE term = ?")
        for term in terms {
          result[term] = try Int.fetchOne(statement, arguments: [term]) ?? 0
        }
        return result
      }
    }
  }

  public func chunkCount() throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "SELECT max(id) FROM chunk") ?? 0 }
  }
}

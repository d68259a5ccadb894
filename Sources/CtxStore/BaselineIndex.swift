import CtxCore
import Foundation
import GRDB

/// The plain BM25 baseline that `ctx eval` ranks beside ctx (docs/eval.md, "Baseline").
///
/// One FTS5 row per file holding the file's whole text (its chunks in line order, which cover
/// every line), in an in-memory database built from an index's code sources in the same run,
/// so both rankers see exactly the same files. Same tokenizer as the index
/// (`porter unicode61 remove_diacritics 2`), SQLite's default `bm25()` (k1 = 1.2, b = 0.75),
/// no column weights, no path column, no signals. A query matches any of its words.
public final class BaselineIndex: Sendable {
  private let queue: DatabaseQueue
  public let fileCount: Int

  public init(from store: IndexStore) throws {
    SQLiteSettings.apply()
    let queue = try DatabaseQueue()
    try queue.write { db in
      try db.execute(
        sql: """
          CREATE VIRTUAL TABLE file_ft USING fts5(path UNINDEXED, text, tokenize='porter unicode61 remove_diacritics 2');
          """)
    }
    // Files in id order, each file's chunks in line order: its whole text.
    let files: [(path: String, text: String)] = try store.read { db in
      let cursor = try Row.fetchCursor(
        db,
        sql: """
          SELECT chunk.file_id, file.path, chunk.body FROM chunk JOIN file ON file.id = chunk.file_id
          JOIN source ON source.id = file.source_id WHERE source.kind = 'code'
          ORDER BY chunk.file_id, chunk.start_line
          """)
      var files: [(path: String, text: String)] = []
      var currentID: Int64 = -1
      var parts: [String] = []
      var currentPath = ""
      while let row = try cursor.next() {
        let id: Int64 = row[0]
        if id != currentID {
          if currentID >= 0 { files.append((currentPath, parts.joined(separator: "\n"))) }
          currentID = id
          currentPath = row[1]
          parts = []
        }
        parts.append(ChunkText.decode(row[2]) ?? "")
      }
      if currentID >= 0 { files.append((currentPath, parts.joined(separator: "\n"))) }
      return files
    }
    try queue.write { db in
      let insert = try db.makeStatement(sql: "INSERT INTO file_ft(path, text) VALUES (?, ?)")
      for file in files { try insert.execute(arguments: [file.path, file.text]) }
    }
    fileCount = files.count
    self.queue = queue
  }

  /// The query's words as unicode61 splits them (letters and digits; `_` and punctuation
  /// separate), lower-cased, each once, in order.
  public static func words(_ text: String) -> [String] {
    var words: [String] = []
    var seen = Set<String>()
    var current = ""
    for character in text.lowercased() {
      if character.isLetter || character.isNumber {
        current.append(character)
      } else if !current.isEmpty {
        if seen.insert(current).inserted { words.append(current) }
        current = ""
      }
    }
    if !current.isEmpty, seen.insert(current).inserted { words.append(current) }
    return words
  }

  /// File paths best first by plain BM25 for any word of `text`.
  public func search(_ text: String, limit: Int) throws -> [String] {
    let words = BaselineIndex.words(text)
    guard !words.isEmpty else { return [] }
    let expression = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
    return try queue.read { db in
      try String.fetchAll(db, sql: "SELECT path FROM file_ft WHERE file_ft MATCH ? ORDER BY bm25(file_ft) LIMIT ?", arguments: [expression, limit])
    }
  }
}

extension IndexStore {
  /// Every file path of the code sources.
  public func codePaths() throws -> [String] {
    try read { db in
      try String.fetchAll(db, sql: "SELECT file.path FROM file JOIN source ON source.id = file.source_id WHERE source.kind = 'code'")
    }
  }
}

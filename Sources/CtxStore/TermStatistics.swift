import CtxCore
import Foundation
import GRDB

/// Words as the index sees them: their Porter stems, made by SQLite's own tokenizer so they
/// always agree with the full-text tables, and how many rows of the index hold each stem.
public struct TermStatistics: Sendable {
  /// Stem of each word asked for (lower-cased words that the tokenizer left whole).
  public var stems: [String: String]
  /// Rows holding each stem, summed over code chunks, document sections, chat threads and
  /// commit messages.
  public var documentFrequency: [String: Int]
  /// Rows of those four tables together.
  public var documents: Int

  /// Inverse document frequency (BM25's form, always positive): rare stems weigh most.
  public func weight(ofStem stem: String) -> Double {
    let df = Double(documentFrequency[stem] ?? 0)
    let n = Double(max(documents, 1))
    return log(1 + (n - df + 0.5) / (df + 0.5))
  }
}

extension IndexStore {
  /// The full-text tables whose vocabularies make up `TermStatistics.documentFrequency`, with
  /// the table that counts their rows. Each `fts5vocab` is a temporary table of the reading
  /// connection: it reads the index's own term lists, writes nothing to the index, and works
  /// on read-only connections.
  static let vocabularies: [(fts: String, rows: String)] = [
    ("chunk_ft", "SELECT max(id) FROM chunk"), ("section_ft", "SELECT count(*) FROM section"),
    ("thread_ft", "SELECT count(*) FROM chat_thread"), ("commit_ft", "SELECT count(*) FROM git_commit"),
  ]

  /// Stems (and, with `frequencies`, document frequencies of the stems) of `words`.
  /// Words are stemmed in one insert into a temporary FTS5 table with the index's tokenizer.
  public func termStatistics(words: [String], frequencies: Bool = true) throws -> TermStatistics {
    let distinct = Array(Set(words.map { $0.lowercased() }.filter { !$0.isEmpty })).sorted()
    return try read { db in
      var statistics = TermStatistics(stems: [:], documentFrequency: [:], documents: 0)
      guard !distinct.isEmpty else { return statistics }
      try db.execute(
        sql: """
          CREATE VIRTUAL TABLE IF NOT EXISTS temp.ctx_stem USING fts5(t, tokenize='porter unicode61 remove_diacritics 2');
          CREATE VIRTUAL TABLE IF NOT EXISTS temp.ctx_stem_terms USING fts5vocab(temp, ctx_stem, 'instance');
          DELETE FROM temp.ctx_stem;
          """)
      // One word per line: the position of each stem is the index of its word, unless the
      // tokenizer split a word (then that word and the rest are matched by position no more).
      try db.execute(sql: "INSERT INTO temp.ctx_stem(rowid, t) VALUES (1, ?)", arguments: [distinct.joined(separator: "\n")])
      let rows = try Row.fetchAll(db, sql: "SELECT term, offset FROM temp.ctx_stem_terms WHERE doc = 1 ORDER BY offset")
      if rows.count == distinct.count {
        for (word, row) in zip(distinct, rows) { statistics.stems[word] = row[0] }
      } else {
        for word in distinct { statistics.stems[word] = word }
      }
      try db.execute(sql: "DELETE FROM temp.ctx_stem")
      guard frequencies else { return statistics }
      let stems = Array(Set(statistics.stems.values))
      for (table, countSQL) in IndexStore.vocabularies {
        statistics.documents += try Int.fetchOne(db, sql: countSQL) ?? 0
        let vocabulary = "ctx_vocab_\(table)"
        // Remembered per process until the index changes: a term's count walks its doclist.
        let counts = try frequencyMemo.frequencies("stems:" + table, stems, in: db) { db, stems in
          if let counts = try vocabularyCounts(table, stems, in: db) { return counts }
          try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(vocabulary) USING fts5vocab(main, \(table), 'row')")
          let statement = try db.cachedStatement(sql: "SELECT doc FROM temp.\(vocabulary) WHERE term = ?")
          var counts: [String: Int] = [:]
          for stem in stems { counts[stem] = try Int.fetchOne(statement, arguments: [stem]) ?? 0 }
          return counts
        }
        for (stem, count) in counts { statistics.documentFrequency[stem, default: 0] += count }
      }
      return statistics
    }
  }
}

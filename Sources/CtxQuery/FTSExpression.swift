import Foundation
/// Builds FTS5 MATCH expressions from analysed terms.
///
/// Every term is written as a double-quoted string with inner quotes doubled, so no user text
/// is ever read as FTS5 syntax (`AND`, `NEAR`, `*`, `-`, `:` ...): free text cannot cause a
/// syntax error. A compound identifier matches its whole form or all of its parts:
///
/// ```
/// validateSession  →  ("validatesession" OR ("validate" AND "session"))
/// ```
/// Related documentation: https://sqlite.org/fts5.html#full_text_query_syntax
public enum FTSExpression {
  public static func quote(_ word: String) -> String {
    "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  public static func group(_ term: QueryTerm) -> String {
    guard term.parts.count > 1 else { return quote(term.whole) }
    let parts = term.parts.map(quote).joined(separator: " AND ")
    return "(\(quote(term.whole)) OR (\(parts)))"
  }

  /// All terms must match.
  public static func all(_ terms: [QueryTerm]) -> String? {
    terms.isEmpty ? nil : terms.map(group).joined(separator: " AND ")
  }

  /// Any term may match; BM25 then favours chunks that match many rare ones.
  public static func any(_ terms: [QueryTerm]) -> String? {
    terms.isEmpty ? nil : terms.map(group).joined(separator: " OR ")
  }
}

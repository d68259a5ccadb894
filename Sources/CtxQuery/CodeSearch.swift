import CtxCore
import CtxStore

/// A ranked chunk with the reasons it ranks where it does.
public struct CodeHit: Sendable {
  public var chunk: ChunkRecord
  public var score: Double
  /// Why it was included, for people and agents: "definition of `validateSession`".
  public var reasons: [String]
}

/// Ranks code chunks for free query text.
///
/// Signals, strongest first (docs/design.md, "Ranking"):
/// 1. the definition of an identifier the query names (`validateSession`, or "validate
///    session" spelled as words);
/// 2. a file the query names, as in a stack trace, and the chunk holding the named line;
/// 3. weighted BM25 over path, symbol, text and identifier parts, all terms required first,
///    then any term;
/// 4. test files rank lower unless the query is about tests.
public struct CodeSearch: Sendable {
  public let store: IndexStore
  /// Queries with more terms than this are "long" (a bug report): they match any of their most
  /// selective terms instead of all.
  public var longQueryTerms = 8
  /// How many of a long query's terms are kept, rarest first.
  public var longQueryKeep = 16
  /// Candidates taken from full-text search before re-ranking.
  public var candidateLimit = 150

  public init(store: IndexStore) {
    self.store = store
  }

  public func search(_ text: String, limit: Int) throws -> [CodeHit] {
    let query = QueryAnalysis(text)
    var candidates: [Int64: Candidate] = [:]

    try addFullText(query, into: &candidates)
    try addDefinitions(query, into: &candidates)
    var mentionedFiles: [Int64: String] = [:]
    try addPaths(query, into: &candidates, mentionedFiles: &mentionedFiles)
    guard !candidates.isEmpty else { return [] }

    // Fetch the strongest few hundred, then apply the file-level adjustments.
    // Ties broken by chunk id: dictionary order differs from process to process, and the same
    // index must always give the same answers.
    let shortlisted = candidates.sorted { $0.value.score != $1.value.score ? $0.value.score > $1.value.score : $0.key < $1.key }
      .prefix(max(limit * 4, 60))
    let records = try store.chunks(ids: shortlisted.map(\.key))
    var hits: [CodeHit] = []
    for record in records {
      guard var candidate = candidates[record.id] else { continue }
      if let path = mentionedFiles[record.fileID] {
        candidate.add(12, "in `\(path)`, named in the query")  // other matches in a named file rise too
      }
      if !query.mentionsTests && CodeSearch.isTestPath(record.path) {
        candidate.score *= 0.7
      }
      hits.append(CodeHit(chunk: record, score: candidate.score, reasons: candidate.reasons))
    }
    hits.sort { $0.score != $1.score ? $0.score > $1.score : ($0.chunk.path, $0.chunk.startLine) < ($1.chunk.path, $1.chunk.startLine) }
    return Array(hits.prefix(limit))
  }

  struct Candidate {
    var score: Double = 0
    var reasons: [String] = []

    mutating func add(_ points: Double, _ reason: String) {
      score += points
      if !reasons.contains(reason) { reasons.append(reason) }
    }
  }

  // MARK: Full text

  private func addFullText(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate]) throws {
    var terms = query.terms
    guard !terms.isEmpty else { return }
    let isLong = terms.count > longQueryTerms
    if isLong {
      terms = try selective(terms, keep: longQueryKeep)
    }
    var found = 0
    if !isLong, let expression = FTSExpression.all(terms) {
      let reason = terms.count > 1 ? "matches all query terms" : "matches \(describe(terms[0]))"
      for (id, score) in try store.matchChunks(expression, limit: candidateLimit) {
        candidates[id, default: Candidate()].add(-score * 1.5, reason)
        found += 1
      }
    }
    if (isLong || found < candidateLimit / 3) && terms.count > 1 {
      let pruned = isLong ? terms : try selective(terms, keep: terms.count, dropCommon: true)
      if let expression = FTSExpression.any(pruned) {
        for (id, score) in try store.matchChunks(expression, limit: candidateLimit) where candidates[id] == nil {
          candidates[id, default: Candidate()].add(-score, "matches some query terms")
        }
      }
    }
  }

  /// The `keep` rarest terms (by how many chunks contain them), optionally without terms in
  /// more than a quarter of all chunks. Identifiers always stay.
  private func selective(_ terms: [QueryTerm], keep: Int, dropCommon: Bool = false) throws -> [QueryTerm] {
    let frequencies = try store.documentFrequencies(terms.map(\.whole))
    let total = max(try store.chunkCount(), 1)
    var ranked = terms.map { term -> (QueryTerm, Int) in
      (term, term.parts.isEmpty ? (frequencies[term.whole] ?? 0) : 0)
    }
    if dropCommon {
      let kept = ranked.filter { $0.1 <= total / 4 }
      if !kept.isEmpty { ranked = kept }
    }
    ranked = ranked.enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset < $1.offset }.map(\.element)
    return ranked.prefix(keep).map(\.0)
  }

  private func describe(_ term: QueryTerm) -> String {
    "`\(term.whole)`"
  }

  // MARK: Definitions

  private func addDefinitions(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate]) throws {
    // Strong: identifiers as written, and runs of 2-3 adjacent words spelled together
    // ("validate session" → validatesession). Weak: one plain word naming a symbol.
    var strong: [String: String] = [:]  // norm → how the query said it
    for identifier in query.identifiers {
      strong[IndexStore.normalizedSymbol(identifier)] = identifier
    }
    let words = query.terms.map(\.whole)
    if words.count <= 12 {
      for size in 2...3 where words.count >= size {
        for start in 0...(words.count - size) {
          let run = words[start..<start + size]
          strong[run.joined(), default: run.joined(separator: " ")] = strong[run.joined()] ?? run.joined(separator: " ")
        }
      }
    }
    var weak: [String: String] = [:]
    for term in query.terms where term.parts.isEmpty && term.whole.count >= 3 && strong[term.whole] == nil {
      weak[term.whole] = term.whole
    }
    let symbols = try store.symbols(normalized: Array(strong.keys) + Array(weak.keys), limit: 300)
    // A word naming dozens of symbols ("run", "init") says little about any one of them.
    var weakCounts: [String: Int] = [:]
    for symbol in symbols { weakCounts[IndexStore.normalizedSymbol(symbol.name), default: 0] += 1 }
    for symbol in symbols.prefix(120) {
      let norm = IndexStore.normalizedSymbol(symbol.name)
      guard let chunkID = try store.chunkID(fileID: symbol.fileID, line: symbol.line) else { continue }
      if let spelled = strong[norm] {
        var points = 40.0
        if query.identifiers.contains(symbol.name) { points += 10 }  // exact spelling
        if CodeSearch.isContainerKind(symbol.kind) || CodeSearch.isCallableKind(symbol.kind) { points += 5 }
        candidates[chunkID, default: Candidate()].add(points, "definition of `\(symbol.name)` (\(symbol.kind))" + (spelled == symbol.name ? "" : " named by \"\(spelled)\""))
      } else if weak[norm] != nil, (weakCounts[norm] ?? 0) <= 20 {
        let points = (CodeSearch.isContainerKind(symbol.kind) || CodeSearch.isCallableKind(symbol.kind)) ? 6.0 : 2.0
        candidates[chunkID, default: Candidate()].add(points, "defines `\(symbol.name)` (\(symbol.kind))")
      }
    }
  }

  static func isContainerKind(_ kind: String) -> Bool {
    ["class", "struct", "enum", "protocol", "actor", "interface", "type", "trait", "module", "namespace", "extension"].contains(kind)
  }

  static func isCallableKind(_ kind: String) -> Bool {
    ["function", "method", "func", "initializer", "constructor", "macro"].contains(kind)
  }

  // MARK: Paths

  private func addPaths(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate], mentionedFiles: inout [Int64: String]) throws {
    for mention in query.paths.prefix(20) {
      let files = try store.files(named: mention.name)
      guard !files.isEmpty else { continue }
      // Prefer files whose path agrees with more of the mention's trailing components.
      let mentionComponents = Array(mention.path.split(separator: "/").reversed())
      func agreement(_ file: FileRecord) -> Int {
        let components = Array(file.path.split(separator: "/").reversed())
        var count = 0
        while count < min(components.count, mentionComponents.count) && components[count] == mentionComponents[count] { count += 1 }
        return count
      }
      let best = files.map(agreement).max() ?? 0
      for file in files where agreement(file) == best {
        let spelled = mention.line.map { "\(mention.name):\($0)" } ?? mention.name
        if let line = mention.line, let chunkID = try store.chunkID(fileID: file.id, line: line) {
          candidates[chunkID, default: Candidate()].add(45, "holds line \(line) of `\(file.path)`, named in the query (`\(spelled)`)")
        } else if let chunkID = try store.chunkID(fileID: file.id, line: nil) {
          candidates[chunkID, default: Candidate()].add(20, "file named in the query (`\(spelled)`)")
        }
        mentionedFiles[file.id] = file.path
      }
    }
  }

  /// Test files: a `test`/`tests`/`spec` folder, or a name like `foo_test.go`, `FooTests.swift`,
  /// `test_foo.py`, `foo.spec.ts`.
  public static func isTestPath(_ path: String) -> Bool {
    let lower = path.lowercased()
    let components = lower.split(separator: "/")
    if components.dropLast().contains(where: { $0 == "test" || $0 == "tests" || $0 == "spec" || $0 == "__tests__" || $0 == "testdata" }) {
      return true
    }
    guard let name = components.last else { return false }
    return name.hasPrefix("test_") || name.contains("_test.") || name.contains("tests.") || name.contains("test.")
      || name.contains(".spec.") || name.contains("_spec.")
  }
}

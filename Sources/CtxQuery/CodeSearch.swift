import CtxCore
import CtxStore
import Foundation

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
  /// File-level signals and their weights (docs/ranking.md).
  public var weights = RankingWeights()

  public init(store: IndexStore) {
    self.store = store
  }

  public func search(_ text: String, limit: Int) throws -> [CodeHit] {
    var timer = StageTimer()
    let query = QueryAnalysis.of(text)
    timer.mark("code.analysis")
    var candidates: [Int64: Candidate] = [:]

    let expression = try addFullText(query, into: &candidates)
    timer.mark("code.fulltext")
    try addDefinitions(query, into: &candidates)
    if weights.qualified > 0 { try addQualifiedDefinitions(query, into: &candidates) }
    timer.mark("code.definitions")
    var mentionedFiles: [Int64: (path: String, factor: Double)] = [:]
    try addPaths(query, into: &candidates, mentionedFiles: &mentionedFiles)
    timer.mark("code.paths")
    let mapping = try PathMapping(store: store)
    let evidence = weights.history > 0
      ? try CommitEvidence(store: store, query: query, mapping: mapping, commits: Int(weights.historyCommits), sum: weights.historySum) : CommitEvidence()
    timer.mark("code.commit-evidence")
    // Folders named in the query: their best matching chunks join the candidates.
    let folders = weights.folder > 0 ? FolderMentions.find(in: text, files: query.paths) : []
    if !folders.isEmpty, let expression {
      for (name, source) in try store.sourceRoots() where source.kind == "code" {
        for folder in folders {
          for (id, score) in try store.matchChunks(expression, source: name, folder: folder, limit: 20) where candidates[id] == nil {
            candidates[id] = Candidate(score: -score, reasons: ["matches some query terms"])
          }
        }
      }
    }
    guard !candidates.isEmpty || !evidence.scores.isEmpty else { return [] }

    // Fetch the strongest few hundred, then apply the file-level signals.
    // Ties broken by chunk id: dictionary order differs from process to process, and the same
    // index must always give the same answers.
    let shortlisted = candidates.sorted { $0.value.score != $1.value.score ? $0.value.score > $1.value.score : $0.key < $1.key }
      .prefix(max(limit * 4, 200))
    var records = try store.chunks(ids: shortlisted.map(\.key))
    let best = max(shortlisted.first?.value.score ?? 1, 1)
    // Files past commits point at that no text signal found: their best matching chunk.
    let present = Set(records.map { FileKey(source: $0.source, path: $0.path) })
    let unmatched: [(key: FileKey, value: Double)] = evidence.scores.filter { !present.contains($0.key) && $0.value >= 0.2 }.map { ($0.key, $0.value) }
    let missing = unmatched.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.path < $1.key.path }.prefix(20)
    if !missing.isEmpty {
      var ids: [Int64] = []
      let bySource: [String: [FileKey]] = Dictionary(grouping: missing.map { $0.key }, by: { $0.source })
      for (source, files) in bySource {
        ids += try store.fileIDs(source: source, paths: files.map { $0.path }).values
      }
      // Each file's best chunk among the deeper full-text candidates, with its score; else the
      // chunk holding the most query words (a second full-text match restricted to these
      // files would cost as much as the first).
      let wanted = Set(ids)
      var chosen: [Int64: (id: Int64, words: Int)] = [:]
      let files = try store.fileIDs(chunkIDs: Array(candidates.keys))
      for (chunk, file) in files where wanted.contains(file) {
        if let current = chosen[file], (candidates[current.id]?.score ?? 0) >= (candidates[chunk]?.score ?? 0) { continue }
        chosen[file] = (chunk, Int.max)
      }
      let words = query.terms.map(\.whole)
      for chunk in try store.chunkTexts(fileIDs: ids.filter { chosen[$0] == nil }) {
        let lower = chunk.text.lowercased()
        let count = words.filter { lower.contains($0) }.count
        if chosen[chunk.fileID] == nil || count > chosen[chunk.fileID]!.words { chosen[chunk.fileID] = (chunk.id, count) }
      }
      let shown = Set(records.map(\.id))
      let added = chosen.values.map(\.id).filter { !shown.contains($0) }
      for id in added where candidates[id] == nil { candidates[id] = Candidate(score: 0, reasons: []) }
      records += try store.chunks(ids: added)
    }
    timer.mark("code.records")
    let bonuses = try fileBonuses(records: records, candidates: candidates, evidence: evidence, mapping: mapping, best: best, query: query, folders: folders)

    var hits: [CodeHit] = []
    for record in records {
      guard var candidate = candidates[record.id] else { continue }
      if let (path, factor) = mentionedFiles[record.fileID] {
        candidate.add(12 * factor, "in `\(path)`, named in the query")  // other matches in a named file rise too
      }
      for (points, reason) in bonuses[FileKey(source: record.source, path: record.path)] ?? [] where points > 0 {
        candidate.add(points, reason)
      }
      if CodeSearch.isTestPath(record.path) {
        let aboutTests = weights.testsInTitle > 0 ? query.mentionsTests : query.mentionsTestsAnywhere
        candidate.score *= aboutTests ? weights.testsAbout : weights.tests
      }
      if CodeSearch.isProse(record.path) {
        candidate.score *= weights.prose
      }
      if weights.overloads != 1, CodeSearch.isOverloadStubs(record.text) {
        candidate.score *= weights.overloads
      }
      hits.append(CodeHit(chunk: record, score: candidate.score, reasons: candidate.reasons))
    }
    hits.sort { $0.score != $1.score ? $0.score > $1.score : ($0.chunk.path, $0.chunk.startLine) < ($1.chunk.path, $1.chunk.startLine) }
    timer.mark("code.file-signals")
    return Array(hits.prefix(limit))
  }

  /// File-level points per file (docs/ranking.md): other matching chunks, commit-message
  /// similarity, recency, churn and co-change with the strongest files. Batched: a handful of
  /// statements per query, whatever the number of candidates.
  private func fileBonuses(
    records: [ChunkRecord], candidates: [Int64: Candidate], evidence: CommitEvidence, mapping: PathMapping, best: Double, query: QueryAnalysis, folders: [String]
  ) throws -> [FileKey: [(Double, String)]] {
    // Words as written: the parts of an identifier (`session` in `validate_session`) do not
    // name files, or an exact identifier would lose to a file named by half of it.
    let queryWords = Set(query.terms.map(\.whole))
    let titleWords: Set<String> = weights.titlePath > 0 && query.text.contains(where: \.isNewline)
      ? Set(QueryAnalysis(String(query.text.split(whereSeparator: \.isNewline).first ?? "")).terms.map(\.whole)) : []
    var scores: [FileKey: [Double]] = [:]
    for record in records { scores[FileKey(source: record.source, path: record.path), default: []].append(candidates[record.id]?.score ?? 0) }
    var bonuses: [FileKey: [(Double, String)]] = [:]
    var fileScore: [FileKey: Double] = [:]
    for (file, values) in scores {
      let sorted = values.sorted(by: >)
      let top = sorted.first ?? 0
      let others = min(sorted.dropFirst().reduce(0, +), top)
      var total = top
      if weights.aggregate > 0 && others > 0 {
        bonuses[file, default: []].append((weights.aggregate * others, "\(sorted.count) matching chunks in this file"))
        total += weights.aggregate * others
      }
      if let share = evidence.scores[file], share > 0, weights.history > 0 {
        bonuses[file, default: []].append((weights.history * best * share, "changed by past commits whose messages match the query"))
        total += weights.history * best * share
      }
      if weights.pathWords > 0 {
        let named = PathWords.score(path: file.path, queryWords: queryWords)
        if named > 0 {
          bonuses[file, default: []].append((weights.pathWords * best * named, "its path is named by the query"))
          total += weights.pathWords * best * named
        }
      }
      if !titleWords.isEmpty {
        let named = PathWords.score(path: file.path, queryWords: titleWords)
        if named > 0 {
          bonuses[file, default: []].append((weights.titlePath * best * named, "its path is named by the first line"))
          total += weights.titlePath * best * named
        }
      }
      if let folder = folders.first(where: { file.path.hasPrefix($0 + "/") || file.path.contains("/" + $0 + "/") }) {
        bonuses[file, default: []].append((weights.folder * best, "under `\(folder)/`, named in the query"))
        total += weights.folder * best
      }
      fileScore[file] = total
    }
    guard !mapping.isEmpty, weights.recency > 0 || weights.churn > 0 || weights.coChange > 0 else { return bonuses }
    var byGit: [Int64: [(FileKey, String)]] = [:]
    for file in scores.keys {
      if let git = mapping.gitPath(file) { byGit[git.sourceID, default: []].append((file, git.path)) }
    }
    for (sourceID, files) in byGit {
      let scale = try store.historyScale(sourceID: sourceID)
      let signals = try store.fileSignals(sourceID: sourceID, paths: files.map(\.1))
      let maxChurn = log(1 + Double(max(scale.maxChanges, 1)))
      for (file, gitPath) in files {
        guard let signal = signals[gitPath] else { continue }
        if weights.recency > 0 {
          let age = Double(max(0, scale.newest - signal.lastTime)) / 86_400
          let points = weights.recency * best * pow(0.5, age / max(weights.recencyDays, 1))
          bonuses[file, default: []].append((points, "changed recently"))
        }
        if weights.churn > 0 {
          bonuses[file, default: []].append((weights.churn * best * log(1 + Double(signal.changes)) / maxChurn, "changes often"))
        }
      }
      // Co-change: files that changed in the same commits as the strongest few.
      if weights.coChange > 0 {
        let strongest = files.sorted { (fileScore[$0.0] ?? 0, $1.0.path) > (fileScore[$1.0] ?? 0, $0.0.path) }.prefix(3)
        let byPath = Dictionary(files.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
        for (anchor, gitPath) in strongest {
          let coupled = try store.coChanged(sourceID: sourceID, path: gitPath, limit: 20)
          guard let top = coupled.first?.count, top > 0 else { continue }
          for (path, count) in coupled {
            guard let file = byPath[path], file != anchor else { continue }
            bonuses[file, default: []].append((weights.coChange * best * Double(count) / Double(top) / 3, "changes together with `\(anchor.path)`"))
          }
        }
      }
    }
    return bonuses
  }

  /// Prose, data and unknown files: Markdown, text, reStructuredText, JSON, YAML, TOML, and
  /// files of no known language (`LICENSE`, `.gitignore`, `MANIFEST.in`).
  public static func isProse(_ path: String) -> Bool {
    guard let language = Language.detect(path: path) else { return true }
    return ["markdown", "restructuredtext", "text", "json", "yaml", "toml"].contains(language)
  }

  typealias Candidate = RankedCandidate

  // MARK: Full text

  /// Adds full-text matches; returns the expression that finds a file's best chunk.
  private func addFullText(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate]) throws -> String? {
    var terms = query.terms
    guard !terms.isEmpty else { return nil }
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
        // Deeper than the all-terms match: scoring every match costs the same whatever the
        // limit, and files that only other signals find keep their text score.
        for (id, score) in try store.matchChunks(expression, limit: candidateLimit * 6) where candidates[id] == nil {
          candidates[id, default: Candidate()].add(-score, "matches some query terms")
        }
        return expression
      }
    }
    return FTSExpression.any(terms)
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
    // Names a bug report points at (backticks, imports, calls, error lines) are identifiers
    // even when they are one plain word (`Dataset`, `evolve`).
    for name in weights.clues > 0 ? query.clues.names : [] where strong[IndexStore.normalizedSymbol(name)] == nil {
      strong[IndexStore.normalizedSymbol(name)] = name
    }
    let errorNames = Set(query.clues.errorNames.map(IndexStore.normalizedSymbol))
    let words = query.terms.map(\.whole)
    // `Sink::matched` names `matched` in `Sink`, not `sink_matched`.
    let scoped = weights.qualified > 0 ? Set(query.qualifiedNames.map { IndexStore.normalizedSymbol($0.scope + $0.name) }) : []
    if words.count <= 12 {
      for size in 2...3 where words.count >= size {
        for start in 0...(words.count - size) {
          let run = words[start..<start + size]
          if scoped.contains(run.joined()) { continue }
          strong[run.joined(), default: run.joined(separator: " ")] = strong[run.joined()] ?? run.joined(separator: " ")
        }
      }
    }
    var weak: [String: String] = [:]
    for term in query.terms where term.parts.isEmpty && term.whole.count >= 3 && strong[term.whole] == nil {
      weak[term.whole] = term.whole
    }
    // One more than `crowdedNames` of each name tells a crowded one without fetching all of it.
    let perName = weights.crowdedNames > 0 ? Int(weights.crowdedNames) + 1 : nil
    let symbols = try store.symbols(normalized: Array(strong.keys) + Array(weak.keys), limit: 300, perName: perName)
    // A word naming dozens of symbols ("run", "init") says little about any one of them;
    // nor does an identifier defined that often (`__init__`).
    var weakCounts: [String: Int] = [:]
    for symbol in symbols { weakCounts[IndexStore.normalizedSymbol(symbol.name), default: 0] += 1 }
    func crowded(_ norm: String) -> Bool { weights.crowdedNames > 0 && Double(weakCounts[norm] ?? 0) > weights.crowdedNames }
    // Only definitions that will score are looked up, all in one read.
    let scoring = symbols.prefix(120).filter { symbol in
      let norm = IndexStore.normalizedSymbol(symbol.name)
      return (strong[norm] != nil && !crowded(norm)) || (weak[norm] != nil && (weakCounts[norm] ?? 0) <= 20)
    }
    let chunkIDs = try store.chunkIDs(scoring.map { (fileID: $0.fileID, line: $0.line) })
    for (symbol, found) in zip(scoring, chunkIDs) {
      let norm = IndexStore.normalizedSymbol(symbol.name)
      guard let chunkID = found else { continue }
      if let spelled = strong[norm], !crowded(norm) {
        var points = 40.0
        if query.identifiers.contains(symbol.name) { points += 10 }  // exact spelling
        if CodeSearch.isContainerKind(symbol.kind) || CodeSearch.isCallableKind(symbol.kind) { points += 5 }
        candidates[chunkID, default: Candidate()].add(points, "definition of `\(symbol.name)` (\(symbol.kind))" + (spelled == symbol.name ? "" : " named by \"\(spelled)\""))
        if weights.clues > 0 && errorNames.contains(norm) {
          candidates[chunkID, default: Candidate()].add(15 * weights.clues, "`\(symbol.name)` is named in an error line")
        }
      } else if weak[norm] != nil, (weakCounts[norm] ?? 0) <= 20 {
        let points = (CodeSearch.isContainerKind(symbol.kind) || CodeSearch.isCallableKind(symbol.kind)) ? 6.0 : 2.0
        candidates[chunkID, default: Candidate()].add(points, "defines `\(symbol.name)` (\(symbol.kind))")
      }
    }
  }

  /// A name written with its scope (`Sink::matched`) points at the definition in that scope, as
  /// an identifier as written does (+40); the same name in other scopes gets what a plain word
  /// gets, and `sink_matched` nothing (`addDefinitions` leaves that run of words out).
  private func addQualifiedDefinitions(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate]) throws {
    guard !query.qualifiedNames.isEmpty else { return }
    let wanted = Dictionary(
      query.qualifiedNames.prefix(20).map { (IndexStore.normalizedSymbol($0.name), [$0]) }, uniquingKeysWith: +)
    let symbols = try store.symbols(normalized: Array(wanted.keys), limit: 2000).filter { symbol in
      guard let scope = symbol.scope, let written = wanted[IndexStore.normalizedSymbol(symbol.name)] else { return false }
      let last = IndexStore.normalizedSymbol(CodeSearch.lastScope(scope))
      return written.contains { IndexStore.normalizedSymbol($0.scope) == last }
    }
    let chunkIDs = try store.chunkIDs(symbols.prefix(50).map { (fileID: $0.fileID, line: $0.line) })
    for (symbol, found) in zip(symbols.prefix(50), chunkIDs) {
      guard let chunkID = found, let scope = symbol.scope else { continue }
      candidates[chunkID, default: Candidate()].add(40 * weights.qualified, "definition of `\(CodeSearch.lastScope(scope))::\(symbol.name)` (\(symbol.kind))")
    }
  }

  /// The innermost scope of a ctags scope (`a.b.C`, `ns::C`): `C`.
  static func lastScope(_ scope: String) -> String {
    let afterColons = scope.range(of: "::", options: .backwards).map { String(scope[$0.upperBound...]) } ?? scope
    return afterColons.split(separator: ".").last.map(String.init) ?? afterColons
  }

  static func isContainerKind(_ kind: String) -> Bool {
    ["class", "struct", "enum", "protocol", "actor", "interface", "type", "trait", "module", "namespace", "extension"].contains(kind)
  }

  static func isCallableKind(_ kind: String) -> Bool {
    ["function", "method", "func", "initializer", "constructor", "macro"].contains(kind)
  }

  // MARK: Paths

  private func addPaths(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate], mentionedFiles: inout [Int64: (path: String, factor: Double)]) throws {
    // Traceback frames: the deepest frame inside the repository is where the bug shows, the
    // callers above it less so. Python prints the deepest last; most other runtimes first.
    let mentions = Array(query.paths.prefix(20))
    let lined = mentions.indices.filter { mentions[$0].line != nil }
    func depthFactor(_ index: Int) -> Double {
      guard weights.clues > 0, lined.count > 1, let position = lined.firstIndex(of: index) else { return 1 }
      let depth = query.clues.deepestFrameLast ? lined.count - 1 - position : position
      return max(0.3, pow(0.6, Double(depth)))
    }
    for (index, mention) in mentions.enumerated() {
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
          candidates[chunkID, default: Candidate()].add(45 * depthFactor(index), "holds line \(line) of `\(file.path)`, named in the query (`\(spelled)`)")
        } else if let chunkID = try store.chunkID(fileID: file.id, line: nil) {
          candidates[chunkID, default: Candidate()].add(20 * depthFactor(index), "file named in the query (`\(spelled)`)")
        }
        mentionedFiles[file.id] = (file.path, max(mentionedFiles[file.id]?.factor ?? 0, depthFactor(index)))
      }
    }
    guard weights.clues > 0 else { return }
    // Modules the report's code imports: `from pkg.mod import X` names pkg/mod.py.
    for module in query.clues.modules.prefix(10) {
      let leaf = module.split(separator: "/").last.map(String.init) ?? module
      for name in [leaf + ".py", "__init__.py"] where module.contains("/") {
        let suffix = name == "__init__.py" ? module + "/__init__.py" : module + ".py"
        for file in try store.files(named: name) where file.path == suffix || file.path.hasSuffix("/" + suffix) {
          guard mentionedFiles[file.id] == nil, let chunkID = try store.chunkID(fileID: file.id, line: nil) else { continue }
          candidates[chunkID, default: Candidate()].add(20 * weights.clues, "module `\(module.replacingOccurrences(of: "/", with: "."))`, imported in the query")
          mentionedFiles[file.id] = (file.path, 1)
        }
      }
    }
    // Error messages: the chunk whose text spells the message (its string literal).
    for phrase in query.clues.phrases.prefix(5) {
      let expression = "\"" + phrase.joined(separator: " ").replacingOccurrences(of: "\"", with: "") + "\""
      let found = try store.matchChunks(expression, limit: 11)
      // A phrase in more than ten chunks is common wording, not this message's source.
      guard !found.isEmpty, found.count <= 10 else { continue }
      for (id, _) in found {
        candidates[id, default: Candidate()].add(30 * weights.clues, "spells the message \"\(phrase.joined(separator: " "))\"")
      }
    }
  }

  /// Test files: a `test`/`tests`/`spec` folder, or a name like `foo_test.go`, `FooTests.swift`,
  /// `test_foo.py`, `foo.spec.ts`.
  /// Python's `@overload` stubs (`@t.overload` then `def f(x: int) -> int: ...`): signatures
  /// an agent reads past on its way to the implementation, which follows them and shares their
  /// name. A chunk of nothing else: an overload decorator, and no line opening a body (`:` at
  /// its end).
  static func isOverloadStubs(_ text: String) -> Bool {
    guard text.contains("overload") else { return false }  // every candidate passes here
    var decorated = false
    for line in text.split(separator: "\n") {
      var trimmed = line.drop { $0 == " " || $0 == "\t" }
      if let hash = trimmed.firstIndex(of: "#") { trimmed = trimmed[..<hash] }
      while let last = trimmed.last, last == " " || last == "\t" || last == "\r" { trimmed = trimmed.dropLast() }
      if trimmed.hasPrefix("@") && trimmed.hasSuffix("overload") { decorated = true }
      if trimmed.hasSuffix(":") { return false }
    }
    return decorated
  }

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

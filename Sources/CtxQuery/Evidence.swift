import CtxCore
import CtxStore
import Foundation

/// How strongly a piece of text is tied to a query: the share of the query's information that
/// it holds (docs/bundles.md, "What earns a place").
///
/// The query's words (identifiers taken by their parts, stop words dropped) are stemmed as the
/// index stems them and weighted by their rarity across the whole index (code, documents,
/// threads and commits together), so every layer is measured on one scale. A text's
/// **coverage** is the weight of the query words it contains over the weight of all of them:
/// matching "use" and "search" in a question about lunr is a small share, matching "lunr" a
/// large one. Long queries (a whole bug report) keep their `maxTerms` heaviest words.
public struct Evidence: Sendable {
  public struct Term: Sendable, Hashable {
    public var word: String
    public var stem: String
    public var weight: Double
  }

  public let terms: [Term]
  public let totalWeight: Double
  private let store: IndexStore

  public init(query: QueryAnalysis, store: IndexStore, maxTerms: Int = 24) throws {
    self.store = store
    var words: [String] = []
    var compounds: [(whole: String, parts: [String])] = []
    var seen = Set<String>()
    for term in query.terms {
      if !term.parts.isEmpty { compounds.append((term.whole, term.parts)) }
      for word in term.parts.isEmpty ? [term.whole] : term.parts
      where !QueryAnalysis.stopWords.contains(word) && (word.count >= 2 || word.allSatisfy(\.isNumber)) && seen.insert(word).inserted {
        words.append(word)
      }
    }
    let statistics = try store.termStatistics(words: words + compounds.map(\.whole))
    var byStem: [String: Term] = [:]
    // A word the index holds nowhere (a version number, a URL's path, a name from another
    // project) can tie the question to nothing: it has no weight.
    for word in words {
      let stem = statistics.stems[word] ?? word
      guard byStem[stem] == nil, (statistics.documentFrequency[stem] ?? 0) > 0 else { continue }
      byStem[stem] = Term(word: word, stem: stem, weight: statistics.weight(ofStem: stem))
    }
    // An identifier named whole (`default_if_none`) is evidence beyond its parts: a text that
    // spells it weighs more than one that has the words apart. Its weight is its own rarity,
    // at most the sum of its parts' (a snake_case name is never one token in the index, so its
    // own frequency reads as zero).
    for compound in compounds {
      let stem = statistics.stems[compound.whole] ?? compound.whole
      let partWeights = compound.parts.filter { !QueryAnalysis.stopWords.contains($0) }.map { byStem[statistics.stems[$0] ?? $0]?.weight }
      // Only a name whose every part the index holds can be one of its identifiers.
      guard byStem[stem] == nil, !partWeights.isEmpty, !partWeights.contains(where: { $0 == nil }) else { continue }
      let parts = partWeights.compactMap { $0 }.reduce(0, +)
      byStem[stem] = Term(word: compound.whole, stem: stem, weight: min(statistics.weight(ofStem: stem), max(parts, 1)))
    }
    let heaviestFirst = byStem.values.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.stem < $1.stem }
    let clueStems = Set(Evidence.clueWords(of: query).compactMap { statistics.stems[$0] ?? $0 }).filter { byStem[$0] != nil }
    if byStem.count <= Evidence.shortQueryTerms || clueStems.isEmpty {
      terms = Array(heaviestFirst.prefix(maxTerms))
    } else {
      // A bug report: its rarest words are often the reporter's prose ("greetings",
      // "perfectly", a URL's numbers) that no code holds for a reason. Its title and the
      // names it points at (backticks, calls, error lines) are kept, and the prose may weigh
      // at most half as much as they do, so a text holding the clues is the best evidence.
      let clues = heaviestFirst.filter { clueStems.contains($0.stem) }.prefix(maxTerms)
      var rest = Array(heaviestFirst.filter { !clueStems.contains($0.stem) }.prefix(max(0, maxTerms - clues.count)))
      let clueWeight = clues.reduce(0) { $0 + $1.weight }
      let restWeight = rest.reduce(0) { $0 + $1.weight }
      if restWeight > clueWeight * Evidence.proseShare {
        for index in rest.indices { rest[index].weight *= clueWeight * Evidence.proseShare / restWeight }
      }
      terms = Array(clues) + rest
    }
    totalWeight = terms.reduce(0) { $0 + $1.weight }
  }

  /// The words a long query points with: its first line (a report's title), and the names
  /// `ReportClues` found (backticked, called, imported, in error lines), by their parts.
  static func clueWords(of query: QueryAnalysis) -> [String] {
    guard query.text.contains(where: \.isNewline) else { return [] }
    var pieces = [String(query.text.split(whereSeparator: \.isNewline).first ?? "")]
    pieces += query.clues.names
    pieces += query.clues.phrases.map { $0.joined(separator: " ") }
    var words: [String] = []
    for piece in pieces {
      for token in QueryAnalysis.tokens(of: piece) {
        let parts = IdentifierParts.split(token[...])
        for part in parts.map({ $0.lowercased() }) where !QueryAnalysis.stopWords.contains(part) { words.append(part) }
      }
    }
    return words
  }

  /// Queries with at most this many distinct words are short (a few words, a title).
  static let shortQueryTerms = 8
  /// In a long report, the prose's words weigh at most this share of its clues' weight.
  static let proseShare = 0.5

  /// Whether the query is short enough that an absolute floor applies (a few words, a title).
  public var isShort: Bool { terms.count <= Evidence.shortQueryTerms }

  /// Coverage in 0...1 of each text, in order (one stemming pass for all of them).
  public func coverage(of texts: [String]) throws -> [Double] {
    guard totalWeight > 0 else { return texts.map { _ in 0 } }
    let wordSets = texts.map(Evidence.words)
    let statistics = try store.termStatistics(words: Array(Set(wordSets.flatMap { $0 })), frequencies: false)
    let weights = Dictionary(terms.map { ($0.stem, $0.weight) }, uniquingKeysWith: { a, _ in a })
    return wordSets.map { words in
      var stems = Set<String>()
      for word in words { if let stem = statistics.stems[word], weights[stem] != nil { stems.insert(stem) } }
      return stems.reduce(0) { $0 + (weights[$1] ?? 0) } / totalWeight
    }
  }

  /// The lower-cased words of a text, identifiers split into their parts.
  static func words(_ text: String) -> Set<String> {
    var words = Set<String>()
    for token in QueryAnalysis.tokens(of: text) {
      let parts = IdentifierParts.split(token[...])
      if parts.count > 1 { words.insert(parts.joined()) }
      for part in parts where !part.isEmpty { words.insert(part) }
    }
    return words
  }
}

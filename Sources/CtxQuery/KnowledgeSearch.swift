import CtxConnectors
import CtxCore
import CtxStore
import Foundation

/// A ranked document section.
public struct DocHit: Sendable {
  public var section: SectionRow
  public var score: Double
  public var reasons: [String]
  /// The document now, against the index (set by the bundle's live check).
  public var freshness: Freshness? = nil

  /// `path#anchor` (the path alone for text before the first heading).
  public var ref: String { section.anchor.isEmpty ? section.path : "\(section.path)#\(section.anchor)" }
  public var isSuperseded: Bool { section.status == "superseded" }
}

/// A ranked chat thread, with the messages that matched marked.
public struct ThreadHit: Sendable {
  public var thread: ThreadRow
  public var messages: [MessageRow]
  /// Indices into `messages` of those that matched the query (or mention the code shown).
  public var matching: [Int]
  public var score: Double
  public var reasons: [String]

  /// `thread:<channel>/<ts>`, the form annotations target.
  public var ref: String { "thread:\(thread.channel)/\(thread.threadTS)" }
  /// The first matching message, else the root.
  public var focus: MessageRow? { matching.first.map { messages[$0] } ?? messages.first }
}

/// Ranks the knowledge layers: document sections (`--layer docs`) and chat threads
/// (`--layer chat`), for query text and as what the code in a bundle is discussed in.
public struct KnowledgeSearch: Sendable {
  public let store: IndexStore
  public var candidateLimit = 100
  /// A superseded document ranks below current ones: its score is multiplied by this.
  public var supersededFactor = 0.4
  /// Release notes rank below the guides unless the question asks when something changed
  /// (`ReleaseNotes`); when it does, above them. Their scores are multiplied by these.
  public var releaseNotesFactor = 0.5
  public var releaseNotesAskedFactor = 1.5

  public init(store: IndexStore) {
    self.store = store
  }

  // MARK: Documents

  public func docs(_ text: String, limit: Int) throws -> [DocHit] {
    let query = QueryAnalysis.of(text)
    var candidates: [Int64: Candidate] = [:]
    try fullText(query, match: store.matchSections, into: &candidates)
    return try rankSections(candidates, asksAboutChanges: ReleaseNotes.asked(in: text), limit: limit)
  }

  func rankSections(_ candidates: [Int64: Candidate], asksAboutChanges: Bool, limit: Int) throws -> [DocHit] {
    guard !candidates.isEmpty else { return [] }
    var hits: [DocHit] = []
    for section in try store.sections(ids: Array(candidates.keys)) {
      guard var candidate = candidates[section.id] else { continue }
      if ReleaseNotes.holds(section.path) {
        if asksAboutChanges {
          candidate.score *= releaseNotesAskedFactor
          candidate.reasons.append("release notes, for a question about when something changed")
        } else {
          candidate.score *= releaseNotesFactor
          candidate.reasons.append("release notes: ranked below guides (the question asks nothing about versions)")
        }
      }
      switch section.status {
      case "superseded":
        candidate.score *= supersededFactor
        candidate.reasons.append("superseded" + (section.supersededBy.map { " by \($0)" } ?? "") + ": ranked below current documents")
      case "deprecated", "rejected":
        candidate.score *= 0.6
        candidate.reasons.append("marked \(section.status ?? "")")
      default: break
      }
      hits.append(DocHit(section: section, score: candidate.score, reasons: candidate.reasons))
    }
    hits.sort { $0.score != $1.score ? $0.score > $1.score : ($0.section.path, $0.section.startLine) < ($1.section.path, $1.section.startLine) }
    return Array(hits.prefix(limit))
  }

  // MARK: Chat

  public func threads(_ text: String, limit: Int) throws -> [ThreadHit] {
    let query = QueryAnalysis.of(text)
    var candidates: [Int64: Candidate] = [:]
    try fullText(query, match: store.matchThreads, into: &candidates)
    return try rankThreads(candidates, query: query, limit: limit)
  }

  func rankThreads(_ candidates: [Int64: Candidate], query: QueryAnalysis, mentioned: [Int64: [String]] = [:], limit: Int) throws -> [ThreadHit] {
    guard !candidates.isEmpty else { return [] }
    let threads = try store.threads(ids: Array(candidates.keys))
    let newest = threads.compactMap { ChatTime.date($0.lastTS)?.timeIntervalSince1970 }.max() ?? 0
    var hits: [ThreadHit] = []
    for thread in threads {
      guard var candidate = candidates[thread.id] else { continue }
      // Recency: up to 1 point, half-life 180 days against the newest candidate.
      if let last = ChatTime.date(thread.lastTS)?.timeIntervalSince1970 { candidate.score += pow(0.5, max(0, newest - last) / 86_400 / 180) }
      hits.append(ThreadHit(thread: thread, messages: [], matching: [], score: candidate.score, reasons: candidate.reasons))
    }
    hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.thread.id < $1.thread.id }
    hits = Array(hits.prefix(limit))
    let words = Set(query.terms.flatMap { [$0.whole] + $0.parts }.map(KnowledgeSearch.stem))
    for index in hits.indices {
      let messages = try store.messages(threadID: hits[index].thread.id)
      hits[index].messages = messages
      let named = mentioned[hits[index].thread.id] ?? []
      hits[index].matching = messages.indices.filter { position in
        let text = messages[position].text
        if named.contains(where: { text.contains($0) }) { return true }
        let messageWords = Set(QueryAnalysis.tokens(of: text.lowercased()).map { KnowledgeSearch.stem(IdentifierParts.split($0[...]).joined()) })
        return !words.isEmpty && !words.isDisjoint(with: messageWords)
      }
    }
    return hits
  }

  // MARK: What the code is discussed in

  /// Sections and threads that mention the symbols or files of `code` (a bundle's code items):
  /// "the docs that mention `validateSession`".
  /// - Parameter commits: commits the bundle shows; the pull requests and issues they name by
  ///   number (`(#4692)`, `Merge pull request #4692`, `Fixes #12`) join as threads.
  public func mentioning(code: [ChunkRecord], commits: [HistoryHit] = [], query text: String, limit: Int) throws -> (docs: [DocHit], threads: [ThreadHit]) {
    var targets: [(kind: MentionRecord.Kind, norm: String)] = []
    var seen = Set<String>()
    for chunk in code.prefix(8) {
      if let symbol = chunk.symbol, symbol.count >= 4, seen.insert("i" + symbol).inserted {
        targets.append((.identifier, MentionRecord(kind: .identifier, target: symbol).norm))
      }
      if seen.insert("p" + chunk.path).inserted {
        targets.append((.path, chunk.path.lowercased()))
        if let name = chunk.path.split(separator: "/").last, name.contains(".") { targets.append((.path, name.lowercased())) }
      }
    }
    // Commits shown, by full id: a pull request's thread names its merge and head commits.
    for commit in commits.prefix(12) where seen.insert("c" + commit.commit.sha).inserted {
      targets.append((.commit, commit.commit.sha.lowercased()))
    }
    let found = try store.mentioning(targets)
    var sectionCandidates: [Int64: Candidate] = [:]
    for (id, written) in found.sections {
      sectionCandidates[id, default: Candidate()].add(6, "mentions " + Set(written).sorted().prefix(3).map { "`\($0)`" }.joined(separator: ", "))
    }
    var threadCandidates: [Int64: Candidate] = [:]
    for (id, written) in found.threads {
      threadCandidates[id, default: Candidate()].add(6, "mentions " + Set(written).sorted().prefix(3).map { "`\($0)`" }.joined(separator: ", "))
    }
    // Pull requests and issues the shown commits name: where the "why" of the change lives.
    for commit in commits.prefix(12) {
      for number in KnowledgeSearch.referencedNumbers(in: commit.commit.summary + "\n" + commit.commit.body).prefix(3) {
        let expression = "\"pull request \(number)\" OR \"issue \(number)\""
        for (id, _) in try store.matchThreads(expression, limit: 3) {
          threadCandidates[id, default: Candidate()].add(8, "linked from commit `\(commit.commit.sha.prefix(12))` (#\(number))")
        }
      }
    }
    let query = QueryAnalysis.of(text)
    // The query itself, too: a decision about the topic matters even if it names no symbol.
    try fullText(query, match: store.matchSections, into: &sectionCandidates)
    try fullText(query, match: store.matchThreads, into: &threadCandidates)
    var threads = try rankThreads(threadCandidates, query: query, mentioned: found.threads, limit: limit)
    // The issues a pull request in the bundle says it fixes or refers to (`fixes #4691`).
    var referenced = false
    for hit in threads where hit.messages.first?.text.hasPrefix("Pull request #") == true {
      let pullRequest = hit.messages.first?.text.split(separator: ":").first.map(String.init) ?? "a pull request"
      for number in KnowledgeSearch.referencedNumbers(in: hit.messages.map(\.text).joined(separator: "\n")).prefix(3) {
        for (id, _) in try store.matchThreads("\"issue \(number)\"", limit: 2) where id != hit.thread.id {
          threadCandidates[id, default: Candidate()].add(5, "referenced by \(pullRequest) (#\(number))")
          referenced = true
        }
      }
    }
    if referenced { threads = try rankThreads(threadCandidates, query: query, mentioned: found.threads, limit: limit) }
    return (try rankSections(sectionCandidates, asksAboutChanges: ReleaseNotes.asked(in: text), limit: limit), threads)
  }

  /// Issue and pull request numbers a commit message names (`(#1234)`, `Merge pull request
  /// #1234 from …`, `Fixes #12`, an `/issues/12` URL), in order, once each: the `#` issue
  /// references `DocumentMentions` finds.
  static func referencedNumbers(in message: String) -> [Int] {
    var numbers: [Int] = []
    for issue in DocumentMentions.extract(from: message).issues where issue.hasPrefix("#") {
      if let number = Int(issue.dropFirst()), number > 0, !numbers.contains(number) { numbers.append(number) }
    }
    return numbers
  }

  // MARK: Shared

  /// A crude English stem (plural and -ing/-ed endings), enough to mark "sessions" as matching
  /// "session"; the full-text index itself uses the porter stemmer.
  static func stem(_ word: String) -> String {
    for suffix in ["ing", "ed", "es", "s"] where word.count > suffix.count + 3 && word.hasSuffix(suffix) {
      return String(word.dropLast(suffix.count))
    }
    return word
  }

  typealias Candidate = RankedCandidate

  /// All terms first (×1.5), then any term when that finds few; long queries keep their
  /// rarest terms by how often they occur in code (a cheap, shared proxy).
  private func fullText(
    _ query: QueryAnalysis, match: (String, Int) throws -> [(id: Int64, score: Double)], into candidates: inout [Int64: Candidate]
  ) throws {
    var terms = query.terms
    guard !terms.isEmpty else { return }
    if terms.count > 8 {
      let frequencies = try store.documentFrequencies(terms.map(\.whole))
      terms = terms.enumerated().sorted {
        let (a, b) = (frequencies[$0.element.whole] ?? 0, frequencies[$1.element.whole] ?? 0)
        return a != b ? a < b : $0.offset < $1.offset
      }.prefix(12).map(\.element)
    }
    // Sections and threads already here for what they mention still earn their words' score:
    // only those the all-terms pass scored are skipped by the any-terms pass.
    var matchedAll = Set<Int64>()
    if terms.count <= 8, let all = FTSExpression.all(terms) {
      for (id, score) in try match(all, candidateLimit) {
        candidates[id, default: Candidate()].add(-score * 1.5, terms.count > 1 ? "matches all query terms" : "matches `\(terms[0].whole)`")
        matchedAll.insert(id)
      }
    }
    if matchedAll.count < candidateLimit / 3, terms.count > 1, let any = FTSExpression.any(terms) {
      for (id, score) in try match(any, candidateLimit) where !matchedAll.contains(id) {
        candidates[id, default: Candidate()].add(-score, "matches some query terms")
      }
    }
  }
}

import CtxCore
import CtxGit
import CtxStore
import Foundation

/// A ranked commit with the reasons it was picked.
public struct HistoryHit: Sendable {
  public var commit: CommitRow
  /// Changed paths, as the index records them (the first few).
  public var changes: [GitFileChange]
  public var score: Double
  public var reasons: [String]
}

/// Ranks commits: for free query text (`ctx search --layer history`), and as the explanation
/// of code a bundle shows (docs/ranking.md, "History").
public struct HistorySearch: Sendable {
  public let store: IndexStore
  /// Commits that touch more files than this are mass changes (reformatting, vendoring):
  /// they explain little about any one file and rank last.
  public var massChangeFiles = 100
  public var candidateLimit = 100

  public init(store: IndexStore) {
    self.store = store
  }

  // MARK: Query text

  public func search(_ text: String, limit: Int) throws -> [HistoryHit] {
    try search(text, limit: limit, withChanges: true)
  }

  /// - Parameter withChanges: also read each hit's changed files (and count their lines when
  ///   the index lacks the counts); `explain` uses only the ranking and skips that work.
  /// - Parameter lineCounts: count added and deleted lines of older commits from the
  ///   repository (about 4 ms a commit on moby); `ctx search` shows paths only.
  func search(_ text: String, limit: Int, withChanges: Bool, lineCounts: Bool = true) throws -> [HistoryHit] {
    let query = QueryAnalysis.of(text)
    var candidates: [Int64: Candidate] = [:]
    try addFullText(query, into: &candidates)
    // A commit id in the query names that commit.
    for token in QueryAnalysis.tokens(of: text) where HistorySearch.looksLikeSHA(token) {
      for commit in try store.commits(shaPrefix: token) {
        candidates[commit.id, default: Candidate()].add(100, "commit `\(token)` named in the query")
      }
    }
    // A file named in the query (as in a stack trace): the commits that changed it.
    if !query.paths.isEmpty {
      let roots = try store.gitSources()
      for mention in query.paths.prefix(5) {
        for source in roots {
          for commit in try commitsTouching(mention.path, source: source, limit: 10) {
            candidates[commit.id, default: Candidate()].add(8, "changed `\(mention.name)`, named in the query")
          }
        }
      }
    }
    return try rank(candidates, limit: limit, withChanges: withChanges, lineCounts: lineCounts)
  }

  private func addFullText(_ query: QueryAnalysis, into candidates: inout [Int64: Candidate]) throws {
    var terms = query.terms
    guard !terms.isEmpty else { return }
    if terms.count > 8 {
      let frequencies = try store.commitTermFrequencies(terms.map(\.whole))
      terms = terms.enumerated().sorted {
        let (a, b) = (frequencies[$0.element.whole] ?? 0, frequencies[$1.element.whole] ?? 0)
        return a != b ? a < b : $0.offset < $1.offset
      }.prefix(12).map(\.element)
    }
    var found = 0
    if terms.count <= 8, let all = FTSExpression.all(terms) {
      for (id, score) in try store.matchCommits(all, limit: candidateLimit) {
        candidates[id, default: Candidate()].add(-score * 1.5, terms.count > 1 ? "message matches all query terms" : "message matches `\(terms[0].whole)`")
        found += 1
      }
    }
    if found < candidateLimit / 3, terms.count > 1, let any = FTSExpression.any(terms) {
      for (id, score) in try store.matchCommits(any, limit: candidateLimit) where candidates[id] == nil {
        candidates[id, default: Candidate()].add(-score, "message matches some query terms")
      }
    }
  }

  /// Commits changing `path` (as written in a query: maybe absolute, maybe partial) in a source.
  private func commitsTouching(_ path: String, source: GitSourceRow, limit: Int) throws -> [CommitRow] {
    var relative = path
    if relative.hasPrefix(source.root + "/") { relative = String(relative.dropFirst(source.root.count + 1)) }
    while relative.hasPrefix("./") { relative = String(relative.dropFirst(2)) }
    return try store.commitsTouching(sourceID: source.id, path: relative, limit: limit)
  }

  static func looksLikeSHA(_ token: String) -> Bool {
    token.count >= 7 && token.count <= 40 && token.allSatisfy(\.isHexDigit) && token.contains(where: \.isNumber)
      && token.contains(where: \.isLetter)
  }

  // MARK: Explaining code

  /// The commits that last changed the files of `code` (the bundle's code items, best first),
  /// with commits matching the query itself. Recent, focused, message-relevant commits first;
  /// mass changes last.
  /// - Parameter matching: the commits matching the query text, when the caller has already
  ///   searched for them (a bundle does, to weigh the evidence); nil to search here.
  public func explain(code: [ChunkRecord], query text: String, matching: [HistoryHit]? = nil, perFile: Int = 3, limit: Int) throws -> [HistoryHit] {
    let query = QueryAnalysis.of(text)
    let sources = try store.gitSources()
    guard !sources.isEmpty else { return [] }
    let roots = try store.sourceRoots()
    var candidates: [Int64: Candidate] = [:]
    var seenFiles = Set<String>()
    var fileRank = 0
    for chunk in code {
      guard seenFiles.insert(chunk.source + "\u{0}" + chunk.path).inserted else { continue }
      guard let codeRoot = roots[chunk.source]?.root else { continue }
      for source in sources {
        guard let gitPath = HistorySearch.gitPath(of: chunk.path, codeRoot: codeRoot, repositoryRoot: source.root) else { continue }
        for (index, commit) in try store.commitsTouching(sourceID: source.id, path: gitPath, limit: perFile).enumerated() {
          let reason = index == 0 ? "last changed `\(chunk.path)`" : "changed `\(chunk.path)`"
          candidates[commit.id, default: Candidate()].add(Double(max(1, 12 - fileRank * 2 - index * 3)), reason)
        }
      }
      fileRank += 1
      if fileRank >= 6 { break }
    }
    // Commits matching the query itself.
    for hit in try matching ?? search(text, limit: 10, withChanges: false) {
      candidates[hit.commit.id, default: Candidate()].add(min(hit.score, 10) * 0.8, hit.reasons.first ?? "matches the query")
    }
    // Message relevance: query words in the summary.
    let commits = try store.commits(ids: Array(candidates.keys))
    let words = Set(query.terms.map(\.whole))
    for commit in commits {
      let summaryWords = Set(QueryAnalysis(commit.summary).terms.map(\.whole))
      let shared = words.intersection(summaryWords)
      if !shared.isEmpty {
        candidates[commit.id]?.add(Double(shared.count) * 2, "summary mentions " + shared.sorted().prefix(3).map { "`\($0)`" }.joined(separator: ", "))
      }
    }
    return try rank(candidates, limit: limit, rows: commits)
  }

  /// The path of a code file inside a git repository, or nil when the code source's root is not
  /// inside that repository.
  public static func gitPath(of path: String, codeRoot: String, repositoryRoot: String) -> String? {
    let codeRoot = codeRoot.hasSuffix("/") ? String(codeRoot.dropLast()) : codeRoot
    if codeRoot == repositoryRoot { return path }
    guard codeRoot.hasPrefix(repositoryRoot + "/") else { return nil }
    return String(codeRoot.dropFirst(repositoryRoot.count + 1)) + "/" + path
  }

  // MARK: Ranking

  typealias Candidate = RankedCandidate

  /// Recency adds up to 2 points (a year's half-life against the newest commit); mass changes
  /// and merges rank lower.
  private func rank(
    _ candidates: [Int64: Candidate], limit: Int, rows: [CommitRow]? = nil, withChanges: Bool = true, lineCounts: Bool = true
  ) throws -> [HistoryHit] {
    guard !candidates.isEmpty else { return [] }
    let commits = try rows ?? store.commits(ids: Array(candidates.keys))
    let newest = commits.map(\.time).max() ?? 0
    var hits: [HistoryHit] = []
    for commit in commits {
      guard var candidate = candidates[commit.id] else { continue }
      let ageDays = Double(max(0, newest - commit.time)) / 86_400
      candidate.score += 2 * pow(0.5, ageDays / 365)
      if commit.filesChanged > massChangeFiles {
        candidate.score *= 0.3
        candidate.reasons.append("touches \(commit.filesChanged) files (a mass change)")
      } else if commit.isMerge {
        candidate.score *= 0.8
      }
      hits.append(HistoryHit(commit: commit, changes: [], score: candidate.score, reasons: candidate.reasons))
    }
    hits.sort {
      if $0.score != $1.score { return $0.score > $1.score }
      return $0.commit.time != $1.commit.time ? $0.commit.time > $1.commit.time : $0.commit.sha < $1.commit.sha
    }
    hits = Array(hits.prefix(limit))
    guard withChanges else { return hits }
    var repositories: [String: GitHistory?] = [:]
    for index in hits.indices {
      hits[index].changes = try store.changedPaths(commitID: hits[index].commit.id, limit: 20)
      if lineCounts && hits[index].changes.contains(where: { $0.added == nil }) {
        hits[index].changes = try withLineCounts(hits[index], repositories: &repositories)
      }
    }
    return hits
  }

  /// Line counts are stored for the newest commits only (they read every changed blob); for
  /// an older commit that is shown, they are counted now from the repository, when it is here.
  private func withLineCounts(_ hit: HistoryHit, repositories: inout [String: GitHistory?]) throws -> [GitFileChange] {
    guard !hit.commit.isMerge else { return hit.changes }
    if repositories[hit.commit.source] == nil {
      let root = try store.gitSources().first { $0.name == hit.commit.source }?.root
      repositories[hit.commit.source] = .some(root.flatMap { try? GitHistory(path: $0) })
    }
    guard let history = repositories[hit.commit.source] ?? nil,
      let record = try? history.commit(hit.commit.sha, countLines: true, linesOnlyFor: Set(hit.changes.map(\.path)))
    else { return hit.changes }
    let counted = Dictionary(record.changes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    return hit.changes.map { change in
      var change = change
      if change.added == nil, let live = counted[change.path] {
        change.added = live.added
        change.removed = live.removed
      }
      return change
    }
  }
}

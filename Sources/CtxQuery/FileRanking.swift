import CtxCore
import CtxStore
import Foundation

/// The weights of code ranking's file-level signals (docs/ranking.md, where each one's
/// measured effect is recorded). Bonuses are fractions of the query's best chunk score, so
/// they keep their strength whether the query is two words or a whole bug report.
public struct RankingWeights: Sendable, Hashable {
  /// Other matching chunks of the same file: their scores summed, capped at the file's best.
  public var aggregate = 0.5
  /// Commit-message similarity: files changed by past commits whose messages match the query.
  public var history = 1.0
  /// Past commits consulted for `history`.
  public var historyCommits = 30.0
  /// How a file's evidence from several commits adds up: 0 takes the best commit only, 1 sums
  /// them all (files changed by many matching commits then win on popularity alone).
  public var historySum = 1.0
  /// Recently changed files (half-life `recencyDays` before the newest commit).
  public var recency = 0.1
  public var recencyDays = 90.0
  /// Files that changed often (log of the change count against the most changed file).
  public var churn = 0.0
  /// Files that change together with the strongest few hits.
  public var coChange = 0.0
  /// Query words naming a file: its name without extension (all its words), or its folders.
  public var pathWords = 0.3
  /// A folder named in the query (`daemon/cluster: fix ...`): files under it.
  public var folder = 1.0
  /// Multiplier for test files when the query is not about tests.
  public var tests = 0.7
  /// Multiplier for test files when the query is about tests ("add a test for ...").
  public var testsAbout = 1.3
  /// Multiplier for prose and data files (Markdown, text, JSON, YAML ...) in the code layer:
  /// the docs layer is where documents rank.
  public var prose = 0.3
  /// Bug-report clues (`ReportClues`): names in backticks, imports, calls and error lines as
  /// identifiers, +15 for a definition named in an error line, +20 for an imported module's
  /// file, +30 for the chunk spelling an error message, traceback frames by depth; each scaled
  /// by this (0 turns them off).
  public var clues = 1.0
  /// 1: only the first line of a text of several lines says whether it is about tests;
  /// 0: any mention anywhere.
  public var testsInTitle = 1.0
  /// Text of several lines (a bug report, a commit message with a body): a file named by its
  /// first line's words, on top of `pathWords` (which any word of the text can trigger).
  public var titlePath = 0.6
  /// A name written with its scope (`Sink::matched`, `Session.validate`): the definition of
  /// that name in that scope gets 40 points times this, and the words run together
  /// (`sinkmatched`) are not an identifier (0 turns both off).
  public var qualified = 1.0
  /// A chunk of Python `@overload` stubs only (signatures, no body) is multiplied by this.
  public var overloads = 0.5
  /// A name the query writes as an identifier but that is defined in more places than this
  /// (`__init__` from "missing __init__.py", `get`) gives no definition points, as a plain
  /// word naming that many does not; a name written with its scope still does (0: no limit).
  public var crowdedNames = 20.0

  public init() {}

  /// Names `ctx eval --set NAME=VALUE` accepts, for measuring each signal.
  public static let names = ["aggregate", "history", "historyCommits", "historySum", "recency", "recencyDays", "churn", "coChange", "pathWords", "folder", "tests", "testsAbout", "prose", "clues", "testsInTitle", "titlePath", "qualified", "overloads", "crowdedNames"]

  public mutating func set(_ name: String, _ value: Double) throws(CtxError) {
    switch name {
    case "aggregate": aggregate = value
    case "history": history = value
    case "historyCommits": historyCommits = value
    case "historySum": historySum = value
    case "recency": recency = value
    case "recencyDays": recencyDays = value
    case "churn": churn = value
    case "coChange": coChange = value
    case "pathWords": pathWords = value
    case "folder": folder = value
    case "tests": tests = value
    case "testsAbout": testsAbout = value
    case "prose": prose = value
    case "clues": clues = value
    case "testsInTitle": testsInTitle = value
    case "titlePath": titlePath = value
    case "qualified": qualified = value
    case "overloads": overloads = value
    case "crowdedNames": crowdedNames = value
    default:
      throw CtxError(.invalidQuery, "unknown ranking weight `\(name)`; known: \(RankingWeights.names.joined(separator: ", "))")
    }
  }
}

/// A code file as ranking names it.
struct FileKey: Hashable {
  var source: String
  var path: String
}

/// How code paths map to paths of the indexed git repositories.
struct PathMapping {
  struct Link {
    var codeSource: String
    var gitSourceID: Int64
    /// The code root's path inside the repository, "" when they are the same, else ending in `/`.
    var prefix: String
  }

  var links: [Link] = []

  init(store: IndexStore) throws {
    let gitSources = try store.gitSources()
    guard !gitSources.isEmpty else { return }
    for (name, source) in try store.sourceRoots() where source.kind == "code" {
      for git in gitSources {
        guard let mapped = HistorySearch.gitPath(of: "", codeRoot: source.root, repositoryRoot: git.root) else { continue }
        // "" when the roots are the same, else the code root's folder with a trailing `/`.
        links.append(Link(codeSource: name, gitSourceID: git.id, prefix: mapped))
      }
    }
  }

  var isEmpty: Bool { links.isEmpty }

  func gitPath(_ file: FileKey) -> (sourceID: Int64, path: String)? {
    guard let link = links.first(where: { $0.codeSource == file.source }) else { return nil }
    return (link.gitSourceID, link.prefix + file.path)
  }

  func codeFiles(gitSourceID: Int64, path: String) -> [FileKey] {
    links.compactMap { link in
      guard link.gitSourceID == gitSourceID, path.hasPrefix(link.prefix) else { return nil }
      return FileKey(source: link.codeSource, path: String(path.dropFirst(link.prefix.count)))
    }
  }
}

/// Files changed by past commits whose messages match the query: the strongest signal for a
/// query that reads like a commit message or an issue title.
struct CommitEvidence {
  /// 0...1 per file (1 for the best).
  var scores: [FileKey: Double] = [:]

  init() {}

  init(store: IndexStore, query: QueryAnalysis, mapping: PathMapping, commits: Int, sum: Double) throws {
    guard !mapping.isEmpty, commits > 0 else { return }
    // The 10 rarest words by how many commits hold them (a MATCH count per word: about a
    // millisecond each on moby's 57k commits); words no commit holds are dropped. Scoring
    // commits costs in proportion to the words' doclists, so the rarest few keep it cheap.
    let words = Array(query.terms.prefix(40))
    guard !words.isEmpty else { return }
    let frequencies = try store.commitTermFrequencies(words.map(\.whole))
    struct Counted {
      var offset: Int
      var term: QueryTerm
      var count: Int
    }
    var ranked: [Counted] = []
    for (offset, term) in words.enumerated() {
      let count = frequencies[term.whole] ?? 0
      if count > 0 { ranked.append(Counted(offset: offset, term: term, count: count)) }
    }
    ranked.sort { $0.count != $1.count ? $0.count < $1.count : $0.offset < $1.offset }
    let terms = ranked.prefix(10).map { $0.term }
    guard let expression = FTSExpression.any(terms) else { return }
    let matches = try store.matchCommits(expression, limit: commits)
    guard let best = matches.map({ -$0.score }).max(), best > 0 else { return }
    let weight = Dictionary(matches.map { ($0.id, -$0.score / best) }, uniquingKeysWith: max)
    var total: [FileKey: Double] = [:]
    var strongest: [FileKey: Double] = [:]
    for change in try store.changedFiles(commitIDs: matches.map(\.id)) {
      let share = (weight[change.commitID] ?? 0) / Double(max(1, change.filesChanged)).squareRoot()
      for file in mapping.codeFiles(gitSourceID: change.sourceID, path: change.path) {
        total[file, default: 0] += share
        strongest[file] = max(strongest[file] ?? 0, share)
      }
    }
    var raw: [FileKey: Double] = [:]
    for (file, best) in strongest { raw[file] = best + sum * ((total[file] ?? best) - best) }
    guard let top = raw.values.max(), top > 0 else { return }
    scores = raw.mapValues { $0 / top }
  }
}

/// How much a file's path is named by the query's words: 1 when every word of the file's name
/// (without extension) is a query word (`adapters.py` for "fix adapters", `res.send.js` for
/// "fix(res.send)"), plus 0.5 per folder named (`daemon/` for "daemon: fix ..."), at most 1.
enum PathWords {
  static func words(_ text: Substring) -> [String] {
    IdentifierParts.split(text).map { $0.lowercased() }.filter { !$0.isEmpty }
  }

  static func score(path: String, queryWords: Set<String>) -> Double {
    var components = path.split(separator: "/")
    guard let name = components.popLast() else { return 0 }
    var stem = name
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { stem = name[..<dot] }
    var score = 0.0
    let stemWords = stem.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" }).flatMap { words($0) }
    if !stemWords.isEmpty && stemWords.allSatisfy(queryWords.contains) { score += 1 }
    for component in components where component.count >= 3 {
      let joined = words(component).joined()
      if !joined.isEmpty && queryWords.contains(joined) { score += 0.5 }
    }
    return min(score, 1)
  }
}

/// Folders named in the query: `daemon/cluster: fix ...`, `see pkg/auth/ for ...`. Tokens with
/// a `/` that are not files (those are `QueryAnalysis.paths`) nor URLs.
enum FolderMentions {
  static func find(in text: String, files: [PathMention]) -> [String] {
    let fileTokens = Set(files.map(\.path))
    var found: [String] = []
    for piece in text.split(whereSeparator: { " \t\n\r\"'`()[]{}<>,;|".contains($0) }) {
      guard piece.contains("/"), !piece.contains("://") else { continue }
      var token = Substring(piece)
      while let last = token.last, ":.*/".contains(last) { token = token.dropLast() }
      while token.hasPrefix("./") { token = token.dropFirst(2) }
      while token.hasPrefix("/") { token = token.dropFirst() }
      let components = token.split(separator: "/", omittingEmptySubsequences: false)
      guard components.count >= 2, components.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) } }) else { continue }
      let folder = String(token)
      if fileTokens.contains(folder) || QueryAnalysis.findPaths(in: folder).contains(where: { $0.path == folder }) { continue }
      if !found.contains(folder) { found.append(folder) }
    }
    return Array(found.prefix(3))
  }
}

/// Test access to the pure parts of file ranking.
public enum RankingProbe {
  public static func folders(_ text: String) -> [String] {
    FolderMentions.find(in: text, files: QueryAnalysis.of(text).paths)
  }

  public static func pathWords(_ path: String, _ query: String) -> Double {
    PathWords.score(path: path, queryWords: Set(QueryAnalysis(query).terms.map(\.whole)))
  }

  public static func isOnlyImports(_ text: String) -> Bool { ImportBlock.isOnlyImports(text) }
}

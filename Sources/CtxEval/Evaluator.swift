import CtxCore
import CtxQuery
import CtxStore
import Foundation

/// Knobs of one eval run (`ctx eval`).
public struct EvalOptions: Sendable {
  /// Token budgets of the bundles whose code items give the bundle recall, one bundle per
  /// query and budget; the first is the one `bundleRecall` reports.
  public var budgets = [8000]
  /// The first budget.
  public var budget: Int {
    get { budgets.first ?? 8000 }
    set { budgets = [newValue] }
  }
  /// Chunks (code) or items (other layers) ranked per query; an expected item further down
  /// counts as not found.
  public var depth = 200
  /// Rank with plain whole-file BM25 too (docs/eval.md, "Baseline").
  public var baseline = true
  /// Build a bundle per query for the bundle recall (the slowest part).
  public var bundles = true
  /// Keep each query's outcome in the report.
  public var perQuery = false
  /// Code ranking weights (`--set NAME=VALUE`), to measure each signal.
  public var weights = RankingWeights()

  public init() {}
}

/// One query's outcome, for `--json` with per-query detail.
public struct QueryOutcome: Sendable, Codable {
  public var id: String?
  public var repo: String?
  public var workspace: String
  /// 1-based rank of the first expected item per kind (nil: not found).
  public var ranks: [String: Int?]
  public var baselineRank: Int??
  public var bundleRecall: Double?
  /// The bundle recall at each of the report's `budgets`, in their order.
  public var bundleRecalls: [Double]?
  /// The first files ctx ranked, and BM25's, for reading failures.
  public var topFiles: [String]
  public var baselineTop: [String]?
  public var expectedFiles: [String]?
}

/// The figures of one eval run.
public struct EvalReport: Sendable, Codable {
  public var queries: Int
  public var workspaces: Int
  /// The first of `budgets`: the budget of `bundle_recall`.
  public var budget: Int
  public var budgets: [Int]
  /// One row per expected kind ranked by ctx, plus `bm25` rows for files.
  public var rows: [KindMetrics]
  /// ctx ÷ BM25 for files (nil without a baseline or when BM25 scores 0).
  public var ratios: [String: Double?]
  public var seconds: Double
  /// Median milliseconds per query: ctx code search, and BM25.
  public var searchMillis: Double
  public var baselineMillis: Double?
  public var skipped: [String]
  /// The same figures per repository, for sets whose queries name a `repo` (bug reports).
  public var repos: [RepoMetrics]?
  /// The bug-report workspaces the run indexed or reused (`ctx eval --repos`).
  public var repoWorkspaces: [BugReportWorkspace]?
  public var perQuery: [QueryOutcome]?
}

/// One repository's rows of a report.
public struct RepoMetrics: Sendable, Codable {
  public var repo: String
  public var queries: Int
  public var rows: [KindMetrics]
  public var ratios: [String: Double?]
  /// Queries of this repository skipped because no expected file is in the index.
  public var skipped: Int
}

/// What one query measured, before the figures are summed (over all queries, then per repo).
struct Measured {
  var repo: String?
  var ranks: [ExpectKind: Int?] = [:]
  /// nil: not ranked by BM25 (no expected files, or no baseline).
  var baselineRank: Int?? = nil
  /// One per budget; nil when no bundle was built.
  var bundleRecalls: [Double]? = nil
}

/// Runs eval queries against their workspaces' indexes.
public struct Evaluator: Sendable {
  public var options: EvalOptions

  public init(options: EvalOptions = EvalOptions()) {
    self.options = options
  }

  /// Evaluates `queries`. A query's `workspace` is resolved against `baseDirectory`; queries
  /// without one use `defaultDatabase` (the current workspace's index).
  public func run(_ queries: [EvalQuery], baseDirectory: String, defaultDatabase: (() throws -> String)?) throws -> EvalReport {
    let clock = ContinuousClock.now
    var groups: [String: [EvalQuery]] = [:]
    var order: [String] = []
    for query in queries {
      let key = query.workspace ?? ""
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(query)
    }
    var measured: [Measured] = []
    var outcomes: [QueryOutcome] = []
    var searchTimes: [Double] = []
    var baselineTimes: [Double] = []
    var skipped: [String] = []
    var skippedRepos: [String?] = []
    for key in order {
      let databasePath: String
      if key.isEmpty {
        guard let defaultDatabase else { throw CtxError(.invalidWorkspace, "the eval queries name no workspace and none was found") }
        databasePath = try defaultDatabase()
      } else {
        let root = key.hasPrefix("/") ? key : baseDirectory + "/" + key
        databasePath = root + "/index/ctx.sqlite"
      }
      guard FileManager.default.fileExists(atPath: databasePath) else {
        throw CtxError(.notFound, "no index at \(databasePath); run `ctx index` in that workspace first", path: databasePath)
      }
      var service = try QueryService(databasePath: databasePath)
      service.rankingWeights = options.weights
      let group = groups[key] ?? []
      let baseline = options.baseline && group.contains { !($0.files ?? []).isEmpty } ? try BaselineIndex(from: service.store) : nil
      let indexedFiles = try Set(service.store.codePaths())
      for query in group {
        var outcome = QueryOutcome(id: query.id, repo: query.repo, workspace: key, ranks: [:], topFiles: [])
        var measure = Measured(repo: query.repo)
        // Expected files the index does not hold cannot be found by any ranker: say so.
        var files = query.files ?? []
        if !files.isEmpty {
          files = files.filter { indexedFiles.contains(EvalMatch.normalizedPath($0)) }
          if files.isEmpty {
            skipped.append(query.id ?? String(query.query.prefix(40)))
            skippedRepos.append(query.repo)
            continue
          }
        }
        outcome.expectedFiles = query.files
        let needsCode = !files.isEmpty || !(query.symbols ?? []).isEmpty
        if needsCode {
          let start = ContinuousClock.now
          let hits = try service.codeSearch.search(query.query, limit: options.depth)
          searchTimes.append((ContinuousClock.now - start).millis)
          let rankedFiles = RankMetrics.deduplicated(hits.map(\.chunk.path))
          outcome.topFiles = Array(rankedFiles.prefix(5))
          if !files.isEmpty {
            let rank = RankMetrics.firstRank(rankedFiles, expected: files, kind: .files)
            measure.ranks[.files] = .some(rank)
            outcome.ranks[ExpectKind.files.rawValue] = .some(rank)
          }
          if let symbols = query.symbols, !symbols.isEmpty {
            let rankedSymbols = RankMetrics.deduplicated(hits.compactMap(\.chunk.symbol))
            let rank = RankMetrics.firstRank(rankedSymbols, expected: symbols, kind: .symbols)
            measure.ranks[.symbols] = .some(rank)
            outcome.ranks[ExpectKind.symbols.rawValue] = .some(rank)
          }
        }
        if !files.isEmpty, let baseline {
          let start = ContinuousClock.now
          let ranked = try baseline.search(query.query, limit: 100)
          baselineTimes.append((ContinuousClock.now - start).millis)
          let rank = RankMetrics.firstRank(ranked, expected: files, kind: .files)
          measure.baselineRank = .some(rank)
          outcome.baselineRank = .some(rank)
          outcome.baselineTop = Array(ranked.prefix(5))
        }
        if !files.isEmpty, options.bundles {
          var recalls: [Double] = []
          for budget in options.budgets {
            let bundle = try service.bundle(query.query, budget: budget)
            recalls.append(RankMetrics.recall(bundle.code.map(\.hit.chunk.path), expected: files, kind: .files))
          }
          measure.bundleRecalls = recalls
          outcome.bundleRecall = recalls.first
          outcome.bundleRecalls = recalls
        }
        if let commits = query.commits, !commits.isEmpty {
          let hits = try HistorySearch(store: service.store).search(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.commit.sha)), expected: commits, kind: .commits)
          measure.ranks[.commits] = .some(rank)
          outcome.ranks[ExpectKind.commits.rawValue] = .some(rank)
        }
        let knowledge = KnowledgeSearch(store: service.store)
        if let sections = query.sections, !sections.isEmpty {
          let hits = try knowledge.docs(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.ref)), expected: sections, kind: .sections)
          measure.ranks[.sections] = .some(rank)
          outcome.ranks[ExpectKind.sections.rawValue] = .some(rank)
        }
        if let threads = query.threads, !threads.isEmpty {
          let hits = try knowledge.threads(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.ref)), expected: threads, kind: .threads)
          measure.ranks[.threads] = .some(rank)
          outcome.ranks[ExpectKind.threads.rawValue] = .some(rank)
        }
        measured.append(measure)
        outcomes.append(outcome)
      }
    }
    let (rows, ratios) = summarize(measured)
    // Per repository, in the order repositories first appear in the file.
    var repos: [RepoMetrics]? = nil
    let repoNames = RankMetrics.deduplicated(queries.compactMap(\.repo))
    if !repoNames.isEmpty {
      repos = repoNames.map { repo in
        let own = measured.filter { $0.repo == repo }
        let (rows, ratios) = summarize(own)
        return RepoMetrics(repo: repo, queries: own.count, rows: rows, ratios: ratios, skipped: skippedRepos.filter { $0 == repo }.count)
      }
    }
    return EvalReport(
      queries: outcomes.count, workspaces: order.count, budget: options.budget, budgets: options.budgets, rows: rows, ratios: ratios,
      seconds: (ContinuousClock.now - clock).seconds, searchMillis: Evaluator.median(searchTimes),
      baselineMillis: baselineTimes.isEmpty ? nil : Evaluator.median(baselineTimes), skipped: skipped, repos: repos,
      perQuery: options.perQuery ? outcomes : nil)
  }

  /// The rows (per kind, BM25 beside files) and the ctx ÷ BM25 ratios of some queries.
  func summarize(_ measured: [Measured]) -> (rows: [KindMetrics], ratios: [String: Double?]) {
    var rows: [KindMetrics] = []
    var ratios: [String: Double?] = [:]
    for kind in ExpectKind.allCases {
      let kindRanks = measured.compactMap { $0.ranks[kind] }
      guard !kindRanks.isEmpty else { continue }
      var row = KindMetrics(kind: kind.rawValue, ranker: kind.layer, ranks: kindRanks)
      if kind == .files && options.bundles {
        let recalls = measured.compactMap(\.bundleRecalls)
        row = KindMetrics(kind: kind.rawValue, ranker: kind.layer, ranks: kindRanks, bundleRecalls: recalls.map { $0.first ?? 0 })
        row.bundles = options.budgets.indices.map { index in
          BundleMetrics(budget: options.budgets[index], recalls: recalls.map { index < $0.count ? $0[index] : 0 })
        }
      }
      rows.append(row)
      let baselineRanks = measured.compactMap(\.baselineRank)
      if kind == .files && options.baseline && !baselineRanks.isEmpty {
        let base = KindMetrics(kind: kind.rawValue, ranker: "bm25", ranks: baselineRanks)
        rows.append(base)
        func ratio(_ a: Double, _ b: Double) -> Double? { b > 0 ? a / b : nil }
        ratios = [
          "acc1": ratio(row.acc1, base.acc1), "acc3": ratio(row.acc3, base.acc3), "acc5": ratio(row.acc5, base.acc5),
          "acc10": ratio(row.acc10, base.acc10), "mrr": ratio(row.mrr, base.mrr),
        ]
      }
    }
    return (rows, ratios)
  }

  static func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
  }
}

extension Duration {
  var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }

  var millis: Double { seconds * 1000 }
}

extension EvalReport {
  /// The report as a table for people.
  public func table(title: String? = nil) -> String {
    var lines: [String] = []
    if let title { lines.append(title) }
    let budgetText = budgets.map(String.init).joined(separator: ", ")
    lines.append("\(queries) queries in \(workspaces) workspace(s); bundle budget \(budgetText) tokens; \(String(format: "%.1f", seconds)) s")
    lines.append(header("kind"))
    lines += rows.map { line(label: $0.kind, $0) }
    if let ratioLine = ratioLine(label: "files", ratios) { lines.append(ratioLine) }
    var timing = "median per query: ctx code search \(String(format: "%.1f", searchMillis)) ms"
    if let baselineMillis { timing += ", bm25 \(String(format: "%.1f", baselineMillis)) ms" }
    lines.append(timing)
    if !skipped.isEmpty { lines.append("skipped \(skipped.count) query(ies) whose expected files are not in the index") }
    if let repos, !repos.isEmpty {
      // Files only: the layer bug reports expect, and the one BM25 ranks beside ctx.
      let width = max(9, (repos.map(\.repo.count).max() ?? 0) + 2)
      lines.append("")
      lines.append("per repository (files)")
      lines.append(header("repository", width: width))
      for repo in repos {
        let label = repo.skipped > 0 ? "\(repo.repo) (\(repo.skipped) skipped)" : repo.repo
        lines += repo.rows.filter { $0.kind == ExpectKind.files.rawValue }.map { line(label: label, $0, width: max(width, label.count + 1)) }
        if let ratioLine = ratioLine(label: "", repo.ratios, width: width) { lines.append(ratioLine) }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func header(_ first: String, width: Int = 9) -> String {
    let bundles = budgets.count > 1 ? budgets.map { "bundle@\($0) (any)" } : ["bundle recall (any)"]
    return trailingTrimmed(
      pad(first, width) + pad("ranker", 9) + pad("queries", 9) + ["Acc@1", "Acc@3", "Acc@5", "Acc@10", "MRR"].map { pad($0, 8) }.joined()
        + bundles.map { pad($0, 21) }.joined())
  }

  private func line(label: String, _ row: KindMetrics, width: Int = 9) -> String {
    var line = pad(label, width) + pad(row.ranker, 9) + pad(String(row.queries), 9)
    line += [row.acc1, row.acc3, row.acc5, row.acc10, row.mrr].map { pad(String(format: "%.3f", $0), 8) }.joined()
    if let bundles = row.bundles, !bundles.isEmpty {
      line += bundles.map { pad(String(format: "%.3f (%.3f)", $0.recall, $0.any), 21) }.joined()
    } else if let recall = row.bundleRecall, let any = row.bundleAny {
      line += String(format: "%.3f (%.3f)", recall, any)
    }
    return trailingTrimmed(line)
  }

  private func ratioLine(label: String, _ ratios: [String: Double?], width: Int = 9) -> String? {
    guard !ratios.isEmpty else { return nil }
    var line = pad(label, width) + pad("ctx÷bm25", 9) + pad("", 9)
    for key in ["acc1", "acc3", "acc5", "acc10", "mrr"] {
      line += pad((ratios[key] ?? nil).map { String(format: "%.2fx", $0) } ?? "-", 8)
    }
    return trailingTrimmed(line)
  }

  private func trailingTrimmed(_ text: String) -> String {
    String(text.reversed().drop { $0 == " " }.reversed())
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}

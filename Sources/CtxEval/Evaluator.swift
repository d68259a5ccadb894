import CtxCore
import CtxQuery
import CtxStore
import Foundation

/// Knobs of one eval run (`ctx eval`).
public struct EvalOptions: Sendable {
  /// Token budget of the bundle whose code items give the bundle recall.
  public var budget = 8000
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
  public var workspace: String
  /// 1-based rank of the first expected item per kind (nil: not found).
  public var ranks: [String: Int?]
  public var baselineRank: Int??
  public var bundleRecall: Double?
  /// The first files ctx ranked, and BM25's, for reading failures.
  public var topFiles: [String]
  public var baselineTop: [String]?
  public var expectedFiles: [String]?
}

/// The figures of one eval run.
public struct EvalReport: Sendable, Codable {
  public var queries: Int
  public var workspaces: Int
  public var budget: Int
  /// One row per expected kind ranked by ctx, plus `bm25` rows for files.
  public var rows: [KindMetrics]
  /// ctx ÷ BM25 for files (nil without a baseline or when BM25 scores 0).
  public var ratios: [String: Double?]
  public var seconds: Double
  /// Median milliseconds per query: ctx code search, and BM25.
  public var searchMillis: Double
  public var baselineMillis: Double?
  public var skipped: [String]
  public var perQuery: [QueryOutcome]?
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
    var ranks: [ExpectKind: [Int?]] = [:]
    var baselineRanks: [Int?] = []
    var bundleRecalls: [Double] = []
    var outcomes: [QueryOutcome] = []
    var searchTimes: [Double] = []
    var baselineTimes: [Double] = []
    var skipped: [String] = []
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
        var outcome = QueryOutcome(id: query.id, workspace: key, ranks: [:], topFiles: [])
        // Expected files the index does not hold cannot be found by any ranker: say so.
        var files = query.files ?? []
        if !files.isEmpty {
          files = files.filter { indexedFiles.contains(EvalMatch.normalizedPath($0)) }
          if files.isEmpty {
            skipped.append(query.id ?? String(query.query.prefix(40)))
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
            ranks[.files, default: []].append(rank)
            outcome.ranks[ExpectKind.files.rawValue] = .some(rank)
          }
          if let symbols = query.symbols, !symbols.isEmpty {
            let rankedSymbols = RankMetrics.deduplicated(hits.compactMap(\.chunk.symbol))
            let rank = RankMetrics.firstRank(rankedSymbols, expected: symbols, kind: .symbols)
            ranks[.symbols, default: []].append(rank)
            outcome.ranks[ExpectKind.symbols.rawValue] = .some(rank)
          }
        }
        if !files.isEmpty, let baseline {
          let start = ContinuousClock.now
          let ranked = try baseline.search(query.query, limit: 100)
          baselineTimes.append((ContinuousClock.now - start).millis)
          let rank = RankMetrics.firstRank(ranked, expected: files, kind: .files)
          baselineRanks.append(rank)
          outcome.baselineRank = .some(rank)
          outcome.baselineTop = Array(ranked.prefix(5))
        }
        if !files.isEmpty, options.bundles {
          let bundle = try service.bundle(query.query, budget: options.budget)
          let shown = bundle.code.map(\.hit.chunk.path)
          let recall = RankMetrics.recall(shown, expected: files, kind: .files)
          bundleRecalls.append(recall)
          outcome.bundleRecall = recall
        }
        if let commits = query.commits, !commits.isEmpty {
          let hits = try HistorySearch(store: service.store).search(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.commit.sha)), expected: commits, kind: .commits)
          ranks[.commits, default: []].append(rank)
          outcome.ranks[ExpectKind.commits.rawValue] = .some(rank)
        }
        let knowledge = KnowledgeSearch(store: service.store)
        if let sections = query.sections, !sections.isEmpty {
          let hits = try knowledge.docs(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.ref)), expected: sections, kind: .sections)
          ranks[.sections, default: []].append(rank)
          outcome.ranks[ExpectKind.sections.rawValue] = .some(rank)
        }
        if let threads = query.threads, !threads.isEmpty {
          let hits = try knowledge.threads(query.query, limit: min(options.depth, 50))
          let rank = RankMetrics.firstRank(RankMetrics.deduplicated(hits.map(\.ref)), expected: threads, kind: .threads)
          ranks[.threads, default: []].append(rank)
          outcome.ranks[ExpectKind.threads.rawValue] = .some(rank)
        }
        outcomes.append(outcome)
      }
    }
    var rows: [KindMetrics] = []
    var ratios: [String: Double?] = [:]
    for kind in ExpectKind.allCases {
      guard let kindRanks = ranks[kind] else { continue }
      let row = KindMetrics(kind: kind.rawValue, ranker: kind.layer, ranks: kindRanks, bundleRecalls: kind == .files && options.bundles ? bundleRecalls : nil)
      rows.append(row)
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
    return EvalReport(
      queries: outcomes.count, workspaces: order.count, budget: options.budget, rows: rows, ratios: ratios,
      seconds: (ContinuousClock.now - clock).seconds, searchMillis: Evaluator.median(searchTimes),
      baselineMillis: baselineTimes.isEmpty ? nil : Evaluator.median(baselineTimes), skipped: skipped,
      perQuery: options.perQuery ? outcomes : nil)
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
    lines.append("\(queries) queries in \(workspaces) workspace(s); bundle budget \(budget) tokens; \(String(format: "%.1f", seconds)) s")
    lines.append(pad("kind", 9) + pad("ranker", 9) + pad("queries", 9) + ["Acc@1", "Acc@3", "Acc@5", "Acc@10", "MRR"].map { pad($0, 8) }.joined() + "bundle recall (any)")
    for row in rows {
      var line = pad(row.kind, 9) + pad(row.ranker, 9) + pad(String(row.queries), 9)
      line += [row.acc1, row.acc3, row.acc5, row.acc10, row.mrr].map { pad(String(format: "%.3f", $0), 8) }.joined()
      if let recall = row.bundleRecall, let any = row.bundleAny { line += String(format: "%.3f (%.3f)", recall, any) }
      lines.append(line)
    }
    if !ratios.isEmpty {
      var line = pad("files", 9) + pad("ctx÷bm25", 9) + pad("", 9)
      for key in ["acc1", "acc3", "acc5", "acc10", "mrr"] {
        line += pad((ratios[key] ?? nil).map { String(format: "%.2fx", $0) } ?? "-", 8)
      }
      lines.append(line)
    }
    var timing = "median per query: ctx code search \(String(format: "%.1f", searchMillis)) ms"
    if let baselineMillis { timing += ", bm25 \(String(format: "%.1f", baselineMillis)) ms" }
    lines.append(timing)
    if !skipped.isEmpty { lines.append("skipped \(skipped.count) query(ies) whose expected files are not in the index") }
    return lines.joined(separator: "\n") + "\n"
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}

/// What an eval query can expect, and the layer that answers it.
public enum ExpectKind: String, Sendable, Codable, CaseIterable {
  case files, symbols, commits, sections, threads

  public var layer: String {
    switch self {
    case .files, .symbols: "code"
    case .commits: "history"
    case .sections: "docs"
    case .threads: "chat"
    }
  }

  /// Whether a ranked item's key is one of the expected ones.
  public func matches(_ key: String, _ expected: String) -> Bool {
    switch self {
    case .files: EvalMatch.normalizedPath(key) == EvalMatch.normalizedPath(expected)
    case .symbols: key == expected
    case .commits: expected.count >= 7 && key.lowercased().hasPrefix(expected.lowercased())
    case .sections: key == expected || (!expected.contains("#") && key.split(separator: "#").first.map(String.init) == expected)
    case .threads: key == expected || key == "thread:" + expected
    }
  }
}

enum EvalMatch {
  static func normalizedPath(_ path: String) -> String {
    var path = path
    while path.hasPrefix("./") { path.removeFirst(2) }
    return path
  }
}

/// Rank metrics: pure functions over ranked keys.
public enum RankMetrics {
  /// The cut-offs reported for accuracy.
  public static let cutoffs = [1, 3, 5, 10]

  /// Keys in rank order, each once (the first occurrence keeps its place): a file's rank is
  /// the rank of its best chunk.
  public static func deduplicated(_ keys: [String]) -> [String] {
    var seen = Set<String>()
    return keys.filter { seen.insert($0).inserted }
  }

  /// The 1-based rank of the first expected item in `ranked` (already deduplicated), or nil.
  public static func firstRank(_ ranked: [String], expected: [String], kind: ExpectKind) -> Int? {
    for (index, key) in ranked.enumerated() where expected.contains(where: { kind.matches(key, $0) }) {
      return index + 1
    }
    return nil
  }

  /// The share of `expected` items found in `shown`.
  public static func recall(_ shown: [String], expected: [String], kind: ExpectKind) -> Double {
    guard !expected.isEmpty else { return 0 }
    let found = expected.filter { item in shown.contains { kind.matches($0, item) } }.count
    return Double(found) / Double(expected.count)
  }
}

/// One kind's figures over the queries that expect it.
public struct KindMetrics: Sendable, Codable, Hashable {
  public var kind: String
  /// `code`, `history`, `docs`, `chat`, or `bm25` for the baseline.
  public var ranker: String
  public var queries: Int
  /// Acc@k: the share of queries with an expected item in the top k (k = 1, 3, 5, 10).
  public var acc1: Double
  public var acc3: Double
  public var acc5: Double
  public var acc10: Double
  /// Mean reciprocal rank of the first expected item (0 when it is not in the ranked list).
  public var mrr: Double
  /// Files only: the mean share of expected files among the bundle's code items.
  public var bundleRecall: Double?
  /// Files only: the share of queries whose bundle shows at least one expected file.
  public var bundleAny: Double?
  /// Files only: both figures at each budget of the run (the first is the one above).
  public var bundles: [BundleMetrics]?

  public init(kind: String, ranker: String, ranks: [Int?], bundleRecalls: [Double]? = nil) {
    self.kind = kind
    self.ranker = ranker
    queries = ranks.count
    let n = Double(max(ranks.count, 1))
    func acc(_ k: Int) -> Double { Double(ranks.filter { ($0 ?? Int.max) <= k }.count) / n }
    acc1 = acc(1)
    acc3 = acc(3)
    acc5 = acc(5)
    acc10 = acc(10)
    mrr = ranks.reduce(0.0) { $0 + ($1.map { 1 / Double($0) } ?? 0) } / n
    if let bundleRecalls, !bundleRecalls.isEmpty {
      bundleRecall = bundleRecalls.reduce(0, +) / Double(bundleRecalls.count)
      bundleAny = Double(bundleRecalls.filter { $0 > 0 }.count) / Double(bundleRecalls.count)
    }
  }
}

/// The bundle recall of some queries at one token budget.
public struct BundleMetrics: Sendable, Codable, Hashable {
  public var budget: Int
  /// The mean share of expected files among the bundle's code items.
  public var recall: Double
  /// The share of queries whose bundle shows at least one expected file.
  public var any: Double

  public init(budget: Int, recalls: [Double]) {
    self.budget = budget
    let n = Double(max(recalls.count, 1))
    recall = recalls.reduce(0, +) / n
    any = Double(recalls.filter { $0 > 0 }.count) / n
  }
}

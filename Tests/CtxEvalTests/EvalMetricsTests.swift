import CtxEval
import Testing

@Suite struct EvalMetricsTests {
  @Test func ranksDeduplicateFilesKeepingTheFirst() {
    let ranked = RankMetrics.deduplicated(["a.go", "a.go", "b.go", "a.go", "c.go"])
    #expect(ranked == ["a.go", "b.go", "c.go"])
    #expect(RankMetrics.firstRank(ranked, expected: ["c.go", "z.go"], kind: .files) == 3)
    #expect(RankMetrics.firstRank(ranked, expected: ["z.go"], kind: .files) == nil)
  }

  @Test func accuracyAndMRR() {
    let metrics = KindMetrics(kind: "files", ranker: "code", ranks: [1, 2, 4, nil, 11])
    #expect(metrics.queries == 5)
    #expect(metrics.acc1 == 0.2)
    #expect(metrics.acc3 == 0.4)
    #expect(metrics.acc5 == 0.6)
    #expect(metrics.acc10 == 0.6)
    #expect(abs(metrics.mrr - (1 + 0.5 + 0.25 + 1.0 / 11) / 5) < 1e-9)
  }
}

import CtxEval
import CtxQuery
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

@Suite struct RankingSignalTests {
  @Test(arguments: [
    ("daemon/cluster: fix perfsprint linting", ["daemon/cluster"]),
    ("see ./pkg/auth/ and https://example.com/a/b", ["pkg/auth"]),
    ("fix src/auth/session.ts:42 crash", [String]()),
    ("and/or a/b/c: d", ["and/or", "a/b/c"]),
  ])
  func foldersNamedInTheQuery(text: String, folders: [String]) {
    #expect(RankingProbe.folders(text) == folders)
  }

  @Test func pathWordsNameFilesAndFolders() {
    #expect(RankingProbe.pathWords("lib/response.js", "fix response send") == 1)
    #expect(RankingProbe.pathWords("test/res.send.js", "fix(res.send): add a header") == 1)
    #expect(RankingProbe.pathWords("daemon/logger/ring.go", "daemon: fix logs") == 0.5)
    #expect(RankingProbe.pathWords("src/requests/adapters.py", "update the docs") == 0)
  }

  @Test(arguments: [
    ("from gettext import gettext as _\nfrom ._compat import open_stream\nfrom .utils import _LazyFile\n", true),
    ("import (\n\t\"fmt\"\n\t\"os\"\n)\n", true),
    ("from .core import (\n    Command,\n    Group,\n)\nimport os\n", true),
    ("#include <stdio.h>\n// the buffer\n#include \"buf.h\"\n", true),
    ("import os\n\ndef open_stream(name):\n    return open(name)\n", false),
    ("# just a comment\n", false),
    ("def f():\n    from x import y\n", false),
  ])
  func importBlocksAreToldFromCode(text: String, onlyImports: Bool) {
    #expect(RankingProbe.isOnlyImports(text) == onlyImports)
  }
}

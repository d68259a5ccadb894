import CtxTestSupport
import Foundation
import Testing

/// `ctx eval FILE --repos DIR` on a bug-report set: the built binary, real git repositories (one
/// bare clone, one with a work tree), workspaces indexed at each report's base commit.
@Suite struct BugReportEvalTests {
  struct Fixture {
    let scratch = ScratchDirectory()
    /// The fix's parent commit of each repository.
    var widgetsBase = ""
    var toolBase = ""

    init() throws {
      // acme/widgets: the base has the config parser and a cache; the fix changes the parser
      // and adds retry.go, which the base does not have.
      let widgets = try GitRepoFixture(at: scratch.path + "/src/widgets")
      try scratch.write(
        [
          "config.go": "package widgets\n\n// parseConfig reads the settings file.\nfunc parseConfig(path string) error {\n\treturn nil\n}\n",
          "cache.go": "package widgets\n\nfunc evictCache(limit int) {}\n",
          "server.go": "package widgets\n\nfunc serveHTTP() {}\n",
        ], under: "src/widgets")
      try widgets.commitAll("Add the config parser, a cache and a server", date: "2024-01-01T10:00:00Z")
      widgetsBase = try widgets.sha()
      try scratch.write(
        [
          "config.go": "package widgets\n\nfunc parseConfig(path string) error {\n\tif path == \"\" {\n\t\treturn errEmpty\n\t}\n\treturn nil\n}\n",
          "retry.go": "package widgets\n\nfunc retryRequest() {}\n",
        ], under: "src/widgets")
      try widgets.commitAll("Fix parseConfig on an empty path", date: "2024-02-01T10:00:00Z")
      // Bare, where the mirrors put it: DIR/owner+name/repo, and like them without a config
      // file (libgit2 then takes the parent folder for a work tree).
      try widgets.run(["clone", "-q", "--bare", widgets.path, scratch.path + "/repos/acme+widgets/repo"])
      try FileManager.default.removeItem(atPath: scratch.path + "/repos/acme+widgets/repo/config")

      // beta/tool: a plain clone at DIR/name.
      let tool = try GitRepoFixture(at: scratch.path + "/repos/tool")
      try scratch.write(["timeout.py": "def handle_timeout(request):\n    return request\n", "cli.py": "def main():\n    pass\n"], under: "repos/tool")
      try tool.commitAll("Add the timeout handler and the command line", date: "2024-01-01T10:00:00Z")
      toolBase = try tool.sha()
      try scratch.write(["timeout.py": "def handle_timeout(request):\n    raise TimeoutError(request)\n"], under: "repos/tool")
      try tool.commitAll("Raise on timeouts", date: "2024-02-01T10:00:00Z")
    }

    func writeReports(_ lines: [[String: Any]]) throws -> String {
      let text = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }.joined(separator: "\n")
      try scratch.write(["reports.jsonl": text + "\n"])
      return scratch.path + "/reports.jsonl"
    }

    var reports: [[String: Any]] {
      [
        ["id": "widgets-1", "repo": "acme/widgets", "base_commit": widgetsBase, "query": "parseConfig crashes on an empty settings path", "expect": ["files": ["config.go"]]],
        ["id": "widgets-2", "repo": "acme/widgets", "base_commit": widgetsBase, "query": "old entries are never evicted from the cache", "expect": ["files": ["cache.go"]]],
        // The fix added retry.go: the base has no such file, so no ranker can find it.
        ["id": "widgets-3", "repo": "acme/widgets", "base_commit": widgetsBase, "query": "retry the request", "expect": ["files": ["retry.go"]]],
        ["id": "tool-1", "repo": "beta/tool", "base_commit": String(toolBase.prefix(12)), "query": "handle_timeout swallows the timeout", "expect": ["files": ["timeout.py"]]],
      ]
    }
  }

  func eval(_ fixture: Fixture, _ file: String) throws -> (report: [String: Any], stderr: String) {
    let result = try CtxBinary.run(
      ["eval", file, "--repos", fixture.scratch.path + "/repos", "--out", fixture.scratch.path + "/workspaces", "--budget", "2000,13000", "--json", "--per-query"],
      in: fixture.scratch.path)
    #expect(result.status == 0, "\(result.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    return (report, result.stderr)
  }

  @Test func ranksEachReportInAWorkspaceAtItsBaseCommitAndReusesIt() throws {
    let fixture = try Fixture()
    let file = try fixture.writeReports(fixture.reports)
    let (report, stderr) = try eval(fixture, file)
    #expect(stderr.contains("indexed acme+widgets-\(fixture.widgetsBase.prefix(10))"), "\(stderr)")
    #expect(report["queries"] as? Int == 3 && report["workspaces"] as? Int == 2)
    #expect(report["skipped"] as? [String] == ["widgets-3"])
    #expect(report["budgets"] as? [Int] == [2000, 13000])

    // Per query: the base's code is indexed (config.go without the fix), and the files rank first.
    let outcomes = try #require(report["per_query"] as? [[String: Any]])
    let ranks = Dictionary(uniqueKeysWithValues: outcomes.map { ($0["id"] as? String ?? "", ($0["ranks"] as? [String: Any])?["files"] as? Int) })
    #expect(ranks == ["widgets-1": 1, "widgets-2": 1, "tool-1": 1])
    let baseline = Dictionary(uniqueKeysWithValues: outcomes.map { ($0["id"] as? String ?? "", $0["baseline_rank"] as? Int) })
    // Plain BM25 does not split `evictCache`, so "evicted from the cache" finds nothing.
    #expect(baseline == ["widgets-1": 1, "widgets-2": nil, "tool-1": 1])
    for outcome in outcomes { #expect((outcome["bundle_recalls"] as? [Double])?.count == 2) }

    let rows = try #require(report["rows"] as? [[String: Any]])
    let code = try #require(rows.first { $0["kind"] as? String == "files" && $0["ranker"] as? String == "code" })
    #expect(code["acc1"] as? Double == 1 && code["mrr"] as? Double == 1)
    #expect((code["bundles"] as? [[String: Any]])?.compactMap { $0["budget"] as? Int } == [2000, 13000])
    let bm25 = try #require(rows.first { $0["ranker"] as? String == "bm25" })
    #expect(abs((bm25["acc1"] as? Double ?? 0) - 2.0 / 3.0) < 1e-9)

    // Per repository, in file order; the skipped report counts against its repository.
    let repos = try #require(report["repos"] as? [[String: Any]])
    #expect(repos.compactMap { $0["repo"] as? String } == ["acme/widgets", "beta/tool"])
    #expect(repos.compactMap { $0["queries"] as? Int } == [2, 1] && repos.compactMap { $0["skipped"] as? Int } == [1, 0])
    let widgetsBM25 = try #require((repos[0]["rows"] as? [[String: Any]])?.first { $0["ranker"] as? String == "bm25" })
    #expect(widgetsBM25["acc1"] as? Double == 0.5)
    #expect((repos[0]["ratios"] as? [String: Any])?["acc1"] as? Double == 2)
    let workspaces = try #require(report["repo_workspaces"] as? [[String: Any]])
    #expect(workspaces.compactMap { $0["base"] as? String } == [fixture.widgetsBase, fixture.toolBase])
    #expect(workspaces.allSatisfy { $0["indexed"] as? Bool == true })
    #expect(workspaces.first?["files"] as? Int == 3 && workspaces.first?["commits"] as? Int == 1)

    // Again: the same workspaces, nothing re-indexed, the same ranks.
    let (again, againErr) = try eval(fixture, file)
    #expect(againErr.contains("reused acme+widgets-\(fixture.widgetsBase.prefix(10))") && againErr.contains("reused beta+tool-"), "\(againErr)")
    #expect((again["repo_workspaces"] as? [[String: Any]])?.allSatisfy { $0["indexed"] as? Bool == false } == true)
    #expect((again["rows"] as? [[String: Any]])?.first?["acc1"] as? Double == 1)

    // The table has the per-repository rows and both budgets.
    let table = try CtxBinary.run(["eval", file, "--repos", fixture.scratch.path + "/repos", "--out", fixture.scratch.path + "/workspaces", "--budget", "2000", "--budget", "13000"])
    #expect(table.status == 0)
    #expect(table.stdout.contains("bundle@2000 (any)") && table.stdout.contains("bundle@13000 (any)"), "\(table.stdout)")
    #expect(table.stdout.contains("per repository (files)") && table.stdout.contains("acme/widgets (1 skipped)"), "\(table.stdout)")
  }

  @Test func missingClonesAndCommitsAreNamedBeforeAnythingIsIndexed() throws {
    let fixture = try Fixture()
    var reports = fixture.reports
    reports.append(["id": "gone-1", "repo": "nobody/missing", "base_commit": fixture.widgetsBase, "query": "anything", "expect": ["files": ["a.go"]]])
    reports.append(["id": "tool-2", "repo": "beta/tool", "base_commit": "0123456789abcdef0123456789abcdef01234567", "query": "anything", "expect": ["files": ["cli.py"]]])
    let file = try fixture.writeReports(reports)
    let result = try CtxBinary.run(["eval", file, "--repos", fixture.scratch.path + "/repos", "--out", fixture.scratch.path + "/workspaces"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("no clone of nobody/missing under") && result.stderr.contains("git clone --bare"), "\(result.stderr)")
    #expect(result.stderr.contains("the base commit 0123456789abcdef0123456789abcdef01234567 of beta/tool is not in the clone"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fixture.scratch.path + "/workspaces"))

    // Without --repos a bug-report set is refused rather than run against the current workspace.
    let bare = try CtxBinary.run(["eval", file], in: fixture.scratch.path)
    #expect(bare.status != 0 && bare.stderr.contains("--repos"), "\(bare.stderr)")
  }
}

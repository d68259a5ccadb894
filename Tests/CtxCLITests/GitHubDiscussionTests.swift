import CtxTestSupport
import Foundation
import Testing

/// The "why" from pull requests (issue 18): a `format: github` export indexed beside the code
/// and history; a question about why something exists brings the pull request's reasoning
/// into the bundle, and its thread ref opens with `ctx show`.
@Suite struct GitHubDiscussionTests {
  static let export = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("CtxConnectorChatTests/Fixtures/github").path

  @Test func thePullRequestsReasoningReachesTheBundle() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        "src/flask/json/provider.py":
          "class JSONProvider:\n    \"\"\"A standard set of JSON operations for an application.\"\"\"\n\n    def dumps(self, obj, **kwargs):\n        raise NotImplementedError\n\n\nclass DefaultJSONProvider(JSONProvider):\n    sort_keys = True\n",
        "src/flask/app.py": "class Flask:\n    json_provider_class = DefaultJSONProvider\n\n    def run(self, host=None, port=None):\n        pass\n",
        "src/flask/cli.py": "def main():\n    run_command()\n",
      ], under: "repo")
    try repo.commitAll("add json provider interface (#4692)", date: "2022-07-14T09:00:00Z")
    try FileManager.default.copyItem(atPath: Self.export, toPath: scratch.path + "/export")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write([
      "ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
      "ws/connectors/github.yaml": "kind: chat\nformat: github\npath: ../export\n",
    ])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("github: 1 conversation(s) read from 5 export file(s); 8 new message(s)"), "\(index.stdout)")

    let bundle = try CtxBinary.run(["query", "why was the JSON provider introduced"], in: workspace)
    #expect(bundle.status == 0, "\(bundle.stderr)")
    #expect(bundle.stdout.contains("## Discussions"), "\(bundle.stdout)")
    #expect(bundle.stdout.contains("Pull request #4692: add json provider interface"))
    #expect(bundle.stdout.contains("Why a provider rather than a setting?"), "the review discussion comes with it: \(bundle.stdout)")
    #expect(!bundle.stdout.contains("Typo in the quickstart"), "an unrelated issue stays out")
    // The commit that introduced the code names the pull request by number: linked.
    #expect(bundle.stdout.contains("linked from commit"), "\(bundle.stdout)")
    // The issue the pull request fixes (`fixes #4691`) comes with it.
    #expect(bundle.stdout.contains("referenced by Pull request #4692") && bundle.stdout.contains("Setting a custom JSONEncoder is awkward"), "\(bundle.stdout)")

    let json = try #require(try JSONSerialization.jsonObject(with: Data(try CtxBinary.run(["search", "json provider", "--layer", "chat", "--json"], in: workspace).stdout.utf8)) as? [String: Any])
    let ref = try #require((json["hits"] as? [[String: Any]])?.first?["ref"] as? String)
    #expect(ref.hasPrefix("thread:pallets/flaskdemo/"))
    let shown = try CtxBinary.run(["show", ref], in: workspace)
    #expect(shown.status == 0 && shown.stdout.contains("Review comment on `src/flask/json/provider.py`:15"), "\(shown.stdout)")

    // An unchanged export is skipped on the next run.
    #expect(try CtxBinary.run(["index"], in: workspace).stdout.contains("5 unchanged file(s) skipped"))
  }
}

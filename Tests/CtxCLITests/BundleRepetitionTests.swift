import CtxTestSupport
import Foundation
import Testing

/// A bundle shows a few chunks of one file, not every chunk that shares the file's evidence:
/// thirty examples of the same API repeat each other (docs/bundles.md, "What earns a place").
@Suite struct BundleRepetitionTests {
  @Test func aFileGivesAFewItemsUnlessTheQuestionPinpointsMore() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    var examples = "from pkg.testing import CliRunner\n\n"
    for index in 0..<30 {
      examples += "\ndef example_\(index)():\n    runner = CliRunner()\n    result = runner.invoke(cli, ['--flag-\(index)'])\n    assert result.exit_code == \(index % 3)\n\n"
    }
    var files = [
      "pkg/testing.py": "class CliRunner:\n    \"\"\"Invokes a command line in an isolated filesystem for tests.\"\"\"\n\n    def invoke(self, cli, args):\n        return run(cli, args)\n\n    def isolated_filesystem(self):\n        return TemporaryFolder()\n",
      "pkg/examples.py": examples,
    ]
    // Unrelated code, so that the question's words are rare.
    for index in 0..<40 { files["pkg/other\(index).py"] = "def compute_\(index)(values):\n    total = sum(values)\n    return total * \(index)\n" }
    try scratch.write(files, under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // Every example holds every word of the question, and none is named by it.
    let result = try CtxBinary.run(["query", "runner invoke result exit code", "--format", "json", "--budget", "8000"], in: workspace)
    let bundle = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    let refs = ((bundle["layers"] as? [String: [[String: Any]]])?["code"] ?? []).compactMap { $0["ref"] as? String }
    let exampleItems = refs.filter { $0.hasPrefix("pkg/examples.py") }
    #expect(exampleItems.count == 3, "\(refs)")
    #expect(((bundle["below_floor"] as? [String: Int])?["code"] ?? 0) >= 20, "\(bundle["below_floor"] ?? "")")
  }
}

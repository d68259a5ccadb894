import CtxTestSupport
import Foundation
import Testing

/// A rename inside a commit that also deletes the code around it and changes the definition
/// above, in the shape of click's 00883dd3 (`get_streerror` → `get_strerror`). On click's real
/// commit ctx once named the definition above as the new name; that case is checked by
/// `Benchmarks/annotation_real_history.py` (this smaller history does not reproduce the wide
/// trace); here the rename among deletions must be reported with the right name and commit.
@Suite struct RenameAmongDeletionsTests {
  @Test func theRenamedDefinitionIsTheOneClosestInSpelling() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let py2 = (1...30).map { "    def py2_helper_\($0)(value):\n        return value\n" }.joined()
    let before = "import os\n\n\ndef get_text_stdout(buffer_stream):\n    return buffer_stream\n\n\nif PY2:\n\(py2)\n\ndef get_streerror(e, default=None):\n    if hasattr(e, \"strerror\"):\n        msg = e.strerror\n    else:\n        msg = default or str(e)\n    return msg\n"
    try scratch.write(["src/compat.py": before], under: "repo")
    try repo.commitAll("Add compat", date: "2020-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let written = try CtxBinary.run(["annotate", "symbol:get_streerror", "--kind", "caveat", "--text", "Falls back to str(e).", "--author", "Ada", "--json"], in: workspace)
    let id = try #require((try JSONSerialization.jsonObject(with: Data(written.stdout.utf8)) as? [String: Any])?["id"] as? String, "\(written.stderr)")

    // One hunk: `get_text_stdout` changed too, the block between went, the `def` line changed.
    let after = "import os\n\n\ndef get_text_stdout(buffer_stream, errors=None):\n    return _make_text_stream(buffer_stream, errors)\n\ndef get_strerror(e, default=None):\n    if hasattr(e, \"strerror\"):\n        msg = e.strerror\n    else:\n        msg = default or str(e)\n    return msg\n"
    try scratch.write(["src/compat.py": after], under: "repo")
    try repo.commitAll("remove py2 parts of compat", date: "2020-02-01T00:00:00Z")
    let rename = try repo.sha()
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let conflicts = try #require(try JSONSerialization.jsonObject(with: Data(try CtxBinary.run(["conflicts", "--json"], in: workspace).stdout.utf8)) as? [String: Any])
    let renamed = (conflicts["conflicts"] as? [[String: Any]] ?? []).first { ($0["kind"] as? String) == "renamed" && "\($0)".contains(id) }
    let summary = renamed?["summary"] as? String ?? ""
    #expect(summary.contains("renamed to `get_strerror` in \(rename.prefix(12))"), "\(conflicts)")
  }
}

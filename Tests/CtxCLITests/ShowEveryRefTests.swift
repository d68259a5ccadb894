import CtxTestSupport
import Foundation
import Testing

/// Every ref a bundle or search returns can be opened (issue 18): document sections with their
/// live text and freshness, whole documents, chat threads a page at a time, and commits with
/// their patch, limited to a path and bounded.
@Suite struct ShowEveryRefTests {
  struct Fixture {
    let scratch = ScratchDirectory()
    let repo: GitRepoFixture
    let workspace: String

    init() throws {
      repo = try GitRepoFixture(at: scratch.path + "/repo")
      try scratch.write(
        [
          "docs/guide.md": "# Guide\n\nIntro text.\n\n## Token expiry\n\nTokens expire after 15 minutes.\n\n## Rotation\n\nKeys rotate weekly.\n",
          "src/a.py": "def a():\n    return 1\n",
        ], under: "repo")
      try repo.commitAll("Add guide", date: "2024-01-01T10:00:00Z")
      // Two files in one commit: a small one and one of about 300 KB (past the 256 KiB cap).
      let big = (0..<6000).map { "line \($0) of the generated table with some padding text" }.joined(separator: "\n") + "\n"
      try scratch.write(["src/a.py": "def a():\n    return 2\n", "src/big.txt": big], under: "repo")
      try repo.commitAll("Change a and add a big table", date: "2024-02-01T10:00:00Z")
      var lines: [String] = []
      lines.append(#"{"channel": "ops", "ts": "1704186100.000200", "author": "ada", "text": "deploy is failing on the token check"}"#)
      for reply in 1...54 {
        lines.append(#"{"channel": "ops", "ts": "1704186\#(200 + reply).000000", "thread_ts": "1704186100.000200", "author": "bo", "text": "reply number \#(reply)"}"#)
      }
      try scratch.write(["chat/ops.jsonl": lines.joined(separator: "\n") + "\n"])
      workspace = scratch.path + "/ws"
      try CtxBinary.run(["init", workspace])
      try scratch.write([
        "ws/connectors/code.yaml": "kind: code\npath: ../repo/src\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
        "ws/connectors/docs.yaml": "kind: docs\npath: ../repo/docs\n", "ws/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: ../chat/ops.jsonl\n",
      ])
      let index = try CtxBinary.run(["index"], in: workspace)
      guard index.status == 0 else { throw FixtureError(message: "ctx index failed: \(index.stdout)\(index.stderr)") }
    }

    func json(_ text: String) throws -> [String: Any] {
      try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }
  }

  @Test func documentSectionsAndDocumentsAreReadLive() throws {
    let fixture = try Fixture()
    // The ref search gives is the ref show takes.
    let search = try fixture.json(try CtxBinary.run(["search", "token expiry", "--layer", "docs", "--json"], in: fixture.workspace).stdout)
    let ref = try #require((search["hits"] as? [[String: Any]])?.first?["ref"] as? String)
    #expect(ref == "guide.md#token-expiry")
    let section = try CtxBinary.run(["show", ref], in: fixture.workspace)
    #expect(section.status == 0, "\(section.stderr)")
    #expect(section.stdout.hasPrefix("guide.md#token-expiry  [docs]  unchanged\n"), "\(section.stdout)")
    #expect(section.stdout.contains("Tokens expire after 15 minutes.") && !section.stdout.contains("Keys rotate weekly"), "\(section.stdout)")
    let json = try fixture.json(try CtxBinary.run(["show", "doc:guide.md#token-expiry", "--json"], in: fixture.workspace).stdout)
    #expect(json["kind"] as? String == "section" && json["heading"] as? String != nil && json["freshness"] as? String == "unchanged")

    // The document changes: a paragraph above moves the section; it is found by its heading.
    try fixture.scratch.write(["repo/docs/guide.md": "# Guide\n\nIntro text.\n\nA new paragraph.\n\nAnd another.\n\n## Token expiry\n\nTokens expire after 30 minutes.\n\n## Rotation\n\nKeys rotate weekly.\n"])
    let moved = try CtxBinary.run(["show", ref], in: fixture.workspace)
    #expect(moved.stdout.contains("changed since indexed") && moved.stdout.contains("Tokens expire after 30 minutes."), "\(moved.stdout)")
    #expect(moved.stdout.contains("now starts at line 9"), "\(moved.stdout)")

    // A whole document; an unknown section lists the document's sections.
    #expect(try CtxBinary.run(["show", "guide.md"], in: fixture.workspace).stdout.contains("Keys rotate weekly."))
    let unknown = try CtxBinary.run(["show", "guide.md#nope", "--json"], in: fixture.workspace)
    #expect(unknown.status == 1)
    #expect((try fixture.json(unknown.stdout)["candidates"] as? [String])?.contains("guide.md#rotation") == true, "\(unknown.stdout)")
  }

  @Test func threadsArePaged() throws {
    let fixture = try Fixture()
    let first = try CtxBinary.run(["show", "thread:ops/1704186100.000200"], in: fixture.workspace)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("55 message(s), page 1 of 2") && first.stdout.contains("deploy is failing"), "\(first.stdout)")
    #expect(first.stdout.contains("(more: --page 2)"))
    let second = try fixture.json(try CtxBinary.run(["show", "thread:ops/1704186100.000200", "--page", "2", "--json"], in: fixture.workspace).stdout)
    let messages = try #require(second["messages"] as? [[String: Any]])
    #expect(messages.count == 5 && messages.last?["text"] as? String == "reply number 54", "\(messages)")
    #expect(second["message_count"] as? Int == 55 && second["pages"] as? Int == 2)
    #expect(try CtxBinary.run(["show", "thread:ops/1704186100.000200", "--page", "3"], in: fixture.workspace).status == 1)
    #expect(try CtxBinary.run(["show", "thread:ops/999.000"], in: fixture.workspace).status == 1)
    #expect(try CtxBinary.run(["show", "thread:nothing"], in: fixture.workspace).status == 2)
  }

  @Test func commitsShowTheirPatchLimitedAndBounded() throws {
    let fixture = try Fixture()
    let sha = try fixture.repo.sha()
    let patch = try CtxBinary.run(["show", String(sha.prefix(10)), "--patch"], in: fixture.workspace)
    #expect(patch.status == 0, "\(patch.stderr)")
    #expect(patch.stdout.contains("diff --git a/src/a.py b/src/a.py") && patch.stdout.contains("-    return 1\n+    return 2"), "\(patch.stdout.prefix(2000))")
    // The big file does not fit in 256 KiB: left out whole, and the note says how to get it.
    #expect(!patch.stdout.contains("diff --git a/src/big.txt"))
    #expect(patch.stdout.contains("1 more file(s) left out; ask for one with --path"), "\(patch.stdout.suffix(400))")

    let only = try fixture.json(try CtxBinary.run(["show", sha, "--patch", "--path", "src/a.py", "--json"], in: fixture.workspace).stdout)
    #expect((only["patch"] as? String)?.hasPrefix("diff --git a/src/a.py b/src/a.py") == true)
    #expect(only["patch_note"] is NSNull)
    let plain = try fixture.json(try CtxBinary.run(["show", sha, "--json"], in: fixture.workspace).stdout)
    #expect(plain["patch"] == nil, "no patch unless asked")
    #expect(try CtxBinary.run(["show", sha, "--path", "src/a.py"], in: fixture.workspace).status == 2)
  }

  /// A definition is a ref too, as annotations name it and search shows it: `symbol:name`,
  /// `symbol:Class.name`, or a bare name; a name defined twice lists both places.
  @Test func definitionsAreShownByName() throws {
    let scratch = ScratchDirectory()
    try scratch.write([
      "repo/store.py": "class Store:\n    def save(self):\n        return 'store'\n\n\nclass Cache:\n    def save(self):\n        return 'cache'\n",
      "repo/util.py": "def helper():\n    return 1\n",
    ])
    try CtxBinary.run(["init", scratch.path + "/ws"])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: scratch.path + "/ws").status == 0)
    func show(_ ref: String) throws -> ProcessResult { try CtxBinary.run(["show", ref], in: scratch.path + "/ws") }
    let qualified = try show("symbol:Cache.save")
    #expect(qualified.status == 0 && qualified.stdout.contains("store.py:7-8") && qualified.stdout.contains("return 'cache'"), "\(qualified.stdout)\(qualified.stderr)")
    #expect(!qualified.stdout.contains("return 'store'"))
    let bare = try show("helper")
    #expect(bare.status == 0 && bare.stdout.contains("util.py:1-2") && bare.stdout.contains("return 1"), "\(bare.stdout)\(bare.stderr)")
    let twice = try show("symbol:save")
    #expect(twice.status == 1 && twice.stderr.contains("is defined 2 times") && twice.stderr.contains("store.py:2-3") && twice.stderr.contains("store.py:7-8"), "\(twice.stderr)")
    let nothing = try show("no_such_name")
    #expect(nothing.status == 1 && nothing.stderr.contains("no indexed file at `no_such_name` and no definition named `no_such_name`"), "\(nothing.stderr)")
  }
}

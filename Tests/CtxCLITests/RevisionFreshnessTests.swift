import CtxTestSupport
import Foundation
import Testing

/// A `revision:` code source indexes one commit's tree, not a disk: its files' freshness in a
/// bundle and in `ctx show` is judged against that revision as it resolves now. (It was read
/// from the disk: every file of a bare repository was "deleted", and a work tree's own edits
/// showed as changes to the revision.)
@Suite struct RevisionFreshnessTests {
  static let first = "def session_token(user):\n    return sign(user.id)\n"
  static let second = "def session_token(user):\n    # rotated daily\n    return sign(user.id, rotate=True)\n"

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
  }

  /// The freshness of the bundle's code item for auth/session.py, and its `current` lines.
  func bundleItem(_ workspace: String) throws -> (freshness: String?, current: String?) {
    let result = try CtxBinary.run(["query", "session token", "--format", "json", "--budget", "2000"], in: workspace)
    #expect(result.status == 0, "\(result.stderr)")
    let layers = try #require(try json(result.stdout)["layers"] as? [String: Any], "\(result.stdout)")
    let code = try #require(layers["code"] as? [[String: Any]], "\(result.stdout)")
    let item = try #require(code.first { $0["path"] as? String == "auth/session.py" }, "\(result.stdout)")
    return (item["freshness"] as? String, item["current"] as? String)
  }

  @Test func aBareRepositorysRevisionIsCheckedAgainstItsTree() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["auth/session.py": Self.first, "README.md": "Sessions.\n"], under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let bare = scratch.path + "/bare.git"
    _ = try repo.run(["clone", "-q", "--bare", repo.path, bare])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: \(bare)\nrevision: main\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")

    #expect(try bundleItem(workspace).freshness == "unchanged")
    let shown = try json(try CtxBinary.run(["show", "auth/session.py", "--json"], in: workspace).stdout)
    #expect(shown["freshness"] as? String == "unchanged", "\(shown)")
    #expect(shown["text"] as? String == "def session_token(user):\n    return sign(user.id)")
    #expect(shown["file"] as? String == "main:auth/session.py in \(bare)")
    // An annotation on a symbol of the revision is anchored to the revision's lines.
    let annotated = try CtxBinary.run(["annotate", "symbol:session_token", "--text", "Signed, not encrypted.", "--author", "Ada"], in: workspace)
    #expect(annotated.status == 0 && annotated.stdout.contains("anchored at auth/session.py:1-2"), "\(annotated.stdout)\(annotated.stderr)")
    #expect(try CtxBinary.run(["conflicts"], in: workspace).status == 0)

    // The branch moves on: the item is behind its revision, and today's lines are shown.
    try scratch.write(["auth/session.py": Self.second], under: "repo")
    try repo.commitAll("Rotate", date: "2024-01-02T00:00:00Z")
    _ = try repo.run(["push", "-q", bare, "main"])
    let moved = try bundleItem(workspace)
    #expect(moved.freshness == "changed since indexed")
    #expect(moved.current?.contains("# rotated daily") == true, "\(moved)")
    let markdown = try CtxBinary.run(["query", "session token", "--budget", "2000"], in: workspace).stdout
    #expect(markdown.contains("changed since indexed") && markdown.contains("now, at `main` (lines 1-2):"), "\(markdown)")
    let changed = try json(try CtxBinary.run(["show", "auth/session.py:3", "--json"], in: workspace).stdout)
    #expect(changed["freshness"] as? String == "changed since indexed")
    #expect(changed["text"] as? String == "    return sign(user.id, rotate=True)")
    // ... and the annotation's code changed under it.
    let drift = try CtxBinary.run(["conflicts"], in: workspace)
    #expect(drift.status == 1 && drift.stdout.contains("session_token"), "\(drift.stdout)")

    // Removed from the revision's tree: deleted.
    _ = try repo.run(["rm", "-q", "auth/session.py"])
    try repo.commitAll("Drop sessions", date: "2024-01-03T00:00:00Z")
    _ = try repo.run(["push", "-q", bare, "main"])
    #expect(try bundleItem(workspace).freshness == "deleted")
    #expect(try CtxBinary.run(["query", "session token", "--budget", "2000"], in: workspace).stdout.contains("the file is no longer at `main`"))

    // The revision names nothing any more: no verdict rather than a wrong one, and `show`
    // says why it cannot read the file.
    _ = try repo.run(["--git-dir", bare, "branch", "-q", "-m", "main", "trunk"])
    #expect(try bundleItem(workspace).freshness == nil)
    let unreadable = try CtxBinary.run(["show", "auth/session.py"], in: workspace)
    #expect(unreadable.status != 0)
    #expect(unreadable.stderr.contains("cannot be read now") && unreadable.stderr.contains("revision: main"), "\(unreadable.stderr)")
  }

  @Test func aWorkTreesOwnEditsAreNotChangesToTheRevision() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["auth/session.py": Self.first], under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\nrevision: HEAD\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // An uncommitted edit, and a file deleted from the disk only: the revision has neither.
    try scratch.write(["auth/session.py": Self.second], under: "repo")
    #expect(try bundleItem(workspace).freshness == "unchanged")
    try scratch.remove("repo/auth/session.py")
    #expect(try bundleItem(workspace).freshness == "unchanged")
    let shown = try json(try CtxBinary.run(["show", "auth/session.py:2", "--json"], in: workspace).stdout)
    #expect(shown["freshness"] as? String == "unchanged")
    #expect(shown["text"] as? String == "    return sign(user.id)")
  }
}

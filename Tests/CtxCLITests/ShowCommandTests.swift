import CtxTestSupport
import Foundation
import Testing

/// A workspace over a real git repository with a code and a git connector, indexed.
struct IndexedWorkspace {
  let scratch = ScratchDirectory()
  let repo: GitRepoFixture
  let workspace: String

  init(files extra: [String: String] = [:]) throws {
    repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        "src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 0;\n}\n",
        "src/auth/Login.swift": "struct Login {\n  func submit(user: String) -> Bool {\n    return !user.isEmpty\n  }\n}\n",
        "src/util.py": "def parse_args(argv):\n    return argv[1:]\n",
      ].merging(extra) { _, new in new }, under: "repo")
    try repo.commitAll("Add session validation", date: "2024-01-01T10:00:00Z")
    try scratch.write(["repo/src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 8;\n}\n"])
    try repo.commitAll(
      "Require longer session tokens\n\nShort tokens were guessable; eight characters is the floor.", date: "2024-05-01T12:00:00Z",
      author: "Bo Reviewer", email: "bo@example.com")
    workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    guard index.status == 0 else { throw FixtureError(message: "ctx index failed: \(index.stdout)\(index.stderr)") }
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
  }
}

/// `ctx show REF`: live lines with a freshness verdict, commits, and refs that name nothing.
@Suite struct ShowCommandTests {
  @Test func fileRangeIsReadLiveWithItsFreshness() throws {
    let fixture = try IndexedWorkspace()
    let workspace = fixture.workspace

    let text = try CtxBinary.run(["show", "src/auth/session.ts:2-3"], in: workspace)
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.hasPrefix("src/auth/session.ts:2-3  [code]  unchanged\n"), "\(text.stdout)")
    #expect(text.stdout.contains("2    return token.length > 8;\n3  }\n"), "\(text.stdout)")

    let unchanged = try fixture.json(try CtxBinary.run(["show", "src/auth/session.ts:1-2", "--json"], in: workspace).stdout)
    #expect(unchanged["kind"] as? String == "file")
    #expect(unchanged["freshness"] as? String == "unchanged")
    #expect(unchanged["ref"] as? String == "src/auth/session.ts:1-2")
    #expect(unchanged["source"] as? String == "code")
    #expect(unchanged["start_line"] as? Int == 1 && unchanged["end_line"] as? Int == 2)
    #expect(unchanged["text"] as? String == "export function validateSession(token: string): boolean {\n  return token.length > 8;")
    #expect(unchanged["file"] as? String == fixture.repo.path + "/src/auth/session.ts")
    #expect(unchanged["current_hash"] as? String == unchanged["indexed_hash"] as? String)

    // Edited after indexing: the verdict says so and the lines are today's.
    try fixture.scratch.write(["repo/src/auth/session.ts": "// checked by the gateway\nexport function validateSession(token: string): boolean {\n  return token.length >= 12;\n}\n"])
    let changed = try fixture.json(try CtxBinary.run(["show", "src/auth/session.ts:2-3", "--json"], in: workspace).stdout)
    #expect(changed["freshness"] as? String == "changed since indexed")
    #expect(changed["text"] as? String == "export function validateSession(token: string): boolean {\n  return token.length >= 12;")
    #expect(changed["line_count"] as? Int == 4 && changed["indexed_line_count"] as? Int == 3)
    #expect(changed["current_hash"] as? String != changed["indexed_hash"] as? String)
    let changedText = try CtxBinary.run(["show", "src/auth/session.ts"], in: workspace)
    #expect(changedText.status == 0)
    #expect(changedText.stdout.hasPrefix("src/auth/session.ts:1-4  [code]  changed since indexed\n"), "\(changedText.stdout)")

    // Deleted: still known to the index, gone from disk.
    try fixture.scratch.remove("repo/src/auth/session.ts")
    let deleted = try CtxBinary.run(["show", "src/auth/session.ts:1-3", "--json"], in: workspace)
    #expect(deleted.status == 0)
    let gone = try fixture.json(deleted.stdout)
    #expect(gone["freshness"] as? String == "deleted")
    #expect(gone["text"] is NSNull)
    #expect(try CtxBinary.run(["show", "src/auth/session.ts"], in: workspace).stdout.contains("[code]  deleted"))

    // A partial path naming one indexed file; past the end of the file.
    let partial = try fixture.json(try CtxBinary.run(["show", "auth/Login.swift:2", "--json"], in: workspace).stdout)
    #expect(partial["path"] as? String == "src/auth/Login.swift")
    #expect(partial["text"] as? String == "  func submit(user: String) -> Bool {")
    let pastRun = try CtxBinary.run(["show", "code:src/util.py:7-9", "--json"], in: workspace)
    #expect(pastRun.status == 1)
    let past = try fixture.json(pastRun.stdout)
    #expect((past["message"] as? String)?.contains("has 2 line(s) now; line 7 is past its end") == true, "\(past)")
  }

  @Test func commitByPrefixShowsMessageAuthorAndFiles() throws {
    let fixture = try IndexedWorkspace()
    let sha = try fixture.repo.sha()
    let text = try CtxBinary.run(["show", String(sha.prefix(9))], in: fixture.workspace)
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.hasPrefix("commit \(sha)  [history]\nAuthor: Bo Reviewer <bo@example.com>\nDate:   2024-05-01T12:00:00Z\n"), "\(text.stdout)")
    #expect(text.stdout.contains("    Short tokens were guessable; eight characters is the floor.\n"))
    #expect(text.stdout.contains("M  src/auth/session.ts  +1 -1\n"), "\(text.stdout)")

    let json = try fixture.json(try CtxBinary.run(["show", "commit:" + sha.prefix(12), "--json"], in: fixture.workspace).stdout)
    #expect(json["kind"] as? String == "commit")
    #expect(json["commit"] as? String == sha && json["ref"] as? String == sha)
    #expect(json["summary"] as? String == "Require longer session tokens")
    #expect(json["message"] as? String == "Require longer session tokens\n\nShort tokens were guessable; eight characters is the floor.")
    #expect(json["author"] as? String == "Bo Reviewer")
    #expect(json["date"] as? String == "2024-05-01T12:00:00Z")
    let changes = try #require(json["changes"] as? [[String: Any]])
    #expect(changes.count == 1)
    #expect(changes.first?["path"] as? String == "src/auth/session.ts" && changes.first?["status"] as? String == "M")
  }

  @Test func unknownAndAmbiguousRefsExitOneWithCandidates() throws {
    let fixture = try IndexedWorkspace(files: ["lib/util.py": "def helper():\n    pass\n"])
    let missing = try CtxBinary.run(["show", "src/nope.ts:1-3"], in: fixture.workspace)
    #expect(missing.status == 1)
    #expect(missing.stdout.isEmpty)
    #expect(missing.stderr.contains("no indexed file at `src/nope.ts`"), "\(missing.stderr)")

    // Lines past a file's end name nothing (it used to print a note and exit 0).
    let pastEnd = try CtxBinary.run(["show", "src/auth/session.ts:99999"], in: fixture.workspace)
    #expect(pastEnd.status == 1 && pastEnd.stdout.isEmpty, "\(pastEnd.stdout)")
    #expect(pastEnd.stderr.contains("line 99999 is past its end"), "\(pastEnd.stderr)")

    // Two files named util.py: the error lists both.
    let ambiguous = try CtxBinary.run(["show", "util.py", "--json"], in: fixture.workspace)
    #expect(ambiguous.status == 1)
    let miss = try fixture.json(ambiguous.stdout)
    #expect(miss["candidates"] as? [String] == ["code:lib/util.py", "code:src/util.py"])
    #expect(ambiguous.stderr.contains("matches 2 indexed files"), "\(ambiguous.stderr)")

    // Hex that is neither a commit nor a file; a wrong source; a bad range.
    let noCommit = try CtxBinary.run(["show", "0123456789abcdef"], in: fixture.workspace)
    #expect(noCommit.status == 1)
    #expect(noCommit.stderr.contains("no indexed commit starts with `0123456789abcdef`"), "\(noCommit.stderr)")
    #expect(try CtxBinary.run(["show", "history:src/util.py"], in: fixture.workspace).status == 1)
    let backwards = try CtxBinary.run(["show", "src/util.py:9-2"], in: fixture.workspace)
    #expect(backwards.status == 2)
    #expect(backwards.stderr.contains("ends before it starts"))
  }
}

import CtxTestSupport
import Foundation
import Testing

/// Secrets planted in code, a commit message, a document and a chat message never reach the
/// index: not in the database file, its WAL, nor any full-text index (prefix queries included).
@Suite struct RedactionIndexTests {
  // Fake values in real formats, made up for this test.
  static let awsKey = "AKIAQYLPMN5HHHFUZWKQ"
  static let githubToken = "ghp_R8mVwK2xLq9sT4nB7cD1fG6hJ3kP0zY5aE2u"
  static let slackToken = "xoxb-2948571036-5829103746-QmZr8TkWn3VbLp2XcY7dFs4H"
  static let pemBody = (0..<6).map { _ in "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj" }.joined(separator: "\n")

  @Test func plantedSecretsAreNowhereInTheIndex() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        "src/config.py": "AWS_ACCESS_KEY_ID = \"\(Self.awsKey)\"\n\ndef connect():\n    return open_session()\n",
        "src/key.pem.txt": "deploy key:\n-----BEGIN PRIVATE KEY-----\n\(Self.pemBody)\n-----END PRIVATE KEY-----\nafter the key\n",
        "docs/setup.md": "# Setup\n\nUse the token `\(Self.githubToken)` for the CI bot.\n",
      ], under: "repo")
    try repo.commitAll("Add config\n\nTemporary: export GITHUB_TOKEN=\(Self.githubToken)", date: "2024-01-01T00:00:00Z")
    try scratch.write(
      ["chat/messages.jsonl": #"{"channel": "ops", "ts": "1704200000.000100", "author": "ada", "text": "bot token is \#(Self.slackToken) use it"}"# + "\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(
      [
        "ws/connectors/code.yaml": "kind: code\npath: ../repo\n",
        "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
        "ws/connectors/docs.yaml": "kind: docs\npath: ../repo/docs\n",
        "ws/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: ../chat/messages.jsonl\n",
      ])
    let index = try CtxBinary.run(["index", "--json"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(index.stdout.utf8)) as? [String: Any])
    var redacted: [String: [String: Int]] = [:]
    for source in report["sources"] as? [[String: Any]] ?? [] {
      redacted[source["name"] as? String ?? ""] = source["redacted"] as? [String: Int]
    }
    #expect(redacted["code"]?["aws-access-key"] == 1 && redacted["code"]?["private-key"] == 1, "\(redacted)")
    #expect(redacted["history"]?["github-token"] == 1, "\(redacted)")
    #expect(redacted["docs"]?["github-token"] == 1, "\(redacted)")
    #expect(redacted["chat"]?["slack-token"] == 1, "\(redacted)")
    // The summary names counts per rule, never values.
    let human = try CtxBinary.run(["index", "--full"], in: workspace)
    #expect(human.stdout.contains("redacted: 1 aws-access-key, 1 github-token, 1 private-key"), "\(human.stdout)")
    #expect(!human.stdout.contains(Self.awsKey))

    var bytes = Data()
    for suffix in ["", "-wal", "-shm"] {
      let path = workspace + "/index/ctx.sqlite" + suffix
      if FileManager.default.fileExists(atPath: path) { bytes.append(try Data(contentsOf: URL(fileURLWithPath: path))) }
    }
    let pieces = [Self.awsKey, String(Self.awsKey.dropFirst(4)), Self.githubToken, String(Self.githubToken.dropFirst(4)), Self.slackToken, "QmZr8TkWn3VbLp2XcY7dFs4H", "7w0BAQEFAASCBKcw"]
    for piece in pieces {
      #expect(bytes.range(of: Data(piece.utf8)) == nil, "\(piece) is in the index")
      #expect(bytes.range(of: Data(piece.lowercased().utf8)) == nil, "\(piece.lowercased()) is in the index")
    }
    // Markers are there, and the text around them stays useful.
    #expect(bytes.range(of: Data("[REDACTED:aws-access-key]".utf8)) != nil)
    #expect(try CtxBinary.run(["search", "open_session"], in: workspace).status == 0)
    // Line numbers after a redacted multi-line key are unchanged.
    let after = try CtxBinary.run(["search", "after the key", "--json"], in: workspace)
    #expect(after.stdout.contains("\"end_line\":10"), "\(after.stdout)")

    // Raw FTS5 prefix queries on every full-text table find nothing.
    let script = """
      import sqlite3, sys
      con = sqlite3.connect(sys.argv[1])
      total = 0
      for table in ["chunk_ft", "commit_ft", "section_ft", "thread_ft"]:
          for prefix in ["AKIA*", "ghp*", "xoxb*", "MIIE*"]:
              total += con.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (prefix,)).fetchone()[0]
      print(total)
      """
    let prefix = try Run.program("/usr/bin/env", ["python3", "-c", script, workspace + "/index/ctx.sqlite"])
    #expect(prefix.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(prefix.stdout)\(prefix.stderr)")
    #expect(try CtxBinary.run(["search", "AKIA"], in: workspace).status == 1)
    // Text read live from disk (ctx show, and a bundle's current lines) is redacted too.
    let shown = try CtxBinary.run(["show", "src/config.py", "--workspace", workspace])
    #expect(shown.status == 0 && shown.stdout.contains("[REDACTED:aws-access-key]") && !shown.stdout.contains(Self.awsKey), "\(shown.stdout)")
  }

  /// "a token in a **file name** (stored in paths in six places)": a path holding a secret is
  /// never stored (files, chunks, symbols, sections, commit changes, skip records, run reports,
  /// logs), the skip is reported with the name redacted, and status still says fresh.
  @Test func secretsInFileNamesAreStoredNowhere() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let hfToken = "hf_QmZrTkWnVbLpXcYdFsHaBcDeFgHiJkLmNo"  // letters only, as real ones
    try scratch.write(
      [
        "src/app.py": "def start():\n    return 1\n",
        "cache/\(Self.githubToken).json": "{\"user\": \"bot\"}\n",
        "docs/guide.md": "# Guide\n\nHow to start the app.\n",
        "docs/\(hfToken)/notes.md": "# Notes\n\nModel download notes.\n",
      ], under: "repo")
    try repo.commitAll("Add files", date: "2024-01-01T00:00:00Z")
    // A rename away from the secret name: the change's old path holds it.
    try scratch.write(["cache/settings.json": "{\"user\": \"bot\"}\n"], under: "repo")
    try scratch.remove("repo/cache/\(Self.githubToken).json")
    try repo.commitAll("Rename the cache file", date: "2024-01-02T00:00:00Z")
    try scratch.write(["cache/\(Self.githubToken).json": "{\"user\": \"bot\"}\n"], under: "repo")
    try repo.commitAll("Bring the cache file back", date: "2024-01-03T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(
      [
        "ws/connectors/code.yaml": "kind: code\npath: ../repo\n",
        "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
        "ws/connectors/docs.yaml": "kind: docs\npath: ../repo/docs\n",
        "ws/connectors/pinned.yaml": "kind: code\npath: ../repo\nrevision: HEAD\n",
      ])
    let index = try CtxBinary.run(["index", "--verbose"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("secret-in-path"), "\(index.stdout)")
    #expect(index.stdout.contains("cache/[REDACTED:github-token].json"), "\(index.stdout)")
    #expect(!(index.stdout + index.stderr).contains(Self.githubToken) && !(index.stdout + index.stderr).contains(hfToken))
    let json = try CtxBinary.run(["index", "--json"], in: workspace)
    #expect(json.status == 0)
    #expect(!json.stdout.contains(Self.githubToken) && !json.stdout.contains(hfToken))

    var bytes = Data()
    for suffix in ["", "-wal", "-shm"] {
      let path = workspace + "/index/ctx.sqlite" + suffix
      if FileManager.default.fileExists(atPath: path) { bytes.append(try Data(contentsOf: URL(fileURLWithPath: path))) }
    }
    for log in try FileManager.default.contentsOfDirectory(atPath: workspace + "/index/logs") {
      bytes.append(try Data(contentsOf: URL(fileURLWithPath: workspace + "/index/logs/" + log)))
    }
    for piece in [Self.githubToken, String(Self.githubToken.dropFirst(4)), hfToken, String(hfToken.dropFirst(3))] {
      #expect(bytes.range(of: Data(piece.utf8)) == nil, "\(piece) is stored")
      #expect(bytes.range(of: Data(piece.lowercased().utf8)) == nil, "\(piece.lowercased()) is stored")
    }
    // The rename is recorded, its old name redacted.
    let rename = try CtxBinary.run(["show", try repo.sha("HEAD~1")], in: workspace)
    #expect(rename.stdout.contains("cache/settings.json (from cache/[REDACTED:github-token].json)"), "\(rename.stdout)")
    // The rest is indexed, and nothing counts as behind.
    #expect(try CtxBinary.run(["search", "start"], in: workspace).stdout.contains("src/app.py"))
    #expect(try CtxBinary.run(["search", "guide start"], in: workspace).stdout.contains("guide.md"))
    let status = try CtxBinary.run(["status"], in: workspace)
    #expect(status.status == 0, "\(status.stdout)")
  }
}

import CtxTestSupport
import Foundation
import Testing

/// Documents and chat through the binary: search, bundles, privacy, overlapping exports.
@Suite struct KnowledgeTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  func copyFixture(_ relative: String, to destination: String) throws {
    try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: KnowledgeTests.fixtures.appendingPathComponent(relative).path, toPath: destination)
  }

  /// `files` in `scratch` and a workspace beside them with these connector files, indexed.
  func indexedWorkspace(_ files: [String: String], connectors: [String: String], in scratch: ScratchDirectory) throws -> String {
    try scratch.write(files)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(Dictionary(uniqueKeysWithValues: connectors.map { ("ws/connectors/" + $0.key, $0.value) }))
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    return workspace
  }

  /// Every byte of the index (the database, its WAL and shared memory).
  func indexBytes(_ workspace: String) throws -> Data {
    var data = Data()
    for suffix in ["", "-wal", "-shm"] {
      let path = workspace + "/index/ctx.sqlite" + suffix
      if FileManager.default.fileExists(atPath: path) { data.append(try Data(contentsOf: URL(fileURLWithPath: path))) }
    }
    return data
  }

  @Test func documentsAreSearchedRankedByStatusAndShownBesideTheCode() throws {
    let scratch = ScratchDirectory()
    try scratch.write(
      [
        "src/auth/session.ts": "export function validateSession(token: string) {\n  return token.length > 0;\n}\n",
        "docs/auth.md": "---\ntitle: Auth guide\n---\n# Auth\n\nSessions start in `validateSession`.\n\n## Sessions\n\n### Expiry\n\nSession tokens expire after one hour.\n",
        "docs/adr/0001-session-store.md": "# 1. Keep session tokens in memory\n\nStatus: Superseded by [ADR-0002](0002-session-store-redis.md)\n\nSession tokens live in process memory.\n",
        "docs/adr/0002-session-store-redis.md": "# 2. Keep session tokens in Redis\n\nStatus: Accepted\n\nSession tokens live in Redis.\n",
      ])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n", "ws/connectors/docs.yaml": "kind: docs\npath: ../docs\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("docs: 3 documents"), "\(index.stdout)")

    let search = try json(try CtxBinary.run(["search", "session tokens live", "--layer", "docs", "--json"], in: workspace).stdout)
    let hits = try #require(search["hits"] as? [[String: Any]])
    #expect(hits.first?["layer"] as? String == "docs")
    #expect(hits.first?["path"] as? String == "adr/0002-session-store-redis.md")
    #expect(hits.first?["heading"] as? String == "2. Keep session tokens in Redis")
    #expect(hits.first?["ref"] as? String == "adr/0002-session-store-redis.md#2-keep-session-tokens-in-redis")
    // The superseded record is found, marked, and ranked below the current one.
    let superseded = try #require(hits.first { $0["path"] as? String == "adr/0001-session-store.md" })
    #expect(superseded["status"] as? String == "superseded")
    #expect((superseded["why"] as? [String])?.contains { $0.contains("superseded") } == true)
    let expiry = try json(try CtxBinary.run(["search", "expiry", "--layer", "docs", "--json"], in: workspace).stdout)
    #expect((expiry["hits"] as? [[String: Any]])?.first?["heading"] as? String == "Auth > Sessions > Expiry")

    let bundle = try CtxBinary.run(["query", "validateSession"], in: workspace)
    #expect(bundle.stdout.contains("## Documents"), "\(bundle.stdout)")
    // A new document: ctx status says the docs source is behind.
    try scratch.write(["docs/new.md": "# New\n\nText.\n"])
    let status = try json(try CtxBinary.run(["status", "--json"], in: workspace).stdout)
    let docs = try #require((status["sources"] as? [[String: Any]])?.first { $0["name"] as? String == "docs" })
    #expect(docs["state"] as? String == "stale" && (docs["pending_files"] as? [String: Any])?["added"] as? Int == 1, "\(docs)")
    #expect(bundle.stdout.contains("why: mentions `validateSession`"), "\(bundle.stdout)")
  }

  /// Release notes list one-line entries that match many words: a how-to question gets the
  /// guide first, a question about when something changed gets the release notes first.
  @Test func releaseNotesAnswerQuestionsAboutVersionsAndYieldToGuidesOtherwise() throws {
    let scratch = ScratchDirectory()
    let workspace = try indexedWorkspace(
      [
        "CHANGES.md": "# Changes\n\n## Version 8.2.0\n\n- Add a `--version` option to the example tool.\n- The version option shows the package version.\n- Options can be deprecated.\n\n## Version 8.1.0\n\n- Add the password option.\n- Hide input of the password option.\n",
        "docs/options.md": "# Options\n\n## Version Option\n\nUse `version_option` to add a `--version` option that prints the version of your tool and exits.\n\n## Password Option\n\nUse `password_option` to ask for a password without showing what the user types.\n",
      ], connectors: ["docs.yaml": "kind: docs\npath: ..\ninclude: [\"docs/**\", \"*.md\"]\n"], in: scratch)
    func hits(_ question: String) throws -> [[String: Any]] {
      try json(try CtxBinary.run(["search", question, "--layer", "docs", "--json"], in: workspace).stdout)["hits"] as? [[String: Any]] ?? []
    }
    func first(_ question: String) throws -> [String: Any]? { try hits(question).first }
    let howTo = try hits("add a --version option to my tool")
    #expect(howTo.first?["ref"] as? String == "docs/options.md#version-option", "\(howTo)")
    let notes = try #require(howTo.first { $0["ref"] as? String == "CHANGES.md#version-820" })
    #expect((notes["why"] as? [String])?.contains { $0.contains("ranked below guides") } == true, "\(notes)")
    #expect((howTo.first?["why"] as? [String])?.contains { $0.contains("release notes") } == false)
    let when = try #require(try first("which version added the --version option"))
    #expect(when["ref"] as? String == "CHANGES.md#version-820", "\(when)")
    #expect((when["why"] as? [String])?.contains { $0.contains("release notes") } == true, "\(when)")
  }

  /// A code source on the whole repository and a docs source on its docs/: a guide is shown
  /// once, as document sections, not also as a code chunk. Without a docs source it stays code.
  @Test func aGuideBothSourcesHoldIsShownOnceAsADocument() throws {
    let scratch = ScratchDirectory()
    let workspace = try indexedWorkspace(
      [
        "repo/src/retry.py": "def retry_request(url, attempts=3):\n    \"\"\"Retry a request with backoff.\"\"\"\n    return url\n",
        "repo/docs/retries.md": "# Retries\n\n## Backoff between attempts\n\nCall `retry_request` to retry a request with exponential backoff between attempts.\n",
      ], connectors: ["code.yaml": "kind: code\npath: ../repo\nuse_git: false\n", "docs.yaml": "kind: docs\npath: ../repo/docs\n"], in: scratch)
    func layers(_ question: String) throws -> [String: [[String: Any]]] {
      let bundle = try json(try CtxBinary.run(["query", question, "--json"], in: workspace).stdout)
      return (bundle["layers"] as? [String: [[String: Any]]]) ?? [:]
    }
    let both = try layers("exponential backoff between attempts")
    #expect(both["docs"]?.contains { $0["path"] as? String == "retries.md" } == true, "\(both)")
    #expect(both["code"]?.contains { ($0["path"] as? String)?.hasSuffix(".md") == true } != true, "\(both)")
    // Without the docs source the guide is the code source's file, and shown as such.
    try FileManager.default.removeItem(atPath: workspace + "/connectors/docs.yaml")
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let codeOnly = try layers("exponential backoff between attempts")
    #expect(codeOnly["code"]?.contains { $0["path"] as? String == "docs/retries.md" } == true, "\(codeOnly)")
  }

  /// A file the last run read and left out (a document that does not parse, a direct message
  /// skipped by default) is that run's problem or skip, not "behind": `ctx status` said
  /// `stale` for ever after such a run. A file that arrives later still is behind.
  @Test func filesARunReadAndLeftOutAreNotBehind() throws {
    let scratch = ScratchDirectory()
    func discord(_ type: String, _ name: String, _ text: String) -> String {
      """
      {"guild": {"id": "900", "name": "Acme"}, "channel": {"id": "\(name.count)", "type": "\(type)", "category": "", "categoryId": "", "name": "\(name)", "topic": null},
       "messages": [{"id": "1191682297036800000", "type": "Default", "timestamp": "2024-01-02T10:00:00.000+00:00", "timestampEdited": null,
        "content": "\(text)", "author": {"id": "1", "name": "ada", "nickname": null, "isBot": false}, "attachments": [], "embeds": [], "mentions": []}]}
      """
    }
    try scratch.write([
      "docs/good.md": "# Good\n\nText.\n",
      "docs/bad.md": "---\ntitle: [unclosed\n---\n# Bad\n",
      "discord/backend.json": discord("GuildTextChat", "backend", "the blorptastic leak"),
      "discord/dm-bo.json": discord("DirectTextChat", "bo", "a private word"),
    ])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.remove("ws/connectors/code.yaml")
    try scratch.write([
      "ws/connectors/docs.yaml": "kind: docs\npath: ../docs\n",
      "ws/connectors/discord.yaml": "kind: chat\nformat: discord-json\npath: ../discord\n",
    ])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 3, "the document that does not parse is a problem: \(index.stdout)")
    func states() throws -> [String: String] {
      let status = try json(try CtxBinary.run(["status", "--json"], in: workspace).stdout)
      var result: [String: String] = [:]
      for source in status["sources"] as? [[String: Any]] ?? [] { result[source["name"] as? String ?? ""] = source["state"] as? String }
      return result
    }
    #expect(try states() == ["docs": "fresh", "discord": "fresh"])
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)

    try scratch.write(["docs/new.md": "# New\n\nText.\n", "discord/ops.json": discord("GuildTextChat", "ops", "a new channel")])
    #expect(try states() == ["docs": "stale", "discord": "stale"])
  }

  /// A public channel left out by `channels:` is said to be that, not "private by default".
  @Test func channelsLeftOutByTheListAreNamedAsSuch() throws {
    let scratch = ScratchDirectory()
    let lines = [
      #"{"channel": "general", "ts": "1704189600.000100", "author": "ada", "text": "deploy at noon"}"#,
      #"{"channel": "random", "ts": "1704189700.000100", "author": "bo", "text": "lunch?"}"#,
    ]
    try scratch.write(["chat/team.jsonl": lines.joined(separator: "\n") + "\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.remove("ws/connectors/code.yaml")
    try scratch.write(["ws/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: ../chat\nchannels: [general]\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("skipped 1 public conversation(s) not named in `channels:`"), "\(index.stdout)")
    #expect(!index.stdout.contains("private by default"), "\(index.stdout)")
  }

  @Test func privateConversationsNeverReachTheIndex() throws {
    let scratch = ScratchDirectory()
    try copyFixture("CtxConnectorChatTests/Fixtures/slack", to: scratch.path + "/export")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.remove("ws/connectors/code.yaml")
    try scratch.write(["ws/connectors/slack.yaml": "kind: chat\nformat: slack-export\npath: ../export\n"])
    let index = try CtxBinary.run(["index", "--json"], in: workspace)
    #expect(index.status == 3)  // the export has one malformed day file, named in the report
    let source = try #require((try json(index.stdout)["sources"] as? [[String: Any]])?.first)
    let skipped = try #require((source["chat"] as? [String: Any])?["skipped_conversations"] as? [String: Int])
    #expect(skipped == ["private": 1, "dm": 1, "mpim": 1, "unlisted": 1])
    #expect((source["problems"] as? [[String: Any]])?.first?["path"] as? String == "engineering/2024-01-04.json")
    let human = try CtxBinary.run(["index", "--full"], in: workspace)
    #expect(human.stdout.contains("skipped 1 private conversation(s)"), "\(human.stdout)")
    // Not one byte of a skipped conversation is anywhere in the index files.
    let bytes = try indexBytes(workspace)
    for marker in ["ZEBRA", "acquisition", "salary", "surprise party", "no manifest lists"] {
      #expect(bytes.range(of: Data(marker.utf8)) == nil, "found \(marker) in the index")
    }
    #expect(bytes.range(of: Data("Final draft".utf8)) != nil)  // public text is there

    let search = try json(try CtxBinary.run(["search", "expire sessions thoughts", "--layer", "chat", "--json"], in: workspace).stdout)
    let hit = try #require((search["hits"] as? [[String: Any]])?.first)
    #expect(hit["layer"] as? String == "chat")
    #expect(hit["channel"] as? String == "general")
    #expect(hit["thread"] as? String == "1704186100.000200")
    #expect(hit["ref"] as? String == "thread:general/1704186100.000200")
    #expect(hit["author"] as? String == "ada")
    // The edited message counts once, with its final text: the first draft is nowhere.
    #expect(bytes.range(of: Data("last forever".utf8)) == nil)
    let query = try CtxBinary.run(["query", "how should sessions expire"], in: workspace)
    #expect(query.stdout.contains("## Discussions"), "\(query.stdout)")
    #expect(query.stdout.contains("> ada (2024-01-02): How should we expire sessions?"), "\(query.stdout)")
  }

  @Test func newerAndOverlappingExportsAddOnlyWhatIsNew() throws {
    let scratch = ScratchDirectory()
    let export = scratch.path + "/export"
    try copyFixture("CtxConnectorChatTests/Fixtures/slack", to: export)
    // The first export stops on January 2nd; the later day file arrives with the next one.
    let later = scratch.path + "/later-2024-01-03.json"
    try FileManager.default.moveItem(atPath: export + "/general/2024-01-03.json", toPath: later)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.remove("ws/connectors/code.yaml")
    try scratch.write(["ws/connectors/slack.yaml": "kind: chat\nformat: slack-export\npath: ../export\n"])
    func chatCounts() throws -> [String: Any] {
      let run = try CtxBinary.run(["index", "--json"], in: workspace)
      let source = try #require((try json(run.stdout)["sources"] as? [[String: Any]])?.first)
      return try #require(source["chat"] as? [String: Any])
    }
    let first = try chatCounts()
    let firstAdded = try #require(first["messages_added"] as? Int)
    #expect(firstAdded > 0)
    try FileManager.default.moveItem(atPath: later, toPath: export + "/general/2024-01-03.json")
    // ctx status sees the newer export before it is indexed.
    let status = try json(try CtxBinary.run(["status", "--json"], in: workspace).stdout)
    let chat = try #require((status["sources"] as? [[String: Any]])?.first)
    #expect(chat["state"] as? String == "stale" && chat["pending_export_files"] as? Int == 1, "\(chat)")
    let second = try chatCounts()
    #expect(second["messages_added"] as? Int == 2)  // a reply and an unknown-subtype message
    #expect(second["messages_updated"] as? Int == 1)  // the edit of an earlier message
    // The same export again: nothing is read, nothing is added.
    let third = try chatCounts()
    #expect(third["messages_added"] as? Int == 0 && third["conversations"] as? Int == 0)
    // An overlapping export (a full re-export in another folder) duplicates nothing.
    try copyFixture("CtxConnectorChatTests/Fixtures/slack", to: scratch.path + "/reexport")
    try scratch.write(["ws/connectors/slack.yaml": "kind: chat\nformat: slack-export\npath: ../reexport\n"])
    let fourth = try chatCounts()
    #expect(fourth["messages_added"] as? Int == 0, "\(fourth)")
    let replies = try json(try CtxBinary.run(["search", "rotation", "--layer", "chat", "--json"], in: workspace).stdout)
    #expect((replies["hits"] as? [[String: Any]])?.count == 1)
  }
}

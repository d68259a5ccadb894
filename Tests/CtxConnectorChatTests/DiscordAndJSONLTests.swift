import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

@Suite struct DiscordExportTests {
  @Test func repliesBecomeOneThread() async throws {
    let result = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: Fixture.path("discord")))
    #expect(result.conversations.map(\.name) == ["backend"])
    let messages = result.messages(in: "backend")
    #expect(messages.count == 4)  // the join and the bot message are skipped
    let root = try #require(messages.first { $0.text.contains("SessionCache") })
    #expect(root.text == "Should `SessionCache` evict on logout? @bobb")
    #expect(root.author == "Ada")
    #expect(root.ts == "1704189600.123001")
    #expect(root.mentions.identifiers == ["SessionCache"])

    let threads = result.threads
    let thread = try #require(threads.first { $0.threadTS == root.ts })
    // A reply to a reply joins the same thread.
    #expect(thread.messages.map(\.author) == ["Ada", "bobb", "Ada"])
    #expect(thread.messages[1].edited)
    #expect(thread.messages[1].mentions.paths == ["src/cache/session_cache.go"])
    #expect(thread.messages[2].text == "And the log is attached\n[file: evict.log (https://cdn.discordapp.com/attachments/1/2/evict.log)]")
    #expect(thread.participants == ["Ada", "bobb"])
    #expect(threads.count == 2)
    #expect(messages.allSatisfy { $0.channelID == "1190000000000000001" && $0.messageID != nil })
  }

  @Test func directMessagesAreSkippedUnlessNamed() async throws {
    let result = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: Fixture.path("discord")))
    #expect(result.skippedConversations == [.directMessage: 1])
    #expect(!allStrings(in: result).contains { $0.contains("ZEBRA") })
    #expect(!result.fileStamps.contains { $0.path.contains("dm-bobb") })

    let named = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: Fixture.path("discord"), includeDMs: ["bobb"]))
    #expect(named.message(containing: "ZEBRADISCORDDM")?.conversationKind == .directMessage)
  }

  @Test func singleFileAndBots() async throws {
    var config = ChatOptions(format: .discordJSON, path: Fixture.path("discord/backend.json"))
    config.includeBots = true
    config.keepSubtypes = ["GuildMemberJoin"]
    let result = try await ChatExportReader.read(config: config)
    #expect(result.messages.count == 6)
    #expect(result.message(containing: "Joined the server")?.subtype == "GuildMemberJoin")
    #expect(result.fileStamps.map(\.path) == ["backend.json"])
  }

  @Test func notAnExportIsAnIssue() async throws {
    let scratch = ScratchDirectory()
    try scratch.write(["export/other.json": #"{"hello": "world"}"#, "export/bad.json": "{", "export/ok.json": try String(contentsOfFile: Fixture.path("discord/backend.json"), encoding: .utf8)])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: scratch.path + "/export"))
    #expect(result.issues(for: "other.json").first?.kind == .parseFailed)
    #expect(result.issues(for: "bad.json").first?.kind == .parseFailed)
    #expect(result.messages.count == 4)
  }
}

@Suite struct JSONLExportTests {
  @Test func readsLinesIntoThreads() async throws {
    let result = try await ChatExportReader.read(config: ChatOptions(format: .jsonl, path: Fixture.path("jsonl")))
    let support = result.messages(in: "support")
    #expect(support.count == 3)
    let root = try #require(support.first { $0.ts == "1704189600.000100" })
    // The later line with the same channel and ts is the edited version.
    #expect(root.text.contains("3.2 deploy"))
    #expect(root.edited)
    #expect(root.mentions.identifiers == ["TokenExpired"])
    #expect(support.first { $0.author == "bob" }?.mentions.commits == ["1a2b3c4d"])
    // An ISO time becomes a Slack-shaped ts.
    #expect(support.first { $0.author == "cy" }?.ts == "1704189900.000000")
    let thread = try #require(result.threads.first { $0.channel == "support" })
    #expect(thread.messages.map(\.author) == ["ada", "bob", "cy"])
    #expect(result.message(containing: "numeric ts")?.ts == "1704189900.250000")
  }

  @Test func privateLinesAndBadLines() async throws {
    let result = try await ChatExportReader.read(config: ChatOptions(format: .jsonl, path: Fixture.path("jsonl/messages.jsonl")))
    #expect(result.skippedConversations == [.privateChannel: 1, .directMessage: 1])
    #expect(!allStrings(in: result).contains { $0.contains("ZEBRA") })
    let issue = try #require(result.issues(for: "messages.jsonl").first)
    #expect(issue.message.hasPrefix("line 5:"))

    let named = try await ChatExportReader.read(config: ChatOptions(format: .jsonl, path: Fixture.path("jsonl"), includePrivate: ["hr-private"]))
    #expect(named.message(containing: "ZEBRAJSONLPRIVATE")?.conversationKind == .privateChannel)
    #expect(named.message(containing: "ZEBRAJSONLDM") == nil)
  }
}

@Suite struct ChatPartsTests {
  @Test(arguments: [
    ("1704186100.000200", "1704186100.000300", true),
    ("1704186100.000300", "1704186100.000200", false),
    ("999999999.9", "1000000000.0", true),
    ("1704186100.1", "1704186100.000200", false),
    ("1704186100", "1704186100.000001", true),
    ("not-a-ts", "1704186100.0", false),
  ])
  func timestampsSortNumerically(a: String, b: String, before: Bool) {
    #expect(ChatTimestamp.isBefore(a, b) == before)
  }

  @Test func threadsPutTheRootFirst() {
    func message(_ ts: String, thread: String, author: String) -> ChatMessage {
      ChatMessage(channel: "c", channelID: nil, conversationKind: .publicChannel, ts: ts, threadTS: thread, author: author, authorID: nil, text: ts, file: "f")
    }
    let threads = ChatThreads.build([
      message("3.0", thread: "1.0", author: "b"), message("1.0", thread: "1.0", author: "a"), message("2.0", thread: "1.0", author: "b"),
      message("0.5", thread: "0.5", author: "c"), message("2.5", thread: "9.0", author: "d"),
    ])
    #expect(threads.map(\.threadTS) == ["0.5", "1.0", "9.0"])
    #expect(threads[1].messages.map(\.ts) == ["1.0", "2.0", "3.0"])
    #expect(threads[1].participants == ["a", "b"])
    // A thread whose root is not in the export still groups its replies.
    #expect(threads[2].messages.map(\.ts) == ["2.5"])
    #expect(threads[2].firstTS == "2.5")
  }
}

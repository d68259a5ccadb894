import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

@Suite struct SlackExportTests {
  func options(_ path: String = Fixture.path("slack")) -> ChatOptions {
    ChatOptions(format: .slackExport, path: path)
  }

  @Test func readsPublicChannelsIntoThreads() async throws {
    let result = try await ChatExportReader.read(config: options())
    #expect(Set(result.conversations.map(\.name)) == ["general", "engineering"])
    #expect(result.conversations.allSatisfy { $0.kind == .publicChannel })

    let threads = result.threads.filter { $0.channel == "general" }
    let sessions = try #require(threads.first { $0.threadTS == "1704186100.000200" })
    // Root first, replies by ts, a reply from the next day's file included.
    #expect(sessions.messages.map(\.ts) == ["1704186100.000200", "1704186200.000300", "1704272600.000100"])
    #expect(sessions.participants == ["ada", "Bob Builder", "cy"])
    #expect(sessions.firstTS == "1704186100.000200")
    #expect(sessions.lastTS == "1704272600.000100")
    #expect(sessions.ref == "thread:general/1704186100.000200")
    #expect(sessions.channelID == "C01GENERAL")

    let root = sessions.messages[0]
    #expect(root.isThreadRoot)
    #expect(root.key == "C01GENERAL/1704186100.000200")
    #expect(root.text.contains("@Bob Builder thoughts?"))
    #expect(root.text.contains("See #engineering."))
    #expect(root.mentions.identifiers.contains("validateSession"))
    #expect(root.mentions.paths.contains("src/auth/session.ts"))
    #expect(root.authorID == "U01ADA")

    let late = sessions.messages[2]
    #expect(late.file == "general/2024-01-03.json")
    #expect(late.mentions.commits == ["4f2a9c1"])
    #expect(Set(late.mentions.issues) == ["AUTH-17", "#42"])
  }

  @Test func rendersSlackMarkup() async throws {
    let result = try await ChatExportReader.read(config: options())
    let reply = try #require(result.message(containing: "Agreed"))
    #expect(reply.text == "Agreed & let's keep tokens <24h. Details in the auth wiki (https://wiki.example.com/auth?page=sessions) and https://example.com/plain.")
    #expect(result.message(containing: "standup")?.text == "@here standup moved to 10:00")
  }

  @Test func skipsNoiseKeepsUnknownSubtypesAndAppliesEdits() async throws {
    let result = try await ChatExportReader.read(config: options())
    let general = result.messages(in: "general")
    #expect(!general.contains { $0.text.contains("has joined") || $0.text.contains("has left") })
    #expect(!general.contains { $0.text.contains("set the channel topic") })
    #expect(!general.contains { $0.text.contains("Deploy 42") })
    #expect(general.first { $0.text.contains("unknown subtype") }?.subtype == "weird_new_subtype")
    // A subtype with no text is dropped, never a crash.
    #expect(!general.contains { $0.subtype == "weird_empty_subtype" })

    #expect(result.message(containing: "Typo fixed")?.edited == true)
    // message_changed in the next day's file: counted once, with its final text.
    let drafts = general.filter { $0.ts == "1704186800.000900" }
    #expect(drafts.count == 1)
    #expect(drafts.first?.text == "Final draft: sessions expire after 24 hours")
    #expect(drafts.first?.edited == true)
    #expect(drafts.first?.author == "cy")
    #expect(!general.contains { $0.text.contains("last forever") })
  }

  @Test func optionsKeepBotsAndNoise() async throws {
    var config = options()
    config.includeBots = true
    config.keepSubtypes = ["channel_topic"]
    let result = try await ChatExportReader.read(config: config)
    #expect(result.message(containing: "Deploy 42")?.author == "deploybot")
    #expect(result.message(containing: "Deploy 42")?.subtype == "bot_message")
    #expect(result.message(containing: "set the channel topic") != nil)
    #expect(result.message(containing: "has joined") == nil)
  }

  @Test func fileLinksLoseTheirTokens() async throws {
    let result = try await ChatExportReader.read(config: options())
    let message = try #require(result.message(containing: "Here is the diagram"))
    #expect(message.text.contains("[file: sessions.png (https://example.slack.com/files/U01ADA/F01DIAGRAM/sessions.png)]"))
    #expect(!allStrings(in: result.messages).contains { $0.contains("xoxe") || $0.contains("SECRETTOKEN") })
  }

  @Test func malformedDayFileIsAnIssueAndTheRestIsRead() async throws {
    let result = try await ChatExportReader.read(config: options())
    let issue = try #require(result.issues(for: "engineering/2024-01-04.json").first)
    #expect(issue.kind == .parseFailed)
    #expect(issue.message.contains("line "))
    #expect(result.messages(in: "engineering").count == 2)
    #expect(result.message(containing: "IndexStore.write")?.mentions.identifiers.contains("IndexStore.write") == true)
    #expect(result.message(containing: "IndexStore.write")?.mentions.paths.contains("docs/adr/0003-use-fts5.md") == true)
    #expect(result.message(containing: "FTS5 rebuild")?.mentions.commits == ["9fceb02"])
  }

  /// The privacy contract: nothing from a private channel, DM, group DM or unlisted folder
  /// exists in any value the reader produces, and their files are never opened.
  @Test func skippedConversationsLeaveNoTrace() async throws {
    let log = EventLog()
    try await ChatExportReader.crawl(config: options(), into: log)
    let collected = try await ChatExportReader.read(config: options())
    let strings = allStrings(in: log.events) + allStrings(in: collected) + allStrings(in: collected.threads)
    #expect(!strings.isEmpty)
    for marker in ["ZEBRA", "acquisition", "salary", "surprise party", "no manifest lists"] {
      #expect(!strings.contains { $0.contains(marker) }, "found \(marker)")
    }
    #expect(collected.skippedConversations == [.privateChannel: 1, .directMessage: 1, .groupDirectMessage: 1, .unlisted: 1])
    #expect(collected.skippedNames[.privateChannel] == ["secret-plans"])
    #expect(collected.skippedNames[.directMessage] == ["D01DIRECT"])
    #expect(collected.skippedNames[.groupDirectMessage] == ["mpdm-ada--bob--cy-1"])
    #expect(collected.skippedNames[.unlisted] == ["random-unlisted"])
    // secret-plans/2024-01-03.json is malformed: had it been opened, there would be an issue.
    let touched = collected.issues.compactMap(\.path) + collected.fileStamps.map(\.path)
    for folder in ["secret-plans", "D01DIRECT", "mpdm-ada--bob--cy-1", "random-unlisted"] {
      #expect(!touched.contains { $0.hasPrefix(folder + "/") })
    }
  }

  @Test func privateConversationsAreReadOnlyWhenNamed() async throws {
    var config = options()
    config.includePrivate = ["secret-plans"]
    config.includeDMs = ["bob"]  // a member's user name selects the DM
    config.includeGroupDMs = ["G02MPIM"]
    config.includeUnlisted = ["random-unlisted"]
    let result = try await ChatExportReader.read(config: config)
    #expect(result.message(containing: "ZEBRAPRIVATE")?.conversationKind == .privateChannel)
    #expect(result.message(containing: "ZEBRADIRECT")?.conversationKind == .directMessage)
    #expect(result.message(containing: "ZEBRAGROUP")?.channelID == "G02MPIM")
    #expect(result.message(containing: "ZEBRAUNLISTED")?.conversationKind == .unlisted)
    #expect(result.skipped.isEmpty)
    // Now the malformed private day file is read, and reported.
    #expect(result.issues(for: "secret-plans/2024-01-03.json").first?.kind == .parseFailed)
  }

  @Test func channelsOptionRestrictsPublicChannelsAndNeverOpensPrivateOnes() async throws {
    var config = options()
    config.channels = ["#engineering", "secret-plans", "nope"]
    let result = try await ChatExportReader.read(config: config)
    #expect(Set(result.messages.map(\.channel)) == ["engineering"])
    #expect(result.skippedConversations[.notSelected] == 1)
    #expect(result.skippedConversations[.privateChannel] == 1)
    #expect(result.message(containing: "ZEBRA") == nil)
    #expect(result.issues.contains { $0.message.contains("`secret-plans`, which is not public") })
    #expect(result.issues.contains { $0.message.contains("`nope`, which is not a channel") })
  }

  @Test func unchangedFilesAreNotReadAgain() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("slack", into: scratch)
    let first = try await ChatExportReader.read(config: options(export))
    #expect(Set(first.fileStamps.map(\.path)) == ["general/2024-01-02.json", "general/2024-01-03.json", "engineering/2024-01-02.json"])

    let second = try await ChatExportReader.read(config: options(export), knownFiles: first.known)
    #expect(second.messages.isEmpty)
    #expect(Set(second.unchanged) == Set(first.fileStamps.map(\.path)))

    // Touched but identical: restamped, not parsed.
    let touched = export + "/general/2024-01-03.json"
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_800_000_000)], ofItemAtPath: touched)
    // Changed: read again, alone.
    let changed = export + "/engineering/2024-01-02.json"
    let text = try String(contentsOfFile: changed, encoding: .utf8).replacingOccurrences(of: "Nice.", with: "Great.")
    try text.write(toFile: changed, atomically: true, encoding: .utf8)
    let third = try await ChatExportReader.read(config: options(export), knownFiles: first.known)
    #expect(third.restamped.keys.sorted() == ["general/2024-01-03.json"])
    #expect(third.unchanged == ["general/2024-01-02.json"])
    #expect(third.fileStamps.map(\.path) == ["engineering/2024-01-02.json"])
    #expect(third.messages.map(\.ts) == ["1704190000.000100", "1704190100.000200"])
    #expect(third.message(containing: "Great.") != nil)
  }

  @Test func missingUsersKeepsIdsWithAWarning() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("slack", into: scratch)
    try FileManager.default.removeItem(atPath: export + "/users.json")
    let result = try await ChatExportReader.read(config: options(export))
    #expect(result.issues(for: "users.json").first?.kind == .unreadable)
    #expect(result.message(containing: "Here is the diagram")?.author == "U01ADA")
    #expect(result.message(containing: "How should we expire")?.text.contains("@U02BOB thoughts?") == true)
  }

  @Test func missingChannelsManifestReadsNothing() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("slack", into: scratch)
    try FileManager.default.removeItem(atPath: export + "/channels.json")
    let result = try await ChatExportReader.read(config: options(export))
    #expect(result.messages.isEmpty)
    #expect(result.skippedConversations[.unlisted] == 3)
    #expect(result.issues(for: "channels.json").first != nil)
  }

  @Test func hugeMessagesAreTruncatedWithAMarker() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("slack", into: scratch)
    let body = String(repeating: "é long line of text ", count: 6000)  // ~126 KB
    let json = try JSONSerialization.data(withJSONObject: [["type": "message", "user": "U01ADA", "ts": "1704400000.000100", "text": body]])
    try json.write(to: URL(fileURLWithPath: export + "/general/2024-01-05.json"))
    let result = try await ChatExportReader.read(config: options(export))
    let message = try #require(result.messages.first { $0.ts == "1704400000.000100" })
    #expect(message.text.utf8.count < 66 * 1024)
    #expect(message.text.hasSuffix("more bytes not indexed]"))
    #expect(message.text.hasPrefix("é long line"))
    #expect(result.issues(for: "general/2024-01-05.json").first?.kind == .tooLarge)
  }

  /// Odd shapes and wrong types are skipped or tolerated, never a crash.
  @Test func oddMessagesNeverCrash() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("slack", into: scratch)
    let odd = """
      [
        {"type": "message", "user": "U01ADA", "ts": 1704500000.5, "text": 42},
        {"type": "message", "user": ["U01ADA"], "ts": "1704500001.000100", "text": "odd user", "files": "nope", "attachments": [1, "x", {"fallback": "fallback text"}]},
        {"type": "message", "ts": "1704500002.000100", "text": "ref <#G01SECRET> and <#C02ENGINEER> and <@U99NOBODY|ghost> <broken"},
        {"type": "message", "subtype": "message_changed", "message": "not an object"},
        {"type": "message", "subtype": "message_deleted", "deleted_ts": "1704500003.000100"},
        {"type": "message", "user": "U01ADA", "ts": "1704500004.000100", "text": "to be deleted"},
        {"type": "message", "subtype": "message_deleted", "deleted_ts": "1704500004.000100"},
        {"type": "message", "user": "U01ADA", "text": "no ts"},
        "not an object",
        null,
        {"type": "presence_change", "ts": "1704500005.000100", "text": "not a message"}
      ]
      """
    try odd.write(toFile: export + "/general/2024-01-10.json", atomically: true, encoding: .utf8)
    try "{\"not\": \"an array\"}".write(toFile: export + "/general/2024-01-11.json", atomically: true, encoding: .utf8)
    let result = try await ChatExportReader.read(config: options(export))
    let day = result.messages.filter { $0.file == "general/2024-01-10.json" }
    #expect(day.map(\.text).contains("odd user\n> fallback text"))
    let refs = try #require(day.first { $0.text.hasPrefix("ref") })
    // A private channel id is never resolved to its name; public ones are.
    #expect(refs.text == "ref #G01SECRET and #engineering and @ghost <broken")
    #expect(!day.contains { $0.text.contains("to be deleted") || $0.text.contains("not a message") })
    #expect(result.issues(for: "general/2024-01-10.json").map(\.message) == ["4 item(s) are not messages (no `ts`, or not an object); skipped"])
    #expect(result.issues(for: "general/2024-01-11.json").first?.kind == .parseFailed)
  }

  @Test func starNamesEveryConversationOfAKind() async throws {
    var config = options()
    config.includeDMs = ["*"]
    let result = try await ChatExportReader.read(config: config)
    #expect(result.message(containing: "ZEBRADIRECT") != nil)
    #expect(result.message(containing: "ZEBRAPRIVATE") == nil)
    #expect(result.skippedConversations == [.privateChannel: 1, .groupDirectMessage: 1, .unlisted: 1])
  }

  @Test func wrappedExportFolderIsFound() async throws {
    let scratch = ScratchDirectory()
    _ = try Fixture.copy("slack", into: scratch, as: "outer/My Workspace Slack export")
    let result = try await ChatExportReader.read(config: options(scratch.path + "/outer"))
    #expect(Set(result.conversations.map(\.name)) == ["general", "engineering"])
    #expect(result.fileStamps.contains { $0.path == "general/2024-01-02.json" })
  }

  @Test func tenThousandMessagesStreamPerConversation() async throws {
    let scratch = ScratchDirectory()
    var channels: [[String: Any]] = []
    for channel in 0..<10 {
      channels.append(["id": "C\(channel)", "name": "chan-\(channel)"])
      for day in 0..<10 {
        var messages: [[String: Any]] = []
        for index in 0..<100 {
          let ts = String(format: "%d.%06d", 1_704_000_000 + day * 86_400 + index, index)
          messages.append(["type": "message", "user": "U01ADA", "ts": ts, "text": "message \(index) about `parseConfig` in chan-\(channel)"])
        }
        try scratch.writeBytes("export/chan-\(channel)/2024-02-\(String(format: "%02d", day + 1)).json", Array(try JSONSerialization.data(withJSONObject: messages)))
      }
    }
    try scratch.writeBytes("export/channels.json", Array(try JSONSerialization.data(withJSONObject: channels)))
    try scratch.write(["export/users.json": #"[{"id": "U01ADA", "name": "ada"}]"#])
    let log = EventLog()
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
      try await ChatExportReader.crawl(config: options(scratch.path + "/export"), into: log)
    }
    let batches = log.events.compactMap { if case .batch(let batch) = $0 { batch } else { nil } }
    #expect(batches.count == 10)
    #expect(batches.allSatisfy { $0.messages.count == 1000 && $0.files.count == 10 })
    #expect(elapsed < .seconds(30))
  }
}

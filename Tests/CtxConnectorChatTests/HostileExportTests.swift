@testable import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// Exports written to disk by hand, shaped like what breaks readers: markup that never closes,
/// times that are not times, the side files of current Slack exports, values of the wrong type.
@Suite struct HostileExportTests {
  static let channels = #"[{"id": "C1", "name": "general"}, {"id": "C2", "name": "random"}]"#
  static let users = #"[{"id": "U1", "name": "ada"}, {"id": "U123", "name": "ada.l", "profile": {"display_name": "ada"}}]"#

  /// A Slack export in a scratch folder: manifests plus `files` (relative path → contents).
  func slackExport(_ scratch: ScratchDirectory, _ files: [String: String], groups: String = "[]") throws -> String {
    var all = ["export/channels.json": HostileExportTests.channels, "export/users.json": HostileExportTests.users, "export/groups.json": groups]
    for (path, text) in files { all["export/" + path] = text }
    try scratch.write(all)
    return scratch.path + "/export"
  }

  func json(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
  }

  // MARK: Markup (issue: quadratic in unclosed `<`)

  /// CPU seconds `body` takes on this thread: tests run in parallel on few cores, so wall
  /// time would measure the neighbours too.
  func cpuSeconds(_ body: () -> Void) -> Double {
    func now() -> Double {
      var spec = timespec()
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
      return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
    let start = now()
    body()
    return now() - start
  }

  @Test func markupRenderingIsLinear() {
    let unit = "<@U1 <#C1 <http <"
    let mixed = String(repeating: unit, count: (1 << 20) / unit.utf8.count + 1)
    var rendered = ""
    let seconds = cpuSeconds { rendered = SlackText.render(mixed, users: ["U1": "ada"], channelNames: [:]) }
    #expect(seconds < 2, "rendering 1 MiB of unclosed `<` took \(seconds) s")
    #expect(rendered == mixed)
    let mentions = String(repeating: "<@", count: 32 * 1024)
    #expect(cpuSeconds { rendered = SlackText.render(mentions, users: [:], channelNames: [:]) } < 0.5)
    #expect(rendered == mentions)
    let links = String(repeating: "http://a.example/?t=1 hhhh ", count: 40_000)
    #expect(cpuSeconds { rendered = URLScrub.scrubText(links) } < 2)
    #expect(rendered == String(repeating: "http://a.example/ hhhh ", count: 40_000))
    let discord = String(repeating: "<@1 <#2 <", count: 120_000)
    #expect(cpuSeconds { rendered = DiscordExportReader.render(discord, names: [:]) } < 2)
    #expect(rendered == discord)
  }

  /// The same through a real export file (wall time, with room for parallel tests: the old
  /// code took minutes).
  @Test func unclosedAngleBracketsRenderInLinearTime() async throws {
    let scratch = ScratchDirectory()
    let unit = "<@U1 <#C1 <http <"
    let text = String(repeating: unit, count: (1 << 20) / unit.utf8.count + 1)
    #expect(text.utf8.count > 1 << 20)
    let message: [String: Any] = ["type": "message", "ts": "1704186100.000100", "user": "U1", "text": text]
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json([message])])
    // The whole message is rendered, then cut at max_message_bytes (64 KiB).
    let started = ContinuousClock.now
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    let elapsed = ContinuousClock.now - started
    #expect(elapsed < .seconds(10), "reading a 1 MiB message of unclosed `<` took \(elapsed)")
    // Unclosed `<` is plain text: nothing dropped, nothing invented.
    let read = try #require(result.messages.first)
    #expect(read.text.hasPrefix(String(text.prefix(60_000))))
    #expect(read.text.hasSuffix("more bytes not indexed]"))
  }

  @Test(arguments: [
    ("<@U123|ada> and <@U1>", "@ada and @ada"),
    ("see <#C1|general> and <#C2>", "see #general and #random"),
    ("<https://x.example/a|label> or <https://x.example/b>", "label (https://x.example/a) or https://x.example/b"),
    ("<!here> <!subteam^S1|@team>", "@here @team"),
    ("a < b <@U1> c > d &lt;tag&gt; &amp;", "a < b @ada c > d <tag> &"),
    ("<a <@U1>", "<a @ada"),
  ])
  func normalMarkupStillRenders(raw: String, expected: String) async throws {
    let scratch = ScratchDirectory()
    let message: [String: Any] = ["type": "message", "ts": "1704186100.000100", "user": "U1", "text": raw]
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json([message])])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    #expect(result.messages.first?.text == expected)
  }

  @Test func manyLinksAreScrubbedInLinearTime() async throws {
    let scratch = ScratchDirectory()
    let text = "see hahttps://x.example/a?token=xoxb-1&page=2 " + String(repeating: "http://a.example/?t=1 hhhh " + String(repeating: "hahaha ", count: 8), count: 14_000)
    #expect(text.utf8.count > 1 << 20)
    let message: [String: Any] = ["type": "message", "ts": "1704186100.000100", "user": "U1", "text": text]
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json([message])])
    let started = ContinuousClock.now
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    #expect(ContinuousClock.now - started < .seconds(10))
    let read = try #require(result.messages.first)
    #expect(read.text.hasPrefix("see hahttps://x.example/a?page=2 http://a.example/ hhhh hahaha"))
    #expect(!read.text.contains("xoxb") && !read.text.contains("?t=1"))
  }

  @Test func discordMarkupIsLinearToo() async throws {
    let scratch = ScratchDirectory()
    let text = String(repeating: "<@1 <#2 <", count: 120_000)
    let export: [String: Any] = [
      "guild": ["id": "1", "name": "g"], "channel": ["id": "9", "type": "GuildTextChat", "name": "backend"],
      "messages": [["id": "1190000000000000100", "type": "Default", "content": text, "author": ["id": "5", "name": "ada"]]],
    ]
    try scratch.write(["backend.json": try json(export)])
    let started = ContinuousClock.now
    let result = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: scratch.path + "/backend.json"))
    #expect(ContinuousClock.now - started < .seconds(10))
    #expect(result.messages.first?.text.hasPrefix(String(text.prefix(60_000))) == true)
  }

  // MARK: Times (issue: a bad ts crashed every later query)

  static let badTimes = ["NaN", "inf", "-inf", "1e19", "1e308", "9223372036854775808", "-1.5", "253402300800.000001", "12:00"]

  @Test func slackMessagesWithoutATimeAreNamedProblems() async throws {
    let scratch = ScratchDirectory()
    var messages: [[String: Any]] = [["type": "message", "ts": "1704186100.000100", "user": "U1", "text": "good root"]]
    for (index, ts) in HostileExportTests.badTimes.enumerated() {
      messages.append(["type": "message", "ts": ts, "user": "U1", "text": "bad time \(index)"])
    }
    messages.append(["type": "message", "ts": "1704186200.000100", "thread_ts": "NaN", "user": "U1", "text": "bad thread"])
    messages.append(["type": "message", "ts": 1_704_186_300.5, "user": "U1", "text": "numeric ts"])
    messages.append(["type": "message", "ts": 1e19, "user": "U1", "text": "numeric huge"])
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json(messages)])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    #expect(result.messages.map(\.text).sorted() == ["good root", "numeric ts"])
    let problems = result.issues(for: "general/2024-01-02.json").filter { $0.kind == .parseFailed }
    #expect(problems.count == HostileExportTests.badTimes.count + 2)
    #expect(problems.contains { $0.message.hasPrefix("message 2: `ts` \"NaN\" is not a time") })
    #expect(problems.contains { $0.message.hasPrefix("message 11: `thread_ts` \"NaN\"") })
    #expect(problems.allSatisfy { $0.message.contains("skipped") })
  }

  @Test func manyBadTimesInOneFileAreCounted() async throws {
    let scratch = ScratchDirectory()
    let messages = (0..<50).map { ["type": "message", "ts": "NaN", "user": "U1", "text": "x \($0)"] as [String: Any] }
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json(messages)])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    let problems = result.issues(for: "general/2024-01-02.json")
    #expect(problems.count == 21)
    #expect(problems.last?.message.contains("50 messages") == true)
  }

  @Test func jsonlEpochUnitsAreToldByMagnitude() async throws {
    let scratch = ScratchDirectory()
    let lines = [
      #"{"channel": "c", "ts": 1704189600, "text": "seconds"}"#,
      #"{"channel": "c", "ts": 1704189600123, "text": "milliseconds"}"#,
      #"{"channel": "c", "ts": 1704189600000001, "text": "microseconds"}"#,
      #"{"channel": "c", "ts": 1704189600000002000, "text": "nanoseconds"}"#,
      #"{"channel": "c", "ts": "1704189600000003", "text": "micro string"}"#,
      #"{"channel": "c", "ts": "1704189600.000400", "text": "slack string"}"#,
      #"{"channel": "c", "ts": 1e20, "text": "too big"}"#,
      #"{"channel": "c", "ts": 1e308, "text": "far too big"}"#,
      #"{"channel": "c", "ts": -5, "text": "negative"}"#,
      #"{"channel": "c", "ts": "NaN", "text": "nan"}"#,
      #"{"channel": "c", "ts": "922337203685477580800", "text": "int64 overflow"}"#,
      #"{"channel": "c", "ts": "9223372036854775808", "text": "nanoseconds in 2262"}"#,
      #"{"channel": "c", "ts": "1969-12-31T00:00:00Z", "text": "before 1970"}"#,
      #"{"channel": "c", "ts": true, "text": "bool"}"#,
    ]
    try scratch.write(["chat.jsonl": lines.joined(separator: "\n") + "\n"])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .jsonl, path: scratch.path + "/chat.jsonl"))
    let byText = Dictionary(result.messages.map { ($0.text, $0.ts) }, uniquingKeysWith: { a, _ in a })
    #expect(byText["seconds"] == "1704189600.000000")
    #expect(byText["milliseconds"] == "1704189600.123000")
    #expect(byText["microseconds"] == "1704189600.000001")
    #expect(byText["nanoseconds"] == "1704189600.000002")
    #expect(byText["micro string"] == "1704189600.000003")
    #expect(byText["slack string"] == "1704189600.000400")
    #expect(byText["nanoseconds in 2262"]?.hasPrefix("9223372036.85477") == true)
    for rejected in ["too big", "far too big", "negative", "nan", "int64 overflow", "before 1970", "bool"] {
      #expect(byText[rejected] == nil, "\(rejected) was read")
    }
    let problems = result.issues.filter { $0.kind == .parseFailed }
    #expect(problems.count == 7)
    #expect(problems.contains { $0.message.hasPrefix("line 7: `ts`") && $0.message.contains("between 1970 and 9999") })
  }

  @Test func discordMessagesWithoutATimeAreSkipped() async throws {
    let scratch = ScratchDirectory()
    let export: [String: Any] = [
      "guild": ["id": "1", "name": "g"], "channel": ["id": "9", "type": "GuildTextChat", "name": "backend"],
      "messages": [
        ["id": "1190000000000000100", "type": "Default", "content": "good", "author": ["id": "5", "name": "ada"]],
        ["id": "NaN", "type": "Default", "content": "no time", "author": ["id": "5", "name": "ada"]],
        ["id": "1e19", "type": "Default", "timestamp": "99999-01-01T00:00:00Z", "content": "bad time", "author": ["id": "5", "name": "ada"]],
        ["id": "x", "type": "Reply", "content": "reply to nothing", "reference": ["messageId": "NaN"], "author": ["id": "5", "name": "ada"],
         "timestamp": "2024-01-02T10:00:00Z"],
      ],
    ]
    try scratch.write(["backend.json": try json(export)])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .discordJSON, path: scratch.path + "/backend.json"))
    #expect(result.messages.map(\.text).sorted() == ["good", "reply to nothing"])
    #expect(result.issues.contains { $0.kind == .parseFailed && $0.message.hasPrefix("2 message(s) have no time") })
    #expect(result.messages.allSatisfy { ChatTimestampCheck.isTime($0.threadTS) })
  }

  // MARK: Current Slack exports' side files

  @Test func sideFilesOfCurrentExportsAreReadOrSkippedByDesign() async throws {
    let scratch = ScratchDirectory()
    let canvasMeta: [String: Any] = [
      "id": "F1", "created": 1_713_738_598, "name": "Untitled", "title": "Untitled", "filetype": "quip", "user": "U1",
      "url_private_download": "https://files.slack.com/files-pri/T1-F1/download/canvas?t=xoxe-1-2-3", "shares": [["team": "T1", "channel": "C1"]],
    ]
    var canvasWithText = canvasMeta
    canvasWithText["id"] = "F2"
    canvasWithText["title"] = "Release checklist"
    canvasWithText["plain_text"] = "Bump the CANVASWORD version first"
    let huddles: [Any] = [
      "",
      ["id": "H1", "channel": "C1", "date_start": 1_704_190_000, "transcript": [["user": "U1", "text": "we agreed on HUDDLEWORD"]]],
      ["id": "H2", "channel": "G9", "date_start": 1_704_190_000, "text": "PRIVATEHUDDLE plans"],
      ["id": "H3", "channel": "C1", "date_start": "NaN", "text": "no time"],
    ]
    let path = try slackExport(
      scratch,
      [
        "general/2024-01-02.json": try json([["type": "message", "ts": "1704186100.000100", "user": "U1", "text": "hello"]]),
        "general/canvas_in_the_conversation.json": try json([canvasMeta, canvasWithText]),
        "random/canvas_in_the_conversation.json": try json([canvasMeta]),
        "random/2024-01-02.json": "[]",
        "secret/2024-01-02.json": try json([["type": "message", "ts": "1704186100.000100", "user": "U1", "text": "secret"]]),
        "canvases.json": try json([canvasMeta]),
        "file_conversations.json": "[\n\n]",
        "huddle_transcripts.json": try json(huddles),
        "lists.json": "[\n\"\"\n]",
        "integration_logs.json": try json([["user_id": 0, "user_name": "slack", "date": 1_728_658_867, "change_type": "added"]]),
      ], groups: #"[{"id": "G9", "name": "secret"}]"#)
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    let problems = result.issues.filter { $0.kind.isProblem }
    #expect(problems.isEmpty, "\(problems)")
    let excluded = Set(result.issues.filter { $0.kind == .excluded }.compactMap(\.path))
    #expect(
      excluded == [
        "canvases.json", "file_conversations.json", "lists.json", "integration_logs.json", "huddle_transcripts.json",
        "general/canvas_in_the_conversation.json", "random/canvas_in_the_conversation.json",
      ])
    let canvas = try #require(result.message(containing: "CANVASWORD"))
    #expect(canvas.text == "[canvas: Release checklist]\nBump the CANVASWORD version first")
    #expect(canvas.subtype == "canvas" && canvas.channel == "general" && canvas.ts == "1713738598.000000")
    let huddle = try #require(result.message(containing: "HUDDLEWORD"))
    #expect(huddle.text == "[huddle transcript]\nada: we agreed on HUDDLEWORD")
    #expect(huddle.channel == "general" && huddle.channelID == "C1" && huddle.isThreadRoot)
    // A private channel's transcript is not read unless the channel is.
    #expect(!allStrings(in: result).contains { $0.contains("PRIVATEHUDDLE") })
    #expect(!allStrings(in: result).contains { $0.contains("xoxe") })

    var withPrivate = ChatOptions(format: .slackExport, path: path)
    withPrivate.includePrivate = ["secret"]
    let named = try await ChatExportReader.read(config: withPrivate)
    #expect(named.message(containing: "PRIVATEHUDDLE")?.conversationKind == .privateChannel)
  }

  // MARK: Other hostile shapes

  @Test func deeplyNestedJSONIsAParseProblem() async throws {
    let scratch = ScratchDirectory()
    let depth = 200_000
    let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    let deepText = "[{\"type\": \"message\", \"ts\": \"1704186100.000100\", \"text\": " + String(repeating: "[", count: depth)
      + String(repeating: "]", count: depth) + "}]"
    let path = try slackExport(scratch, ["general/2024-01-02.json": nested, "general/2024-01-03.json": deepText])
    try scratch.write(["deep.jsonl": nested + "\n" + #"{"channel": "c", "ts": 1704189600, "text": "after"}"# + "\n"])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    #expect(result.messages.isEmpty)
    #expect(result.issues(for: "general/2024-01-02.json").count == 1)
    #expect(result.issues(for: "general/2024-01-03.json").count == 1)
    let lines = try await ChatExportReader.read(config: ChatOptions(format: .jsonl, path: scratch.path + "/deep.jsonl"))
    #expect(lines.messages.map(\.text) == ["after"])
    #expect(lines.issues.count == 1)
  }

  @Test func textOfTheWrongTypeIsNotACrash() async throws {
    let scratch = ScratchDirectory()
    let messages: [Any] = [
      ["type": "message", "ts": "1704186100.000100", "user": "U1", "text": 42],
      ["type": "message", "ts": "1704186100.000200", "user": "U1", "text": ["nested": ["x"]]],
      ["type": "message", "ts": "1704186100.000300", "user": ["U1"], "text": NSNull(), "files": "not a list", "attachments": [1, "x", NSNull()]],
      ["type": "message", "ts": ["1704186100.000400"], "user": "U1", "text": "ts is a list"],
      ["type": "message", "ts": "1704186100.000500", "user": "U1", "text": "fine", "edited": NSNull(), "thread_ts": 7],
      ["type": 5, "subtype": ["x"], "ts": "1704186100.000600", "text": "odd type"],
      NSNull(), 17, "a string",
    ]
    let path = try slackExport(scratch, ["general/2024-01-02.json": try json(messages), "users.json": #"{"not": "a list"}"#])
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    #expect(result.message(containing: "42") != nil)
    #expect(result.message(containing: "odd type") == nil)  // `type` is not "message"
    #expect(result.issues.contains { $0.path == "users.json" })
    #expect(result.issues.contains { $0.path == "general/2024-01-02.json" && $0.message.hasPrefix("4 item(s) are not messages") })
    // thread_ts 7 is 1970-01-01T00:00:07Z: a time, kept.
    #expect(result.message(containing: "fine")?.threadTS == "7")
  }

  @Test func aFileOverTheSizeLimitIsSkippedUnread() async throws {
    let scratch = ScratchDirectory()
    let path = try slackExport(scratch, ["general/2024-01-02.json": "[]"])
    // 300 MB, sparse: over the 256 MiB default, and never read.
    let big = path + "/general/2024-01-03.json"
    #expect(FileManager.default.createFile(atPath: big, contents: nil))
    let handle = try #require(FileHandle(forWritingAtPath: big))
    try handle.truncate(atOffset: 300_000_000)
    try handle.close()
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: path))
    let issue = try #require(result.issues(for: "general/2024-01-03.json").first)
    #expect(issue.kind == .tooLarge && issue.message.contains("max_file_size"))
  }
}

/// Whether a ts is a time the query side can date.
enum ChatTimestampCheck {
  static func isTime(_ ts: String) -> Bool {
    guard let seconds = Double(ts) else { return false }
    return seconds.isFinite && seconds >= 0 && seconds < 253_402_300_800
  }
}

import CtxConnectors
import CtxCore
import Foundation

/// One JSON message per line:
/// `{"channel": "general", "ts": "1700000000.000100", "author": "ada", "text": "…"}` with
/// optional `thread_ts` (or `thread`), `edited`, `channel_id`, `author_id`, `id`, `subtype`,
/// and `channel_type` (`public`, `private`, `dm`, `mpim`; or `private: true`) for privacy.
/// `ts` may be a Slack ts string, a number of seconds, or an ISO 8601 time.
struct JSONLExportReader {
  let files: ExportFiles
  var options: ChatOptions { files.options }

  /// Issues reported per file before the rest are only counted.
  static let issuesPerFile = 20

  func read(into sink: any ChatSink) async throws {
    let entries = files.source.entries.filter {
      let lower = $0.path.lowercased()
      return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json")
    }
    try await sink.accept(.listed(conversations: entries.count, files: entries.count))
    let policy = ConversationPolicy(options: options)
    var skippedSeen: Set<String> = []
    for entry in entries {
      try Task.checkCancellation()
      let path = entry.path
      switch files.load(entry, reportedPath: path) {
      case .unchanged:
        try await sink.accept(.unchanged(path: path))
      case .restamped(let stamp):
        try await sink.accept(.restamped(path: path, stamp: stamp))
      case .failed(let issue):
        try await sink.accept(.issue(issue))
      case .content(let bytes, let stamp):
        var batches: [String: (ChatConversation, ConversationState)] = [:]
        var order: [String] = []
        var badLines = 0
        var truncation = TruncationCounter()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
          var end = start
          while end < bytes.count && bytes[end] != 0x0A { end += 1 }
          lineNumber += 1
          let line = bytes[start..<end]
          start = end + 1
          guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
          let object: [String: Any]
          switch ExportFiles.parseJSON(Array(line), path: path) {
          case .success(let value as [String: Any]):
            object = value
          default:
            badLines += 1
            if badLines <= JSONLExportReader.issuesPerFile {
              try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "line \(lineNumber): not a JSON object; the line is skipped")))
            }
            continue
          }
          guard let channel = JSONValue.nonEmpty(object["channel"]), let rawTS = object["ts"] else {
            badLines += 1
            if badLines <= JSONLExportReader.issuesPerFile {
              try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "line \(lineNumber): needs `channel` and `ts`; the line is skipped")))
            }
            continue
          }
          guard let ts = JSONLExportReader.normalizeTS(rawTS) else {
            badLines += 1
            if badLines <= JSONLExportReader.issuesPerFile {
              let shown = JSONLExportReader.quoted(rawTS)
              try await sink.accept(
                .issue(CrawlIssue(kind: .parseFailed, path: path, message: "line \(lineNumber): `ts` \(shown) is not a time between 1970 and 9999; the line is skipped")))
            }
            continue
          }
          let conversation = ChatConversation(name: channel, id: JSONValue.nonEmpty(object["channel_id"]), kind: JSONLExportReader.kind(object))
          if let reason = policy.skipReason(conversation) {
            if skippedSeen.insert(conversation.key + "\u{0}" + conversation.kind.rawValue).inserted {
              try await sink.accept(.skipped(SkippedConversation(name: conversation.name, id: conversation.id, reason: reason)))
            }
            continue
          }
          let subtype = JSONValue.nonEmpty(object["subtype"])
          if let subtype, SlackExportReader.noiseSubtypes.contains(subtype), !options.keepSubtypes.contains(subtype) { continue }
          if (JSONValue.bool(object["bot"]) || subtype == "bot_message") && !options.includeBots && !options.keepSubtypes.contains("bot_message") { continue }
          var text = URLScrub.scrubText(JSONValue.string(object["text"]) ?? "")
          guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
          text = truncation.apply(text, limit: options.maxMessageBytes)
          let thread = (object["thread_ts"] ?? object["thread"]).flatMap { JSONLExportReader.normalizeTS($0) ?? JSONValue.nonEmpty($0) } ?? ts
          let author = JSONValue.nonEmpty(object["author"]) ?? JSONValue.nonEmpty(object["user"]) ?? "unknown"
          let message = ChatMessage(
            channel: channel, channelID: conversation.id, conversationKind: conversation.kind, ts: ts, threadTS: thread, author: author,
            authorID: JSONValue.nonEmpty(object["author_id"]) ?? JSONValue.nonEmpty(object["user_id"]), text: text,
            edited: JSONValue.bool(object["edited"]), subtype: subtype, messageID: JSONValue.nonEmpty(object["id"]), file: path,
            mentions: DocumentMentions.extract(from: text))
          let key = conversation.key
          if batches[key] == nil {
            batches[key] = (conversation, ConversationState())
            order.append(key)
          }
          // A later line with the same channel and ts is a newer version of the message.
          batches[key]!.1.upsert(message)
        }
        if badLines > JSONLExportReader.issuesPerFile {
          try await sink.accept(
            .issue(CrawlIssue(kind: .parseFailed, path: path, message: "\(badLines) lines in all were skipped as malformed")))
        }
        if let issue = truncation.issue(path: path, limit: options.maxMessageBytes) { try await sink.accept(.issue(issue)) }
        if order.isEmpty {
          // The file is read, even if it held nothing to index.
          try await sink.accept(.batch(ChatBatch(conversation: ChatConversation(name: path, id: nil, kind: .publicChannel), files: [stamp], messages: [])))
        }
        for (index, key) in order.enumerated() {
          guard let (conversation, state) = batches[key] else { continue }
          try await sink.accept(.batch(ChatBatch(conversation: conversation, files: index == 0 ? [stamp] : [], messages: state.messages)))
        }
      }
    }
  }

  /// A value from the export as shown in an issue: short, on one line.
  static func quoted(_ value: Any) -> String {
    let text = JSONValue.string(value).map { "\"\($0)\"" } ?? "of type \(type(of: value))"
    let line = text.replacingOccurrences(of: "\n", with: " ")
    return line.count > 40 ? String(line.prefix(40)) + "…" : line
  }

  static func kind(_ object: [String: Any]) -> ChatConversationKind {
    if JSONValue.bool(object["private"]) || JSONValue.bool(object["is_private"]) { return .privateChannel }
    switch (JSONValue.string(object["channel_type"]) ?? JSONValue.string(object["conversation_type"]) ?? "public").lowercased() {
    case "private", "group", "private_channel": return .privateChannel
    case "dm", "im", "direct", "direct_message": return .directMessage
    case "mpim", "group_dm", "mpdm": return .groupDirectMessage
    case "public", "channel", "public_channel", "": return .publicChannel
    default: return .privateChannel  // an unknown kind is treated as private: safer
    }
  }

  /// A Slack ts string (seconds in 1970...9999) as is; an epoch number, or a string of
  /// digits, as `"s.micros"` with its unit told by magnitude (`ChatTimestamp.from(epoch:)`:
  /// seconds, milliseconds, microseconds or nanoseconds); an ISO 8601 time converted to the same
  /// shape. Nil for anything else, NaN, infinities and times outside 1970...9999.
  static func normalizeTS(_ value: Any) -> String? {
    if value is Bool { return nil }  // `true` is not a time, though NSNumber would say 1
    if let number = value as? NSNumber, !(value is String) {
      return ChatTimestamp.from(epoch: number.doubleValue)
    }
    guard let text = JSONValue.nonEmpty(value) else { return nil }
    if let (seconds, _) = ChatTimestamp.parts(text), seconds < 100_000_000_000 { return ChatTimestamp.validated(text) }
    if text.count <= 20, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Double(text) {
      return ChatTimestamp.from(epoch: number)
    }
    if let micros = ChatTimestamp.microseconds(iso: text) {
      return ChatTimestamp.from(microseconds: micros)
    }
    return nil
  }
}

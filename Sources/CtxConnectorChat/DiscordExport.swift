import CtxConnectors
import CtxCore
import Foundation

/// DiscordChatExporter JSON: one channel per file,
/// `{guild, channel{id,type,category,name}, messages[…]}`.
///
/// Discord exports carry no permissions: a restricted guild channel looks public. So only
/// the channel type decides: DMs (`DirectTextChat`), group DMs (`DirectGroupTextChat`) and
/// private threads (`GuildPrivateThread`) are skipped unless named; guild channels count as
/// public. Name the channels you want with `channels:` to be safe.
struct DiscordExportReader {
  let files: ExportFiles
  var options: ChatOptions { files.options }

  /// Message types skipped as noise unless `keep_subtypes` names them.
  static let noiseTypes: Set<String> = [
    "RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange", "ChannelIconChange", "ChannelPinnedMessage", "GuildMemberJoin",
    "ThreadCreated", "GuildBoost", "GuildBoostTier1", "GuildBoostTier2", "GuildBoostTier3", "ChannelFollowAdd",
    "GuildDiscoveryDisqualified", "GuildDiscoveryRequalified", "AutoModerationAction", "GuildInviteReminder",
  ]

  func read(into sink: any ChatSink) async throws {
    let entries = files.source.entries.filter { $0.path.lowercased().hasSuffix(".json") }
    try await sink.accept(.listed(conversations: entries.count, files: entries.count))
    let policy = ConversationPolicy(options: options)
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
        let parsed = ExportFiles.parseJSON(bytes, path: path)
        guard case .success(let object) = parsed else {
          if case .failure(let issue) = parsed { try await sink.accept(.issue(issue)) }
          continue
        }
        guard let root = object as? [String: Any], let channel = JSONValue.dictionary(root["channel"]), root["messages"] is [Any] else {
          try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "not a DiscordChatExporter JSON export (no `channel` and `messages`); skipped")))
          continue
        }
        let conversation = DiscordExportReader.conversation(channel, path: path)
        // Decide before a single message is decoded.
        if let reason = policy.skipReason(conversation) {
          try await sink.accept(.skipped(SkippedConversation(name: conversation.name, id: conversation.id, reason: reason)))
          continue
        }
        let isThread = (JSONValue.string(channel["type"]) ?? "").contains("Thread")
        var truncation = TruncationCounter()
        var badTimes = 0
        let messages = decode(
          JSONValue.array(root["messages"]), conversation: conversation, isThread: isThread, file: path, truncation: &truncation, badTimes: &badTimes)
        if badTimes > 0 {
          try await sink.accept(
            .issue(
              CrawlIssue(
                kind: .parseFailed, path: path,
                message: "\(badTimes) message(s) have no time between 1970 and 9999 (neither a snowflake `id` nor a `timestamp`); skipped")))
        }
        if let issue = truncation.issue(path: path, limit: options.maxMessageBytes) { try await sink.accept(.issue(issue)) }
        try await sink.accept(.batch(ChatBatch(conversation: conversation, files: [stamp], messages: messages)))
      }
    }
  }

  static func conversation(_ channel: [String: Any], path: String) -> ChatConversation {
    let type = JSONValue.string(channel["type"]) ?? ""
    let kind: ChatConversationKind
    if type.contains("DirectGroup") || type == "GroupDM" {
      kind = .groupDirectMessage
    } else if type.contains("Direct") || type == "DM" {
      kind = .directMessage
    } else if type.contains("PrivateThread") {
      kind = .privateChannel
    } else {
      kind = .publicChannel
    }
    let fallback = (path.split(separator: "/").last.map(String.init) ?? path).replacingOccurrences(of: ".json", with: "")
    return ChatConversation(name: JSONValue.nonEmpty(channel["name"]) ?? fallback, id: JSONValue.nonEmpty(channel["id"]), kind: kind)
  }

  func decode(_ items: [Any], conversation: ChatConversation, isThread: Bool, file: String, truncation: inout TruncationCounter, badTimes: inout Int
  ) -> [ChatMessage] {
    let keep = Set(options.keepSubtypes)
    // Reply chains: message id → the id it replies to.
    var parent: [String: String] = [:]
    var timestamps: [String: String] = [:]
    badTimes = 0
    for case let item as [String: Any] in items {
      guard let id = JSONValue.nonEmpty(item["id"]) else { continue }
      if let reference = JSONValue.dictionary(item["reference"]), let target = JSONValue.nonEmpty(reference["messageId"]), target != id {
        parent[id] = target
      }
      // No time (neither a snowflake nor a `timestamp` in 1970...9999): not indexable.
      if let ts = DiscordExportReader.ts(id: id, timestamp: JSONValue.string(item["timestamp"])) { timestamps[id] = ts } else { badTimes += 1 }
    }
    func root(of id: String) -> String {
      var current = id
      var steps = 0
      while let next = parent[current], steps < 1000 {
        current = next
        steps += 1
      }
      return current
    }

    var messages: [ChatMessage] = []
    var threadRoot: String? = nil
    for case let item as [String: Any] in items {
      guard let id = JSONValue.nonEmpty(item["id"]), let ts = timestamps[id] else { continue }
      let type = JSONValue.nonEmpty(item["type"]) ?? "Default"
      let subtype = type == "Default" || type == "Reply" ? nil : type
      if let subtype, DiscordExportReader.noiseTypes.contains(subtype), !keep.contains(subtype) { continue }
      let author = JSONValue.dictionary(item["author"]) ?? [:]
      if JSONValue.bool(author["isBot"]) && !options.includeBots && !keep.contains("bot_message") { continue }
      let authorName = JSONValue.nonEmpty(author["nickname"]) ?? JSONValue.nonEmpty(author["name"]) ?? JSONValue.nonEmpty(author["id"]) ?? "unknown"

      var names: [String: String] = [:]
      for case let mention as [String: Any] in JSONValue.array(item["mentions"]) {
        if let mentionID = JSONValue.nonEmpty(mention["id"]) {
          names[mentionID] = JSONValue.nonEmpty(mention["nickname"]) ?? JSONValue.nonEmpty(mention["name"]) ?? mentionID
        }
      }
      var text = URLScrub.scrubText(DiscordExportReader.render(JSONValue.string(item["content"]) ?? "", names: names))
      var extras: [String] = []
      for case let attachment as [String: Any] in JSONValue.array(item["attachments"]) {
        let name = JSONValue.nonEmpty(attachment["fileName"]) ?? "file"
        extras.append(JSONValue.nonEmpty(attachment["url"]).map { "[file: \(name) (\(URLScrub.fileLink($0)))]" } ?? "[file: \(name)]")
      }
      if text.isEmpty {
        for case let embed as [String: Any] in JSONValue.array(item["embeds"]) {
          let parts = [JSONValue.nonEmpty(embed["title"]), JSONValue.nonEmpty(embed["description"])].compactMap { $0 }
          if !parts.isEmpty { extras.append("> " + parts.joined(separator: " — ")) }
        }
      }
      if !extras.isEmpty { text = text.isEmpty ? extras.joined(separator: "\n") : text + "\n" + extras.joined(separator: "\n") }
      if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
      text = truncation.apply(text, limit: options.maxMessageBytes)

      let threadTS: String
      if isThread {
        // A thread channel is one thread, rooted at its first message.
        if threadRoot == nil { threadRoot = ts }
        threadTS = threadRoot ?? ts
      } else {
        let rootID = root(of: id)
        threadTS = timestamps[rootID] ?? DiscordExportReader.ts(id: rootID, timestamp: nil) ?? ts
      }
      let edited = JSONValue.nonEmpty(item["timestampEdited"]) != nil
      messages.append(
        ChatMessage(
          channel: conversation.name, channelID: conversation.id, conversationKind: conversation.kind, ts: ts, threadTS: threadTS,
          author: authorName, authorID: JSONValue.nonEmpty(author["id"]), text: text, edited: edited, subtype: subtype, messageID: id,
          file: file, mentions: DocumentMentions.extract(from: text)))
    }
    // One message per ts (a repeated id in an export keeps its last version).
    var byTS: [String: ChatMessage] = [:]
    for message in messages { byTS[message.ts] = message }
    return ChatTimestamp.sorted(byTS.values)
  }

  /// A Slack-shaped ts from a Discord snowflake: its millisecond time, then its low 12-bit
  /// sequence (mod 1000) as the last three digits, so messages of the same millisecond stay
  /// apart. Without a snowflake, the `timestamp` field (ISO 8601). Nil when neither gives a
  /// time in 1970...9999.
  static func ts(id: String, timestamp: String?) -> String? {
    if let snowflake = UInt64(id), snowflake > (1 << 22) {
      let milliseconds = Int64(snowflake >> 22) + 1_420_070_400_000
      return ChatTimestamp.from(milliseconds: milliseconds, tieBreaker: Int64(snowflake & 0xFFF))
    }
    if let timestamp, let micros = ChatTimestamp.microseconds(iso: timestamp) {
      return ChatTimestamp.from(milliseconds: micros / 1000)
    }
    return nil
  }

  /// Raw Discord markup, in case the exporter left it: `<@123>`/`<@!123>` → `@name`,
  /// `<#123>` → `#123`, `<@&123>` → `@role`, `<:name:123>` → `:name:`.
  static func render(_ content: String, names: [String: String]) -> String {
    guard content.utf8.contains(UInt8(ascii: "<")) else { return content }
    return AngleTokens.replace(in: content, maxLength: 100) { inner in
      if inner.hasPrefix("@&") {
        return "@role"
      } else if inner.hasPrefix("@") {
        let id = String(inner.drop { $0 == "@" || $0 == "!" })
        return "@" + (names[id] ?? id)
      } else if inner.hasPrefix("#") {
        return "#" + inner.dropFirst()
      } else if inner.hasPrefix(":") || inner.hasPrefix("a:") {
        let parts = inner.split(separator: ":")
        return parts.count >= 2 ? ":\(parts[parts.count - 2]):" : String(inner)
      } else if inner.contains("://") {
        return URLScrub.clean(String(inner))
      }
      return "<" + inner + ">"
    }
  }
}

import CtxConnectors
import CtxCore
import Foundation

/// A Slack workspace export: manifests at the top (`channels.json`, `groups.json`,
/// `dms.json`, `mpims.json`, `users.json`), one folder per conversation with one JSON array
/// of messages per day (`2024-01-02.json`). The export may sit inside one wrapping folder.
struct SlackExportReader {
  let files: ExportFiles
  var options: ChatOptions { files.options }

  static let manifests = ["channels.json", "groups.json", "dms.json", "mpims.json", "users.json"]

  /// Issues reported per file before the rest are only counted.
  static let issuesPerFile = 20

  /// Subtypes skipped as noise unless `keep_subtypes` names them.
  static let noiseSubtypes: Set<String> = [
    "channel_join", "channel_leave", "group_join", "group_leave", "channel_topic", "channel_purpose", "channel_name",
    "channel_archive", "channel_unarchive", "group_topic", "group_purpose", "group_name", "group_archive", "group_unarchive",
    "pinned_item", "unpinned_item", "bot_add", "bot_remove", "bot_enable", "bot_disable", "tombstone", "reminder_add",
    "reminder_delete", "sh_room_created", "channel_convert_to_private", "channel_convert_to_public", "channel_posting_permissions",
    "joiner_notification", "app_conversation_join", "app_conversation_leave", "channel_canvas_updated", "message_replied",
    "ekm_access_denied", "huddle_thread",
  ]

  struct Listed {
    var conversation: ChatConversation
    var members: [String]
  }

  func read(into sink: any ChatSink) async throws {
    let entries = files.source.entries
    let base = SlackExportReader.baseFolder(entries)
    var byPath: [String: ExportEntry] = [:]
    for entry in entries where entry.path.hasPrefix(base) { byPath[String(entry.path.dropFirst(base.count))] = entry }

    // Manifests.
    var manifest: [String: [[String: Any]]] = [:]
    for name in SlackExportReader.manifests {
      guard let entry = byPath[name] else { continue }
      switch files.load(entry, reportedPath: name, force: true) {
      case .content(let bytes, _):
        switch ExportFiles.parseJSON(bytes, path: name) {
        case .success(let object):
          guard let items = object as? [Any] else {
            try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: name, message: "expected a JSON array; the manifest is ignored")))
            continue
          }
          manifest[name] = items.compactMap { $0 as? [String: Any] }
        case .failure(let issue):
          try await sink.accept(.issue(issue))
        }
      case .failed(let issue):
        try await sink.accept(.issue(issue))
      case .unchanged, .restamped:
        break
      }
    }

    // Users: id → display name.
    var users: [String: String] = [:]
    var userAliases: [String: [String]] = [:]
    if let list = manifest["users.json"] {
      for user in list {
        guard let id = JSONValue.nonEmpty(user["id"]) else { continue }
        let profile = JSONValue.dictionary(user["profile"]) ?? [:]
        let candidates = [profile["display_name"], profile["real_name"], user["real_name"], user["name"]].compactMap { JSONValue.nonEmpty($0) }
        users[id] = candidates.first ?? id
        userAliases[id] = candidates
      }
    } else {
      try await sink.accept(
        .issue(
          CrawlIssue(
            kind: .unreadable, path: "users.json",
            message: "missing or unreadable: authors and @mentions are shown as user ids; export again with users.json to get names")))
    }

    // Which folder is which kind of conversation. The most private listing wins.
    var listed: [String: Listed] = [:]
    var publicNames: [String: String] = [:]
    let kinds: [(String, ChatConversationKind)] = [
      ("channels.json", .publicChannel), ("groups.json", .privateChannel), ("mpims.json", .groupDirectMessage), ("dms.json", .directMessage),
    ]
    for (file, kind) in kinds {
      for item in manifest[file] ?? [] {
        let id = JSONValue.nonEmpty(item["id"])
        let name = JSONValue.nonEmpty(item["name"])
        guard let folder = kind == .directMessage ? (id ?? name) : (name ?? id) else { continue }
        let members = JSONValue.array(item["members"]).compactMap { JSONValue.nonEmpty($0) }
        let entry = Listed(conversation: ChatConversation(name: folder, id: id, kind: kind), members: members)
        listed[folder] = entry
        if let id, id != folder { listed[id] = entry }
        if kind == .publicChannel, let id, let name { publicNames[id] = name }
      }
    }
    // A name listed as public and also as private is private: drop it from the public names.
    for (id, name) in publicNames where listed[name]?.conversation.kind != .publicChannel { publicNames[id] = nil }
    if manifest["channels.json"] == nil && byPath["channels.json"] == nil {
      try await sink.accept(
        .issue(
          CrawlIssue(
            kind: .unreadable, path: "channels.json",
            message: "missing: no conversation is known to be public, so every folder is skipped; export again with channels.json")))
    }

    // Conversation folders and their day files.
    var folders: [String: [(name: String, entry: ExportEntry)]] = [:]
    for (relative, entry) in byPath {
      let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
      guard parts.count == 2, parts[1].lowercased().hasSuffix(".json") else { continue }
      folders[String(parts[0]), default: []].append((relative, entry))
    }

    var selected: [(ChatConversation, [(name: String, entry: ExportEntry)])] = []
    let policy = ConversationPolicy(options: options)
    for folder in folders.keys.sorted() {
      let info = listed[folder]
      let conversation = info?.conversation ?? ChatConversation(name: folder, id: nil, kind: .unlisted)
      let aliases = (info?.members ?? []).flatMap { [$0] + (userAliases[$0] ?? []) }
      if let reason = policy.skipReason(conversation, aliases: conversation.kind == .directMessage ? aliases : []) {
        try await sink.accept(.skipped(SkippedConversation(name: conversation.name, id: conversation.id, reason: reason)))
        continue
      }
      selected.append((conversation, (folders[folder] ?? []).sorted { $0.name < $1.name }))
    }
    for wanted in options.channels where wanted != "*" {
      let key = ConversationPolicy.normalize(wanted)
      let hit = listed.first { ConversationPolicy.normalize($0.key) == key }?.value
      if hit == nil {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: nil, message: "`channels` names `\(wanted)`, which is not a channel of this export")))
      } else if let hit, hit.conversation.kind != .publicChannel {
        try await sink.accept(
          .issue(
            CrawlIssue(
              kind: .excluded, path: nil,
              message: "`channels` names `\(wanted)`, which is not public (\(hit.conversation.kind.rawValue)); it is read only when named in include_private, include_dms or include_group_dms")))
      }
    }

    for (name, why) in SlackSideFiles.skippedByDesign where byPath[name] != nil {
      try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: name, message: "not read by design: \(why)")))
    }
    let huddles = try await readHuddles(byPath[SlackSideFiles.huddleFile], listed: listed, selected: Set(selected.map(\.0)), users: users, into: sink)

    try await sink.accept(.listed(conversations: selected.count, files: selected.reduce(0) { $0 + $1.1.count }))

    let decoder = SlackMessageDecoder(users: users, channelNames: publicNames, options: options)
    for (conversation, dayFiles) in selected {
      try Task.checkCancellation()
      var state = ConversationState()
      for message in huddles[conversation] ?? [] { state.upsert(message) }
      var stamps: [ChatFileStamp] = []
      for (path, entry) in dayFiles {
        switch files.load(entry, reportedPath: path) {
        case .unchanged:
          try await sink.accept(.unchanged(path: path))
        case .restamped(let stamp):
          try await sink.accept(.restamped(path: path, stamp: stamp))
        case .failed(let issue):
          try await sink.accept(.issue(issue))
        case .content(let bytes, let stamp):
          switch ExportFiles.parseJSON(bytes, path: path) {
          case .failure(let issue):
            try await sink.accept(.issue(issue))
          case .success(let object):
            guard let items = object as? [Any] else {
              try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "expected a JSON array of messages; the file is skipped")))
              continue
            }
            stamps.append(stamp)
            if path.hasSuffix("/" + SlackSideFiles.canvasFile) {
              let canvases = SlackSideFiles.canvasMessages(items, conversation: conversation, file: path, users: users)
              for message in canvases.messages { state.upsert(message) }
              if canvases.withoutText > 0 {
                try await sink.accept(
                  .issue(
                    CrawlIssue(
                      kind: .excluded, path: path,
                      message: "not read by design: \(canvases.withoutText) canvas(es) with metadata only (the canvas text is not in the export)")))
              }
              continue
            }
            var truncation = TruncationCounter()
            var malformed = 0
            var badTimes = 0
            for (index, item) in items.enumerated() {
              guard let dictionary = item as? [String: Any] else {
                malformed += 1
                continue
              }
              switch decoder.decode(dictionary, conversation: conversation, file: path, truncation: &truncation) {
              case .message(let message): state.upsert(message)
              case .edit(let message): state.edit(message)
              case .delete(let ts): state.delete(ts)
              case .skip: break
              case .malformed: malformed += 1
              case .badTime(let reason):
                badTimes += 1
                if badTimes <= SlackExportReader.issuesPerFile {
                  try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "message \(index + 1): \(reason); the message is skipped")))
                }
              }
            }
            if badTimes > SlackExportReader.issuesPerFile {
              try await sink.accept(
                .issue(CrawlIssue(kind: .parseFailed, path: path, message: "\(badTimes) messages in all were skipped for a `ts` that is not a time")))
            }
            if let issue = truncation.issue(path: path, limit: options.maxMessageBytes) { try await sink.accept(.issue(issue)) }
            if malformed > 0 {
              try await sink.accept(
                .issue(CrawlIssue(kind: .parseFailed, path: path, message: "\(malformed) item(s) are not messages (no `ts`, or not an object); skipped")))
            }
          }
        }
      }
      if !stamps.isEmpty || !state.isEmpty {
        try await sink.accept(.batch(ChatBatch(conversation: conversation, files: stamps, messages: state.messages)))
      }
    }
  }

  /// Huddle transcripts with text, by the conversation they belong to; only conversations
  /// being read get theirs (the privacy rules decided `selected`).
  func readHuddles(_ entry: ExportEntry?, listed: [String: Listed], selected: Set<ChatConversation>, users: [String: String], into sink: any ChatSink)
    async throws -> [ChatConversation: [ChatMessage]]
  {
    guard let entry else { return [:] }
    let path = SlackSideFiles.huddleFile
    switch files.load(entry, reportedPath: path, force: true) {
    case .failed(let issue):
      try await sink.accept(.issue(issue))
      return [:]
    case .unchanged, .restamped:
      return [:]
    case .content(let bytes, _):
      switch ExportFiles.parseJSON(bytes, path: path) {
      case .failure(let issue):
        try await sink.accept(.issue(issue))
        return [:]
      case .success(let object):
        guard let items = object as? [Any] else {
          try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: path, message: "expected a JSON array of transcripts; the file is skipped")))
          return [:]
        }
        let read = SlackSideFiles.huddles(items, file: path, users: users)
        var byConversation: [ChatConversation: [ChatMessage]] = [:]
        var notRead = 0
        for huddle in read.huddles {
          guard let conversation = listed[huddle.conversation]?.conversation, selected.contains(conversation) else {
            notRead += 1
            continue
          }
          var message = huddle.message
          message.channel = conversation.name
          message.channelID = conversation.id
          message.conversationKind = conversation.kind
          byConversation[conversation, default: []].append(message)
        }
        if read.withoutText > 0 {
          try await sink.accept(
            .issue(CrawlIssue(kind: .excluded, path: path, message: "not read by design: \(read.withoutText) item(s) without a channel, a time and transcript text")))
        }
        if notRead > 0 {
          try await sink.accept(
            .issue(
              CrawlIssue(kind: .excluded, path: path, message: "\(notRead) transcript(s) of conversations not read (private, unlisted or not selected); skipped")))
        }
        return byConversation
      }
    }
  }

  /// The folder holding the manifests: the root, or one wrapping folder.
  static func baseFolder(_ entries: [ExportEntry]) -> String {
    if entries.contains(where: { manifests.contains($0.path) }) { return "" }
    var candidates: Set<String> = []
    for entry in entries {
      let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
      if parts.count == 2 && manifests.contains(String(parts[1])) { candidates.insert(String(parts[0])) }
    }
    if candidates.count == 1, let only = candidates.first { return only + "/" }
    return ""
  }
}

/// The messages of one conversation being read: by `ts`, edits applied in file order.
struct ConversationState {
  private var byTS: [String: ChatMessage] = [:]

  var isEmpty: Bool { byTS.isEmpty }

  mutating func upsert(_ message: ChatMessage) { byTS[message.ts] = message }

  /// A `message_changed` event: the original keeps its thread and author, takes the new text.
  mutating func edit(_ message: ChatMessage) {
    if var original = byTS[message.ts] {
      original.text = message.text
      original.mentions = message.mentions
      original.edited = true
      original.file = message.file
      byTS[message.ts] = original
    } else {
      var edited = message
      edited.edited = true
      byTS[message.ts] = edited
    }
  }

  mutating func delete(_ ts: String) { byTS[ts] = nil }

  var messages: [ChatMessage] { ChatTimestamp.sorted(byTS.values) }
}

/// One Slack message object to an action.
struct SlackMessageDecoder {
  let users: [String: String]
  let channelNames: [String: String]
  let options: ChatOptions

  enum Action {
    case message(ChatMessage)
    case edit(ChatMessage)
    case delete(String)
    case skip
    case malformed
    /// A `ts` or `thread_ts` that is not a time in 1970...9999: why, for the issue.
    case badTime(String)
  }

  func decode(_ object: [String: Any], conversation: ChatConversation, file: String, truncation: inout TruncationCounter) -> Action {
    if let type = JSONValue.string(object["type"]), type != "message" { return .skip }
    let subtype = JSONValue.nonEmpty(object["subtype"])
    let keep = Set(options.keepSubtypes)
    switch subtype {
    case "message_changed":
      guard let inner = JSONValue.dictionary(object["message"]) else { return .malformed }
      switch decode(inner, conversation: conversation, file: file, truncation: &truncation) {
      case .message(let message): return .edit(message)
      case .badTime(let reason): return .badTime(reason)
      default: return .skip
      }
    case "message_deleted":
      let previous = JSONValue.dictionary(object["previous_message"])
      guard let ts = JSONValue.nonEmpty(object["deleted_ts"]) ?? JSONValue.nonEmpty(previous?["ts"]) else { return .skip }
      return .delete(ts)
    case let name? where SlackExportReader.noiseSubtypes.contains(name) && !keep.contains(name):
      return .skip
    default:
      break
    }
    let isBot = subtype == "bot_message" || (object["bot_id"] != nil && object["user"] == nil) || JSONValue.bool(object["is_bot"])
      || (object["bot_id"] != nil && object["bot_profile"] != nil)
    if isBot && !options.includeBots && !keep.contains("bot_message") { return .skip }

    guard let rawTS = JSONValue.nonEmpty(object["ts"]) else { return .malformed }
    // Downstream code turns ts into dates; NaN, "1e19" or a 20-digit number must stop here.
    guard let ts = ChatTimestamp.validated(rawTS) else { return .badTime("`ts` \(JSONLExportReader.quoted(rawTS)) is not a time between 1970 and 9999") }
    let userID = JSONValue.nonEmpty(object["user"])
    let profile = JSONValue.dictionary(object["user_profile"])
    let botName = JSONValue.nonEmpty(object["username"]) ?? JSONValue.nonEmpty(JSONValue.dictionary(object["bot_profile"])?["name"])
    let author: String
    if let userID, let name = users[userID] {
      author = name
    } else if let name = [profile?["display_name"], profile?["real_name"], profile?["name"]].lazy.compactMap({ JSONValue.nonEmpty($0) }).first {
      author = name
    } else {
      author = botName ?? userID ?? JSONValue.nonEmpty(object["bot_id"]) ?? "unknown"
    }

    var text = URLScrub.scrubText(SlackText.render(JSONValue.string(object["text"]) ?? "", users: users, channelNames: channelNames))
    var extras: [String] = []
    for attachment in JSONValue.array(object["attachments"]) {
      guard let attachment = attachment as? [String: Any] else { continue }
      let body = JSONValue.nonEmpty(attachment["text"]) ?? JSONValue.nonEmpty(attachment["fallback"])
      if let body {
        let rendered = SlackText.render(body, users: users, channelNames: channelNames)
        if !text.contains(rendered) { extras.append("> " + rendered.replacingOccurrences(of: "\n", with: "\n> ")) }
      }
    }
    for file in JSONValue.array(object["files"]) {
      guard let file = file as? [String: Any] else { continue }
      let name = JSONValue.nonEmpty(file["title"]) ?? JSONValue.nonEmpty(file["name"]) ?? "file"
      let link = [file["permalink"], file["url_private"], file["url_private_download"]].lazy.compactMap { JSONValue.nonEmpty($0) }.first
      extras.append(link.map { "[file: \(name) (\(URLScrub.fileLink($0)))]" } ?? "[file: \(name)]")
    }
    if !extras.isEmpty { text = text.isEmpty ? extras.joined(separator: "\n") : text + "\n" + extras.joined(separator: "\n") }
    if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .skip }
    text = truncation.apply(text, limit: options.maxMessageBytes)

    var threadTS = ts
    if let rawThread = JSONValue.nonEmpty(object["thread_ts"]) {
      guard let valid = ChatTimestamp.validated(rawThread) else {
        return .badTime("`thread_ts` \(JSONLExportReader.quoted(rawThread)) is not a time between 1970 and 9999")
      }
      threadTS = valid
    }
    let edited = object["edited"] != nil
    return .message(
      ChatMessage(
        channel: conversation.name, channelID: conversation.id, conversationKind: conversation.kind, ts: ts, threadTS: threadTS,
        author: author, authorID: userID ?? JSONValue.nonEmpty(object["bot_id"]), text: text, edited: edited, subtype: subtype,
        messageID: JSONValue.nonEmpty(object["client_msg_id"]), file: file, mentions: DocumentMentions.extract(from: text)))
  }
}

import CtxConnectors
import CtxCore

/// Who can see a conversation, as far as the export tells.
public enum ChatConversationKind: String, Sendable, Hashable, Codable, CaseIterable {
  case publicChannel = "public"
  case privateChannel = "private"
  case directMessage = "dm"
  case groupDirectMessage = "mpim"
  /// A Slack folder no manifest lists.
  case unlisted
}

/// One conversation of an export: a channel, a DM, a Discord thread.
public struct ChatConversation: Sendable, Hashable {
  /// The channel name (Slack folder name, Discord channel name, jsonl `channel`).
  public var name: String
  public var id: String?
  public var kind: ChatConversationKind

  public init(name: String, id: String?, kind: ChatConversationKind) {
    self.name = name
    self.id = id
    self.kind = kind
  }

  /// What messages are keyed by: the id when the export has one, else the name.
  public var key: String { id ?? name }
}

/// Why a conversation was not read.
public enum ChatSkipReason: String, Sendable, Hashable, Codable, CaseIterable {
  case privateChannel = "private"
  case directMessage = "dm"
  case groupDirectMessage = "mpim"
  case unlisted
  /// A public conversation left out by `channels:`.
  case notSelected = "not-selected"
}

public struct SkippedConversation: Sendable, Hashable {
  public var name: String
  public var id: String?
  public var reason: ChatSkipReason

  public init(name: String, id: String?, reason: ChatSkipReason) {
    self.name = name
    self.id = id
    self.reason = reason
  }
}

/// One message, readable and keyed.
public struct ChatMessage: Sendable, Hashable {
  public var channel: String
  public var channelID: String?
  public var conversationKind: ChatConversationKind
  /// Slack's `ts` as exported (`"1700000000.000100"`); for Discord and jsonl, the same shape
  /// computed from the message time (see docs/chat-formats.md, "Timestamps"). Sortable with
  /// `ChatTimestamp.isBefore`, and unique within a conversation.
  public var ts: String
  /// The thread root's `ts`; a root (or a message outside threads) has its own `ts`.
  public var threadTS: String
  /// The display name (Slack: `display_name`, else `real_name`, else `name`; the id when
  /// `users.json` is missing).
  public var author: String
  public var authorID: String?
  /// Readable text: mentions and links resolved, entities decoded, file links (with tokens
  /// stripped) appended, cut at `maxMessageBytes`.
  public var text: String
  public var edited: Bool
  /// The export's subtype or message type when it is not an ordinary message.
  public var subtype: String?
  /// The platform's own message id, when it has one (Discord snowflakes, jsonl `id`).
  public var messageID: String?
  /// The export file this version of the message came from (relative to the export root).
  public var file: String
  public var mentions: Mentions

  public init(
    channel: String, channelID: String?, conversationKind: ChatConversationKind, ts: String, threadTS: String, author: String,
    authorID: String?, text: String, edited: Bool = false, subtype: String? = nil, messageID: String? = nil, file: String,
    mentions: Mentions = Mentions()
  ) {
    self.channel = channel
    self.channelID = channelID
    self.conversationKind = conversationKind
    self.ts = ts
    self.threadTS = threadTS
    self.author = author
    self.authorID = authorID
    self.text = text
    self.edited = edited
    self.subtype = subtype
    self.messageID = messageID
    self.file = file
    self.mentions = mentions
  }

  /// The message's identity across runs and overlapping exports: conversation id (or
  /// name) and `ts`.
  public var key: String { "\(channelID ?? channel)/\(ts)" }
  public var isThreadRoot: Bool { ts == threadTS }
}

/// A thread: the unit of retrieval downstream.
public struct ChatThread: Sendable, Hashable {
  public var channel: String
  public var channelID: String?
  public var threadTS: String
  /// The root first (when present), then replies by `ts`.
  public var messages: [ChatMessage]
  /// Authors in order of first appearance.
  public var participants: [String]
  public var firstTS: String
  public var lastTS: String

  public init(channel: String, channelID: String?, threadTS: String, messages: [ChatMessage], participants: [String], firstTS: String, lastTS: String) {
    self.channel = channel
    self.channelID = channelID
    self.threadTS = threadTS
    self.messages = messages
    self.participants = participants
    self.firstTS = firstTS
    self.lastTS = lastTS
  }

  /// `thread:<channel>/<ts>`, the annotation target form.
  public var ref: String { "thread:\(channel)/\(threadTS)" }
}

/// An export file's identity, so the next run can skip it unread.
public struct ChatFileStamp: Sendable, Hashable {
  /// Relative to the export root (inside a zip: the entry path below the export folder).
  public var path: String
  /// Size and modification time. For zip entries the modification field packs the entry's
  /// time (seconds, high 32 bits) with its CRC-32 (low 32 bits), so a changed entry is seen
  /// without decompressing it.
  public var stamp: FileStamp
  /// The git blob id of the content (`BlobHash.id`).
  public var contentHash: String

  public init(path: String, stamp: FileStamp, contentHash: String) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
  }
}

/// Messages of one conversation read from new or changed files.
public struct ChatBatch: Sendable, Hashable {
  public var conversation: ChatConversation
  /// The files these messages came from (read this run).
  public var files: [ChatFileStamp]
  public var messages: [ChatMessage]

  public init(conversation: ChatConversation, files: [ChatFileStamp], messages: [ChatMessage]) {
    self.conversation = conversation
    self.files = files
    self.messages = messages
  }
}

/// What a chat export read reports, in order; memory stays bounded by one conversation.
public enum ChatEvent: Sendable {
  /// Conversations that will be read, and export files in them.
  case listed(conversations: Int, files: Int)
  case batch(ChatBatch)
  /// A known export file whose stamp is unchanged: not read.
  case unchanged(path: String)
  /// A known file re-read because its stamp changed, with the same content.
  case restamped(path: String, stamp: FileStamp)
  /// A conversation left out by the privacy rules or `channels:`; its files were not read.
  case skipped(SkippedConversation)
  case issue(CrawlIssue)
}

/// Where a chat export read sends its events. The indexer implements it; tests collect.
public protocol ChatSink: Sendable {
  func accept(_ event: ChatEvent) async throws
}

/// Everything one read produced, collected in memory (for tests and small exports; the
/// indexer uses the event stream).
public struct ChatReadResult: Sendable {
  public var conversations: [ChatConversation] = []
  public var messages: [ChatMessage] = []
  public var fileStamps: [ChatFileStamp] = []
  public var unchanged: [String] = []
  public var restamped: [String: FileStamp] = [:]
  public var skipped: [SkippedConversation] = []
  public var issues: [CrawlIssue] = []

  public init() {}

  /// How many conversations were skipped, by reason.
  public var skippedConversations: [ChatSkipReason: Int] {
    skipped.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 }
  }

  /// The skipped conversations' names, by reason.
  public var skippedNames: [ChatSkipReason: [String]] {
    skipped.reduce(into: [:]) { $0[$1.reason, default: []].append($1.name) }
  }

  public var threads: [ChatThread] { ChatThreads.build(messages) }
}

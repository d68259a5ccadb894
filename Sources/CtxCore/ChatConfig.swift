/// The export formats `kind: chat` sources read (the connector file's `format:`).
public enum ChatFormat: String, Sendable, Hashable, CaseIterable, Codable {
  /// A Slack workspace export: a folder or a `.zip`.
  case slackExport = "slack-export"
  /// DiscordChatExporter JSON: one file, a folder of them, or a `.zip`.
  case discordJSON = "discord-json"
  /// One JSON message per line: one `.jsonl` file, a folder of them, or a `.zip`.
  case jsonl
  /// Pull requests and issues as GitHub's REST API returns them (`gh api --paginate`), one
  /// folder per repository: each issue or pull request is a thread.
  case github
}

/// Limits checked before and while a `.zip` export is read, so a hostile archive can
/// neither escape nor exhaust memory.
public struct ZipLimits: Sendable, Hashable {
  /// More entries than this and the archive is refused (`zip_max_entries`, 100,000).
  public var maxEntries: Int
  /// Declared or actual uncompressed bytes past this and the archive is refused
  /// (`zip_max_total_bytes`, 2 GiB).
  public var maxTotalBytes: Int64
  /// An entry larger than `ratioThreshold` that expands more than this many times is
  /// rejected (`zip_max_ratio`, 100).
  public var maxRatio: Int64
  public var ratioThreshold: Int64

  public init(maxEntries: Int = 100_000, maxTotalBytes: Int64 = 2 << 30, maxRatio: Int64 = 100, ratioThreshold: Int64 = 1 << 20) {
    self.maxEntries = maxEntries
    self.maxTotalBytes = maxTotalBytes
    self.maxRatio = maxRatio
    self.ratioThreshold = ratioThreshold
  }
}

/// What a `kind: chat` source reads, and what it may read. Connector file keys are in
/// parentheses; docs/chat-formats.md has the full story.
///
/// Private by default: only public conversations are read. Private channels, DMs, group DMs
/// and conversations no manifest lists are skipped (never decoded into messages) unless an
/// option names them. `"*"` in a list names every conversation of that kind.
public struct ChatOptions: Sendable, Hashable {
  public var format: ChatFormat
  /// Absolute path of the export: a folder, a `.zip`, or (Discord, jsonl) one file.
  public var path: String
  /// Restricts the public conversations read to these names or ids (`channels`); empty
  /// reads every public conversation.
  public var channels: [String]
  /// Private channels to read, by name or id (`include_private`).
  public var includePrivate: [String]
  /// Direct messages to read, by conversation id or by a member's user id or name
  /// (`include_dms`).
  public var includeDMs: [String]
  /// Group DMs to read, by name or id (`include_group_dms`).
  public var includeGroupDMs: [String]
  /// Slack folders no manifest lists, by folder name (`include_unlisted`).
  public var includeUnlisted: [String]
  /// Subtypes normally skipped as noise that should be kept (`keep_subtypes`), e.g.
  /// `channel_topic`, `bot_message`, or Discord's `ChannelPinnedMessage`.
  public var keepSubtypes: [String]
  /// Keep messages posted by bots and integrations (`include_bots`, default false).
  public var includeBots: Bool
  /// A message longer than this many UTF-8 bytes is cut, with a marker
  /// (`max_message_bytes`, 64 KiB).
  public var maxMessageBytes: Int
  /// An export file larger than this is skipped (`max_file_size`, 256 MiB).
  public var maxFileBytes: Int64
  public var zip: ZipLimits

  public init(
    format: ChatFormat, path: String, channels: [String] = [], includePrivate: [String] = [], includeDMs: [String] = [],
    includeGroupDMs: [String] = [], includeUnlisted: [String] = [], keepSubtypes: [String] = [], includeBots: Bool = false,
    maxMessageBytes: Int = 64 << 10, maxFileBytes: Int64 = 256 << 20, zip: ZipLimits = ZipLimits()
  ) {
    self.format = format
    self.path = path
    self.channels = channels
    self.includePrivate = includePrivate
    self.includeDMs = includeDMs
    self.includeGroupDMs = includeGroupDMs
    self.includeUnlisted = includeUnlisted
    self.keepSubtypes = keepSubtypes
    self.includeBots = includeBots
    self.maxMessageBytes = max(256, maxMessageBytes)
    self.maxFileBytes = maxFileBytes
    self.zip = zip
  }
}

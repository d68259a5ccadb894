/// Something a section or a message mentions, in the form the index stores and looks it up.
public struct MentionRecord: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, Codable {
    case path, identifier, commit, issue
  }

  public var kind: Kind
  /// As written.
  public var target: String
  /// How it is looked up: identifiers lower-cased without underscores (as symbols are),
  /// paths and commits lower-cased, issues as written.
  public var norm: String

  public init(kind: Kind, target: String) {
    self.kind = kind
    self.target = target
    switch kind {
    case .identifier: norm = String(target.lowercased().filter { $0 != "_" })
    case .path, .commit: norm = target.lowercased()
    case .issue: norm = target
    }
  }
}

/// A document section as the index stores it (text already redacted).
public struct SectionRecord: Sendable, Hashable {
  public var headingPath: [String]
  public var anchor: String
  public var part: Int
  public var startLine: Int
  public var endLine: Int
  public var text: String
  public var mentions: [MentionRecord]

  public init(headingPath: [String], anchor: String, part: Int, startLine: Int, endLine: Int, text: String, mentions: [MentionRecord]) {
    self.headingPath = headingPath
    self.anchor = anchor
    self.part = part
    self.startLine = startLine
    self.endLine = endLine
    self.text = text
    self.mentions = mentions
  }

  /// `Auth > Sessions > Expiry`.
  public var heading: String { headingPath.joined(separator: " > ") }
}

/// A document file as the index stores it.
public struct DocumentRecord: Sendable, Hashable {
  public var path: String
  public var stamp: FileStamp
  public var contentHash: String
  public var title: String?
  public var format: String
  public var lineCount: Int
  /// Decision-record status word (`accepted`, `superseded`, ...), when declared.
  public var status: String?
  public var supersededBy: String?
  public var supersedes: [String]
  public var frontMatter: [String: String]
  public var sections: [SectionRecord]

  public init(
    path: String, stamp: FileStamp, contentHash: String, title: String?, format: String, lineCount: Int, status: String?,
    supersededBy: String?, supersedes: [String], frontMatter: [String: String], sections: [SectionRecord]
  ) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
    self.title = title
    self.format = format
    self.lineCount = lineCount
    self.status = status
    self.supersededBy = supersededBy
    self.supersedes = supersedes
    self.frontMatter = frontMatter
    self.sections = sections
  }
}

/// A chat message as the index stores it (text already redacted).
public struct ChatMessageRecord: Sendable, Hashable {
  /// The conversation's id, or its name when the export has no id: with `ts`, the key.
  public var conversation: String
  public var channel: String
  public var ts: String
  public var threadTS: String
  public var author: String
  public var text: String
  public var edited: Bool
  public var subtype: String?
  public var mentions: [MentionRecord]

  public init(
    conversation: String, channel: String, ts: String, threadTS: String, author: String, text: String, edited: Bool, subtype: String?,
    mentions: [MentionRecord]
  ) {
    self.conversation = conversation
    self.channel = channel
    self.ts = ts
    self.threadTS = threadTS
    self.author = author
    self.text = text
    self.edited = edited
    self.subtype = subtype
    self.mentions = mentions
  }
}

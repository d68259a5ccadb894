/// A person and a moment, as a commit records them.
public struct GitSignature: Sendable, Hashable, Codable {
  public var name: String
  public var email: String
  /// Seconds since 1970, UTC.
  public var time: Int64
  /// The signer's offset from UTC in minutes, as recorded.
  public var offsetMinutes: Int

  public init(name: String, email: String, time: Int64, offsetMinutes: Int) {
    self.name = name
    self.email = email
    self.time = time
    self.offsetMinutes = offsetMinutes
  }
}

/// One file a commit changed, compared with its first parent.
public struct GitFileChange: Sendable, Hashable, Codable {
  public enum Status: String, Sendable, Codable {
    case added = "A"
    case modified = "M"
    case deleted = "D"
    case renamed = "R"
    /// A file became a link or a submodule, or the other way round.
    case typeChanged = "T"
  }

  public var path: String
  /// The path before a rename.
  public var oldPath: String?
  public var status: Status
  /// Lines added and removed; nil when not computed (see docs/history.md, "Line counts").
  public var added: Int?
  public var removed: Int?

  public init(path: String, oldPath: String? = nil, status: Status, added: Int? = nil, removed: Int? = nil) {
    self.path = path
    self.oldPath = oldPath
    self.status = status
    self.added = added
    self.removed = removed
  }
}

/// One commit with what it changed.
public struct GitCommitRecord: Sendable, Hashable {
  public var sha: String
  public var parents: [String]
  public var author: GitSignature
  public var committer: GitSignature
  /// The first paragraph of the message, on one line.
  public var summary: String
  /// The rest of the message.
  public var body: String
  /// Files changed against the first parent. Empty for merges: their changes were recorded
  /// on the commits they merged (docs/history.md, "Merges").
  public var changes: [GitFileChange]
  /// Whether `changes` is complete; false when a missing or corrupt object cut the diff short.
  public var changesComplete: Bool

  public var isMerge: Bool { parents.count > 1 }

  public init(
    sha: String, parents: [String], author: GitSignature, committer: GitSignature, summary: String, body: String,
    changes: [GitFileChange], changesComplete: Bool = true
  ) {
    self.sha = sha
    self.parents = parents
    self.author = author
    self.committer = committer
    self.summary = summary
    self.body = body
    self.changes = changes
    self.changesComplete = changesComplete
  }
}

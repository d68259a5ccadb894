import CtxCore
import Foundation

/// A commit named as evidence: what changed a target, or what renamed it.
public struct ChangeCommit: Sendable, Hashable, Codable {
  public var sha: String
  public var author: String
  public var date: Date
  public var summary: String

  public init(sha: String, author: String, date: Date, summary: String) {
    self.sha = sha
    self.author = author
    self.date = date
    self.summary = summary
  }

  /// "abc1234def56 Fix expiry (Bo, 2024-02-01)": the line `ctx conflicts` prints.
  public var line: String { "\(sha.prefix(12)) \(summary) (\(author), \(Timestamps.day(date)))" }
}

/// What a target looks like now, as the resolver found it (index plus working tree), and what
/// happened to it since an annotation was anchored.
public struct TargetState: Sendable, Hashable {
  /// False when the target no longer exists (a deleted file, a renamed symbol).
  public var exists: Bool
  /// The current content fingerprint; nil for targets without one (globs, terms, commits).
  public var fingerprint: String?
  /// Where it is now: `src/auth/session.ts:12-26`.
  public var location: String?
  /// The current lines (the whole definition or section, capped), for evidence.
  public var excerpt: String?
  /// The current text in full (what a diff since the anchor compares with).
  public var content: String?
  /// Commits that changed it after the annotation was anchored: "abc1234 Fix expiry (Bo, 2024-02-01)".
  public var changedBy: [String]
  /// The same commits as records (when known per definition: `changesArePrecise`).
  public var commits: [ChangeCommit]
  /// True when `commits` are the commits that changed the target's own lines after the anchor
  /// commit; false when they are every commit touching its file after the annotation's date
  /// (an anchor without a commit).
  public var changesArePrecise: Bool
  /// A unified diff of the target's lines from the anchor commit to now.
  public var diff: String?
  /// For a symbol that no longer exists: the name its definition has now, and the commit.
  public var renamedTo: String?
  public var renamedIn: ChangeCommit?
  /// Every definition when a symbol is defined more than once (`path:start-end`).
  public var definitions: [String]
  /// For `doc:` targets: the document's declared status and successor.
  public var documentStatus: String?
  public var supersededBy: String?

  public init(
    exists: Bool, fingerprint: String? = nil, location: String? = nil, excerpt: String? = nil, content: String? = nil, changedBy: [String] = [],
    commits: [ChangeCommit] = [], changesArePrecise: Bool = false, diff: String? = nil, renamedTo: String? = nil, renamedIn: ChangeCommit? = nil,
    definitions: [String] = [], documentStatus: String? = nil, supersededBy: String? = nil
  ) {
    self.exists = exists
    self.fingerprint = fingerprint
    self.location = location
    self.excerpt = excerpt
    self.content = content
    self.changedBy = changedBy
    self.commits = commits
    self.changesArePrecise = changesArePrecise
    self.diff = diff
    self.renamedTo = renamedTo
    self.renamedIn = renamedIn
    self.definitions = definitions
    self.documentStatus = documentStatus
    self.supersededBy = supersededBy
  }

  /// The file part of `location` (`src/a.py` of `src/a.py:3-9`).
  public var path: String? { location.map(TargetState.file(of:)) }

  public static func file(of location: String) -> String {
    guard let colon = location.lastIndex(of: ":"), location[location.index(after: colon)...].allSatisfy({ $0.isNumber || $0 == "-" }) else {
      return location
    }
    return String(location[..<colon])
  }

  /// The line range of a `path:start-end` location.
  public static func lines(of location: String) -> ClosedRange<Int>? {
    guard let colon = location.lastIndex(of: ":") else { return nil }
    let parts = location[location.index(after: colon)...].split(separator: "-")
    guard let start = parts.first.flatMap({ Int($0) }) else { return nil }
    let end = parts.count > 1 ? Int(parts[1]) ?? start : start
    return end >= start ? start...end : nil
  }
}

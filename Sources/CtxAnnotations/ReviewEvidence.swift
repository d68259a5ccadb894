import CtxCore
import Foundation

/// What a reviewer needs to decide one `ReviewItem`, gathered once so every view shows the
/// same: the target as it is now, what changed since the anchor, the commits between, the
/// other claims about the same target, and what the claims cite.
public struct ReviewEvidence: Sendable, Hashable, Codable {
  /// A commit, a path or another ref named in a claim's text, and what it resolves to in the
  /// index now (nil: not found there).
  public struct Cited: Sendable, Hashable, Codable {
    public var ref: String
    public var resolved: String?

    public init(ref: String, resolved: String?) {
      self.ref = ref
      self.resolved = resolved
    }

    enum CodingKeys: String, CodingKey { case ref, resolved }

    /// `resolved` is written as null when the index has no such thing: programs can tell
    /// "not found" from "not looked up".
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(ref, forKey: .ref)
      try container.encode(resolved, forKey: .resolved)
    }
  }

  /// Where the target is now (`src/auth/session.ts:12-26`), or what now stands there.
  public var location: String?
  /// Its current code or text (the whole definition or section, capped).
  public var current: String?
  /// Where and at which commit the annotation was anchored.
  public var anchoredAt: String?
  public var anchorCommit: String?
  /// The target's lines from the anchor commit to now, as a unified diff.
  public var diff: String?
  /// Commits between the anchor and now that changed the target (oldest first).
  public var commits: [ChangeCommit]
  /// True when `commits` changed the target's own lines; false when they are every commit
  /// touching its file (an anchor recorded without a commit).
  public var commitsArePrecise: Bool
  /// The other live annotations on the same target, agreeing or not.
  public var others: [Conflict.Claim]
  /// What the claims cite, resolved.
  public var cited: [Cited]
  /// The rule's own findings, one line each (what `ctx conflicts` prints).
  public var notes: [String]

  public init(
    location: String? = nil, current: String? = nil, anchoredAt: String? = nil, anchorCommit: String? = nil, diff: String? = nil,
    commits: [ChangeCommit] = [], commitsArePrecise: Bool = false, others: [Conflict.Claim] = [], cited: [Cited] = [], notes: [String] = []
  ) {
    self.location = location
    self.current = current
    self.anchoredAt = anchoredAt
    self.anchorCommit = anchorCommit
    self.diff = diff
    self.commits = commits
    self.commitsArePrecise = commitsArePrecise
    self.others = others
    self.cited = cited
    self.notes = notes
  }
}

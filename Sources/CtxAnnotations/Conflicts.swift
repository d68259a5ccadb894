import CtxCore
import Foundation

/// What a target looks like now, as the resolver found it (index plus working tree).
public struct TargetState: Sendable, Hashable {
  /// False when the target no longer exists (a deleted file, a renamed symbol).
  public var exists: Bool
  /// The current content fingerprint; nil for targets without one (globs, terms, commits).
  public var fingerprint: String?
  /// Where it is now: `src/auth/session.ts:12-26`.
  public var location: String?
  /// The current lines, for evidence (a few).
  public var excerpt: String?
  /// Commits that changed it after the annotation was anchored: "abc1234 Fix expiry (Bo, 2024-02-01)".
  public var changedBy: [String]
  /// For `doc:` targets: the document's declared status and successor.
  public var documentStatus: String?
  public var supersededBy: String?

  public init(
    exists: Bool, fingerprint: String? = nil, location: String? = nil, excerpt: String? = nil, changedBy: [String] = [],
    documentStatus: String? = nil, supersededBy: String? = nil
  ) {
    self.exists = exists
    self.fingerprint = fingerprint
    self.location = location
    self.excerpt = excerpt
    self.changedBy = changedBy
    self.documentStatus = documentStatus
    self.supersededBy = supersededBy
  }
}

/// A current document that still points at a superseded one.
public struct SupersededLink: Sendable, Hashable {
  /// The superseded document (its path).
  public var superseded: String
  public var supersededBy: String?
  /// The current document section that links to it: `docs/auth.md#sessions`.
  public var linkedFrom: String

  public init(superseded: String, supersededBy: String?, linkedFrom: String) {
    self.superseded = superseded
    self.supersededBy = supersededBy
    self.linkedFrom = linkedFrom
  }
}

/// A disagreement or a piece of memory that needs a person, with its evidence and the
/// commands that resolve it.
public struct Conflict: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Two live annotations state different values for one fact key.
    case factDisagreement = "fact-disagreement"
    /// The target's content changed since the annotation was written.
    case staleAnchor = "stale-anchor"
    /// The target no longer exists.
    case dangling
    /// A correction whose source changed after it was written: re-check it.
    case correctionRecheck = "correction-recheck"
    /// A document declares itself superseded but is still annotated or linked as current.
    case supersededDocument = "superseded-document"
  }

  /// One side of a conflict: who said what, when.
  public struct Claim: Sendable, Hashable, Codable {
    public var annotation: String
    public var author: String
    public var date: Date
    public var status: String
    public var value: String?
    public var text: String
  }

  public var kind: Kind
  /// The target the conflict is about.
  public var target: String
  public var summary: String
  public var claims: [Claim]
  public var evidence: [String]
  /// Commands that resolve it, without editing YAML by hand.
  public var resolutions: [String]
}

/// Finds conflicts by rules, with no model: cheap enough for every nightly run
/// (docs/annotations.md, "Conflicts").
public enum ConflictDetector {
  /// The annotations that count: not rejected, and not superseded by another one that counts.
  public static func live(_ annotations: [Annotation]) -> [Annotation] {
    let active = annotations.filter(\.isLive)
    let superseded = Set(active.flatMap(\.supersedes))
    return active.filter { !superseded.contains($0.id) }
  }

  /// - Parameters:
  ///   - states: each live annotation's target state, by annotation id (absent: not checked).
  ///   - links: current documents still linking to superseded ones.
  public static func detect(_ annotations: [Annotation], states: [String: TargetState], links: [SupersededLink] = []) -> [Conflict] {
    let live = live(annotations)
    var conflicts: [Conflict] = []

    // Disagreements between people: one fact key, several values.
    var byKey: [String: [Annotation]] = [:]
    for annotation in live where annotation.factKey != nil { byKey[annotation.factKey!, default: []].append(annotation) }
    for (key, claims) in byKey.sorted(by: { $0.key < $1.key }) where Set(claims.compactMap(\.factValue)).count > 1 {
      let values = claims.map { "\($0.factValue ?? "")" }
      conflicts.append(
        Conflict(
          kind: .factDisagreement, target: claims[0].target.description,
          summary: "`\(key)` is stated as " + Array(Set(values)).sorted().map { "`\($0)`" }.joined(separator: " and ") + " by different annotations",
          claims: claims.map(claim), evidence: claims.map { "\($0.id): \(key) = \($0.factValue ?? "") (\($0.author), \(day($0.date)))" },
          resolutions: claims.map { "ctx annotate \(shellQuoted($0.target.description)) --kind \($0.kind.rawValue) --fact \(shellQuoted("\(key)=<the right value>")) --supersedes \(claims.map(\.id).joined(separator: ",")) --text ..." }.prefix(1)
            + claims.map { "ctx review reject \($0.id)" }))
    }

    for annotation in live {
      guard let state = states[annotation.id] else { continue }
      let target = annotation.target.description
      if !state.exists {
        conflicts.append(
          Conflict(
            kind: .dangling, target: target, summary: "\(target) no longer exists",
            claims: [claim(annotation)],
            evidence: ["\(annotation.id) was anchored at \(annotation.anchor?.location ?? "?")"] + state.changedBy.map { "changed by \($0)" },
            resolutions: ["ctx review reject \(annotation.id)", "ctx annotate <new target> --kind \(annotation.kind.rawValue) --supersedes \(annotation.id) --text ..."]))
        continue
      }
      if let anchored = annotation.anchor?.fingerprint, let current = state.fingerprint, anchored != current {
        let isCorrection = annotation.kind == .correction
        var evidence = ["anchored at \(annotation.anchor?.location ?? "?") (\(anchored.prefix(19))), now \(state.location ?? "?") (\(current.prefix(19)))"]
        evidence += state.changedBy.map { "changed by \($0)" }
        if let excerpt = state.excerpt { evidence.append("now:\n" + excerpt) }
        conflicts.append(
          Conflict(
            kind: isCorrection ? .correctionRecheck : .staleAnchor, target: target,
            summary: isCorrection
              ? "the code this correction is about changed after it was written: re-check it"
              : "\(target) changed since this \(annotation.kind.rawValue) was written: it may be stale",
            claims: [claim(annotation)], evidence: evidence,
            resolutions: ["ctx annotations reanchor \(annotation.id)", "ctx review reject \(annotation.id)"]))
      }
      if case .doc = annotation.target, state.documentStatus == "superseded" {
        conflicts.append(
          Conflict(
            kind: .supersededDocument, target: target,
            summary: "\(target) declares itself superseded" + (state.supersededBy.map { " by \($0)" } ?? "") + " but this annotation still treats it as current",
            claims: [claim(annotation)], evidence: ["document status: superseded" + (state.supersededBy.map { " by \($0)" } ?? "")],
            resolutions: state.supersededBy.map { ["ctx annotate doc:\($0) --kind \(annotation.kind.rawValue) --supersedes \(annotation.id) --text ..."] } ?? []
              + ["ctx review reject \(annotation.id)"]))
      }
    }

    for link in links {
      conflicts.append(
        Conflict(
          kind: .supersededDocument, target: "doc:\(link.superseded)",
          summary: "\(link.superseded) is superseded" + (link.supersededBy.map { " by \($0)" } ?? "") + " but \(link.linkedFrom) still links to it as current",
          claims: [], evidence: ["\(link.linkedFrom) mentions \(link.superseded)"],
          resolutions: ["update \(link.linkedFrom) to point at \(link.supersededBy ?? "the current record")"]))
    }
    return conflicts
  }

  static func claim(_ annotation: Annotation) -> Conflict.Claim {
    Conflict.Claim(
      annotation: annotation.id, author: annotation.author, date: annotation.date, status: annotation.status.rawValue, value: annotation.factValue,
      text: annotation.body)
  }

  static func day(_ date: Date) -> String {
    Timestamps.day(date)
  }

  static func shellQuoted(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

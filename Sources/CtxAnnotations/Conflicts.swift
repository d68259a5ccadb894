import CtxCore
import Foundation

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
    /// A live correction and another live annotation (or correction) on one target: which
    /// holds is a person's call, fact key or not.
    case competingCorrections = "competing-corrections"
    /// The symbol is gone, and the lines it was anchored to now define another name.
    case renamed
    /// The symbol is defined more than once: the annotation cannot say which one it means.
    case ambiguousAnchor = "ambiguous-anchor"
  }

  /// One side of a conflict: who said what, when.
  public struct Claim: Sendable, Hashable, Codable {
    public var annotation: String
    public var author: String
    public var date: Date
    public var status: String
    public var value: String?
    public var text: String
    /// The annotation's kind (`correction`, `caveat`, ...).
    public var kind: String? = nil
    /// Who accepted or rejected it, and when, when a person has.
    public var reviewedBy: String? = nil
    public var reviewedAt: Date? = nil
  }

  public var kind: Kind
  /// The target the conflict is about.
  public var target: String
  public var summary: String
  public var claims: [Claim]
  public var evidence: [String]
  /// Commands that resolve it, without editing YAML by hand.
  public var resolutions: [String]
  /// The commits behind a stale, dangling, renamed or re-check conflict, oldest first.
  public var commits: [ChangeCommit] = []
  /// The target's lines from the anchor commit to now, as a unified diff.
  public var diff: String? = nil
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
          resolutions: claims.map { keep in "ctx review accept \(keep.id) --supersedes \(claims.filter { $0.id != keep.id }.map(\.id).joined(separator: ","))" }
            + claims.map { "ctx annotate \(shellQuoted($0.target.description)) --kind \($0.kind.rawValue) --fact \(shellQuoted("\(key)=<the right value>")) --supersedes \(claims.map(\.id).joined(separator: ",")) --text ..." }.prefix(1)
            + claims.map { "ctx review reject \($0.id)" }))
    }

    conflicts += competing(live)

    for annotation in live {
      guard let state = states[annotation.id] else { continue }
      let target = annotation.target.description
      let changed = state.changedBy.map { "changed by \($0)" }
      if !state.exists {
        if let newName = state.renamedTo {
          let commit = state.renamedIn.map { " in \($0.line)" } ?? ""
          conflicts.append(
            Conflict(
              kind: .renamed, target: target, summary: "\(target) was renamed to `\(newName)`\(commit)",
              claims: [claim(annotation)],
              evidence: ["\(annotation.id) was anchored at \(annotation.anchor?.location ?? "?"); those lines now define `\(newName)` (\(state.location ?? "?"))"]
                + changed,
              resolutions: ["ctx annotations reanchor \(annotation.id) --accept-rename", "ctx review reject \(annotation.id)"],
              commits: state.commits, diff: state.diff))
          continue
        }
        conflicts.append(
          Conflict(
            kind: .dangling, target: target, summary: "\(target) no longer exists",
            claims: [claim(annotation)],
            evidence: ["\(annotation.id) was anchored at \(annotation.anchor?.location ?? "?")"] + changed,
            resolutions: ["ctx review reject \(annotation.id)", "ctx annotate <new target> --kind \(annotation.kind.rawValue) --supersedes \(annotation.id) --text ..."],
            commits: state.commits, diff: state.diff))
        continue
      }
      if state.definitions.count > 1 {
        conflicts.append(
          Conflict(
            kind: .ambiguousAnchor, target: target,
            summary: "\(target) is defined \(state.definitions.count) times; this \(annotation.kind.rawValue) is shown with all of them and anchored to \(state.location ?? "the first")",
            claims: [claim(annotation)], evidence: state.definitions.map { "defined at \($0)" },
            resolutions: [
              "ctx annotate symbol:<Class>.\(annotation.target.value) (the one meant, named with its class) or path:<the file meant> --kind \(annotation.kind.rawValue) --supersedes \(annotation.id) --text ...",
              "ctx review reject \(annotation.id)",
            ]))
      }
      if let anchor = annotation.anchor, let current = state.fingerprint, anchor.fingerprint != current {
        // An owner or a decision holds for the code wherever it is edited; it goes stale only
        // when its target moves to another file (or disappears, above).
        let movedFrom = anchor.location.map(TargetState.file(of:)).flatMap { $0 != state.path ? $0 : nil }
        if [.owner, .decision].contains(annotation.kind) && movedFrom == nil { continue }
        let isCorrection = annotation.kind == .correction
        var evidence = ["anchored at \(anchor.location ?? "?") (\(anchor.fingerprint.prefix(19))), now \(state.location ?? "?") (\(current.prefix(19)))"]
        evidence += changed
        if state.changesArePrecise && state.commits.isEmpty { evidence.append("no commit changed these lines: the working tree differs from the last commit") }
        if let diff = state.diff {
          evidence.append("changed since the anchor:\n" + diff)
        } else if let excerpt = state.excerpt {
          evidence.append("now:\n" + excerpt)
        }
        let summary: String
        if let movedFrom, [.owner, .decision].contains(annotation.kind) {
          summary = "\(target) moved from \(movedFrom) to \(state.path ?? "?") since this \(annotation.kind.rawValue) was written"
        } else if isCorrection {
          summary = "the code this correction is about changed after it was written: re-check it"
        } else {
          summary = "\(target) changed since this \(annotation.kind.rawValue) was written: it may be stale"
        }
        conflicts.append(
          Conflict(
            kind: isCorrection ? .correctionRecheck : .staleAnchor, target: target, summary: summary,
            claims: [claim(annotation)], evidence: evidence,
            resolutions: ["ctx annotations reanchor \(annotation.id)", "ctx review reject \(annotation.id)"], commits: state.commits, diff: state.diff))
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

  /// A live correction beside other live annotations on the same target: two corrections, or
  /// a correction and the annotation it may contradict. People decide which holds; a bundle
  /// would otherwise lead with both.
  static func competing(_ live: [Annotation]) -> [Conflict] {
    var byTarget: [String: [Annotation]] = [:]
    for annotation in live { byTarget[sameTargetKey(annotation.target), default: []].append(annotation) }
    var conflicts: [Conflict] = []
    for (_, claims) in byTarget.sorted(by: { $0.key < $1.key }) where claims.count > 1 && claims.contains(where: { $0.kind == .correction }) {
      let target = claims[0].target.description
      let corrections = claims.filter { $0.kind == .correction }.count
      let ids = claims.map(\.id)
      conflicts.append(
        Conflict(
          kind: .competingCorrections, target: target,
          summary: corrections > 1
            ? "\(corrections) live corrections on \(target): which one holds is a person's call"
            : "a live correction and \(claims.count - 1) other live annotation(s) on \(target): check that they agree",
          claims: claims.map(claim),
          evidence: claims.map { "\($0.id): \($0.kind.rawValue) [\($0.status.rawValue)] by \($0.author), \(day($0.date)): \(firstLine($0.body))" },
          resolutions: ids.map { keep in "ctx review accept \(keep) --supersedes \(ids.filter { $0 != keep }.joined(separator: ","))" }
            + ids.map { "ctx review reject \($0)" }))
    }
    return conflicts
  }

  /// One key for targets that name the same thing: a symbol in any spelling
  /// (`validate_session`, `validateSession`), as symbol targets resolve.
  public static func sameTargetKey(_ target: AnnotationTarget) -> String {
    guard case .symbol(let name) = target else { return target.description }
    return "symbol:" + name.lowercased().filter { $0 != "_" }
  }

  static func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n").first.map(String.init) ?? ""
    return line.count > 120 ? String(line.prefix(117)) + "..." : line
  }

  public static func claim(_ annotation: Annotation) -> Conflict.Claim {
    Conflict.Claim(
      annotation: annotation.id, author: annotation.author, date: annotation.date, status: annotation.status.rawValue, value: annotation.factValue,
      text: annotation.body, kind: annotation.kind.rawValue, reviewedBy: annotation.review?.by, reviewedAt: annotation.review?.at)
  }

  static func day(_ date: Date) -> String {
    Timestamps.day(date)
  }

  static func shellQuoted(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

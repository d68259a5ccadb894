import CtxCore
import Foundation

/// A target's annotation history (`ctx annotations log`): every annotation ever written on it,
/// whatever its status, oldest first, with what superseded what and when.
public struct AnnotationHistoryEntry: Sendable, Codable {
  /// An annotation that replaces this one.
  public struct Successor: Sendable, Codable {
    public var id: String
    public var target: String
    public var author: String
    public var date: Date
    public var status: String
  }

  public var id: String
  /// The target it is on now: the one asked for, or a name the target had before or after a
  /// rename (`reanchor --accept-rename` moved it, or it stayed on the old name).
  public var target: String
  public var kind: String
  public var author: String
  public var date: Date
  public var status: String
  /// `live`, `superseded` or `rejected`.
  public var state: String
  public var fact: [String: String]?
  public var supersedes: [String]
  /// Annotations naming this one in `supersedes` (rejected ones too, marked by their status).
  public var supersededBy: [Successor]
  /// When it stopped being the word on its target: when the first successor that is not
  /// rejected took over (`AnnotationHistory.supersededAt`). Nil while it holds.
  public var trueUntil: Date?
  public var text: String
  /// The last review decision recorded in the file (`reviewed_by`, `reviewed_at`,
  /// `review_reason`): who accepted or rejected it, when and why.
  public var review: Annotation.Review?
}

public enum AnnotationHistory {
  /// The history of `target` among `annotations`.
  public static func log(of target: AnnotationTarget, in annotations: [Annotation]) -> [AnnotationHistoryEntry] {
    let live = Set(ConflictDetector.live(annotations).map(\.id))
    var successors: [String: [Annotation]] = [:]
    for annotation in annotations {
      for id in annotation.supersedes { successors[id, default: []].append(annotation) }
    }
    // Dates have whole seconds: within one, what supersedes comes after what it supersedes.
    let byID = Dictionary(annotations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    var depths: [String: Int] = [:]
    func depth(_ id: String, _ seen: Set<String> = []) -> Int {
      if let known = depths[id] { return known }
      guard let annotation = byID[id], !seen.contains(id) else { return 0 }
      let value = annotation.supersedes.map { 1 + depth($0, seen.union([id])) }.max() ?? 0
      depths[id] = value
      return value
    }
    // A target's history follows its renames: asked under either name, the log holds what was
    // written under both (an annotation moved by `--accept-rename` records the old name).
    // A bare name also holds what was written on it with its class (`symbol:get_clearsky`
    // lists `symbol:Location.get_clearsky`).
    let names = renameChain(of: target, in: annotations)
    return annotations.filter { annotation in names.contains { sameTarget(annotation.target, $0) || qualifies(annotation.target, $0) } }
      .map { ($0, depth($0.id)) }
      .sorted { ($0.0.date, $0.1, $0.0.id) < ($1.0.date, $1.1, $1.0.id) }
      .map(\.0)
      .map { annotation in
        let after = (successors[annotation.id] ?? []).sorted { ($0.date, $0.id) < ($1.date, $1.id) }
        let state = annotation.status == .rejected ? "rejected" : live.contains(annotation.id) ? "live" : "superseded"
        return AnnotationHistoryEntry(
          id: annotation.id, target: annotation.target.description, kind: annotation.kind.rawValue, author: annotation.author, date: annotation.date, status: annotation.status.rawValue,
          state: state, fact: annotation.factKey.map { ["key": $0, "value": annotation.factValue ?? ""] }, supersedes: annotation.supersedes,
          supersededBy: after.map {
            AnnotationHistoryEntry.Successor(id: $0.id, target: $0.target.description, author: $0.author, date: $0.date, status: $0.status.rawValue)
          },
          trueUntil: after.first { $0.status != .rejected }.map { AnnotationHistory.supersededAt(annotation, by: $0) }, text: annotation.body,
          review: annotation.review)
      }
  }

  /// The note `reanchor --accept-rename` records in the review reason; the log reads it back to
  /// follow the rename (the annotation file has no field of its own for it).
  public static func renameNote(from old: AnnotationTarget, to newName: String, commit: String) -> String {
    "re-anchored from \(old) (renamed to \(newName)\(commit))"
  }

  /// The targets an annotation was moved from, read from its review reason (earlier decisions
  /// are kept in it, so several renames are all there).
  static func movedFrom(_ annotation: Annotation) -> [AnnotationTarget] {
    guard let reason = annotation.review?.reason else { return [] }
    var found: [AnnotationTarget] = []
    var rest = reason[...]
    while let marker = rest.range(of: "re-anchored from ") {
      let after = rest[marker.upperBound...]
      if let end = after.range(of: " (renamed to "), let old = try? AnnotationTarget(parsing: String(after[..<end.lowerBound])) {
        found.append(old)
      }
      rest = after
    }
    return found
  }

  /// `target` and every name linked to it by a recorded rename, either way, transitively.
  static func renameChain(of target: AnnotationTarget, in annotations: [Annotation]) -> [AnnotationTarget] {
    let links = annotations.flatMap { annotation in movedFrom(annotation).map { ($0, annotation.target) } }
    guard !links.isEmpty else { return [target] }
    var names = [target]
    var grew = true
    while grew {
      grew = false
      for (old, new) in links {
        let knowsOld = names.contains { sameTarget($0, old) }
        let knowsNew = names.contains { sameTarget($0, new) }
        if knowsOld != knowsNew {
          names.append(knowsOld ? new : old)
          grew = true
        }
      }
    }
    return names
  }

  /// True when `qualified` is `bare` written with a scope (`Location.get_clearsky`,
  /// `Path::convert`, `Foo#bar` for `get_clearsky`, `convert`, `bar`).
  static func qualifies(_ qualified: AnnotationTarget, _ bare: AnnotationTarget) -> Bool {
    guard case .symbol(let written) = qualified, case .symbol(let name) = bare, QualifiedSymbol.split(name) == nil,
      let split = QualifiedSymbol.split(written)
    else { return false }
    return sameTarget(.symbol(split.name), bare)
  }

  /// One target however it is spelled: symbols as they are looked up (case and underscores
  /// ignored), commits by prefix, terms ignoring case, the rest exactly.
  /// When `successor` took over from `annotation`: its date, unless it was written before
  /// `annotation` (it then lists it because a reviewer said so later, `review accept
  /// --supersedes`): the time of that decision, never before `annotation` was written.
  static func supersededAt(_ annotation: Annotation, by successor: Annotation) -> Date {
    guard successor.date < annotation.date else { return successor.date }
    return max(successor.review?.at ?? annotation.date, annotation.date)
  }

  public static func sameTarget(_ a: AnnotationTarget, _ b: AnnotationTarget) -> Bool {
    switch (a, b) {
    case (.symbol(let x), .symbol(let y)):
      return x.lowercased().filter { $0 != "_" } == y.lowercased().filter { $0 != "_" }
    case (.commit(let x), .commit(let y)):
      return x.hasPrefix(y) || y.hasPrefix(x)
    case (.term(let x), .term(let y)):
      return x.lowercased() == y.lowercased()
    default:
      return a == b
    }
  }
}

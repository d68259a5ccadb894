import CtxAnnotations
import CtxCore
import CtxStore
import Foundation

/// Every annotation read, each live one's target checked now, and the conflicts the rules
/// find: what `ctx conflicts` prints and what review items are built from.
public struct AnnotationAssessment: Sendable {
  /// Every annotation on file, live or not.
  public var annotations: [Annotation]
  public var live: [Annotation]
  /// Each live annotation's target state, by annotation id (empty without an index).
  public var states: [String: TargetState]
  public var conflicts: [Conflict]
  /// Files that do not parse.
  public var errors: [CtxError]
  /// Files whose ids clash (a merge from another machine, a case-insensitive checkout).
  public var clashes: [IdClash] = []
}

extension AnnotationService {
  /// Reads the folder, resolves every live target against the index and the working tree,
  /// explains drift per definition from git (`AnchorHistory`), and runs the conflict rules.
  public func assess() throws -> AnnotationAssessment {
    let loaded = folder.load()
    let live = ConflictDetector.live(loaded.annotations)
    var states: [String: TargetState] = [:]
    var links: [SupersededLink] = []
    if let store {
      let resolver = TargetResolver(store: store)
      let history = AnchorHistory(store: store)
      try resolver.prefetch(live.map(\.target))
      if let earliest = live.map(\.date).min() { try resolver.prefetchChanges(since: earliest) }
      for annotation in live {
        var state = try resolver.state(of: annotation.target, since: annotation.date, anchoredAt: annotation.anchor?.location)
        let drifted = annotation.anchor.map { anchor in state.fingerprint.map { $0 != anchor.fingerprint } ?? false } ?? false
        if drifted || !state.exists {
          // Per definition from the anchor commit when the anchor has one; else every
          // commit touching the file after the annotation's date.
          if try !history.explain(annotation, state: &state) {
            if state.changedBy.isEmpty { state.changedBy = try resolver.changes(for: annotation.target, since: annotation.date) }
            // The anchor commit is what the annotation was written against, never a change since.
            if let anchorCommit = annotation.anchor?.commit?.prefix(12), anchorCommit.count >= 7 {
              state.changedBy.removeAll { $0.hasPrefix(anchorCommit) }
            }
          }
        }
        states[annotation.id] = state
      }
      links = try store.linksToSupersededDocuments().map { SupersededLink(superseded: $0.superseded, supersededBy: $0.supersededBy, linkedFrom: $0.linkedFrom) }
    }
    return AnnotationAssessment(
      annotations: loaded.annotations, live: live, states: states, conflicts: ConflictDetector.detect(loaded.annotations, states: states, links: links),
      errors: loaded.errors, clashes: loaded.clashes)
  }
}

extension AnnotationService {
  /// Every definition of a symbol target when there is more than one (an ambiguous anchor,
  /// which `ctx annotate` names instead of anchoring to the first in silence); else empty.
  public func definitions(of target: AnnotationTarget) throws -> [String] {
    guard case .symbol = target, let store else { return [] }
    return try TargetResolver(store: store).state(of: target).definitions
  }
}

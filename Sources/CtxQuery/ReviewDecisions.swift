import CtxAnnotations
import CtxCore
import Foundation

/// A person's decisions on review items, recorded in the annotation files: who decided, when
/// and why (`reviewed_by`, `reviewed_at`, `review_reason`). Every write replaces one file
/// atomically (`rename(2)`); nothing is deleted: a rejected or superseded annotation stays on
/// file, and an edit is a new annotation that supersedes the old one.
public struct ReviewDecisions: Sendable {
  public let service: AnnotationService
  public let reviewer: String
  public let reason: String?
  public let now: Date

  public init(service: AnnotationService, reviewer: String, reason: String? = nil, now: Date = Date()) {
    self.service = service
    self.reviewer = reviewer
    self.reason = reason.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
    self.now = now
  }

  var review: Annotation.Review { Annotation.Review(by: reviewer, at: now, reason: reason) }

  /// This decision's record for `annotation`, keeping the decision it replaces (by someone,
  /// with a reason) in its reason: a file holds one review, and nothing a person wrote is lost.
  func review(replacing annotation: Annotation) -> Annotation.Review {
    guard let note = ReviewDecisions.earlierDecision(of: annotation) else { return review }
    return Annotation.Review(by: reviewer, at: now, reason: [reason, note].compactMap { $0 }.joined(separator: "; "))
  }

  /// The decision an annotation holds, as a note for the one replacing it ("earlier accepted
  /// by Carol, 2026-12-07T21:30:00Z: checked testing.py"); nil when it was never reviewed.
  static func earlierDecision(of annotation: Annotation) -> String? {
    guard let earlier = annotation.review else { return nil }
    var note = "earlier \(annotation.status.rawValue) by \(earlier.by), \(Timestamps.string(earlier.at))"
    if let why = earlier.reason { note += ": \(why)" }
    return note
  }

  /// True when `annotation` came back from `accept` or `reject` as it was: it already held
  /// that decision, which is kept (who made it, when and why) rather than overwritten.
  public func leftAsItWas(_ annotation: Annotation) -> Bool {
    annotation.review.map { $0.at != now || $0.by != reviewer } ?? false
  }

  /// Accepts an annotation (an id or unique prefix): status `accepted`, the decision recorded,
  /// and the annotations named in `supersedes` replaced by it.
  ///
  /// - Throws: `.notFound` for an unknown id (in `id` or `supersedes`); `.invalidQuery` when
  ///   it would supersede itself.
  public func accept(_ id: String, supersedes: [String] = []) throws -> Annotation {
    var annotation = try service.find(id)
    let replaced = try resolve(supersedes, besides: annotation.id)
    let added = replaced.filter { !annotation.supersedes.contains($0) }
    // Accepted already, by someone: that decision stands as it was recorded.
    if annotation.status == .accepted && annotation.review != nil && added.isEmpty { return annotation }
    annotation.review = review(replacing: annotation)
    annotation.status = .accepted
    annotation.supersedes += added
    try service.folder.replace(annotation)
    return annotation
  }

  /// Rejects an annotation: kept on file with the decision, shown nowhere. Rejected already:
  /// left as it was, with who rejected it and why.
  public func reject(_ id: String) throws -> Annotation {
    var annotation = try service.find(id)
    if annotation.status == .rejected && annotation.review != nil { return annotation }
    annotation.review = review(replacing: annotation)
    annotation.status = .rejected
    try service.folder.replace(annotation)
    return annotation
  }

  /// `old` is replaced by `newer` (both ids or unique prefixes): `newer` is accepted and
  /// lists `old` in `supersedes`; `old`'s file is left as it is.
  public func supersede(_ old: [String], by newer: String) throws -> Annotation {
    guard !old.isEmpty else { throw CtxError(.invalidQuery, "name the annotation(s) to supersede, e.g. `ctx review supersede OLD --by NEW`") }
    return try accept(newer, supersedes: old)
  }

  /// "Still true as it is now": re-anchors a stale annotation or a correction to re-check
  /// (a renamed symbol moves to its new name) and records the decision.
  public func confirm(_ id: String, acceptRename: Bool = false) throws -> Annotation {
    try service.reanchor(id, acceptRename: acceptRename, review: review(replacing: try service.find(id)))
  }

  /// Replaces annotations with a person's own text: a new accepted annotation on the first
  /// one's target (same kind and fact), by the reviewer, superseding all of them.
  public func edit(_ ids: [String], text: String) throws -> Annotation {
    let originals = try ids.map { try service.find($0) }
    guard let first = originals.first else { throw CtxError(.invalidQuery, "nothing to edit") }
    let draft = AnnotationService.Draft(
      target: first.target, kind: first.kind, text: text, author: reviewer, status: .accepted,
      fact: first.factKey.map { ($0, first.factValue ?? "") }, supersedes: originals.map(\.id), allowUnresolved: true)
    var written = try service.write(draft, now: now).annotation
    written.review = Annotation.Review(by: reviewer, at: now, reason: reason ?? "edited in review, replacing \(originals.map(\.id).joined(separator: ", "))")
    try service.folder.replace(written)
    return written
  }

  /// Full ids for `ids`, each of an existing annotation other than `own`.
  private func resolve(_ ids: [String], besides own: String) throws -> [String] {
    var resolved: [String] = []
    for id in ids {
      let annotation: Annotation
      do { annotation = try service.find(id) } catch let error as CtxError where error.code == .notFound {
        throw CtxError(.notFound, "there is no annotation \(id) to supersede; `ctx annotations list` shows the ids")
      }
      guard annotation.id != own else { throw CtxError(.invalidQuery, "\(own) cannot supersede itself; name the older annotation(s) it replaces") }
      resolved.append(annotation.id)
    }
    return resolved
  }
}

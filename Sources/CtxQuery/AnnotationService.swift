import CtxAnnotations
import CtxCore
import CtxRedaction
import CtxStore
import Foundation

/// Writing, reviewing and checking annotations: what `ctx annotate`, `ctx correct`,
/// `ctx review`, `ctx conflicts` and the MCP write tools share.
///
/// The files in `annotations/` are the truth; the index (when there is one) is only used to
/// resolve targets and fingerprint them.
public struct AnnotationService: Sendable {
  public let folder: AnnotationFolder
  /// The index, when one exists: without it annotations are written unanchored.
  public let store: IndexStore?

  public init(folder: AnnotationFolder, store: IndexStore?) {
    self.folder = folder
    self.store = store
  }

  /// What to write.
  public struct Draft: Sendable {
    public var target: AnnotationTarget
    public var kind: Annotation.Kind
    public var text: String
    public var author: String
    public var status: Annotation.Status
    public var fact: (key: String, value: String)?
    public var supersedes: [String]
    /// Write even if the target cannot be found in the index.
    public var allowUnresolved: Bool

    public init(
      target: AnnotationTarget, kind: Annotation.Kind, text: String, author: String, status: Annotation.Status = .accepted,
      fact: (key: String, value: String)? = nil, supersedes: [String] = [], allowUnresolved: Bool = false
    ) {
      self.target = target
      self.kind = kind
      self.text = text
      self.author = author
      self.status = status
      self.fact = fact
      self.supersedes = supersedes
      self.allowUnresolved = allowUnresolved
    }
  }

  /// Writes a new annotation file: redacted, anchored to the target's current content.
  ///
  /// - Throws: `.notFound` when the target is not in the index (unless `allowUnresolved`),
  ///   or a superseded id does not exist; `.invalidQuery` for empty text; `.io`.
  public func write(_ draft: Draft, now: Date = Date()) throws -> (annotation: Annotation, redacted: [String: Int]) {
    let redactor = Redactor()
    let text = redactor.redact(draft.text)
    guard !text.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw CtxError(.invalidQuery, "the annotation text is empty; say what people should know (--text)")
    }
    var counts = text.counts
    var factValue = draft.fact?.value
    if let value = factValue {
      let redactedValue = redactor.redact(value)
      factValue = redactedValue.text
      for (rule, count) in redactedValue.counts { counts[rule, default: 0] += count }
    }
    if !draft.supersedes.isEmpty {
      // Any file counts, even one that does not parse now: nothing a person wrote is refused.
      let known = Set(AnnotationListing.list(folder.path).map(\.id))
      let unknown = draft.supersedes.filter { !known.contains($0) }
      if !unknown.isEmpty {
        throw CtxError(
          .notFound,
          "there is no annotation " + unknown.map { "`\($0)`" }.joined(separator: ", ")
            + " to supersede (ids are file names in annotations/ without .md); `ctx annotations list` shows the ids")
      }
    }
    var anchor: Annotation.Anchor? = nil
    if let store {
      let state = try TargetResolver(store: store).state(of: draft.target)
      if !state.exists && !draft.allowUnresolved {
        throw CtxError(
          .notFound,
          "\(draft.target) is not in the index; check the spelling (`ctx search`), run `ctx index` if it is new, or pass --force to write it unanchored")
      }
      if let fingerprint = state.fingerprint {
        anchor = Annotation.Anchor(fingerprint: fingerprint, location: state.location, commit: try headCommit(store, location: state.location))
      }
    }
    let annotation = Annotation(
      id: "", target: draft.target, kind: draft.kind, author: draft.author, date: now, status: draft.status, factKey: draft.fact?.key,
      factValue: factValue, supersedes: draft.supersedes, anchor: anchor, body: text.text.trimmingCharacters(in: .whitespacesAndNewlines))
    return (try folder.create(annotation), counts)
  }

  /// The newest indexed commit of the git source whose repository holds the file at
  /// `location`, recorded with an anchor; nil when no indexed repository holds it (a folder
  /// of documents outside git). It was the first git source's, whatever the file.
  private func headCommit(_ store: IndexStore, location: String?) throws -> String? {
    guard let location else { return nil }
    let file = TargetState.file(of: location)
    let records = try store.fileRecords(paths: [file])[file] ?? []
    guard !records.isEmpty else { return nil }
    let roots = try store.sourceRoots()
    for git in try store.gitSources() {
      let holds = records.contains { record in
        roots[record.source].map { HistorySearch.gitPath(of: record.path, codeRoot: $0.root, repositoryRoot: git.root) != nil } ?? false
      }
      if holds { return try store.refCursors(sourceID: git.id).sorted { $0.key < $1.key }.first.map { String($0.value.prefix(12)) } }
    }
    return nil
  }

  public func find(_ id: String) throws -> Annotation {
    let loaded = folder.load()
    if let found = loaded.annotations.first(where: { $0.id == id }) { return found }
    let matches = loaded.annotations.filter { $0.id.hasPrefix(id) }
    if matches.count == 1 { return matches[0] }
    if matches.count > 1 {
      throw CtxError(.invalidQuery, "`\(id)` names \(matches.count) annotations: \(matches.prefix(5).map(\.id).joined(separator: ", ")); give more of the id")
    }
    if let error = loaded.errors.first(where: { ($0.path ?? "").hasSuffix("/\(id).md") }) { throw error }
    throw CtxError(.notFound, "there is no annotation \(id) in \(folder.path); `ctx annotations list` shows the ids")
  }

  /// Re-anchors an annotation to its target's current content: "still true as it is now".
  ///
  /// A symbol that was renamed (its anchored lines now define another name) is offered under
  /// its new name; `acceptRename` moves the annotation to it, noting the old name and the
  /// commit in the review fields. `review` records who confirmed it, and when.
  public func reanchor(_ id: String, acceptRename: Bool = false, review: Annotation.Review? = nil) throws -> Annotation {
    guard let store else { throw CtxError(.notFound, "there is no index to anchor against; run `ctx index` first") }
    var annotation = try find(id)
    let resolver = TargetResolver(store: store)
    var state = try resolver.state(of: annotation.target, anchoredAt: annotation.anchor?.location)
    var renamedNote: String? = nil
    if !state.exists {
      try AnchorHistory(store: store).explain(annotation, state: &state)
      guard let newName = state.renamedTo else {
        throw CtxError(.notFound, "\(annotation.target) no longer exists; supersede or reject \(annotation.id) instead")
      }
      let commit = state.renamedIn.map { " in \($0.line)" } ?? ""
      let newTarget: AnnotationTarget = if case .path = annotation.target { .path(newName) } else { .symbol(newName) }
      guard acceptRename else {
        throw CtxError(
          .notFound,
          "\(annotation.target) was renamed to `\(newName)`\(commit); run `ctx annotations reanchor \(annotation.id) --accept-rename` to move this \(annotation.kind.rawValue) to \(newTarget), or supersede or reject it")
      }
      renamedNote = AnnotationHistory.renameNote(from: annotation.target, to: newName, commit: commit)
      annotation.target = newTarget
      state = try resolver.state(of: annotation.target, anchoredAt: state.location)
    }
    guard let fingerprint = state.fingerprint else {
      throw CtxError(.invalidQuery, "\(annotation.target) has no content to anchor to (globs, terms, commits and threads do not drift)")
    }
    annotation.anchor = Annotation.Anchor(fingerprint: fingerprint, location: state.location, commit: try headCommit(store, location: state.location))
    if var review {
      if let renamedNote { review.reason = [review.reason, renamedNote].compactMap { $0 }.joined(separator: "; ") }
      annotation.review = review
    } else if let renamedNote {
      let reason = [renamedNote, ReviewDecisions.earlierDecision(of: annotation)].compactMap { $0 }.joined(separator: "; ")
      annotation.review = Annotation.Review(by: annotation.review?.by ?? annotation.author, at: Date(), reason: reason)
    }
    try folder.replace(annotation)
    return annotation
  }

  /// Every conflict: disagreements, stale and dangling anchors, corrections to re-check,
  /// superseded documents still in use.
  public func conflicts() throws -> (conflicts: [Conflict], checked: Int, errors: [CtxError], clashes: [IdClash]) {
    let assessment = try assess()
    return (assessment.conflicts, assessment.live.count, assessment.errors, assessment.clashes)
  }
}

extension Annotation {
  /// The mirror row the index keeps.
  public func row(live: Bool, stamp: String? = nil) -> AnnotationRow {
    AnnotationRow(
      name: id, target: target.description, targetKind: target.kind, targetValue: target.value, kind: kind.rawValue, author: author, date: date,
      status: status.rawValue, live: live, factKey: factKey, factValue: factValue, supersedes: supersedes, fingerprint: anchor?.fingerprint,
      location: anchor?.location, body: body, stamp: stamp)
  }
}

import CtxAnnotations
import CtxConnectors
import CtxCore
import CtxStore
import Foundation

/// Builds the review queue: every proposal and every conflict as a `ReviewItem`, each with the
/// evidence that fits it. Read-only; what `ctx review list|show`, the guided pass and the MCP
/// `review_list`/`review_show` tools share.
public struct ReviewQueue: Sendable {
  public let service: AnnotationService

  public init(service: AnnotationService) {
    self.service = service
  }

  /// What the queue holds now.
  public struct Contents: Sendable {
    public var items: [ReviewItem]
    /// Annotation files that do not parse (named with file and line).
    public var errors: [CtxError]
    public var assessment: AnnotationAssessment
  }

  /// Proposals first (oldest first: they have waited longest), then conflicts in rule order.
  public func contents() throws -> Contents {
    let assessment = try service.assess()
    var builder = Builder(assessment: assessment, store: service.store)
    var items: [ReviewItem] = []
    for annotation in assessment.live where annotation.status == .proposed {
      items.append(try builder.proposal(annotation))
    }
    items.sort { ($0.claims.first?.date ?? .distantPast, $0.id) < ($1.claims.first?.date ?? .distantPast, $1.id) }
    for conflict in assessment.conflicts { items.append(try builder.item(for: conflict)) }
    return Contents(items: items, errors: assessment.errors, assessment: assessment)
  }

  /// The items `id` names: an item id exactly, else every item about that annotation (an id
  /// or a unique prefix of one).
  ///
  /// - Throws: `.notFound` naming what `ctx review list` shows.
  public static func find(_ id: String, in items: [ReviewItem]) throws(CtxError) -> [ReviewItem] {
    if let exact = items.first(where: { $0.id == id }) { return [exact] }
    var about = items.filter { item in item.claims.contains { $0.annotation == id } }
    if about.isEmpty {
      let ids = Set(items.flatMap { $0.claims.map(\.annotation) }.filter { $0.hasPrefix(id) })
      if ids.count > 1 {
        throw CtxError(.invalidQuery, "`\(id)` names \(ids.count) annotations: \(ids.sorted().prefix(5).joined(separator: ", ")); give more of the id")
      }
      if let only = ids.first { about = items.filter { item in item.claims.contains { $0.annotation == only } } }
    }
    guard !about.isEmpty else {
      throw CtxError(.notFound, "nothing awaits review under `\(id)`; `ctx review list` shows the item ids")
    }
    return about
  }

  /// Gathers evidence with the index's help (cited commits, paths).
  struct Builder {
    let assessment: AnnotationAssessment
    let store: IndexStore?
    let byID: [String: Annotation]
    let liveByTarget: [String: [Annotation]]
    var commitCache: [String: String?] = [:]
    var resolver: TargetResolver? = nil
    var pathCache: [String: String?] = [:]

    init(assessment: AnnotationAssessment, store: IndexStore?) {
      self.assessment = assessment
      self.store = store
      byID = Dictionary(assessment.annotations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
      liveByTarget = Dictionary(grouping: assessment.live, by: { ConflictDetector.sameTargetKey($0.target) })
    }

    mutating func proposal(_ annotation: Annotation) throws -> ReviewItem {
      var evidence = try self.evidence(about: [annotation], target: annotation.target.description)
      if let state = assessment.states[annotation.id], !state.exists {
        evidence.notes.append("\(annotation.target) is not in the index now")
      }
      let others = evidence.others.map(\.annotation)
      var actions = ["ctx review accept \(annotation.id)", "ctx review reject \(annotation.id)"]
      if !others.isEmpty { actions.insert("ctx review accept \(annotation.id) --supersedes \(others.joined(separator: ","))", at: 1) }
      return ReviewItem(
        id: annotation.id, kind: .proposal, target: annotation.target.description,
        summary: "\(annotation.author) proposes a \(annotation.kind.rawValue) on \(annotation.target)", claims: [ConflictDetector.claim(annotation)],
        evidence: evidence, actions: actions)
    }

    mutating func item(for conflict: Conflict) throws -> ReviewItem {
      let claimed = conflict.claims.compactMap { byID[$0.annotation] }
      var evidence = try self.evidence(about: claimed, target: conflict.target)
      // Disagreements list each claim as evidence; the claims already say it.
      if ![.factDisagreement, .competingCorrections].contains(conflict.kind) { evidence.notes = conflict.evidence }
      if !conflict.commits.isEmpty { evidence.commits = conflict.commits }
      if let diff = conflict.diff { evidence.diff = diff }
      let subject: String
      switch conflict.kind {
      case .factDisagreement: subject = claimed.first?.factKey ?? conflict.target
      case .competingCorrections: subject = conflict.target
      case .supersededDocument where claimed.isEmpty: subject = conflict.target + (conflict.evidence.first?.split(separator: " ").first.map { "@\($0)" } ?? "")
      default: subject = claimed.first?.id ?? conflict.target
      }
      return ReviewItem(
        id: "\(conflict.kind.rawValue):\(subject)", kind: ReviewItem.Kind(conflict.kind), target: conflict.target, summary: conflict.summary,
        claims: conflict.claims, evidence: evidence, actions: conflict.resolutions)
    }

    /// The target now, the drift since the first claim's anchor, the other live claims on the
    /// target, and what the claims cite.
    mutating func evidence(about annotations: [Annotation], target: String) throws -> ReviewEvidence {
      var evidence = ReviewEvidence()
      if let first = annotations.first {
        if let state = assessment.states[first.id] {
          evidence.location = state.location
          evidence.current = state.excerpt
          evidence.diff = state.diff
          evidence.commits = state.commits
          evidence.commitsArePrecise = state.changesArePrecise
          if state.commits.isEmpty && !state.changedBy.isEmpty { evidence.notes = state.changedBy.map { "changed by \($0)" } }
        }
        evidence.anchoredAt = first.anchor?.location
        evidence.anchorCommit = first.anchor?.commit
      }
      let involved = Set(annotations.map(\.id))
      var keys = Set(annotations.map { ConflictDetector.sameTargetKey($0.target) })
      if let parsed = try? AnnotationTarget(parsing: target) { keys.insert(ConflictDetector.sameTargetKey(parsed)) }
      evidence.others = keys.sorted().flatMap { liveByTarget[$0] ?? [] }.filter { !involved.contains($0.id) }.map(ConflictDetector.claim)
      var seen = Set<String>()
      for annotation in annotations {
        let mentions = DocumentMentions.extract(from: annotation.body)
        for sha in mentions.commits where seen.insert(sha).inserted { evidence.cited.append(.init(ref: "commit:\(sha)", resolved: try commit(sha))) }
        // A bare sha ("see 3eb02da") counts when the index knows the commit.
        for word in Builder.hexWords(annotation.body) where !seen.contains(word) {
          if let resolved = try commit(word) {
            seen.insert(word)
            evidence.cited.append(.init(ref: "commit:\(word)", resolved: resolved))
          }
        }
        // Targets written out (`symbol:issueToken`, `doc:docs/auth.md#expiry`): where they are now.
        for ref in Builder.targetRefs(annotation.body) where seen.insert(ref.description).inserted {
          evidence.cited.append(.init(ref: ref.description, resolved: try resolve(ref)))
        }
        for path in mentions.paths where seen.insert(path).inserted && !seen.contains("path:\(path)") {
          evidence.cited.append(.init(ref: "path:\(path)", resolved: try file(path)))
        }
      }
      return evidence
    }

    /// `kind:value` targets named in a text (not commits: those are resolved as commits).
    static func targetRefs(_ text: String) -> [AnnotationTarget] {
      let kinds = ["path:", "symbol:", "doc:", "thread:"]
      return text.split(whereSeparator: { $0.isWhitespace || "()[]<>,;\"'`".contains($0) }).compactMap { word in
        var token = String(word)
        while let last = token.last, ".:!?".contains(last) { token.removeLast() }
        guard kinds.contains(where: { token.hasPrefix($0) }) else { return nil }
        return try? AnnotationTarget(parsing: token)
      }
    }

    mutating func resolve(_ target: AnnotationTarget) throws -> String? {
      guard let store else { return nil }
      if resolver == nil { resolver = TargetResolver(store: store) }
      let state = try resolver!.state(of: target)
      return state.exists ? (state.location ?? "exists") : nil
    }

    /// Words of 7 to 40 hex digits with a digit and a letter: what a sha looks like.
    static func hexWords(_ text: String) -> [String] {
      text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map { $0.lowercased() }.filter { word in
        (7...40).contains(word.count) && word.allSatisfy(\.isHexDigit) && word.contains(where: \.isNumber) && word.contains(where: \.isLetter)
      }
    }

    mutating func commit(_ sha: String) throws -> String? {
      if let cached = commitCache[sha] { return cached }
      let found = try store?.commits(shaPrefix: sha, limit: 1).first.map {
        "\($0.sha.prefix(12)) \($0.summary) (\($0.authorName), \(ISODate.string($0.time).prefix(10)))"
      }
      commitCache[sha] = found
      return found
    }

    mutating func file(_ path: String) throws -> String? {
      let clean = path.split(separator: ":").first.map(String.init) ?? path
      if let cached = pathCache[clean] { return cached }
      let found = try store?.files(path: clean).first.map { "\($0.source): \($0.path), \($0.lineCount) lines" }
      pathCache[clean] = found
      return found
    }
  }
}

import CtxCore
import Foundation

/// One thing a person must verify, whatever its cause: an agent's proposal, a disagreement,
/// a stale, dangling, renamed or ambiguous anchor, a correction to re-check, a superseded
/// document still in use. The CLI (`ctx review`), the guided pass and the MCP `review_*`
/// tools are views of this one type (DESIGN.md, "Review is a primitive"); people decide,
/// agents only read.
public struct ReviewItem: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A proposed annotation or correction (an agent's, or written with `--proposed`).
    case proposal
    case factDisagreement = "fact-disagreement"
    case competingCorrections = "competing-corrections"
    case staleAnchor = "stale-anchor"
    case dangling
    case renamed
    case correctionRecheck = "correction-recheck"
    case ambiguousAnchor = "ambiguous-anchor"
    case supersededDocument = "superseded-document"

    public init(_ kind: Conflict.Kind) {
      self = Kind(rawValue: kind.rawValue) ?? .staleAnchor
    }

    /// Whether "accept" settles an item of this kind as it stands: a proposal, or an anchor a
    /// person confirms. A disagreement is settled by keeping one claim and superseding the
    /// others; a dangling or ambiguous anchor or a superseded document by rejecting or
    /// editing.
    public var acceptsAsItIs: Bool { [.proposal, .staleAnchor, .correctionRecheck, .renamed].contains(self) }
  }

  /// Stable while the cause stands: a proposal's annotation id, else `<kind>:<subject>`
  /// (`stale-anchor:2026-11-23-symbol-foo-caveat`, `fact-disagreement:session.ttl`).
  public var id: String
  public var kind: Kind
  /// What it is about (`symbol:validateSession`).
  public var target: String
  public var summary: String
  /// The annotations the decision is about, each with who said it and when.
  public var claims: [Conflict.Claim]
  public var evidence: ReviewEvidence
  /// Commands that settle it.
  public var actions: [String]

  public init(id: String, kind: Kind, target: String, summary: String, claims: [Conflict.Claim], evidence: ReviewEvidence, actions: [String]) {
    self.id = id
    self.kind = kind
    self.target = target
    self.summary = summary
    self.claims = claims
    self.evidence = evidence
    self.actions = actions
  }

  /// The one annotation a decision applies to; nil when the item has several (a person
  /// names which to keep) or none (a document link).
  public var soleAnnotation: String? { claims.count == 1 ? claims[0].annotation : nil }
}

import CtxAnnotations
import CtxCore
import CtxQuery
import CtxWorkspace
import Foundation
import MCP

/// The review queue for agents: read-only. Agents see what awaits a person's decision (their
/// own proposals included); only people accept or reject (`ctx review`).
enum ReviewReading {
  static func queue(_ context: ToolContext) -> ReviewQueue {
    ReviewQueue(service: AnnotationService(folder: AnnotationFolder(path: context.workspace.annotationsDirectory), store: try? context.store()))
  }
}

/// `review_list`: every item awaiting a person, each with its evidence.
public struct ReviewListTool: CtxTool {
  public let name = "review_list"
  public let description = """
    What awaits a person's review, each item with its evidence: proposed annotations and corrections (yours \
    included), fact disagreements, competing corrections on one target, annotations whose code changed since \
    they were written (the diff of the target's lines, the commits between, with authors and messages), targets \
    that vanished or were renamed, ambiguous anchors, corrections to re-check, superseded documents still in \
    use. Read-only: only people decide (`ctx review`); do not act on an unreviewed item as settled. Optional \
    `kind` filters (proposal, fact-disagreement, competing-corrections, stale-anchor, dangling, renamed, \
    correction-recheck, ambiguous-anchor, superseded-document); `limit` caps the items (default 50); \
    `evidence: false` leaves the evidence out (ids, kinds, targets, summaries and claims only: a long queue \
    in a few hundred tokens; `review_show` gives one item's evidence). Returns JSON.
    """

  public var inputSchema: Value {
    Schema.object([
      "kind": ["type": "string", "enum": .array(ReviewItem.Kind.allCases.map { .string($0.rawValue) }), "description": "Only items of this kind."],
      "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 50, "description": "At most this many items."],
      "evidence": ["type": "boolean", "default": true, "description": "false: without each item's evidence (review_show has it)."],
    ])
  }

  public init() {}

  public func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput {
    try arguments.only(["kind", "limit", "evidence"])
    var kind: ReviewItem.Kind? = nil
    if let text = try arguments.string("kind") {
      guard let parsed = ReviewItem.Kind(rawValue: text) else {
        throw ToolError.invalidArguments("`kind` is one of \(ReviewItem.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      kind = parsed
    }
    let limit = try arguments.int("limit", in: 1...1000) ?? 50
    let withEvidence = try arguments.bool("evidence") ?? true
    let contents = try ReviewReading.queue(context).contents()
    let items = contents.items.filter { kind == nil || $0.kind == kind }
    struct Result<Item: Encodable>: Encodable {
      var items: [Item]
      var total: Int
      var errors: [String]
    }
    /// An item without its evidence: what it is, on what, who claims what, how to settle it.
    struct Brief: Encodable {
      var id: String
      var kind: ReviewItem.Kind
      var target: String
      var summary: String
      var claims: [Conflict.Claim]
      var actions: [String]
    }
    let shown = Array(items.prefix(limit))
    let errors = contents.errors.map(\.description)
    guard withEvidence else {
      let briefs = shown.map { Brief(id: $0.id, kind: $0.kind, target: $0.target, summary: $0.summary, claims: $0.claims, actions: $0.actions) }
      return try .json(Result(items: briefs, total: items.count, errors: errors))
    }
    return try .json(Result(items: shown, total: items.count, errors: errors))
  }
}

/// `review_show`: one item (or every item about one annotation) with its evidence.
public struct ReviewShowTool: CtxTool {
  public let name = "review_show"
  public let description = """
    One review item with its evidence, by the `id` that `review_list` returns, or every item about one \
    annotation (its id): the target's current code, the diff since the annotation was anchored, the commits \
    between, the other live annotations on the same target, and the commits and paths its text cites, resolved. \
    Read-only; returns JSON.
    """

  public var inputSchema: Value {
    Schema.object(["id": ["type": "string", "description": "A review item id, or an annotation id."]], required: ["id"])
  }

  public init() {}

  public func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput {
    try arguments.only(["id"])
    let id = try arguments.requiredString("id")
    struct Result: Encodable { var items: [ReviewItem] }
    return try .json(Result(items: try ReviewQueue.find(id, in: ReviewReading.queue(context).contents().items)))
  }
}

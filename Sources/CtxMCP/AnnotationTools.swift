import CtxAccess
import CtxAnnotations
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation
import MCP

/// What the write tools share: agents only ever write proposals, which a person reviews
/// (`ctx review`); the agent's name is the author.
enum AgentWriting {
  static let agentProperty: Value = [
    "type": "string",
    "description": "Your name as the author (e.g. `claude-code`, `ci-triage-bot`); recorded in the annotation file.",
  ]

  /// The author recorded: over stdio the agent's own name; over HTTP the token's name always
  /// (with the agent's, when it gives one), so every write is attributed to a token.
  static func author(_ arguments: ToolArguments) throws -> String {
    let agent = try arguments.string("agent")
    guard arguments.access != .local else { return agent ?? "agent" }
    guard let agent, !agent.isEmpty, agent != arguments.access.name else { return arguments.access.name }
    return "\(agent) via \(arguments.access.name)"
  }

  static func write(_ draft: AnnotationService.Draft, context: ToolContext, access: AccessGrant) throws -> ToolOutput {
    let store = try? context.store()
    let service = AnnotationService(folder: AnnotationFolder(path: context.workspace.annotationsDirectory), store: store)
    let (annotation, redacted) = try service.write(draft)
    struct Result: Encodable {
      var id: String
      var file: String
      var target: String
      var kind: String
      var status: String
      var author: String
      var anchored: String?
      var redacted: [String: Int]
      var note: String
    }
    return try .json(
      Result(
        id: annotation.id, file: context.workspace.annotationsDirectory + "/" + annotation.id + ".md", target: annotation.target.description,
        kind: annotation.kind.rawValue, status: annotation.status.rawValue, author: annotation.author,
        // Where the target resolved may be in a source the caller cannot see.
        anchored: access.seesEverySource ? annotation.anchor?.location : nil,
        redacted: redacted,
        note: "written as a proposal: it is in search and bundles at once, shown as unreviewed until a person runs `ctx review accept \(annotation.id)`"))
  }

  static let supersedesProperty: Value = [
    "type": "array", "items": ["type": "string"],
    "description": "Optional: ids of annotations this one replaces (as `search` hits and bundles name them); they stop being shown once this one is.",
  ]

  static func target(_ arguments: ToolArguments) throws -> AnnotationTarget {
    let text = try arguments.requiredString("target")
    do { return try AnnotationTarget(parsing: text) } catch { throw ToolError.invalidArguments(error.message) }
  }
}

/// `annotate`: a proposed annotation about anything the index holds.
public struct AnnotateTool: CtxTool {
  public var isReadOnly: Bool { false }
  public let name = "annotate"
  public let description = """
    Record something people should know about code, a document, a commit, a thread or a term, that the \
    sources do not say: a caveat, a definition, an owner, a decision, a deprecation, or a plain note. \
    Written as a *proposed* annotation file (status proposed) that a person reviews; it never changes code. \
    Use `correct` instead to say something in the index is wrong. Targets: path:src/auth/** (file or glob), \
    symbol:validateSession, doc:docs/auth.md#token-expiry, commit:<sha>, thread:<channel>/<ts>, term:"session token". \
    Secrets in the text are redacted before anything is written.
    """

  public var inputSchema: Value {
    Schema.object(
      [
        "target": ["type": "string", "description": "What it is about, kind:value (see the description)."],
        "kind": [
          "type": "string", "enum": .array(Annotation.Kind.allCases.filter { $0 != .correction }.map { .string($0.rawValue) }),
          "default": "note", "description": "What sort of statement this is.",
        ],
        "text": ["type": "string", "description": "The statement, in plain words (Markdown allowed)."],
        "fact_key": ["type": "string", "description": "Optional: a fact this states, e.g. `session.ttl` (needs fact_value)."],
        "fact_value": ["type": "string", "description": "Optional: the fact's value, e.g. `3600`."],
        "supersedes": AgentWriting.supersedesProperty,
        "agent": AgentWriting.agentProperty,
      ], required: ["target", "text"])
  }

  public init() {}

  public func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput {
    try arguments.only(["target", "kind", "text", "fact_key", "fact_value", "supersedes", "agent"])
    let kindText = try arguments.string("kind") ?? "note"
    guard let kind = Annotation.Kind(rawValue: kindText), kind != .correction else {
      throw ToolError.invalidArguments("`kind` is one of note, caveat, definition, decision, owner, deprecated (use `correct` for corrections)")
    }
    let key = try arguments.string("fact_key")
    let value = try arguments.string("fact_value")
    guard (key == nil) == (value == nil) else { throw ToolError.invalidArguments("`fact_key` and `fact_value` go together") }
    let draft = AnnotationService.Draft(
      target: try AgentWriting.target(arguments), kind: kind, text: try arguments.requiredString("text"),
      author: try AgentWriting.author(arguments), status: .proposed, fact: key.map { ($0, value ?? "") },
      supersedes: try arguments.strings("supersedes") ?? [])
    return try AgentWriting.write(draft, context: context, access: arguments.access)
  }
}

/// `correct`: a proposed correction.
public struct CorrectTool: CtxTool {
  public var isReadOnly: Bool { false }
  public let name = "correct"
  public let description = """
    Say that something in the index or a bundle is wrong, and what is true instead (e.g. a comment or doc \
    that no longer matches the code, a wrong assumption you or another agent made). Written as a *proposed* \
    correction that a person reviews; once accepted it is shown first wherever its target appears. Targets as \
    for `annotate`.
    """

  public var inputSchema: Value {
    Schema.object(
      [
        "target": ["type": "string", "description": "What is being corrected, kind:value (e.g. symbol:validateSession)."],
        "text": ["type": "string", "description": "What is actually true, with the evidence."],
        "supersedes": AgentWriting.supersedesProperty,
        "agent": AgentWriting.agentProperty,
      ], required: ["target", "text"])
  }

  public init() {}

  public func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput {
    try arguments.only(["target", "text", "supersedes", "agent"])
    let draft = AnnotationService.Draft(
      target: try AgentWriting.target(arguments), kind: .correction, text: try arguments.requiredString("text"),
      author: try AgentWriting.author(arguments), status: .proposed, supersedes: try arguments.strings("supersedes") ?? [])
    return try AgentWriting.write(draft, context: context, access: arguments.access)
  }
}

/// `conflicts`: what people disagree about, and memory that may be stale.
public struct ConflictsTool: CtxTool {
  public let name = "conflicts"
  public let description = """
    Disagreements and stale memory in the annotations: two annotations stating different values for one \
    fact, annotations whose code changed since they were written (with the commits that changed it), targets \
    that no longer exist, corrections to re-check, and superseded documents still treated as current. Each \
    comes with its claims (who, when, what), evidence, and the commands a person can run to resolve it. Do not \
    pick a side yourself: report the conflict. Takes no arguments; returns JSON.
    """

  public var inputSchema: Value { Schema.object([:]) }

  public init() {}

  public func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput {
    try arguments.only([])
    let service = AnnotationService(folder: AnnotationFolder(path: context.workspace.annotationsDirectory), store: try? context.store())
    let found = try service.conflicts()
    struct Result: Encodable {
      var conflicts: [Conflict]
      var checked: Int
      var errors: [String]
      var idClashes: [IdClash]
    }
    return try .json(Result(conflicts: found.conflicts, checked: found.checked, errors: found.errors.map(\.description), idClashes: found.clashes))
  }
}

import ArgumentParser
import CtxAnnotations
import CtxCore
import CtxQuery
import CtxWorkspace
import Foundation

extension ReviewItem.Kind: ExpressibleByArgument {}

/// Options every deciding subcommand shares: who decides, and why.
struct ReviewerOptions: ParsableArguments {
  @Option(name: .long, help: "Who decides (default: git's user.name, else $USER); recorded as reviewed_by.")
  var reviewer: String?

  @Option(name: .long, help: "Why (optional); recorded as review_reason.")
  var reason: String?

  func decisions(_ workspace: Workspace) throws -> ReviewDecisions {
    ReviewDecisions(
      service: try AnnotationContext.service(workspace), reviewer: AnnotationContext.author(reviewer, workspace: workspace), reason: reason)
  }
}

extension Ctx {
  struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "review",
      abstract: "Everything a person must verify: agents' proposals, disagreements, stale, dangling, renamed or ambiguous anchors, corrections to re-check, superseded documents.",
      discussion: """
        Each item comes with its evidence: the target's code now, the diff of its lines since the anchor, the commits \
        between, the other claims on the same target, and what the claim cites. With no subcommand: a guided pass, one \
        item at a time (answers read from stdin). Decisions record who (--reviewer) and when (and --reason) in the file.
        """,
      subcommands: [Next.self, List.self, Show.self, Accept.self, Reject.self, Supersede.self], defaultSubcommand: Next.self)

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The review queue, a few lines per item (--evidence: each with its evidence). Exit 0 when nothing waits, 1 when something does, 2 on an error.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Option(name: .long, help: "Only items of this kind (proposal, fact-disagreement, competing-corrections, stale-anchor, dangling, renamed, correction-recheck, ambiguous-anchor, superseded-document).")
      var kind: ReviewItem.Kind?
      @Flag(name: .long, help: "Print each item with its evidence (the code now, the diff, the commits, the other claims), as `ctx review show` does.")
      var evidence = false
      @Flag(name: .long, help: "Print them as JSON, with their evidence: {\"items\": [...], \"errors\": [...]}.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let contents = try ReviewQueue(service: try AnnotationContext.service(workspace)).contents()
        let items = contents.items.filter { kind == nil || $0.kind == kind }
        if json {
          try Output.json(ReviewListJSON(items: items, errors: contents.errors.map(\.description)))
        } else if items.isEmpty {
          Output.write("nothing to review\n" + contents.errors.map { "error: \($0.description)\n" }.joined())
        } else {
          // A queue of dozens must stay readable: a few lines each, the evidence on request.
          let render = evidence ? ReviewText.render : ReviewText.brief
          let hint = evidence ? "" : "`ctx review show ID` prints one with its evidence; "
          Output.write(
            items.enumerated().map { render($0.element, "\($0.offset + 1)/\(items.count)") }.joined(separator: evidence ? "\n" : "")
              + contents.errors.map { "error: \($0.description)\n" }.joined()
              + "\n\(items.count) item(s) to review; \(hint)`ctx review` goes through them one at a time\n")
        }
        if !items.isEmpty { throw ExitCode(CtxExit.nothing) }
      }
    }

    struct Show: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One review item with its evidence (an item id, or an annotation id: every item about it).")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Argument(help: "An item id from `ctx review list`, or an annotation id.") var id: String
      @Flag(name: .long, help: "Print it as JSON: {\"items\": [...]}.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let items = try ReviewQueue.find(id, in: try ReviewQueue(service: try AnnotationContext.service(workspace)).contents().items)
        if json {
          try Output.json(ReviewListJSON(items: items, errors: []))
        } else {
          Output.write(items.map { ReviewText.render($0, position: nil) }.joined(separator: "\n"))
        }
      }
    }

    struct Accept: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Accept: a proposal becomes reviewed; a stale, re-check or renamed item is confirmed as still true (re-anchored).",
        discussion: "ID is an annotation id or an item id from `ctx review list`. --supersedes replaces older annotations with this one.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @OptionGroup var reviewerOptions: ReviewerOptions
      @Argument(help: "The annotation id (or a review item id).") var id: String
      @Option(name: .long, help: ArgumentHelp("Ids of annotations this one replaces (comma separated).", valueName: "ids")) var supersedes: String?
      @Flag(name: .long, help: "Print the accepted annotation as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let decisions = try reviewerOptions.decisions(workspace)
        let replaced = ReviewText.ids(supersedes)
        let annotation: Annotation
        if let kind = ReviewText.itemKind(id), kind != .proposal {
          let subject = try ReviewText.subject(id, workspace: workspace)
          switch kind {
          case .staleAnchor, .correctionRecheck, .renamed:
            annotation = try decisions.confirm(subject, acceptRename: kind == .renamed)
            if !replaced.isEmpty { _ = try decisions.accept(annotation.id, supersedes: replaced) }
          default:
            throw CtxError(
              .invalidQuery,
              "a \(kind.rawValue) item cannot be accepted as it is: accept the annotation that holds with `ctx review accept ANNOTATION --supersedes OTHERS`, or reject, or supersede it")
          }
        } else {
          annotation = try decisions.accept(id, supersedes: replaced)
        }
        try ReviewText.decided("accepted", annotation, unchanged: decisions.leftAsItWas(annotation), json: json)
      }
    }

    struct Reject: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject an annotation: kept on file with who rejected it and when, shown nowhere.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @OptionGroup var reviewerOptions: ReviewerOptions
      @Argument(help: "The annotation id (or a review item id about one annotation).") var id: String
      @Flag(name: .long, help: "Print the rejected annotation as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let subject = ReviewText.itemKind(id) == nil ? id : try ReviewText.subject(id, workspace: workspace)
        let decisions = try reviewerOptions.decisions(workspace)
        let annotation = try decisions.reject(subject)
        try ReviewText.decided("rejected", annotation, unchanged: decisions.leftAsItWas(annotation), json: json)
      }
    }

    struct Supersede: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "supersede",
        abstract: "Replace annotations with another: `ctx review supersede OLD[,OLD...] --by NEW` (NEW is accepted; OLD files are kept).")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @OptionGroup var reviewerOptions: ReviewerOptions
      @Argument(help: ArgumentHelp("The annotation(s) replaced (comma separated).", valueName: "ids")) var old: String
      @Option(name: .long, help: "The annotation that replaces them.") var by: String
      @Flag(name: .long, help: "Print the superseding annotation as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        try ReviewText.decided("superseded by", try reviewerOptions.decisions(workspace).supersede(ReviewText.ids(old), by: by), json: json)
      }
    }

    struct Next: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "next", abstract: "A guided pass: one item at a time, answered accept / reject / edit / skip / quit on stdin.",
        discussion: "Exit codes: 0 the pass ran; 1 nothing to review; 2 an error.", aliases: ["guided"])
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @OptionGroup var reviewerOptions: ReviewerOptions
      @Flag(name: .long, help: "The guided pass (the default; for scripts that spell it out).") var guided = false
      @Option(name: .long, help: "Only items of this kind.") var kind: ReviewItem.Kind?

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let pass = GuidedReview(
          queue: ReviewQueue(service: try AnnotationContext.service(workspace)), decisions: try reviewerOptions.decisions(workspace), kind: kind,
          read: { readLine(strippingNewline: true) }, write: Output.write)
        if try pass.run() == 0 { throw ExitCode(CtxExit.nothing) }
      }
    }
  }
}

struct ReviewListJSON: Encodable {
  var items: [ReviewItem]
  var errors: [String]
}

/// How review items read on a terminal, and the small parsing the subcommands share.
enum ReviewText {
  static func ids(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// The kind of an item id (`stale-anchor:ID`); nil for a plain annotation id.
  static func itemKind(_ id: String) -> ReviewItem.Kind? {
    guard let colon = id.firstIndex(of: ":") else { return nil }
    return ReviewItem.Kind(rawValue: String(id[..<colon]))
  }

  /// The one annotation an item id is about.
  static func subject(_ id: String, workspace: Workspace) throws -> String {
    let items = try ReviewQueue.find(id, in: try ReviewQueue(service: try AnnotationContext.service(workspace)).contents().items)
    guard let item = items.first, let sole = item.soleAnnotation else {
      let claims = items.first?.claims.map(\.annotation) ?? []
      throw CtxError(
        .invalidQuery,
        "\(id) is about \(claims.count) annotations (\(claims.joined(separator: ", "))): name the one to decide on, e.g. `ctx review accept \(claims.first ?? "ID") --supersedes \(claims.dropFirst().joined(separator: ","))`")
    }
    return sole
  }

  /// - Parameter unchanged: the annotation already held that decision, left as it was.
  static func decided(_ verb: String, _ annotation: Annotation, unchanged: Bool = false, json: Bool) throws {
    if json {
      try Output.json(AnnotationJSON(annotation, live: annotation.status != .rejected))
    } else {
      var line = (unchanged ? "already " : "") + "\(verb) \(annotation.id)"
      if verb != "rejected", !annotation.supersedes.isEmpty { line += " (supersedes \(annotation.supersedes.joined(separator: ", ")))" }
      if let review = annotation.review {
        line += " — \(review.by), \(Timestamps.string(review.at))"
        if unchanged { line += (review.reason.map { ": \($0)" } ?? "") + "; nothing changed" }
      }
      Output.write(line + "\n")
    }
  }

  /// An item in a few lines: what it is, on what, and each claim's first line.
  static func brief(_ item: ReviewItem, position: String?) -> String {
    var out = (position.map { "[\($0)] " } ?? "") + "\(item.id)\n"
    out += "  \(item.kind.rawValue) on \(item.target): \(item.summary)\n"
    for claim in item.claims {
      // A proposal's item id is its annotation's: not named twice.
      let name = claim.annotation == item.id ? "" : "\(claim.annotation) "
      out += "  - \(name)[\(claim.status)] by \(claim.author): \(firstLine(claim.text))\n"
    }
    return out
  }

  static func render(_ item: ReviewItem, position: String?) -> String {
    var out = (position.map { "[\($0)] " } ?? "") + "\(item.id)\n"
    out += "  \(item.kind.rawValue) on \(item.target): \(item.summary)\n"
    for (index, claim) in item.claims.enumerated() {
      out += "  \(item.claims.count > 1 ? "\(index + 1)." : "-") \(claim.annotation)  \(claim.kind ?? "") [\(claim.status)] by \(claim.author), \(Timestamps.day(claim.date))"
      if let value = claim.value { out += ", value \(value)" }
      if let by = claim.reviewedBy { out += ", reviewed by \(by)" + (claim.reviewedAt.map { " \(Timestamps.day($0))" } ?? "") }
      out += "\n" + indent(claim.text, "      ") + "\n"
    }
    let evidence = item.evidence
    if let current = evidence.current { out += "  now at \(evidence.location ?? "?"):\n" + indent(current, "    | ") + "\n" }
    if let anchoredAt = evidence.anchoredAt {
      out += "  anchored at \(anchoredAt)" + (evidence.anchorCommit.map { " @ \($0)" } ?? "") + "\n"
    }
    if let diff = evidence.diff { out += "  changed since the anchor:\n" + indent(diff, "    ") + "\n" }
    if !evidence.commits.isEmpty {
      out += evidence.commitsArePrecise ? "  commits that changed these lines since the anchor:\n" : "  commits touching the file since:\n"
      for commit in evidence.commits { out += "    \(commit.line)\n" }
    }
    // The rule's lines, less what is shown above already (the diff, the current code, the commits).
    for note in evidence.notes
    where !note.hasPrefix("changed since the anchor:\n") && !note.hasPrefix("now:\n") && !(note.hasPrefix("changed by ") && !evidence.commits.isEmpty) {
      out += "  " + note.replacingOccurrences(of: "\n", with: "\n    ") + "\n"
    }
    if !evidence.others.isEmpty {
      out += "  other live annotations on this target:\n"
      for other in evidence.others {
        out += "    \(other.annotation)  \(other.kind ?? "") [\(other.status)] by \(other.author), \(Timestamps.day(other.date)): \(firstLine(other.text))\n"
      }
    }
    if !evidence.cited.isEmpty {
      out += "  cites:\n"
      for cited in evidence.cited { out += "    \(cited.ref): \(cited.resolved ?? "not in the index")\n" }
    }
    for action in item.actions { out += "  do: \(action)\n" }
    return out
  }

  static func indent(_ text: String, _ prefix: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
  }

  static func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n").first.map(String.init) ?? ""
    return line.count > 100 ? String(line.prefix(97)) + "..." : line
  }
}

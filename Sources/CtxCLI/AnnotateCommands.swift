import ArgumentParser
import CtxAnnotations
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

extension Annotation.Kind: ExpressibleByArgument {}

/// What the annotation commands share: the workspace's folder and (when built) index.
enum AnnotationContext {
  static func service(_ workspace: Workspace) throws -> AnnotationService {
    let store: IndexStore? = FileManager.default.fileExists(atPath: workspace.databasePath)
      ? try IndexStore(path: workspace.databasePath, mode: .readOnly) : nil
    return AnnotationService(folder: AnnotationFolder(path: workspace.annotationsDirectory), store: store)
  }

  /// `--author` (or `--reviewer`), else git's `user.name` for the workspace, else `$USER`.
  static func author(_ explicit: String?, workspace: Workspace) -> String {
    if let explicit, !explicit.isEmpty { return explicit }
    if let name = gitUserName(workspace.root), !name.isEmpty { return name }
    return ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
  }

  /// `git config --get user.name`, with a 5 s deadline (a hung credential helper or network
  /// file system must not hang `ctx annotate`).
  static func gitUserName(_ root: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { String($0) + "/git" }
    guard let git = path.first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
      let child = try? ChildProcess(executable: git, arguments: ["-C", root, "config", "--get", "user.name"])
    else { return nil }
    defer { child.terminate() }
    var bytes: [UInt8] = []
    let deadline = Date().addingTimeInterval(5)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while Date() < deadline {
      var descriptor = pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) >= 0 || errno == EINTR else { return nil }
      let count = read(child.output, &buffer, buffer.count)
      if count > 0 {
        bytes += buffer[0..<count]
      } else if count == 0 {
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      } else if errno != EAGAIN && errno != EINTR {
        return nil
      }
    }
    return nil
  }

  static func describe(_ annotation: Annotation, path: String) -> String {
    var lines = ["\(annotation.id)  \(annotation.kind.rawValue) on \(annotation.target)  [\(annotation.status.rawValue)]"]
    lines.append("  by \(annotation.author), \(Timestamps.string(annotation.date))")
    if let key = annotation.factKey { lines.append("  fact: \(key) = \(annotation.factValue ?? "")") }
    if !annotation.supersedes.isEmpty { lines.append("  supersedes: \(annotation.supersedes.joined(separator: ", "))") }
    if let anchor = annotation.anchor { lines.append("  anchored at \(anchor.location ?? "?") (\(anchor.fingerprint.prefix(19)))") }
    if let review = annotation.review {
      lines.append("  reviewed by \(review.by), \(Timestamps.string(review.at))" + (review.reason.map { ": \($0)" } ?? ""))
    }
    lines.append("  file: \(path)/\(annotation.id).md")
    return lines.joined(separator: "\n")
  }
}

extension Ctx {
  struct Annotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "annotate",
      abstract: "Write an annotation (a file in annotations/) about a path, symbol, doc, commit, thread or term.",
      discussion: """
        TARGET is path:src/auth/**, symbol:validateSession, doc:docs/auth.md#token-expiry, commit:4f2a9c1e, \
        thread:general/1704186100.000200 or term:"session token". The text is redacted, and the target's current \
        content is fingerprinted so `ctx conflicts` can tell when it changes. Exit codes: 0 written; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What the annotation is about (kind:value).")
    var target: String

    @Option(name: .long, help: "note, caveat, definition, decision, owner, deprecated or correction.")
    var kind: Annotation.Kind = .note

    @Option(name: .long, help: "What people (and agents) should know. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: ArgumentHelp("A fact this states, key=value (two annotations disagreeing on a key is a conflict).", valueName: "key=value"))
    var fact: String?

    @Option(name: .long, help: "Who says so (default: git's user.name, else $USER).")
    var author: String?

    @Option(name: .long, help: ArgumentHelp("Ids of annotations this one replaces (comma separated).", valueName: "ids"))
    var supersedes: String?

    @Flag(name: .long, help: "Write it as a proposal, shown as unreviewed until `ctx review accept`.")
    var proposed = false

    @Flag(name: .long, help: "Write it even if the target is not in the index (unanchored).")
    var force = false

    @Flag(name: .long, help: "Print the written annotation as JSON.")
    var json = false

    func validate() throws {
      if let fact, !fact.contains("=") || fact.hasPrefix("=") { throw ValidationError("--fact is key=value, e.g. --fact session.ttl=3600") }
    }

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let parsedFact = fact.map { spec -> (key: String, value: String) in
        let index = spec.firstIndex(of: "=")!
        return (String(spec[..<index]).trimmingCharacters(in: .whitespaces), String(spec[spec.index(after: index)...]).trimmingCharacters(in: .whitespaces))
      }
      let draft = AnnotationService.Draft(
        target: try AnnotationTarget(parsing: target), kind: kind, text: try QueryText.resolve(text),
        author: AnnotationContext.author(author, workspace: workspace), status: proposed ? .proposed : .accepted, fact: parsedFact,
        supersedes: (supersedes ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
        allowUnresolved: force)
      let service = try AnnotationContext.service(workspace)
      try AnnotationCommandOutput.written(try service.write(draft), workspace: workspace, json: json, definitions: try service.definitions(of: draft.target))
    }
  }

  struct Correct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "correct",
      abstract: "Record a correction: what is actually true about TARGET (shown first wherever TARGET appears).",
      discussion: "Same as `ctx annotate TARGET --kind correction --text TEXT`. Exit codes: 0 written; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What is being corrected (kind:value).")
    var target: String

    @Argument(help: "The correction. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: "Who says so (default: git's user.name, else $USER).")
    var author: String?

    @Flag(name: .long, help: "Write it as a proposal, shown as unreviewed until `ctx review accept`.")
    var proposed = false

    @Flag(name: .long, help: "Write it even if the target is not in the index.")
    var force = false

    @Flag(name: .long, help: "Print the written correction as JSON.")
    var json = false

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let draft = AnnotationService.Draft(
        target: try AnnotationTarget(parsing: target), kind: .correction, text: try QueryText.resolve(text),
        author: AnnotationContext.author(author, workspace: workspace), status: proposed ? .proposed : .accepted, allowUnresolved: force)
      let service = try AnnotationContext.service(workspace)
      try AnnotationCommandOutput.written(try service.write(draft), workspace: workspace, json: json, definitions: try service.definitions(of: draft.target))
    }
  }

  struct Annotations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "annotations",
      abstract: "List, show or re-anchor annotations.",
      subcommands: [List.self, Show.self, Log.self, Reanchor.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every annotation, with its target, kind and status; and files that do not parse.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Flag(name: .long, help: "Print them as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let loaded = AnnotationFolder(path: workspace.annotationsDirectory).load()
        let live = Set(ConflictDetector.live(loaded.annotations).map(\.id))
        if json {
          try Output.json(AnnotationListJSON(annotations: loaded.annotations.map { AnnotationJSON($0, live: live.contains($0.id)) }, errors: loaded.errors.map(\.description)))
        } else {
          var output = ""
          for annotation in loaded.annotations {
            let state = live.contains(annotation.id) ? annotation.status.rawValue : (annotation.status == .rejected ? "rejected" : "superseded")
            output += "\(annotation.id)  \(annotation.kind.rawValue)  \(annotation.target)  [\(state)]  \(annotation.author)\n"
          }
          for error in loaded.errors { output += "error: \(error.description)\n" }
          if loaded.annotations.isEmpty && loaded.errors.isEmpty { output = "no annotations yet; `ctx annotate TARGET --text ...` writes one\n" }
          Output.write(output)
        }
        if !loaded.errors.isEmpty { throw ExitCode(CtxExit.invalidWorkspace) }
      }
    }

    struct Show: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One annotation in full (an id or a unique prefix).")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Argument(help: "The annotation id (its file name without .md).") var id: String
      @Flag(name: .long, help: "Print it as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let annotation = try AnnotationContext.service(workspace).find(id)
        if json {
          try Output.json(AnnotationJSON(annotation, live: true))
        } else {
          Output.write(AnnotationContext.describe(annotation, path: workspace.annotationsDirectory) + "\n\n" + annotation.body + "\n")
        }
      }
    }

    struct Log: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "A target's annotation history, oldest first: every annotation on it (rejected ones too), what superseded what, and when.",
        discussion: "Exit codes: 0 some history; 1 none; 2 an error.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Argument(help: "The target (kind:value), e.g. symbol:validateSession.") var target: String
      @Flag(name: .long, help: "Print it as JSON.") var json = false

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let wanted = try AnnotationTarget(parsing: target)
        let loaded = AnnotationFolder(path: workspace.annotationsDirectory).load()
        let entries = AnnotationHistory.log(of: wanted, in: loaded.annotations)
        // Files that do not parse may belong to this history: say so rather than hide it.
        for error in loaded.errors { Output.errorLine("ctx: warning: \(error.description) (left out of the log until fixed)") }
        if json {
          struct LogJSON: Encodable {
            var target: String
            var annotations: [AnnotationHistoryEntry]
          }
          try Output.json(LogJSON(target: wanted.description, annotations: entries))
        } else if entries.isEmpty {
          Output.write("no annotations on \(wanted)\n")
        } else {
          var output = "\(wanted): \(entries.count) annotation(s), oldest first\n"
          for entry in entries {
            output += "\n\(Timestamps.string(entry.date))  \(entry.id)  \(entry.kind)  [\(entry.state == "live" ? entry.status : entry.state)]  \(entry.author)\n"
            // Under a name it had before or after a rename, or with its class.
            if !AnnotationHistory.sameTarget(try AnnotationTarget(parsing: entry.target), wanted) { output += "  on \(entry.target)\n" }
            if let fact = entry.fact { output += "  fact: \(fact["key"] ?? "") = \(fact["value"] ?? "")\n" }
            if !entry.supersedes.isEmpty { output += "  supersedes: \(entry.supersedes.joined(separator: ", "))\n" }
            output += "  " + entry.text.replacingOccurrences(of: "\n", with: "\n  ") + "\n"
            if let review = entry.review {
              output += "  reviewed by \(review.by), \(Timestamps.string(review.at))" + (review.reason.map { ": \($0)" } ?? "") + "\n"
            }
            if entry.state == "rejected" { output += "  rejected: kept on file, shown nowhere\n" }
            if let until = entry.trueUntil { output += "  true until \(Timestamps.string(until))\n" }
            for successor in entry.supersededBy {
              output += "  superseded by \(successor.id) (\(successor.author), \(Timestamps.string(successor.date))"
              output += (successor.status == "rejected" ? ", rejected: does not count" : successor.status == "proposed" ? ", proposed" : "")
              output += (successor.target == wanted.description ? "" : ", on \(successor.target)") + ")\n"
            }
          }
          Output.write(output)
        }
        if entries.isEmpty { throw ExitCode(CtxExit.nothing) }
      }
    }

    struct Reanchor: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "reanchor",
        abstract: "Confirm an annotation still holds: anchor it to its target's current content (clears a stale-anchor conflict).",
        discussion: "A symbol renamed since is named with the commit that renamed it; --accept-rename moves the annotation to the new name.")
      @OptionGroup var workspaceOptions: WorkspaceOptions
      @Argument(help: "The annotation id.") var id: String
      @Flag(name: .long, help: "When the symbol was renamed, move the annotation to its new name.") var acceptRename = false
      @Option(name: .long, help: "Who confirms it (default: git's user.name, else $USER).") var reviewer: String?

      func run() async throws {
        let workspace = try workspaceOptions.locate()
        let review = Annotation.Review(by: AnnotationContext.author(reviewer, workspace: workspace), at: Date())
        let annotation = try AnnotationContext.service(workspace).reanchor(id, acceptRename: acceptRename, review: review)
        Output.write("re-anchored \(annotation.id) (\(annotation.target)) to \(annotation.anchor?.location ?? "?")\n")
      }
    }
  }

  struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "conflicts",
      abstract: "Disagreements and stale memory: conflicting facts, changed or vanished targets, corrections to re-check, superseded documents.",
      discussion: "Exit codes: 0 no conflicts; 1 some (listed with evidence and the commands that resolve them); 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(name: .long, help: "Print them as JSON.")
    var json = false

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let found = try AnnotationContext.service(workspace).conflicts()
      if json {
        try Output.json(
          ConflictsJSON(conflicts: found.conflicts, checked: found.checked, errors: found.errors.map(\.description), idClashes: found.clashes))
      } else {
        var output = ""
        for conflict in found.conflicts {
          output += "\(conflict.kind.rawValue): \(conflict.target)\n  \(conflict.summary)\n"
          for claim in conflict.claims {
            output += "  - \(claim.annotation) (\(claim.author), \(Timestamps.day(claim.date)), \(claim.status))"
            output += (claim.value.map { ": \($0)" } ?? "") + "\n"
          }
          for evidence in conflict.evidence { output += "  " + evidence.replacingOccurrences(of: "\n", with: "\n    ") + "\n" }
          for resolution in conflict.resolutions { output += "  resolve: \(resolution)\n" }
          output += "\n"
        }
        for clash in found.clashes { output += "id-clash: \(clash.ids.joined(separator: " / "))\n  \(clash.message)\n\n" }
        for error in found.errors { output += "error: \(error.description)\n" }
        output += "\(found.conflicts.count) conflict(s) among \(found.checked) live annotation(s)"
        output += found.clashes.isEmpty ? "\n" : "; \(found.clashes.count) id clash(es)\n"
        Output.write(output)
      }
      if !found.conflicts.isEmpty || !found.clashes.isEmpty { throw ExitCode(CtxExit.nothing) }
    }
  }
}

enum AnnotationCommandOutput {
  /// - Parameter definitions: every place the symbol is defined, when more than one.
  static func written(_ result: (annotation: Annotation, redacted: [String: Int]), workspace: Workspace, json: Bool, definitions: [String] = []) throws {
    if definitions.count > 1 {
      Output.errorLine(
        "ctx: note: \(result.annotation.target) is defined \(definitions.count) times (\(definitions.joined(separator: ", "))); it is anchored to \(result.annotation.anchor?.location ?? "the first") and `ctx conflicts` reports it as ambiguous-anchor: to mean one definition, annotate its file (path:...)")
    }
    if json {
      try Output.json(AnnotationJSON(result.annotation, live: true))
    } else {
      var text = "wrote \(workspace.annotationsDirectory)/\(result.annotation.id).md\n" + AnnotationContext.describe(result.annotation, path: workspace.annotationsDirectory) + "\n"
      if !result.redacted.isEmpty {
        text += "redacted: " + result.redacted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "\n"
      }
      if result.annotation.anchor == nil { text += "note: " + AnnotationText.unanchoredNote(result.annotation.target, workspace: workspace) + "\n" }
      Output.write(text)
    }
  }
}

struct AnnotationJSON: Encodable {
  var id: String
  var target: String
  var kind: String
  var author: String
  var date: Date
  var status: String
  var live: Bool
  var fact: [String: String]?
  var supersedes: [String]
  var anchor: Annotation.Anchor?
  var reviewedBy: String?
  var reviewedAt: Date?
  var reviewReason: String?
  var text: String

  init(_ annotation: Annotation, live: Bool) {
    id = annotation.id
    target = annotation.target.description
    kind = annotation.kind.rawValue
    author = annotation.author
    date = annotation.date
    status = annotation.status.rawValue
    self.live = live
    fact = annotation.factKey.map { ["key": $0, "value": annotation.factValue ?? ""] }
    supersedes = annotation.supersedes
    anchor = annotation.anchor
    reviewedBy = annotation.review?.by
    reviewedAt = annotation.review?.at
    reviewReason = annotation.review?.reason
    text = annotation.body
  }
}

struct AnnotationListJSON: Encodable {
  var annotations: [AnnotationJSON]
  var errors: [String]
}

struct ConflictsJSON: Encodable {
  var conflicts: [Conflict]
  var checked: Int
  var errors: [String]
  /// Files whose ids clash (docs/annotations.md, "Ids"): both kept, a person renames one.
  var idClashes: [IdClash]
}

enum AnnotationText {
  /// Why an annotation was written without an anchor, in the words that fit its target.
  static func unanchoredNote(_ target: AnnotationTarget, workspace: Workspace) -> String {
    switch target {
    case .commit, .thread, .term:
      return "a \(target.kind) is not anchored: it does not drift, so nothing is checked against later changes"
    case .path(let pattern) where pattern.contains("*") || pattern.contains("?"):
      return "a glob is not anchored: it does not drift, so nothing is checked against later changes"
    default:
      if !FileManager.default.fileExists(atPath: workspace.databasePath) {
        return "not anchored: there is no index yet (run `ctx index`, then `ctx annotations reanchor ID`); it is in effect at once all the same"
      }
      return "not anchored (the target has no content in the index); it is in effect at once all the same"
    }
  }
}

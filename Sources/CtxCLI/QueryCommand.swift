import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

enum BundleFormat: String, CaseIterable, ExpressibleByArgument {
  case markdown, json
}

/// `--source` and `--path`, shared by `ctx query` and `ctx search`.
struct ScopeOptions: ParsableArguments {
  @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Only these sources (comma separated, or repeated); an unknown name is an error listing the sources.", valueName: "name"))
  var source: [String] = []

  @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Only items whose path matches this glob (repeatable): code and documents by path, commits by a changed file; chat is left out.", valueName: "glob"))
  var path: [String] = []

  var scope: Scope {
    Scope(sources: Set(source.flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }), paths: path)
  }
}

extension Ctx {
  struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "query",
      abstract: "A context bundle for a question or task, fitted to a token budget.",
      discussion: "Exit codes: 0 a bundle with items; 1 nothing matched; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The question, task or bug report. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: "Token budget the whole bundle fits in.")
    var budget = 8000

    // `--layer` too: `ctx search` spells it that way, and people carry it over.
    @Option(name: [.customLong("layers"), .customLong("layer")], parsing: .upToNextOption, help: "Layers to include (comma separated): code, history, docs, chat, annotations.")
    var layers: [String] = []

    @Option(name: .long, help: "markdown (for people and prompts, the default) or json (for programs).")
    var format: BundleFormat?

    // The other commands spell it `--json`, and people carry it over.
    @Flag(name: .long, help: "The same as --format json.")
    var json = false

    @OptionGroup var scopeOptions: ScopeOptions

    func validate() throws {
      if budget < 200 { throw ValidationError("--budget must be at least 200 tokens") }
      if json && format == .markdown { throw ValidationError("--json and --format markdown ask for two formats; give one") }
      for name in layers.flatMap({ $0.split(separator: ",") }) where Layer(rawValue: String(name)) == nil {
        throw ValidationError("unknown layer '\(name)'; use code, history, docs, chat or annotations")
      }
    }

    func run() async throws {
      let query = try QueryText.resolve(text)
      let workspace = try workspaceOptions.locate()
      let service = try QueryService(databasePath: workspace.databasePath, annotationsFolder: workspace.annotationsDirectory)
      let wanted = Set(layers.flatMap { $0.split(separator: ",") }.compactMap { Layer(rawValue: String($0)) })
      let bundle = try service.bundle(query, budget: budget, layers: wanted, scope: scopeOptions.scope)
      switch json ? .json : format ?? .markdown {
      case .markdown: Output.write(bundle.markdown())
      case .json: try Output.json(BundleJSON(bundle))
      }
      if bundle.isEmpty { throw ExitCode(1) }
    }
  }
}


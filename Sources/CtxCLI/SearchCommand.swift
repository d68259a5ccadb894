import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

extension Layer: ExpressibleByArgument {}

extension Ctx {
  struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Flat ranked hits, for scripts and evaluation.",
      discussion: "Exit codes: 0 hits found; 1 no hits; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What to look for: words, identifiers, a file path, a whole bug report. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: "Only this layer: code, history, docs, chat or annotations.")
    var layer: Layer?

    @Option(name: .long, help: "At most this many hits.")
    var limit = 20

    @Flag(name: .long, help: "Print {\"query\": ..., \"hits\": [...]} as JSON.")
    var json = false

    @OptionGroup var scopeOptions: ScopeOptions

    func validate() throws {
      if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
      let query = try QueryText.resolve(text)
      let workspace = try workspaceOptions.locate()
      let service = try QueryService(databasePath: workspace.databasePath)
      if let layer, !service.indexedLayers().contains(layer) {
        Output.errorLine("ctx: no \(layer.rawValue) source is indexed in this workspace")
      }
      let hits = try service.search(query, layer: layer, limit: limit, scope: scopeOptions.scope)
      if json {
        try Output.json(SearchResultJSON(query: query, hits: hits))
      } else {
        Output.write(hits.map { $0.line + "\n" }.joined())
      }
      if hits.isEmpty { throw ExitCode(1) }
    }
  }
}

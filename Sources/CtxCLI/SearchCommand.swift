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
      commandName: "search",
      abstract: "Flat ranked hits, for scripts and evaluation.",
      discussion: "Exit codes: 0 hits found; 1 no hits; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    /// The text, collected with `.allUnrecognized` so that a word starting with a single `-`
    /// that is not one of search's options (`-zebra`, `-1`, `-Wall`) is text rather than a
    /// usage error. `validate()` keeps it to one argument and refuses an unknown `--word`
    /// before `--` (a mistyped option, `--jsno`, is an error, not a search for it). The
    /// strategy keeps the `--` terminator among the words; `text` drops it.
    @Argument(
      parsing: .allUnrecognized,
      help: ArgumentHelp(
        "What to look for: words, identifiers, a file path, a whole bug report (one argument: quote text with spaces). `-` reads it from stdin. Text starting with one `-` is text (`ctx search -zebra`); after `--` anything is (`ctx search -- --json`).",
        valueName: "text"))
    var words: [String] = []

    /// The words after a leading `--` terminator, if any.
    private var textWords: ArraySlice<String> { words.first == "--" ? words.dropFirst() : words[...] }

    var text: String { textWords.first ?? "" }

    @Option(name: .long, help: "Only this layer: code, history, docs, chat or annotations.")
    var layer: Layer?

    @Option(name: .long, help: "At most this many hits.")
    var limit = 20

    @Flag(name: .long, help: "Print {\"query\": ..., \"hits\": [...]} as JSON.")
    var json = false

    @OptionGroup var scopeOptions: ScopeOptions

    func validate() throws {
      let given = textWords
      if given.isEmpty { throw ValidationError("Missing expected argument '<text>'") }
      if words.first != "--", let option = given.first(where: { $0.hasPrefix("--") }) {
        throw ValidationError("Unknown option '\(option)'; to search for text starting with `--`, put `--` before it: ctx search -- '\(option)'")
      }
      if given.count > 1 {
        throw ValidationError(
          "search takes one TEXT argument, got \(given.count): \(given.map { "'\($0)'" }.joined(separator: ", ")); quote text with spaces")
      }
      if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
      let query = try QueryText.resolve(text)
      let workspace = try workspaceOptions.locate()
      let service = try QueryService(databasePath: workspace.databasePath, annotationsFolder: workspace.annotationsDirectory)
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

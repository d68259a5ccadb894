import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

enum BundleFormat: String, CaseIterable, ExpressibleByArgument {
  case markdown, json
}

extension Ctx {
  struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A context bundle for a question or task, fitted to a token budget.",
      discussion: "Exit codes: 0 a bundle with items; 1 nothing matched; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The question, task or bug report. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: "Token budget the whole bundle fits in.")
    var budget = 8000

    @Option(name: .long, parsing: .upToNextOption, help: "Layers to include (comma separated): code, history, docs, chat, annotations.")
    var layers: [String] = []

    @Option(name: .long, help: "markdown (for people and prompts) or json (for programs).")
    var format: BundleFormat = .markdown

    func validate() throws {
      if budget < 200 { throw ValidationError("--budget must be at least 200 tokens") }
      for name in layers.flatMap({ $0.split(separator: ",") }) where LayerName(rawValue: String(name)) == nil {
        throw ValidationError("unknown layer '\(name)'; use code, history, docs, chat or annotations")
      }
    }

    func run() async throws {
      let query = try QueryText.resolve(text)
      let workspace = try workspaceOptions.locate()
      let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
      let wanted = Set(layers.flatMap { $0.split(separator: ",") }.map(String.init))
      func wants(_ layer: LayerName) -> Bool { wanted.isEmpty || wanted.contains(layer.rawValue) }
      let hits = wants(.code) ? try CodeSearch(store: store).search(query, limit: 40) : []
      let history = HistorySearch(store: store)
      let bundle = try ContextBundle(query: query, codeHits: hits, budget: budget) { chunks in
        wants(.history) ? try history.explain(code: chunks, query: query, limit: 12) : []
      }
      switch format {
      case .markdown: Output.write(bundle.markdown())
      case .json: try Output.json(BundleJSON(bundle))
      }
      if bundle.isEmpty { throw ExitCode(1) }
    }
  }
}

/// `ctx query --format json`: versioned so programs can rely on it (docs/bundle-json.md).
struct BundleJSON: Encodable {
  static let currentSchemaVersion = 1

  struct CodeItem: Encodable {
    var source: String
    var ref: String
    var path: String
    var startLine: Int
    var endLine: Int
    var shownStartLine: Int
    var shownEndLine: Int
    var truncated: Bool
    var symbol: String?
    var kind: String?
    var score: Double
    var why: [String]
    var code: String
  }

  struct HistoryItem: Encodable {
    struct Change: Encodable {
      var status: String
      var path: String
      var oldPath: String?
      var added: Int?
      var removed: Int?
    }
    var source: String
    var ref: String
    var commit: String
    var summary: String
    var body: String
    var bodyTruncated: Bool
    var author: String
    var date: String
    var filesChanged: Int
    var paths: [Change]
    var score: Double
    var why: [String]
  }

  struct Layers: Encodable {
    var code: [CodeItem]
    var history: [HistoryItem]
  }

  var schemaVersion = BundleJSON.currentSchemaVersion
  var query: String
  var budget: Int
  var usedTokens: Int
  var omitted: [String: Int]
  var layers: Layers

  init(_ bundle: ContextBundle) {
    query = bundle.query
    budget = bundle.budget
    usedTokens = bundle.usedTokens
    omitted = bundle.omitted
    layers = Layers(
      code: bundle.code.map { item in
        let chunk = item.hit.chunk
        return CodeItem(
          source: chunk.source, ref: "\(chunk.path):\(chunk.startLine)-\(chunk.endLine)", path: chunk.path,
          startLine: chunk.startLine, endLine: chunk.endLine, shownStartLine: item.shownStart, shownEndLine: item.shownEnd,
          truncated: item.truncated, symbol: chunk.symbol, kind: chunk.kind, score: (item.hit.score * 1000).rounded() / 1000,
          why: item.hit.reasons, code: item.code)
      },
      history: bundle.history.map { item in
        let commit = item.hit.commit
        return HistoryItem(
          source: commit.source, ref: commit.sha, commit: commit.sha, summary: commit.summary, body: item.body,
          bodyTruncated: item.bodyTruncated, author: commit.authorName, date: ISODate.string(commit.time),
          filesChanged: commit.filesChanged,
          paths: item.hit.changes.map { HistoryItem.Change(status: $0.status.rawValue, path: $0.path, oldPath: $0.oldPath, added: $0.added, removed: $0.removed) },
          score: (item.hit.score * 1000).rounded() / 1000, why: item.hit.reasons)
      })
  }
}

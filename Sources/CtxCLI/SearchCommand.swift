import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

/// The layers `ctx search --layer` and `ctx query --layers` name (DESIGN.md).
enum LayerName: String, CaseIterable, ExpressibleByArgument {
  case code, history, docs, chat, annotations
}

/// One hit as `ctx search --json` prints it: the names DESIGN.md promises programs.
struct SearchHitJSON: Encodable {
  var layer: String
  var score: Double
  var source: String
  var ref: String
  var path: String
  var startLine: Int
  var endLine: Int
  var symbol: String?
  var kind: String?
  var why: [String]

  init(_ hit: CodeHit) {
    layer = LayerName.code.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.chunk.source
    ref = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
    path = hit.chunk.path
    startLine = hit.chunk.startLine
    endLine = hit.chunk.endLine
    symbol = hit.chunk.symbol
    kind = hit.chunk.kind
    why = hit.reasons
  }

  func encode(to encoder: any Encoder) throws {
    // Explicit keys so `symbol` and `kind` are present (as null) even when absent.
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(layer, forKey: .layer)
    try container.encode(score, forKey: .score)
    try container.encode(source, forKey: .source)
    try container.encode(ref, forKey: .ref)
    try container.encode(path, forKey: .path)
    try container.encode(startLine, forKey: .startLine)
    try container.encode(endLine, forKey: .endLine)
    try container.encode(symbol, forKey: .symbol)
    try container.encode(kind, forKey: .kind)
    try container.encode(why, forKey: .why)
  }

  enum CodingKeys: String, CodingKey {
    case layer, score, source, ref, path, startLine, endLine, symbol, kind, why
  }
}

struct SearchResultJSON: Encodable {
  var query: String
  var hits: [SearchHitJSON]
}

extension Ctx {
  struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Flat ranked hits, for scripts and evaluation.",
      discussion: "Exit codes: 0 hits found; 1 no hits; 2 an error.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What to look for: words, identifiers, a file path, a whole bug report. `-` reads it from stdin.")
    var text: String

    @Option(name: .long, help: "Only this layer: code, history, docs, chat or annotations.")
    var layer: LayerName?

    @Option(name: .long, help: "At most this many hits.")
    var limit = 20

    @Flag(name: .long, help: "Print {\"query\": ..., \"hits\": [...]} as JSON.")
    var json = false

    func validate() throws {
      if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
      let query = try QueryText.resolve(text)
      let workspace = try workspaceOptions.locate()
      let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
      var hits: [CodeHit] = []
      if layer == nil || layer == .code {
        hits = try CodeSearch(store: store).search(query, limit: limit)
      } else if let layer {
        Output.errorLine("ctx: no \(layer.rawValue) source is indexed in this workspace; only the code layer exists so far")
      }
      if json {
        try Output.json(SearchResultJSON(query: query, hits: hits.map(SearchHitJSON.init)))
      } else {
        var output = ""
        for hit in hits {
          var line = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
          if let symbol = hit.chunk.symbol { line += "  \(symbol)" + (hit.chunk.kind.map { " (\($0))" } ?? "") }
          line += "  [\(hit.chunk.source)]  " + String(format: "%.2f", hit.score)
          output += line + "\n"
        }
        Output.write(output)
      }
      if hits.isEmpty { throw ExitCode(1) }
    }
  }
}

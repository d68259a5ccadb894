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

/// One hit as `ctx search --json` prints it: the names DESIGN.md promises programs. Every hit
/// has `layer`, `score`, `source`, `ref` and `why`; the other fields depend on the layer, and
/// the ones a layer defines are always present (null when empty).
struct SearchHitJSON: Encodable {
  var layer: String
  var score: Double
  var source: String
  var ref: String
  var why: [String]
  var fields: [String: JSONValue]

  init(_ hit: CodeHit) {
    layer = LayerName.code.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.chunk.source
    ref = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
    why = hit.reasons
    fields = [
      "path": .string(hit.chunk.path), "start_line": .int(hit.chunk.startLine), "end_line": .int(hit.chunk.endLine),
      "symbol": hit.chunk.symbol.map(JSONValue.string) ?? .null, "kind": hit.chunk.kind.map(JSONValue.string) ?? .null,
    ]
  }

  init(_ hit: HistoryHit) {
    layer = LayerName.history.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.commit.source
    ref = hit.commit.sha
    why = hit.reasons
    fields = [
      "commit": .string(hit.commit.sha), "summary": .string(hit.commit.summary), "author": .string(hit.commit.authorName),
      "date": .string(ISODate.string(hit.commit.time)), "paths": .array(hit.changes.map { .string($0.path) }),
    ]
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(layer, forKey: Key(stringValue: "layer"))
    try container.encode(score, forKey: Key(stringValue: "score"))
    try container.encode(source, forKey: Key(stringValue: "source"))
    try container.encode(ref, forKey: Key(stringValue: "ref"))
    try container.encode(why, forKey: Key(stringValue: "why"))
    for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
  }
}

/// A JSON value for fields whose set depends on the layer.
enum JSONValue: Encodable {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)
  case array([JSONValue])
  case null

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .string(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .bool(let value): try container.encode(value)
    case .array(let values): try container.encode(values)
    case .null: try container.encodeNil()
    }
  }
}

/// Dates in JSON and Markdown: ISO 8601, UTC, to the second.
enum ISODate {
  static func string(_ seconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
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
      var hits: [SearchHitJSON] = []
      var lines: [(score: Double, line: String)] = []
      // Each layer ranks on its own scale; with no --layer, hits are merged by their score
      // relative to their layer's best, so the best hit of every layer comes first.
      if layer == nil || layer == .code {
        let code = try CodeSearch(store: store).search(query, limit: limit)
        let best = code.first?.score ?? 1
        for hit in code {
          hits.append(SearchHitJSON(hit))
          var line = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
          if let symbol = hit.chunk.symbol { line += "  \(symbol)" + (hit.chunk.kind.map { " (\($0))" } ?? "") }
          line += "  [\(hit.chunk.source)]  " + String(format: "%.2f", hit.score)
          lines.append((hit.score / max(best, 0.001), line))
        }
      }
      if layer == nil || layer == .history {
        let history = try HistorySearch(store: store).search(query, limit: limit)
        let best = history.first?.score ?? 1
        for hit in history {
          hits.append(SearchHitJSON(hit))
          let line = "\(hit.commit.sha.prefix(12))  \(ISODate.string(hit.commit.time).prefix(10))  \(hit.commit.authorName): \(hit.commit.summary)  [\(hit.commit.source)]  " + String(format: "%.2f", hit.score)
          lines.append((hit.score / max(best, 0.001), line))
        }
      }
      if let layer, layer != .code, layer != .history {
        Output.errorLine("ctx: the \(layer.rawValue) layer is not indexed by this version of ctx yet")
      }
      if layer == nil {
        let order = hits.indices.sorted { lines[$0].score > lines[$1].score }
        hits = order.prefix(limit).map { hits[$0] }
        lines = order.prefix(limit).map { lines[$0] }
      }
      if json {
        try Output.json(SearchResultJSON(query: query, hits: hits))
      } else {
        Output.write(lines.map { $0.line + "\n" }.joined())
      }
      if hits.isEmpty { throw ExitCode(1) }
    }
  }
}

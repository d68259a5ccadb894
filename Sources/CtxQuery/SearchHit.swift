import CtxCore
import CtxStore
import Foundation

/// One hit as `ctx search --json` prints it: the names DESIGN.md promises programs. Every hit
/// has `layer`, `score`, `source`, `ref` and `why`; the other fields depend on the layer, and
/// the ones a layer defines are always present (null when empty).
public struct SearchHit: Encodable, Sendable {
  public var layer: String
  public var score: Double
  public var source: String
  public var ref: String
  public var why: [String]
  /// The layer's own fields (DESIGN.md): code `path`, `start_line`, `end_line`, `symbol`,
  /// `kind`; history `commit`, `summary`, `author`, `date`, `paths`; ...
  public var fields: [String: JSONValue]
  /// One line for people (`ctx search` without `--json`).
  public var line: String

  /// - Parameter scope: what the symbol is defined in (`Option` for `__init__`), shown as
  ///   `Option.__init__` (`Path::convert` in Rust and C++) and as the `scope` field.
  public init(_ hit: CodeHit, scope: String? = nil) {
    layer = Layer.code.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.chunk.source
    ref = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
    why = hit.reasons
    fields = [
      "path": .string(hit.chunk.path), "start_line": .int(hit.chunk.startLine), "end_line": .int(hit.chunk.endLine),
      "symbol": hit.chunk.symbol.map(JSONValue.string) ?? .null, "kind": hit.chunk.kind.map(JSONValue.string) ?? .null,
      "scope": scope.map(JSONValue.string) ?? .null,
    ]
    line = "\(hit.chunk.path):\(hit.chunk.startLine)-\(hit.chunk.endLine)"
    if let symbol = hit.chunk.symbol {
      line += "  " + CodeBundle.qualified(symbol, scope: scope, path: hit.chunk.path) + (hit.chunk.kind.map { " (\($0))" } ?? "")
    }
    line += "  [\(hit.chunk.source)]  " + String(format: "%.2f", hit.score)
  }

  public init(_ hit: HistoryHit) {
    layer = Layer.history.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.commit.source
    ref = hit.commit.sha
    why = hit.reasons
    fields = [
      "commit": .string(hit.commit.sha), "summary": .string(hit.commit.summary), "author": .string(hit.commit.authorName),
      "date": .string(ISODate.string(hit.commit.time)), "paths": .array(hit.changes.map { .string($0.path) }),
    ]
    line = "\(hit.commit.sha.prefix(12))  \(ISODate.string(hit.commit.time).prefix(10))  \(hit.commit.authorName): \(hit.commit.summary)  [\(hit.commit.source)]  "
      + String(format: "%.2f", hit.score)
  }

  public init(_ hit: DocHit) {
    layer = Layer.docs.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.section.source
    ref = hit.ref
    why = hit.reasons
    fields = [
      "path": .string(hit.section.path), "heading": .string(hit.section.heading), "start_line": .int(hit.section.startLine),
      "end_line": .int(hit.section.endLine), "status": hit.section.status.map(JSONValue.string) ?? .null,
    ]
    line = "\(hit.ref)  \(hit.section.heading)" + (hit.section.status.map { "  (\($0))" } ?? "") + "  [\(hit.section.source)]  " + String(format: "%.2f", hit.score)
  }

  public init(_ hit: ThreadHit) {
    layer = Layer.chat.rawValue
    score = (hit.score * 1000).rounded() / 1000
    source = hit.thread.source
    ref = hit.ref
    why = hit.reasons
    let focus = hit.focus
    fields = [
      "channel": .string(hit.thread.channel), "thread": .string(hit.thread.threadTS), "ts": .string(focus?.ts ?? hit.thread.threadTS),
      "author": .string(focus?.author ?? ""), "participants": .array(hit.thread.participants.map(JSONValue.string)),
    ]
    let day = ChatTime.day(hit.thread.threadTS)
    line = "#\(hit.thread.channel) \(day)  \(focus?.author ?? ""): \(String((focus?.text ?? "").prefix(80)).replacingOccurrences(of: "\n", with: " "))  [\(hit.thread.source)]  "
      + String(format: "%.2f", hit.score)
  }

  public init(annotation row: AnnotationRow, score: Double, reasons: [String]) {
    layer = Layer.annotations.rawValue
    self.score = (score * 1000).rounded() / 1000
    source = "annotations"
    ref = row.name
    why = reasons
    fields = [
      "target": .string(row.target), "kind": .string(row.kind), "author": .string(row.author),
      "date": .string(ISODate.string(Int64(row.date.timeIntervalSince1970))), "status": .string(row.status),
      "text": .string(String(row.body.prefix(400))),
    ]
    line = "\(row.name)  \(row.kind) on \(row.target)  [\(row.status)]  \(row.author): \(String(row.body.prefix(60)).replacingOccurrences(of: "\n", with: " "))  "
      + String(format: "%.2f", score)
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
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
public enum JSONValue: Encodable, Sendable, Hashable {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)
  case array([JSONValue])
  case null

  public func encode(to encoder: any Encoder) throws {
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
public enum ISODate {
  public static func string(_ seconds: Int64) -> String {
    Timestamps.string(Date(timeIntervalSince1970: TimeInterval(seconds)))
  }
}


/// Chat timestamps (`"1700000000.000100"`) as dates.
public enum ChatTime {
  /// The date of a ts in 1970...9999, else nil. The index may hold anything an export held
  /// (an older ctx stored `"NaN"` and `"1e19"` as they came), so nothing here may trap.
  public static func date(_ ts: String) -> Date? {
    guard let seconds = Double(ts), seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 else { return nil }
    return Date(timeIntervalSince1970: seconds)
  }

  /// `2023-11-14`, or the raw timestamp when it is not one.
  public static func day(_ ts: String) -> String {
    guard let date = date(ts) else { return ts }
    return String(Timestamps.string(date).prefix(10))
  }
}

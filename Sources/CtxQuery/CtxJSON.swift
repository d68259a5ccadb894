import Foundation

/// The JSON every ctx surface prints (`--json`, `--format json`, `ctx serve`): snake_case
/// keys, sorted, ISO 8601 dates, slashes unescaped.
public enum CtxJSON {
  public static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    return encoder
  }

  public static func data(_ value: some Encodable) throws -> Data {
    try encoder().encode(value)
  }
}

/// `ctx search --json` and the `search` tool: `{"query": ..., "hits": [...]}`.
public struct SearchResultJSON: Encodable, Sendable {
  public var query: String
  public var hits: [SearchHit]

  public init(query: String, hits: [SearchHit]) {
    self.query = query
    self.hits = hits
  }
}

import Foundation

/// The checks a line passes before the SDK's `Server` sees it, and the JSON-RPC error for a
/// line that fails them.
///
/// The SDK answers what it cannot decode with a random id (a parse error must carry
/// `"id": null`), and takes a request whose `id` is neither a string nor an integer for a
/// notification, which gets no answer at all. So ctx answers those itself: the `Server` only
/// sees UTF-8 JSON-RPC 2.0 messages it can decode, and every other line gets an error
/// (docs/mcp.md, "Errors").
///
/// Related documentation: https://www.jsonrpc.org/specification ("Error object", "Examples")
enum MessageCheck {
  enum Verdict: Equatable {
    /// A blank line: skipped without an answer.
    case skip
    /// A message for the server, as it came, with the requests in it (not its notifications
    /// or responses).
    case forward(Data, requests: [Request])
    /// The JSON-RPC error to answer with instead.
    case reject(Data)
  }

  /// A request's method and id.
  struct Request: Equatable, Sendable {
    var method: String
    var id: ID
  }

  /// A JSON-RPC id: a string or an integer.
  enum ID: Equatable, Sendable {
    case string(String)
    case number(Int)

    var json: Any {
      switch self {
      case .string(let text): text
      case .number(let number): number
      }
    }
  }

  /// The deepest nesting of arrays and objects accepted; deeper is an invalid request, refused
  /// before any parser recurses into it. MCP messages nest a handful of levels.
  static let maxDepth = 64
  /// The most array elements and object members in one message, all levels together; more is
  /// an invalid request. A tool call has a few dozen.
  static let maxValues = 100_000

  static func check(_ line: [UInt8]) -> Verdict {
    guard line.contains(where: { !isWhitespace($0) }) else { return .skip }
    guard String(validating: line, as: UTF8.self) != nil else {
      return .reject(reply(id: nil, code: -32700, "parse error: the message is not UTF-8 text"))
    }
    if let problem = shapeProblem(line) {
      return .reject(reply(id: nil, code: -32600, "invalid request: \(problem)"))
    }
    let data = Data(line)
    guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
      return .reject(reply(id: nil, code: -32700, "parse error: the message is not JSON; send one JSON-RPC 2.0 message per line"))
    }
    if let batch = json as? [Any] {
      guard !batch.isEmpty else { return .reject(reply(id: nil, code: -32600, "invalid request: an empty batch")) }
      for (index, item) in batch.enumerated() {
        if let problem = problem(in: item) {
          return .reject(reply(id: nil, code: -32600, "invalid request: batch item \(index + 1): \(problem.message)"))
        }
      }
      return .forward(data, requests: batch.compactMap(request))
    }
    if let problem = problem(in: json) {
      return .reject(reply(id: problem.id, code: -32600, "invalid request: \(problem.message)"))
    }
    return .forward(data, requests: request(json).map { [$0] } ?? [])
  }

  private static func request(_ json: Any) -> Request? {
    guard let object = json as? [String: Any], let method = object["method"] as? String, let id = object["id"].flatMap(validID) else { return nil }
    return Request(method: method, id: id)
  }

  /// What is wrong with one message (nil when nothing is), and the id to answer with.
  private static func problem(in json: Any) -> (id: ID?, message: String)? {
    guard let object = json as? [String: Any] else {
      return (nil, "a message is a JSON object: {\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"...\", \"params\": {...}}")
    }
    let idGiven = object.keys.contains("id")
    let id = idGiven ? validID(object["id"] as Any) : nil
    if idGiven && id == nil {
      return (nil, "`id` must be a string or an integer")
    }
    guard object["jsonrpc"] as? String == "2.0" else { return (id, "`jsonrpc` must be \"2.0\"") }
    if let method = object["method"] {
      guard method is String else { return (id, "`method` must be a string") }
      if let params = object["params"], !(params is [String: Any] || params is [Any]) {
        return (id, "`params` must be an object")
      }
      return nil
    }
    // No method: a response to one of the server's own requests.
    guard idGiven, (object["result"] != nil) != (object["error"] != nil) else {
      return (id, "a request needs `method`; a response needs `id` and one of `result` or `error`")
    }
    return nil
  }

  /// The id as a JSON-RPC id: a string or an integer (not a boolean, a fraction, null, an
  /// array or an object).
  private static func validID(_ value: Any) -> ID? {
    if let text = value as? String { return .string(text) }
    // `as? Int` takes a number only when it is exactly an integer (1.5 and 1e300 are not).
    guard !isBoolean(value), let integer = value as? Int else { return nil }
    return .number(integer)
  }

  /// JSON `true` and `false` come back from `JSONSerialization` as `NSNumber`s of type `c`
  /// (and `as? Bool` accepts any number, so it cannot tell).
  private static func isBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
  }

  /// What makes a message's shape too big to parse (nil when nothing does): arrays and
  /// objects nested deeper than `maxDepth`, or more than `maxValues` array elements and object
  /// members in all (brackets and commas inside strings do not count). One pass, no recursion,
  /// before any parser (or the SDK's `Value` decoding, a few microseconds per element in a
  /// debug build) sees it.
  static func shapeProblem(_ line: [UInt8]) -> String? {
    line.withUnsafeBufferPointer { bytes in
      var depth = 0
      var commas = 0
      var inString = false
      var escaped = false
      for byte in bytes {
        if inString {
          if escaped {
            escaped = false
          } else if byte == UInt8(ascii: "\\") {
            escaped = true
          } else if byte == UInt8(ascii: "\"") {
            inString = false
          }
          continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
          depth += 1
          if depth > maxDepth { return "arrays and objects nested deeper than \(maxDepth) levels" }
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
        case UInt8(ascii: ","):
          commas += 1
          if commas >= maxValues { return "more than \(maxValues) array elements and object members" }
        default: break
        }
      }
      return nil
    }
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
  }

  /// A JSON-RPC error reply: `{"error":{"code":...,"message":...},"id":...,"jsonrpc":"2.0"}`.
  static func reply(id: ID?, code: Int, _ message: String) -> Data {
    let object: [String: Any] = ["jsonrpc": "2.0", "id": id?.json ?? NSNull(), "error": ["code": code, "message": message]]
    return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
      ?? Data(#"{"error":{"code":-32603,"message":"cannot encode the error"},"id":null,"jsonrpc":"2.0"}"#.utf8)
  }
}

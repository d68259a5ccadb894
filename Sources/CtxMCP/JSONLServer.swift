import CtxQuery
import Dispatch
import Foundation
import Logging
import MCP

/// `ctx serve --jsonl`: the same tools for scripts without an MCP client. One JSON request per
/// line in, one JSON reply per line out, in order (docs/mcp.md, "JSON lines").
///
/// ```
/// → {"id": 1, "tool": "search", "arguments": {"query": "validate session"}}
/// ← {"id":1,"ok":true,"result":{"hits":[...],"query":"validate session"}}
/// → not json
/// ← {"id":null,"ok":false,"error":{"code":"parse_error","message":"..."}}
/// ```
/// Blank lines are skipped; end of input ends the server.
public struct JSONLServer: Sendable {
  public let registry: ToolRegistry
  public let context: ToolContext
  public let logger: Logger
  /// A line longer than this is answered with an error and skipped.
  public var maxLineBytes = 16 << 20

  public init(registry: ToolRegistry = .standard, context: ToolContext, logger: Logger) {
    self.registry = registry
    self.context = context
    self.logger = logger
  }

  /// Reads requests from `input` until end of input, answering each on `output`.
  ///
  /// - Returns: false when `output` was closed by the reader (the replies had nowhere to go).
  @discardableResult
  public func run(input: Int32, output: Int32) -> Bool {
    var framer = LineFramer(maxLineBytes: maxLineBytes)
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = buffer.withUnsafeMutableBytes { DescriptorIO.read(input, into: $0) }
      if count < 0 {
        logger.error("cannot read requests", metadata: ["errno": "\(errno)"])
        return true
      }
      if count == 0 { break }
      let events = buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
      for event in events where !answer(event, on: output) { return false }
    }
    // A last line without a newline is still a request.
    for event in framer.finish() where !answer(event, on: output) { return false }
    return true
  }

  /// Answers one framed line.
  ///
  /// - Returns: false when the reply had nowhere to go.
  private func answer(_ event: LineFramer.Event, on output: Int32) -> Bool {
    switch event {
    case .tooLong:
      return write(JSONLServer.errorReply(id: nil, ToolError("invalid_request", "a request line is longer than \(maxLineBytes) bytes; it was skipped")), to: output)
    case .line(let line):
      guard let reply = handle(line[...]) else { return true }
      return write(reply, to: output)
    }
  }

  /// The reply to one request line, or nil for a blank line.
  public func handle(_ line: ArraySlice<UInt8>) -> String? {
    guard let decoded = String(validating: line, as: UTF8.self) else {
      return JSONLServer.errorReply(id: nil, ToolError("parse_error", "the line is not UTF-8 text"))
    }
    let text = decoded.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return nil }
    if let problem = MessageCheck.shapeProblem(Array(line)) {
      return JSONLServer.errorReply(id: nil, ToolError("invalid_request", "the request has \(problem)"))
    }
    let request: Value
    do {
      request = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
    } catch {
      return JSONLServer.errorReply(id: nil, ToolError("parse_error", "the line is not JSON; send one JSON object per line: {\"id\": 1, \"tool\": \"search\", \"arguments\": {\"query\": \"...\"}}"))
    }
    guard case .object(let fields) = request else {
      return JSONLServer.errorReply(id: nil, ToolError("invalid_request", "a request is a JSON object: {\"id\": 1, \"tool\": \"search\", \"arguments\": {...}}"))
    }
    let id = fields["id"]
    guard case .string(let tool)? = fields["tool"] else {
      return JSONLServer.errorReply(id: id, ToolError("invalid_request", "`tool` is required: one of \(registry.names.joined(separator: ", "))"))
    }
    var arguments: [String: Value] = [:]
    switch fields["arguments"] {
    case nil, .null?: break
    case .object(let values)?: arguments = values
    default: return JSONLServer.errorReply(id: id, ToolError("invalid_request", "`arguments` must be a JSON object"))
    }
    let timing = fields["timing"]?.boolValue == true
    let started = DispatchTime.now()
    let outcome = registry.call(tool, arguments: arguments, context: context)
    let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
    switch outcome {
    case .success(let output):
      var reply = "{\"id\":\(JSONLServer.encode(id)),\"ok\":true,\"result\":" + String(decoding: output.result, as: UTF8.self)
      if timing { reply += ",\"elapsed_ms\":" + String(format: "%.3f", milliseconds) }
      return reply + "}"
    case .failure(let error):
      logger.debug("tool error", metadata: ["tool": "\(tool)", "code": "\(error.code)"])
      var reply = JSONLServer.errorReply(id: id, error)
      if timing { reply = String(reply.dropLast()) + ",\"elapsed_ms\":" + String(format: "%.3f", milliseconds) + "}" }
      return reply
    }
  }

  static func errorReply(id: Value?, _ error: ToolError) -> String {
    struct Body: Encodable {
      var code: String
      var message: String
      var candidates: [String]?
    }
    let body = (try? CtxJSON.data(Body(code: error.code, message: error.message, candidates: error.candidates.isEmpty ? nil : error.candidates)))
      .map { String(decoding: $0, as: UTF8.self) } ?? "{\"code\":\"internal\",\"message\":\"cannot encode the error\"}"
    return "{\"id\":\(encode(id)),\"ok\":false,\"error\":\(body)}"
  }

  /// The request's id as JSON, echoed as it came (null when it had none).
  static func encode(_ id: Value?) -> String {
    // A plain encoder: the id's keys (if it is an object) are echoed as they came.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let id, let data = try? encoder.encode(id) else { return "null" }
    return String(decoding: data, as: UTF8.self)
  }

  private func write(_ reply: String, to descriptor: Int32) -> Bool {
    var line = reply + "\n"
    return line.withUTF8 { DescriptorIO.writeAll(descriptor, UnsafeRawBufferPointer($0)) }
  }
}

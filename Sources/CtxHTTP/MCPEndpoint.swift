import CtxAccess
import CtxMCP
import Foundation
import MCP

/// `POST /mcp`: one MCP request over the SDK's stateless streamable-HTTP transport.
///
/// Each HTTP request gets its own SDK `Server` (from the one `CtxMCPServer.makeServer`, the
/// same as stdio) on its own `StatelessHTTPServerTransport`: JSON-RPC ids from different
/// clients can then never collide, any client may `initialize`, and the server runs under the
/// grant of that request's token. Making one costs microseconds next to a tool call.
struct MCPEndpoint: Sendable {
  let mcp: CtxMCPServer

  /// The transport's own checks, minus its Origin check (HostCheck does that for every route,
  /// with the names the server is configured with).
  static let validation = StandardValidationPipeline(validators: [
    AcceptHeaderValidator(mode: .jsonOnly),
    ContentTypeValidator(),
    ProtocolVersionValidator(),
  ])

  /// What the HTTP layer reads from a body before the MCP layer: the tool called, for
  /// metrics, logs and an early 403.
  struct Probe: Sendable {
    var method: String?
    var tool: String?
    var arguments: [String: Value]?
  }

  static func probe(_ body: Data) -> Probe {
    struct Message: Decodable {
      struct Params: Decodable {
        var name: String?
        var arguments: [String: Value]?
      }
      var method: String?
      var params: Params?
    }
    guard let message = try? JSONDecoder().decode(Message.self, from: body) else { return Probe() }
    let isCall = message.method == "tools/call"
    return Probe(method: message.method, tool: isCall ? message.params?.name : nil, arguments: isCall ? message.params?.arguments : nil)
  }

  /// Serves one request under `access`.
  func serve(method: String, headers: [String: String], body: Data, access: AccessGrant) async -> MCP.HTTPResponse {
    // A JSON array is a batch, which MCP over HTTP does not take (2025-06-18): the SDK's
    // answer, "Invalid JSON", blamed valid JSON.
    if body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") {
      return .error(statusCode: 400, .invalidRequest("JSON-RPC batches are not taken over HTTP; send one message per request"))
    }
    let server = await mcp.makeServer(access: access)
    let transport = StatelessHTTPServerTransport(validationPipeline: MCPEndpoint.validation, logger: mcp.logger)
    do {
      try await server.start(transport: transport)
    } catch {
      return .error(statusCode: 500, .internalError("cannot start the MCP session: \(error)"))
    }
    let response = await transport.handleRequest(MCP.HTTPRequest(method: method, headers: headers, body: body, path: "/mcp"))
    await server.stop()
    return response
  }
}

import CtxIndexer
import CtxMCP
import CtxTestSupport
import CtxWorkspace
import Foundation
import Logging
import MCP
import Testing

/// The MCP server in-process: a real SDK `Client` over `InMemoryTransport` against the
/// `CtxMCP` server, on a real index (the stdio framing is tested through the binary in
/// CtxCLITests.ServeTests).
@Suite struct MCPServerTests {
  struct Fixture {
    let scratch = ScratchDirectory()
    let workspace: Workspace

    init(indexed: Bool = true) async throws {
      let repo = try GitRepoFixture(at: scratch.path + "/repo")
      try scratch.write(["src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 8;\n}\n"], under: "repo")
      try repo.commitAll("Require longer session tokens", date: "2024-05-01T12:00:00Z")
      workspace = Workspace(root: scratch.path + "/ws")
      _ = try Workspace.create(at: workspace.root)
      try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
      if indexed { _ = try await Indexer(workspace: workspace, options: IndexOptions()).run() }
    }

    /// Runs `body` with a client connected to a fresh server, then disconnects both.
    func withClient(_ body: (Client) async throws -> Void) async throws {
      let server = await CtxMCPServer(context: ToolContext(workspace: workspace), version: "test", logger: Logger(label: "test")).makeServer()
      let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
      try await server.start(transport: serverSide)
      let client = Client(name: "test", version: "1")
      do {
        _ = try await client.connect(transport: clientSide)
        try await body(client)
      } catch {
        await client.disconnect()
        await server.stop()
        throw error
      }
      await client.disconnect()
      await server.stop()
    }
  }

  static func text(_ content: [Tool.Content]) -> String {
    content.map { if case .text(let text, _, _) = $0 { text } else { "" } }.joined()
  }

  @Test func listsToolsWithSchemasAndAnswersCalls() async throws {
    let fixture = try await Fixture()
    try await fixture.withClient { client in
      let tools = try await client.listTools().tools
      #expect(tools.map(\.name) == ["context", "search", "show", "annotate", "correct", "conflicts", "review_list", "review_show", "status"])
      for tool in tools {
        #expect(tool.inputSchema.objectValue?["type"] == "object", "\(tool.name)")
        // Only the two tools that write proposals are not read-only.
        #expect(tool.annotations.readOnlyHint == !["annotate", "correct"].contains(tool.name), "\(tool.name)")
        #expect((tool.description ?? "").count > 80, "\(tool.name) needs a description written for agents")
      }
      #expect(tools.first { $0.name == "search" }?.inputSchema.objectValue?["required"] == ["query"])

      let context = try await client.callTool(name: "context", arguments: ["query": "validateSession", "budget": 2000])
      #expect(context.isError == false)
      #expect(MCPServerTests.text(context.content).contains("return token.length > 8;"))

      let search = try await client.callTool(name: "search", arguments: ["query": "session token", "layer": "code"])
      let hits = try JSONSerialization.jsonObject(with: Data(MCPServerTests.text(search.content).utf8)) as? [String: Any]
      #expect(((hits?["hits"] as? [[String: Any]])?.first?["ref"]) as? String == "src/auth/session.ts:1-3")

      let show = try await client.callTool(name: "show", arguments: ["ref": "src/auth/session.ts:2"])
      #expect(MCPServerTests.text(show.content).contains(#""freshness":"unchanged""#))
    }
  }

  @Test(arguments: [
    ("search", [String: Value](), "`query` is required"),
    ("search", ["query": "x", "limit": 0], "`limit` must be between 1 and 200"),
    ("search", ["query": "x", "layer": "wiki"], "unknown layer `wiki`"),
    ("context", ["query": "x", "layers": ["code", "slack"]], "unknown layer `slack`"),
    ("context", ["querry": "x"], "unknown argument(s) `querry`"),
    ("status", ["x": 1], "unknown argument(s) `x`; this tool takes no arguments"),
    ("show", ["ref": "src/missing.ts:1-2"], "no indexed file at `src/missing.ts`"),
    ("show", ["ref": "src/auth/session.ts:9-3"], "ends before it starts"),
  ] as [(String, [String: Value], String)])
  func badArgumentsAreToolErrors(_ tool: String, _ arguments: [String: Value], _ message: String) async throws {
    let fixture = try await Fixture()
    try await fixture.withClient { client in
      let result = try await client.callTool(name: tool, arguments: arguments)
      #expect(result.isError == true)
      #expect(MCPServerTests.text(result.content).contains(message), "\(MCPServerTests.text(result.content))")
      // The server keeps serving.
      #expect(try await client.callTool(name: "status", arguments: [:]).isError == false)
    }
  }

  @Test func unknownToolIsAProtocolErrorAndNoIndexAToolError() async throws {
    let fixture = try await Fixture(indexed: false)
    try await fixture.withClient { client in
      await #expect(throws: MCPError.self) { try await client.callTool(name: "launch", arguments: [:]) }
      let search = try await client.callTool(name: "search", arguments: ["query": "x"])
      #expect(search.isError == true)
      #expect(MCPServerTests.text(search.content).contains("run `ctx index`"))
      let status = try await client.callTool(name: "status", arguments: [:])
      #expect(status.isError == false)
      #expect(MCPServerTests.text(status.content).contains(#""state":"never-indexed""#))
    }
  }
}

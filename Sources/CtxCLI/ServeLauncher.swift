import ArgumentParser
import CtxCore
import Foundation

extension Ctx {
  /// `ctx serve` runs `ctx-mcp`, installed beside `ctx`, in its own place (the same process,
  /// stdin and stdout). The MCP SDK and what it brings (swift-nio, FoundationNetworking with
  /// libcurl and twenty more libraries) live only in that executable, so every other command
  /// starts without loading them.
  struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "serve",
      abstract: "Serve the tools (context, search, show, annotate, correct, conflicts, status, review_list, review_show) to agents: MCP over stdio, JSON lines with --jsonl, or MCP over HTTP with --http.",
      discussion: """
        MCP: JSON-RPC messages, one per line, on stdin and stdout (docs/mcp.md). With --jsonl: one \
        request per line, {"id": 1, "tool": "search", "arguments": {"query": "..."}}, answered by one \
        reply per line, {"id": 1, "ok": true, "result": {...}} or {"id": 1, "ok": false, "error": \
        {"code": "...", "message": "..."}}. Logs go to stderr; stdout carries the protocol only. \
        Ends with exit 0 when stdin closes. With --http: MCP's streamable HTTP at /mcp for many agents, \
        bearer tokens with scopes (`ctx token`), /healthz, /readyz and /metrics; ends on SIGTERM after \
        the requests in flight (docs/mcp.md, "HTTP"). Runs the `ctx-mcp` executable installed beside `ctx`.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(name: .long, help: "Speak JSON lines (one request per line, one reply per line) instead of MCP.")
    var jsonl = false

    @Option(name: .long, help: ArgumentHelp("How long one request may run before it is stopped and answered `timed_out` (`30s`, `2m`; `0` for no limit).", valueName: "duration"))
    var requestTimeout: String?

    @Flag(name: .long, help: "Keep the index fresh while serving, as `ctx watch` does (same lock as `ctx index`).")
    var watch = false

    @OptionGroup var httpFlags: ServeHTTPFlags

    func validate() throws {
      if jsonl && httpFlags.http != nil { throw ValidationError("--jsonl and --http are two different protocols; pick one") }
    }

    func run() throws {
      let server = try ServeLauncher.serverPath()
      var arguments = [server]
      if let workspace = workspaceOptions.workspace { arguments += ["--workspace", workspace] }
      if workspaceOptions.verbose { arguments.append("--verbose") }
      if jsonl { arguments.append("--jsonl") }
      if let requestTimeout { arguments += ["--request-timeout", requestTimeout] }
      if watch { arguments.append("--watch") }
      arguments += httpFlags.forwarded
      let cArguments = arguments.map { strdup($0) } + [nil]
      execv(server, cArguments)
      throw CtxError(.io, "cannot start \(server): \(String(cString: strerror(errno)))", path: server)
    }
  }
}

enum ServeLauncher {
  /// `ctx-mcp` in the folder of the running `ctx` (symbolic links resolved), or `$CTX_MCP`.
  static func serverPath() throws -> String {
    if let explicit = ProcessInfo.processInfo.environment["CTX_MCP"], !explicit.isEmpty { return explicit }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let folder = (URL(fileURLWithPath: executable).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
    let server = folder + "/ctx-mcp"
    guard FileManager.default.isExecutableFile(atPath: server) else {
      throw CtxError(
        .notFound,
        "`ctx serve` runs ctx-mcp, which is not beside ctx (expected at \(server)); build it with `swift build -c release` (it builds both) and install both together")
    }
    return server
  }
}

import ArgumentParser
import CtxCLI
import CtxCore
import CtxHTTP
import CtxMCP
import CtxWatch
import CtxWorkspace
import Foundation
import Logging

/// `ctx serve`, run as its own executable (`ctx-mcp`, which `ctx serve` starts in its place):
/// the MCP SDK brings swift-nio and FoundationNetworking (libcurl and twenty more libraries to
/// load), which made every other `ctx` command start 20+ ms slower.
public struct Serve: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      commandName: "serve",
      abstract: "Serve the tools (context, search, show, annotate, correct, conflicts, status, review_list, review_show) to an agent: MCP over stdio, or JSON lines with --jsonl.",
      discussion: """
        MCP: JSON-RPC messages, one per line, on stdin and stdout (docs/mcp.md). With --jsonl: one \
        request per line, {"id": 1, "tool": "search", "arguments": {"query": "..."}}, answered by one \
        reply per line, {"id": 1, "ok": true, "result": {...}} or {"id": 1, "ok": false, "error": \
        {"code": "...", "message": "..."}}. Logs go to stderr; stdout carries the protocol only. \
        Ends with exit 0 when stdin closes.
        """,
      version: CtxVersion.described)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(name: .long, help: "Speak JSON lines (one request per line, one reply per line) instead of MCP.")
    var jsonl = false

    @Option(name: .long, help: ArgumentHelp("How long one request may run before it is stopped and answered `timed_out` (`30s`, `2m`; `0` for no limit).", valueName: "duration"))
    var requestTimeout = "30s"

    @Flag(name: .long, help: "Keep the index fresh while serving, as `ctx watch` does (same lock as `ctx index`).")
    var watch = false

    @OptionGroup var httpFlags: ServeHTTPFlags

    public init() {}

    public func validate() throws {
      if jsonl && httpFlags.http != nil { throw ValidationError("--jsonl and --http are two different protocols; pick one") }
      if let http = httpFlags.http, HTTPServeOptions.parseAddress(http) == nil {
        throw ValidationError("--http `\(http)` is not [HOST:]PORT, such as 8765, 127.0.0.1:8765 or 0.0.0.0:8765")
      }
      if requestTimeout != "0" && DurationText.seconds(requestTimeout, maximum: 86_400) == nil {
        throw ValidationError("--request-timeout `\(requestTimeout)` is not a duration such as 30s, 2m or 0 (no limit), up to 24h")
      }
    }

    public func run() async throws {
      // `--watch`: the same watcher as `ctx watch`, in this process, stopped when serving ends
      // (a run in progress is rolled back, as at a deadline).
      let watcher = watch ? try startWatcher() : nil
      defer { if let watcher { watcher.stop() } }
      if let http = httpFlags.http {
        try await serveHTTP(http)
        return
      }
      // Before anything else: keep the real stdout for the protocol and point fd 1 at stderr,
      // so that a stray print anywhere cannot corrupt the stream.
      let protocolOutput = try ProtocolOutput.claim()
      let logger = ServeLogging.logger(verbose: workspaceOptions.verbose)
      let workspace = try workspaceOptions.locate()
      let context = ToolContext(workspace: workspace)
      context.requestTimeout = requestTimeout == "0" ? nil : DurationText.seconds(requestTimeout, maximum: 86_400)
      if jsonl {
        logger.info("serving JSON lines", metadata: ["workspace": "\(workspace.root)"])
        // Its blocking read loop gets a thread of its own, so that it never holds one of the
        // few cooperative threads the watcher's index runs need.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
          Thread {
            JSONLServer(context: context, logger: logger).run(input: STDIN_FILENO, output: protocolOutput)
            done.resume()
          }.start()
        }
      } else {
        try await CtxMCPServer(context: context, version: CtxVersion.current, logger: logger).run(input: STDIN_FILENO, output: protocolOutput)
      }
    }

    /// `--http`: stdout is not a protocol stream here, but logs still go to stderr.
    func serveHTTP(_ address: String) async throws {
      let logger = ServeLogging.logger(verbose: workspaceOptions.verbose)
      let workspace = try workspaceOptions.locate()
      let context = ToolContext(workspace: workspace)
      let timeout = requestTimeout == "0" ? nil : DurationText.seconds(requestTimeout, maximum: 86_400)
      context.requestTimeout = timeout
      var options = HTTPServeOptions()
      if let parsed = HTTPServeOptions.parseAddress(address) {
        if let host = parsed.host { options.host = host }
        options.port = parsed.port
      }
      // The HTTP answer waits a little longer than the tool deadline, which answers `timed_out` itself.
      options.requestSeconds = (timeout ?? 3600) + 5
      options.allowedOrigins = httpFlags.allowOrigin
      options.allowedHosts = httpFlags.allowHost
      if let maxBody = httpFlags.maxBody { options.maxBodyBytes = maxBody }
      if let maxConcurrent = httpFlags.maxConcurrent { options.maxConcurrent = maxConcurrent }
      options.refreshSeconds = httpFlags.refresh.flatMap { DurationText.seconds($0, maximum: 7 * 86_400) }
      if let age = httpFlags.readyMaxAge.flatMap({ DurationText.seconds($0, maximum: 365 * 86_400) }) { options.readyMaxAgeSeconds = age }
      options.logQueries = httpFlags.logQueries
      options.portFile = httpFlags.portFile
      let server = CtxMCPServer(context: context, version: CtxVersion.current, logger: logger)
      try await TeamServer(options: options, mcp: server).run()
    }

    func startWatcher() throws -> Watcher {
      let workspace = try workspaceOptions.locate()
      let watcher = Watcher(workspace: workspace, options: WatchOptions()) { line in
        FileHandle.standardError.write(Data(("ctx serve: watch: " + line + "\n").utf8))
      }
      Task.detached { await watcher.run() }
      return watcher
    }

    /// Runs `ctx-mcp ARGS` with ctx's error handling and exit codes.
    public static func runMain() async -> Int32 {
      await Ctx.runMain(command: Serve.self)
    }
}

/// The protocol's own copy of stdout.
enum ProtocolOutput {
  /// Duplicates fd 1 for the protocol, then points fd 1 at stderr.
  ///
  /// - Returns: the duplicate, which only the server writes to.
  static func claim() throws -> Int32 {
    let copy = dup(STDOUT_FILENO)
    guard copy >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
      throw CtxError(.io, "cannot set up stdout for the protocol: \(String(cString: strerror(errno)))")
    }
    _ = fcntl(copy, F_SETFD, FD_CLOEXEC)
    return copy
  }
}

/// swift-log to stderr, once per process.
enum ServeLogging {
  nonisolated(unsafe) private static var bootstrapped = false
  private static let lock = NSLock()

  static func logger(verbose: Bool) -> Logger {
    let level: Logger.Level = verbose ? .debug : .info
    lock.withLock {
      if !bootstrapped {
        bootstrapped = true
        LoggingSystem.bootstrap { label in
          var handler = StreamLogHandler.standardError(label: label)
          handler.logLevel = level
          return handler
        }
      }
    }
    var logger = Logger(label: "ctx.serve")
    logger.logLevel = level
    return logger
  }
}

import ArgumentParser
import CtxCore

/// `ctx serve --http`'s flags. Declared once here: `ctx serve` (CtxCLI) forwards them to
/// `ctx-mcp`, whose command (CtxServe) reads the same struct.
public struct ServeHTTPFlags: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("Serve MCP over streamable HTTP on [HOST:]PORT (HOST defaults to 127.0.0.1; PORT 0 picks a free one) instead of stdio. Needs bearer tokens (`ctx token create`).", valueName: "[host:]port"))
  public var http: String?

  @Option(name: .long, help: ArgumentHelp("A browser origin allowed to call the server besides its own names (repeatable), e.g. https://review.example.com.", valueName: "origin"))
  public var allowOrigin: [String] = []

  @Option(name: .long, help: ArgumentHelp("A Host name the server answers to besides loopback and the bound address (repeatable): the name people reach it by behind a proxy.", valueName: "name"))
  public var allowHost: [String] = []

  @Option(name: .long, help: ArgumentHelp("Largest request body accepted, in bytes (default 1048576).", valueName: "bytes"))
  public var maxBody: Int?

  @Option(name: .long, help: ArgumentHelp("Requests served at once; more are answered 503 with Retry-After (default 64).", valueName: "n"))
  public var maxConcurrent: Int?

  @Option(name: .long, help: ArgumentHelp("Run `ctx index` every so often (`15m`, `1h`); a round is skipped while another ctx index (cron) holds the lock.", valueName: "duration"))
  public var refresh: String?

  @Option(name: .long, help: ArgumentHelp("/readyz fails when a source's last successful run is older than this (default 25h).", valueName: "duration"))
  public var readyMaxAge: String?

  @Flag(name: .long, help: "Log each request's query text too (off by default: tool, token, status and time only).")
  public var logQueries = false

  @Option(name: .long, help: ArgumentHelp("Write the bound port to this file once listening (for scripts).", valueName: "file"))
  public var portFile: String?

  public init() {}

  public func validate() throws {
    guard http != nil else {
      let httpOnly = !allowOrigin.isEmpty || !allowHost.isEmpty || maxBody != nil || maxConcurrent != nil || refresh != nil || readyMaxAge != nil || logQueries || portFile != nil
      if httpOnly { throw ValidationError("--allow-origin, --allow-host, --max-body, --max-concurrent, --refresh, --ready-max-age, --log-queries and --port-file go with --http [HOST:]PORT") }
      return
    }
    if let maxBody, !(1024...(64 << 20)).contains(maxBody) { throw ValidationError("--max-body must be between 1024 and 67108864 bytes (got \(maxBody))") }
    if let maxConcurrent, !(1...4096).contains(maxConcurrent) { throw ValidationError("--max-concurrent must be between 1 and 4096 (got \(maxConcurrent))") }
    if let refresh, DurationText.seconds(refresh, maximum: 7 * 86_400).map({ $0 >= 1 }) != true {
      throw ValidationError("--refresh `\(refresh)` is not a duration from 1s to 7d, such as 15m or 1h")
    }
    if let readyMaxAge, DurationText.seconds(readyMaxAge, maximum: 365 * 86_400) == nil {
      throw ValidationError("--ready-max-age `\(readyMaxAge)` is not a duration such as 25h or 2d")
    }
  }

  /// The flags again, for `ctx serve` to hand to `ctx-mcp`.
  public var forwarded: [String] {
    guard let http else { return [] }
    var arguments = ["--http", http]
    for origin in allowOrigin { arguments += ["--allow-origin", origin] }
    for host in allowHost { arguments += ["--allow-host", host] }
    if let maxBody { arguments += ["--max-body", String(maxBody)] }
    if let maxConcurrent { arguments += ["--max-concurrent", String(maxConcurrent)] }
    if let refresh { arguments += ["--refresh", refresh] }
    if let readyMaxAge { arguments += ["--ready-max-age", readyMaxAge] }
    if logQueries { arguments.append("--log-queries") }
    if let portFile { arguments += ["--port-file", portFile] }
    return arguments
  }
}

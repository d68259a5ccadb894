import CtxCore
import Foundation

/// How `ctx serve --http` runs: where it listens and its limits. Built by the command line
/// (CtxServe) from its flags; nothing here knows about ArgumentParser.
public struct HTTPServeOptions: Sendable {
  /// The address to bind: loopback unless told otherwise.
  public var host = "127.0.0.1"
  /// 0 picks a free port (tests); the bound port is logged and written to `portFile`.
  public var port = 8765
  /// Largest request body accepted (413 beyond it).
  public var maxBodyBytes = 1 << 20
  /// Requests served at once; more are answered 503 at once, with Retry-After.
  public var maxConcurrent = 64
  /// A request still running after this is answered 504 (its index reads are interrupted by
  /// the tool deadline, `ToolContext.requestTimeout`, a little earlier).
  public var requestSeconds: Double = 30
  /// Browser origins allowed besides the server's own (`http://HOST:PORT`).
  public var allowedOrigins: [String] = []
  /// Host header values allowed besides loopback names and the bound host (the name people
  /// reach the server by behind a proxy). Anything else is refused: DNS-rebinding protection.
  public var allowedHosts: [String] = []
  /// Run `ctx index` this often (nil: never; cron does it).
  public var refreshSeconds: Double?
  /// The longest `ctx index` run the refresher waits for before killing it.
  public var refreshTimeoutSeconds: Double = 3600
  /// `/readyz` fails when a source's last successful run is older than this.
  public var readyMaxAgeSeconds: Double = 25 * 3600
  /// Log each request's query text too (off: only tool, token, status and time).
  public var logQueries = false
  /// Where to write the bound port once listening (for scripts and tests).
  public var portFile: String?
  /// The `ctx` executable the refresher runs.
  public var ctxExecutable: String?

  public init() {}

  /// Parses `[HOST:]PORT` (`8765`, `0.0.0.0:8765`, `[::1]:8765`).
  public static func parseAddress(_ text: String) -> (host: String?, port: Int)? {
    var host: String?
    var portText = Substring(text)
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      host = String(text[text.index(after: text.startIndex)..<close])
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else { return nil }
      portText = rest.dropFirst()
    } else if let colon = text.lastIndex(of: ":") {
      host = String(text[..<colon])
      portText = text[text.index(after: colon)...]
      guard !(host ?? "").isEmpty, !(host ?? "").contains(":") else { return nil }
    }
    guard let port = Int(portText), (0...65535).contains(port) else { return nil }
    return (host, port)
  }
}

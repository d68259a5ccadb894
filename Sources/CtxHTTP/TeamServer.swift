import CtxAccess
import CtxCore
import CtxMCP
import CtxStore
import CtxWorkspace
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import Synchronization

/// `ctx serve --http`: the tools over MCP's streamable HTTP (stateless), for many agents
/// against one index, with bearer tokens (`ctx token`), health and readiness probes,
/// Prometheus metrics and request logs. stdio stays as it is; both are transports over one
/// `CtxMCPServer.makeServer()`.
///
/// Every route passes the same steps, in this order: the concurrency cap (503), the Host and
/// Origin check (421/403, DNS rebinding), the bearer token (401) where the route needs one,
/// the body limit (413), then the route itself under a deadline (504).
public struct TeamServer: Sendable {
  let options: HTTPServeOptions
  let mcp: CtxMCPServer
  let context: ToolContext
  let tokens: TokenCache
  let metrics: ServerMetrics
  let gate: RequestGate
  let hosts: HostCheck
  let logger: Logger
  let page: ReviewPage

  public init(options: HTTPServeOptions, mcp: CtxMCPServer) {
    self.options = options
    self.context = mcp.context
    self.tokens = TokenCache(store: TokenStore(workspace: mcp.context.workspace))
    let metrics = ServerMetrics(toolNames: mcp.registry.names)
    var mcp = mcp
    mcp.onToolCall = { tool, outcome in metrics.toolCall(tool, outcome: outcome) }
    self.mcp = mcp
    self.metrics = metrics
    self.gate = RequestGate(limit: options.maxConcurrent)
    self.hosts = HostCheck(bindHost: options.host, extraHosts: options.allowedHosts, extraOrigins: options.allowedOrigins)
    self.logger = mcp.logger
    self.page = ReviewPage(mcp: mcp, tokens: tokens)
  }

  /// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight
  /// and returns.
  public func run() async throws {
    let live = try tokens.liveCount()
    if live == 0 {
      logger.warning("no live tokens: every MCP request will be refused (401). Create one with `ctx token create NAME --sources ...`")
    }
    let router = Router(context: BasicRequestContext.self)
    routes(router)
    let options = options
    let logger = logger
    let boundPort = Mutex<Int?>(nil)
    defer { if let port = boundPort.withLock({ $0 }) { removePortFile(ifItHolds: port) } }
    let app = Application(
      router: router,
      server: .http1(configuration: .init(idleTimeout: .seconds(120))),
      configuration: .init(address: .hostname(options.host, port: options.port), serverName: "ctx"),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? options.port
        boundPort.withLock { $0 = port }
        logger.info("serving MCP over HTTP", metadata: ["url": "http://\(options.host.contains(":") ? "[\(options.host)]" : options.host):\(port)/mcp", "tokens": "\(live)"])
        if let file = options.portFile {
          do {
            try "\(port)\n".write(toFile: file, atomically: true, encoding: .utf8)
          } catch {
            logger.warning("could not write the port file", metadata: ["file": "\(file)", "error": "\(error)"])
          }
        }
      },
      logger: Logger(label: "ctx.http.hummingbird", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await app.runService() }
      if let every = options.refreshSeconds {
        let refresher = IndexRefresher(
          workspace: context.workspace, every: every, timeout: options.refreshTimeoutSeconds, ctx: options.ctxExecutable, metrics: metrics, logger: logger)
        group.addTask { await refresher.run() }
      }
      // The server ends on SIGTERM (after its requests in flight); the refresher with it.
      try await group.next()
      group.cancelAll()
    }
    logger.info("stopped")
  }

  /// A stopped server's port file would send clients to a port that may be someone else's by
  /// now; it is removed, unless another server has written its own port there since.
  func removePortFile(ifItHolds port: Int) {
    guard let file = options.portFile,
          let written = try? String(contentsOfFile: file, encoding: .utf8),
          Int(written.trimmingCharacters(in: .whitespacesAndNewlines)) == port
    else { return }
    try? FileManager.default.removeItem(atPath: file)
  }

  // MARK: Routes

  func routes(_ router: Router<BasicRequestContext>) {
    router.get("/healthz") { request, _ in
      await self.guarded(request, route: "/healthz", auth: .none) { _, _ in
        (self.text(.ok, "ok\n"), nil)
      }
    }
    router.get("/readyz") { request, _ in
      await self.guarded(request, route: "/readyz", auth: .none) { _, _ in
        let (ready, reason) = Readiness.check(context: self.context, maxAge: self.options.readyMaxAgeSeconds)
        return (self.text(ready ? .ok : .serviceUnavailable, reason + "\n"), nil)
      }
    }
    router.get("/metrics") { request, _ in
      await self.guarded(request, route: "/metrics", auth: .bearer) { access, _ in
        guard access.seesEverySource else {
          return (self.problem(.forbidden, "forbidden", "/metrics names every source; token `\(access.name)` sees only \(access.sourcesText); scrape with a token made with `--sources '*'`"), nil)
        }
        if let store = try? self.context.store(), let records = try? store.sourceRecords() {
          self.metrics.updateIndexAge(records: records)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return (Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.emit()))), nil)
      }
    }
    for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"] {
      router.get(RouterPath(path)) { request, _ in
        await self.guarded(request, route: "/.well-known", auth: .none) { _, _ in
          (self.json(.ok, self.resourceMetadata(request)), nil)
        }
      }
    }
    page.routes(router, server: self)
    router.post("/mcp") { request, _ in
      await self.guarded(request, route: "/mcp", auth: .bearer) { access, body in
        try await self.mcpRequest(request, body: body, access: access)
      }
    }
    for method in [HTTPRequest.Method.get, .delete] {
      router.on("/mcp", method: method) { request, _ in
        await self.guarded(request, route: "/mcp", auth: .bearer) { _, _ in
          // Stateless: no server-to-client stream and no session to end.
          var headers = HTTPFields()
          headers[.allow] = "POST"
          return (self.problem(.methodNotAllowed, "method_not_allowed", "this server is stateless: POST JSON-RPC messages to /mcp", headers: headers), nil)
        }
      }
    }
  }

  func mcpRequest(_ request: Request, body: Data, access: AccessGrant) async throws -> (Response, RequestNote?) {
    let probe = MCPEndpoint.probe(body)
    var note = RequestNote(tool: probe.tool)
    if options.logQueries, let query = probe.arguments?["query"]?.stringValue { note.query = query }
    if let tool = probe.tool, let known = mcp.registry.tool(named: tool) {
      do {
        try AccessPolicy.admit(tool: tool, isReadOnly: known.isReadOnly, arguments: probe.arguments ?? [:], access: access)
      } catch {
        return (problem(.forbidden, error.code, error.message), note)
      }
    }
    var headers: [String: String] = [:]
    for field in request.headers { headers[field.name.canonicalName] = field.value }
    let answer = await MCPEndpoint(mcp: mcp).serve(method: request.method.rawValue, headers: headers, body: body, access: access)
    var fields = HTTPFields()
    for (name, value) in answer.headers {
      if let name = HTTPField.Name(name) { fields[name] = value }
    }
    let status = HTTPResponse.Status(code: answer.statusCode)
    return (Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data()))), note)
  }

  /// RFC 9728 protected-resource metadata: clients that discover auth learn that this
  /// resource takes bearer tokens in the header, made by `ctx token create`.
  func resourceMetadata(_ request: Request) -> [String: Any] {
    let host = request.head.authority ?? "\(options.host):\(options.port)"
    return [
      "resource": "http://\(host)/mcp",
      // Served without a token: it names no path of the machine.
      "resource_name": "ctx",
      "bearer_methods_supported": ["header"],
      "authorization_servers": [String](),
      "resource_documentation": "https://github.com/ctx/ctx/blob/main/docs/mcp.md#http",
    ]
  }

  // MARK: The steps every request passes

  struct RequestNote: Sendable {
    var tool: String?
    var query: String?
  }

  /// How a route knows its caller: not at all (probes), by bearer token (MCP, metrics), or by
  /// the review page's session cookie (made from a token at sign-in).
  enum AuthMode: Sendable {
    case none, bearer, session
  }

  /// Runs `handler` behind the cap, the host check, the caller's grant (`auth`) and the
  /// body limit, under the deadline; records metrics and logs one line.
  func guarded(
    _ request: Request, route: String, auth: AuthMode,
    _ handler: @escaping @Sendable (AccessGrant, Data) async throws -> (Response, RequestNote?)
  ) async -> Response {
    let started = ContinuousClock.now
    metrics.started()
    var note: RequestNote?
    var tokenName = "-"
    let response: Response
    if !gate.enter() {
      var headers = HTTPFields()
      headers[.retryAfter] = "1"
      response = problem(.serviceUnavailable, "busy", "the server is at its limit of \(options.maxConcurrent) requests at once (--max-concurrent); retry shortly", headers: headers)
    } else {
      defer { gate.leave() }
      response = await admitted(request, auth: auth, tokenName: &tokenName, note: &note, handler)
    }
    let elapsed = ContinuousClock.now - started
    metrics.finished(route: route, tool: note?.tool, status: Int(response.status.code), duration: elapsed)
    var metadata: Logger.Metadata = [
      "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
      "ms": "\(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))", "token": "\(tokenName)",
    ]
    if let tool = note?.tool { metadata["tool"] = "\(metrics.toolLabel(tool))" }
    if let query = note?.query { metadata["query"] = "\(query)" }
    logger.info("request", metadata: metadata)
    return response
  }

  private func admitted(
    _ request: Request, auth: AuthMode, tokenName: inout String, note: inout RequestNote?,
    _ handler: @escaping @Sendable (AccessGrant, Data) async throws -> (Response, RequestNote?)
  ) async -> Response {
    if let refusal = hosts.refusal(host: request.head.authority, origin: request.headers[.origin]) {
      return problem(HTTPResponse.Status(code: refusal.status), refusal.status == 421 ? "misdirected_request" : "forbidden_origin", refusal.message)
    }
    var grant = AccessGrant.local
    switch auth {
    case .none: break
    case .bearer, .session:
      switch auth == .bearer ? authenticate(request) : page.authenticate(request) {
      case .success(let granted):
        grant = granted
        tokenName = granted.name
      case .failure(let failure):
        return failure
      }
    }
    let access = grant
    var request = request
    let body: Data
    do {
      let buffer = try await request.collectBody(upTo: options.maxBodyBytes)
      body = Data(buffer.readableBytesView)
    } catch {
      return problem(.contentTooLarge, "too_large", "the request body is larger than \(options.maxBodyBytes) bytes (--max-body); send a smaller request")
    }
    let seconds = options.requestSeconds
    let outcome: (Response, RequestNote?)? = await Deadline.run(seconds: seconds) {
      do { return try await handler(access, body) } catch { return (self.problem(.internalServerError, "internal", "\(error)"), nil) }
    }
    guard let outcome else {
      return problem(.gatewayTimeout, "timed_out", "the request took longer than \(Int(seconds)) s (--request-timeout) and was stopped; narrow it and retry")
    }
    note = outcome.1
    return outcome.0
  }

  /// The grant for the request's bearer token, or the 401 answer.
  enum Authentication {
    case success(AccessGrant)
    case failure(Response)
  }

  func authenticate(_ request: Request) -> Authentication {
    var headers = HTTPFields()
    let host = request.head.authority ?? "\(options.host):\(options.port)"
    headers[.wwwAuthenticate] = "Bearer resource_metadata=\"http://\(host)/.well-known/oauth-protected-resource\""
    guard let header = request.headers[.authorization] else {
      return .failure(problem(.unauthorized, "unauthorized", "this server needs a bearer token: send `Authorization: Bearer <token>` (make one with `ctx token create NAME --sources ...`)", headers: headers))
    }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
      return .failure(problem(.unauthorized, "unauthorized", "the Authorization header must be `Bearer <token>`", headers: headers))
    }
    do {
      switch try tokens.authenticate(String(parts[1]).trimmingCharacters(in: .whitespaces)) {
      case .granted(let grant): return .success(grant)
      case .unknown:
        headers[.wwwAuthenticate] = (headers[.wwwAuthenticate] ?? "") + ", error=\"invalid_token\""
        return .failure(problem(.unauthorized, "invalid_token", "the bearer token is unknown or revoked; `ctx token list` shows the live ones", headers: headers))
      }
    } catch {
      logger.error("cannot read the tokens", metadata: ["error": "\(error)"])
      return .failure(problem(.internalServerError, "internal", "the server cannot read its tokens: \(error)"))
    }
  }

  // MARK: Answers

  func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  func json(_ status: HTTPResponse.Status, _ object: Any, headers extra: HTTPFields = HTTPFields()) -> Response {
    var headers = extra
    headers[.contentType] = "application/json"
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// An error answer every client can read: a JSON-RPC error object (MCP clients show its
  /// message), whose `error.message` says what was wrong and the fix, and `error.data.code`
  /// is stable for scripts (`invalid_token`, `forbidden`, `too_large`, ...).
  func problem(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = HTTPFields()) -> Response {
    let object: [String: Any] = [
      "jsonrpc": "2.0", "id": NSNull(), "error": ["code": -32600, "message": message, "data": ["code": code, "http_status": Int(status.code)]],
    ]
    return json(status, object, headers: headers)
  }
}

/// Runs work with a time limit: nil when it did not finish in time. The answer does not wait
/// for the late work (a task group would), which is cancelled; a tool call's index reads
/// are interrupted by its own, shorter deadline (`ToolContext.requestTimeout`).
enum Deadline {
  static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async -> T) async -> T? {
    let once = Once<T?>()
    return await withCheckedContinuation { continuation in
      once.set(continuation)
      let timer = Task {
        try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        if !Task.isCancelled && once.resume(nil) { once.cancelWorker() }
      }
      once.setWorker(
        Task {
          let value = await work()
          once.resume(value)
          timer.cancel()
        })
    }
  }

  /// A continuation resumed by whichever comes first.
  final class Once<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, Never>?
    private var worker: Task<Void, Never>?

    func set(_ continuation: CheckedContinuation<Value, Never>) { lock.withLock { self.continuation = continuation } }
    func setWorker(_ task: Task<Void, Never>) { lock.withLock { worker = task } }
    func cancelWorker() { lock.withLock { worker }?.cancel() }

    @discardableResult
    func resume(_ value: Value) -> Bool {
      let taken: CheckedContinuation<Value, Never>? = lock.withLock {
        defer { continuation = nil }
        return continuation
      }
      taken?.resume(returning: value)
      return taken != nil
    }
  }
}

import CtxAccess
import CtxAnnotations
import CtxCore
import CtxMCP
import CtxQuery
import CtxWorkspace
import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore

/// The review page at `/ui`: for people, server-rendered, no JavaScript. Sign in with a token
/// (kept as a session cookie holding a random id; the server keeps only the token's hash), then
/// search, read a bundle, and, with a review token, work the review queue: each item with its
/// evidence, decided by accept, reject or supersede, recorded under the token's name.
///
/// Reads go through `ToolRegistry.call` with the caller's grant, like an MCP call, so the page
/// can show nothing a token could not read over MCP. Deciding needs the review scope.
struct ReviewPage: Sendable {
  let mcp: CtxMCPServer
  let tokens: TokenCache
  let sessions = Sessions()
  static let cookie = "ctx_session"

  // MARK: Routes

  func routes(_ router: Router<BasicRequestContext>, server: TeamServer) {
    router.get("/ui") { request, _ in
      await server.guarded(request, route: "/ui", auth: .none) { _, _ in
        guard let grant = self.grant(request) else { return (self.signIn(message: nil, status: .ok), nil) }
        return (self.home(grant, query: request.uri.queryParameters["q"].map(String.init)), nil)
      }
    }
    router.post("/ui/signin") { request, _ in
      await server.guarded(request, route: "/ui", auth: .none) { _, body in
        let form = HTML.form(String(decoding: body, as: UTF8.self))
        let secret = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard case .granted(let grant) = try self.tokens.authenticate(secret) else {
          return (self.signIn(message: "That token is unknown or revoked; `ctx token list` shows the live ones.", status: .unauthorized), nil)
        }
        let id = self.sessions.open(hash: TokenStore.hash(secret))
        var headers = HTTPFields()
        headers[.location] = grant.canReview ? "/ui/review" : "/ui"
        headers[.setCookie] = "\(ReviewPage.cookie)=\(id); Path=/ui; HttpOnly; SameSite=Strict; Max-Age=43200"
        return (Response(status: .seeOther, headers: headers), nil)
      }
    }
    router.post("/ui/signout") { request, _ in
      await server.guarded(request, route: "/ui", auth: .none) { _, _ in
        if let id = self.sessionID(request) { self.sessions.close(id) }
        var headers = HTTPFields()
        headers[.location] = "/ui"
        headers[.setCookie] = "\(ReviewPage.cookie)=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0"
        return (Response(status: .seeOther, headers: headers), nil)
      }
    }
    router.get("/ui/bundle") { request, _ in
      await server.guarded(request, route: "/ui", auth: .session) { grant, _ in
        (self.bundle(grant, query: request.uri.queryParameters["q"].map(String.init) ?? ""), nil)
      }
    }
    router.get("/ui/review") { request, _ in
      await server.guarded(request, route: "/ui", auth: .session) { grant, _ in
        (self.queue(grant, done: request.uri.queryParameters["done"].map(String.init)), nil)
      }
    }
    router.get("/ui/review/item") { request, _ in
      await server.guarded(request, route: "/ui", auth: .session) { grant, _ in
        (self.item(grant, id: request.uri.queryParameters["id"].map(String.init) ?? ""), nil)
      }
    }
    router.post("/ui/review/decide") { request, _ in
      await server.guarded(request, route: "/ui", auth: .session) { grant, body in
        (self.decide(grant, form: HTML.form(String(decoding: body, as: UTF8.self))), nil)
      }
    }
  }

  // MARK: Sessions

  func sessionID(_ request: Request) -> String? {
    guard let header = request.headers[.cookie] else { return nil }
    for part in header.split(separator: ";") {
      let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
      if pair.count == 2, pair[0] == ReviewPage.cookie { return String(pair[1]) }
    }
    return nil
  }

  /// The signed-in grant, or nil (no cookie, an expired session, or a token revoked since).
  func grant(_ request: Request) -> AccessGrant? {
    guard let id = sessionID(request), let hash = sessions.hash(for: id), case .granted(let grant)? = try? tokens.authenticate(hash: hash) else { return nil }
    return grant
  }

  /// For `TeamServer.admitted`: the session's grant, or the answer (sign in first).
  func authenticate(_ request: Request) -> TeamServer.Authentication {
    if let grant = grant(request) { return .success(grant) }
    if request.method == .get {
      var headers = HTTPFields()
      headers[.location] = "/ui"
      return .failure(Response(status: .seeOther, headers: headers))
    }
    return .failure(signIn(message: "Your session ended; sign in again.", status: .unauthorized))
  }

  // MARK: Pages

  func html(_ status: HTTPResponse.Status, title: String, user: String?, _ body: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/html; charset=utf-8"
    headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: HTML.page(title: title, user: user, body: body))))
  }

  func signIn(message: String?, status: HTTPResponse.Status) -> Response {
    html(
      status, title: "Sign in", user: nil,
      """
      \(message.map { "<p class=\"error\" id=\"error\">\(HTML.escape($0))</p>" } ?? "")
      <p>Sign in with a ctx token (`ctx token create NAME --sources ... [--review]` makes one).</p>
      <form method="post" action="/ui/signin">
      <label>Token <input type="password" name="token" id="token" size="70" autocomplete="off" required></label>
      <button type="submit" id="signin">Sign in</button>
      </form>
      """)
  }

  func home(_ grant: AccessGrant, query: String?) -> Response {
    var body = """
      <form method="get" action="/ui"><label>Search <input name="q" id="q" size="60" value="\(HTML.escape(query ?? ""))"></label>
      <button type="submit">Search</button></form>
      <p class="muted">Token `\(HTML.escape(grant.name))` sees \(HTML.escape(grant.sourcesText)).</p>
      """
    if let query, !query.trimmingCharacters(in: .whitespaces).isEmpty {
      body += "<p><a id=\"bundle-link\" href=\"/ui/bundle?q=\(HTML.query(query))\">Read the context bundle for this query</a></p>"
      switch call("search", ["query": .string(query), "limit": .int(30)], grant) {
      case .failure(let error):
        body += "<p class=\"error\">\(HTML.escape(error.message))</p>"
      case .success(let output):
        let hits = (JSONObject.parse(output.result)?["hits"] as? [[String: Any]]) ?? []
        body += hits.isEmpty ? "<p>No hits.</p>" : "<table id=\"hits\"><tr><th>layer</th><th>ref</th><th>what</th><th>source</th></tr>"
        for hit in hits {
          let what = ["symbol", "summary", "heading", "channel", "text"].compactMap { hit[$0] as? String }.first ?? ""
          body += "<tr><td>\(HTML.escape(hit["layer"] as? String ?? ""))</td><td><code>\(HTML.escape(hit["ref"] as? String ?? ""))</code></td>"
          body += "<td>\(HTML.escape(String(what.prefix(200))))</td><td>\(HTML.escape(hit["source"] as? String ?? ""))</td></tr>"
        }
        if !hits.isEmpty { body += "</table>" }
      }
    }
    return html(.ok, title: "Search", user: grant.name, body)
  }

  func bundle(_ grant: AccessGrant, query: String) -> Response {
    guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { return html(.badRequest, title: "Bundle", user: grant.name, "<p class=\"error\">Give a query.</p>") }
    switch call("context", ["query": .string(query)], grant) {
    case .failure(let error): return html(.ok, title: "Bundle", user: grant.name, "<p class=\"error\">\(HTML.escape(error.message))</p>")
    case .success(let output): return html(.ok, title: "Bundle: \(query)", user: grant.name, "<pre id=\"bundle\">\(HTML.escape(output.text))</pre>")
    }
  }

  /// The review scope and every source: the queue's evidence spans sources.
  func reviewRefusal(_ grant: AccessGrant) -> Response? {
    guard grant.canReview else {
      return html(.forbidden, title: "Review queue", user: grant.name, "<p class=\"error\">Token `\(HTML.escape(grant.name))` may not review; ask for a token made with `--review`.</p>")
    }
    do {
      try AccessPolicy.admit(tool: "review_list", isReadOnly: true, arguments: [:], access: grant)
    } catch {
      return html(.forbidden, title: "Review queue", user: grant.name, "<p class=\"error\">\(HTML.escape(error.message))</p>")
    }
    return nil
  }

  func queue(_ grant: AccessGrant, done: String?) -> Response {
    if let refusal = reviewRefusal(grant) { return refusal }
    var body = done.map { "<p class=\"notice\" id=\"done\">\(HTML.escape($0))</p>" } ?? ""
    switch call("review_list", ["limit": .int(500)], grant) {
    case .failure(let error): body += "<p class=\"error\">\(HTML.escape(error.message))</p>"
    case .success(let output):
      let items = (JSONObject.parse(output.result)?["items"] as? [[String: Any]]) ?? []
      body += "<p>\(items.count) item(s) await a decision.</p>"
      if !items.isEmpty {
        body += "<table id=\"queue\"><tr><th>kind</th><th>target</th><th>summary</th></tr>"
        for item in items {
          let id = item["id"] as? String ?? ""
          body += "<tr><td>\(HTML.escape(item["kind"] as? String ?? ""))</td><td><code>\(HTML.escape(item["target"] as? String ?? ""))</code></td>"
          body += "<td><a class=\"item\" href=\"/ui/review/item?id=\(HTML.query(id))\">\(HTML.escape(item["summary"] as? String ?? id))</a></td></tr>"
        }
        body += "</table>"
      }
    }
    return html(.ok, title: "Review queue", user: grant.name, body)
  }

  func item(_ grant: AccessGrant, id: String) -> Response {
    if let refusal = reviewRefusal(grant) { return refusal }
    let items: [[String: Any]]
    switch call("review_show", ["id": .string(id)], grant) {
    case .failure(let error): return html(.notFound, title: "Review item", user: grant.name, "<p class=\"error\">\(HTML.escape(error.message))</p>")
    case .success(let output): items = (JSONObject.parse(output.result)?["items"] as? [[String: Any]]) ?? []
    }
    guard let item = items.first(where: { $0["id"] as? String == id }) ?? items.first else {
      return html(.notFound, title: "Review item", user: grant.name, "<p class=\"error\">No review item `\(HTML.escape(id))`; it may have been decided already.</p>")
    }
    return html(.ok, title: "Review item", user: grant.name, ReviewItemHTML.render(item))
  }

  func decide(_ grant: AccessGrant, form: [String: String]) -> Response {
    if let refusal = reviewRefusal(grant) { return refusal }
    let annotation = form["annotation"] ?? ""
    let itemKind = ReviewItem.Kind(rawValue: form["kind"] ?? "")
    let reason = form["reason"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    let decisions = ReviewDecisions(
      service: AnnotationService(folder: AnnotationFolder(path: mcp.context.workspace.annotationsDirectory), store: try? mcp.context.store()),
      reviewer: grant.name, reason: reason)
    if form["decision"] == "accept", let refusal = ReviewPage.refusal(accepting: itemKind) {
      return html(.badRequest, title: "Review", user: grant.name, "<p class=\"error\">\(HTML.escape(refusal))</p>")
    }
    let outcome: String
    do {
      switch form["decision"] {
      case "accept":
        if let itemKind, [.staleAnchor, .correctionRecheck, .renamed].contains(itemKind) {
          outcome = "confirmed \(try decisions.confirm(annotation, acceptRename: itemKind == .renamed).id)"
        } else {
          let accepted = try decisions.accept(annotation)
          outcome = (decisions.leftAsItWas(accepted) ? "already accepted " : "accepted ") + accepted.id
        }
      case "reject":
        let rejected = try decisions.reject(annotation)
        outcome = (decisions.leftAsItWas(rejected) ? "already rejected " : "rejected ") + rejected.id
      case "supersede":
        let others = (form["others"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty && $0 != annotation }
        outcome = "accepted \(try decisions.accept(annotation, supersedes: others).id), superseding \(others.joined(separator: ", "))"
      default:
        return html(.badRequest, title: "Review", user: grant.name, "<p class=\"error\">Unknown decision; use accept, reject or supersede.</p>")
      }
    } catch {
      return html(.conflict, title: "Review", user: grant.name, "<p class=\"error\">\(HTML.escape(ToolError.from(error).message))</p>")
    }
    var headers = HTTPFields()
    headers[.location] = "/ui/review?done=\(HTML.query(outcome + " by " + grant.name))"
    return Response(status: .seeOther, headers: headers)
  }

  func call(_ tool: String, _ arguments: [String: Value], _ grant: AccessGrant) -> Result<ToolOutput, ToolError> {
    mcp.registry.call(tool, arguments: arguments, context: mcp.context, access: grant)
  }
}

/// One review item as HTML: the claims, then the evidence that fits it, then the decisions.
extension ReviewPage {
  /// Why "accept" cannot settle an item of `kind` (nil when it can, or for a bare annotation):
  /// the page offered Accept on an ambiguous anchor, which changed the reviewer and left the
  /// item in the queue.
  static func refusal(accepting kind: ReviewItem.Kind?) -> String? {
    guard let kind, !kind.acceptsAsItIs else { return nil }
    switch kind {
    case .factDisagreement, .competingCorrections:
      return "A \(kind.rawValue) item is settled by keeping one claim and superseding the others, not by accepting one."
    default:
      return "A \(kind.rawValue) item cannot be accepted as it is: reject the annotation, or write a replacement that supersedes it."
    }
  }
}

enum ReviewItemHTML {
  static func render(_ item: [String: Any]) -> String {
    let id = item["id"] as? String ?? ""
    let kind = item["kind"] as? String ?? ""
    let claims = item["claims"] as? [[String: Any]] ?? []
    var body = "<h2 id=\"item-title\">\(HTML.escape(kind)): <code>\(HTML.escape(item["target"] as? String ?? ""))</code></h2>"
    body += "<p id=\"summary\">\(HTML.escape(item["summary"] as? String ?? ""))</p><h3>Claims</h3><ul id=\"claims\">"
    for claim in claims {
      body += "<li><b>\(HTML.escape(claim["annotation"] as? String ?? ""))</b> by \(HTML.escape(claim["author"] as? String ?? "")), \(HTML.escape(claim["date"] as? String ?? ""))"
      body += " <span class=\"muted\">(\(HTML.escape(claim["status"] as? String ?? "")))</span><pre>\(HTML.escape(claim["text"] as? String ?? ""))</pre></li>"
    }
    body += "</ul><section id=\"evidence\"><h3>Evidence</h3>"
    let evidence = item["evidence"] as? [String: Any] ?? [:]
    if let location = evidence["location"] as? String { body += "<p>Target now: <code>\(HTML.escape(location))</code></p>" }
    if let current = evidence["current"] as? String { body += "<h4>As it is now</h4><pre id=\"current\">\(HTML.escape(current))</pre>" }
    if let diff = evidence["diff"] as? String { body += "<h4>Changed since it was written</h4><pre id=\"diff\">\(HTML.escape(diff))</pre>" }
    if let commits = evidence["commits"] as? [[String: Any]], !commits.isEmpty {
      body += "<h4>Commits between</h4><ul>"
      for commit in commits {
        body += "<li><code>\(HTML.escape(String((commit["sha"] as? String ?? "").prefix(10))))</code> \(HTML.escape(commit["summary"] as? String ?? "")) — \(HTML.escape(commit["author"] as? String ?? ""))</li>"
      }
      body += "</ul>"
    }
    if let others = evidence["others"] as? [[String: Any]], !others.isEmpty {
      body += "<h4>Other claims on the target</h4><ul>"
      for other in others { body += "<li>\(HTML.escape(other["annotation"] as? String ?? "")) by \(HTML.escape(other["author"] as? String ?? "")): \(HTML.escape(other["text"] as? String ?? ""))</li>" }
      body += "</ul>"
    }
    if let cited = evidence["cited"] as? [[String: Any]], !cited.isEmpty {
      body += "<h4>What it cites</h4><ul>"
      for reference in cited { body += "<li><code>\(HTML.escape(reference["ref"] as? String ?? ""))</code> → \(HTML.escape(reference["resolved"] as? String ?? "not in the index"))</li>" }
      body += "</ul>"
    }
    for note in evidence["notes"] as? [String] ?? [] { body += "<p class=\"muted\">\(HTML.escape(note))</p>" }
    body += "</section><h3>Decide</h3>"
    let all = claims.compactMap { $0["annotation"] as? String }
    for annotation in all {
      body += """
        <form method="post" action="/ui/review/decide"><fieldset><legend>\(HTML.escape(annotation))</legend>
        <input type="hidden" name="item" value="\(HTML.escape(id))"><input type="hidden" name="kind" value="\(HTML.escape(kind))">
        <input type="hidden" name="annotation" value="\(HTML.escape(annotation))"><input type="hidden" name="others" value="\(HTML.escape(all.joined(separator: ",")))">
        <label>Reason <input name="reason" size="50"></label>
        \(ReviewItem.Kind(rawValue: kind).map(\.acceptsAsItIs) ?? true ? "<button type=\"submit\" name=\"decision\" value=\"accept\" class=\"accept\">Accept</button>" : "")
        <button type="submit" name="decision" value="reject" class="reject">Reject</button>
        \(all.count > 1 ? "<button type=\"submit\" name=\"decision\" value=\"supersede\" class=\"supersede\">Keep this one, supersede the others</button>" : "")
        </fieldset></form>
        """
    }
    return body
  }
}

/// A JSON object from a tool's result, for rendering.
enum JSONObject {
  static func parse(_ data: Data) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
  }
}

/// Signed-in sessions: a random id → the token's hash, for 12 hours. In memory: a restart
/// signs everyone out, which is all it costs.
final class Sessions: @unchecked Sendable {
  private let lock = NSLock()
  private var table: [String: (hash: String, expires: Date)] = [:]

  func open(hash: String) -> String {
    var generator = SystemRandomNumberGenerator()
    let id = Hex.lowercase((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    lock.withLock {
      let now = Date()
      if table.count > 10_000 { table = table.filter { $0.value.expires > now } }
      table[id] = (hash, now.addingTimeInterval(12 * 3600))
    }
    return id
  }

  func hash(for id: String) -> String? {
    lock.withLock {
      guard let entry = table[id], entry.expires > Date() else { return nil }
      return entry.hash
    }
  }

  func close(_ id: String) { _ = lock.withLock { table.removeValue(forKey: id) } }
}

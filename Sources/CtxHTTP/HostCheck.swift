/// DNS-rebinding protection (MCP spec, "Streamable HTTP", security warning): a page on another
/// site can reach a loopback server by pointing its own name at 127.0.0.1, so the server
/// answers only requests whose `Host` is a name it is known by, and whose `Origin`, when a
/// browser sends one, is on such a name too, or one configured with `--allow-origin`.
struct HostCheck: Sendable {
  let hosts: Set<String>
  let origins: Set<String>

  init(bindHost: String, extraHosts: [String], extraOrigins: [String]) {
    var names: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
    if !["0.0.0.0", "::"].contains(bindHost) { names.insert(bindHost.contains(":") ? "[\(bindHost)]" : bindHost) }
    for host in extraHosts { names.insert(host) }
    hosts = Set(names.map { $0.lowercased() })
    origins = Set(extraOrigins.map { HostCheck.trimSlash($0.lowercased()) })
  }

  static func trimSlash(_ text: String) -> String { text.hasSuffix("/") ? String(text.dropLast()) : text }

  /// Nil when allowed; else the status and why (421 for a Host, 403 for an Origin).
  func refusal(host: String?, origin: String?) -> (status: Int, message: String)? {
    if let host {
      let name = HostCheck.name(of: host.lowercased())
      guard hosts.contains(name) else {
        return (
          421,
          "the Host `\(host)` is not a name this server answers to (DNS-rebinding protection); start it with `--allow-host \(name)` if that is how people reach it"
        )
      }
    }
    if let origin {
      let normalized = HostCheck.trimSlash(origin.lowercased())
      guard origins.contains(normalized) || originIsOwnName(normalized) else {
        return (403, "the Origin `\(origin)` is not allowed (DNS-rebinding protection); start the server with `--allow-origin \(normalized)` to let pages from there call it")
      }
    }
    return nil
  }

  /// `http://localhost:8765` and the like: a page served by this machine under a known name.
  private func originIsOwnName(_ origin: String) -> Bool {
    for scheme in ["http://", "https://"] where origin.hasPrefix(scheme) {
      return hosts.contains(HostCheck.name(of: String(origin.dropFirst(scheme.count))))
    }
    return false
  }

  /// `host:port` → `host`; `[::1]:port` → `[::1]`.
  static func name(of host: String) -> String {
    if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
    if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon { return String(host[..<colon]) }
    return host
  }
}

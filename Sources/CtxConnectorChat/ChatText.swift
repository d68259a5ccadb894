import CtxCore
import Foundation

/// Slack's message markup made readable.
enum SlackText {
  /// `<@U123>` → `@name`, `<#C123|general>` → `#general`, `<https://x|label>` →
  /// `label (https://x)`, `<https://x>` → `https://x`, `<!here>` → `@here`,
  /// `<!subteam^S1|@team>` → `@team`, `<!date^…|fallback>` → `fallback`; then `&lt;`, `&gt;`
  /// and `&amp;` decoded. Link tokens are stripped (`URLScrub`). Private channel ids are never
  /// resolved to names: `channelNames` holds public channels only.
  static func render(_ raw: String, users: [String: String], channelNames: [String: String]) -> String {
    guard raw.contains("<") || raw.contains("&") else { return raw }
    var output = ""
    var rest = Substring(raw)
    while let open = rest.firstIndex(of: "<") {
      output += rest[..<open]
      let afterOpen = rest.index(after: open)
      guard let close = rest[afterOpen...].firstIndex(of: ">"), rest.distance(from: afterOpen, to: close) <= 2000 else {
        output += "<"
        rest = rest[afterOpen...]
        continue
      }
      output += token(String(rest[afterOpen..<close]), users: users, channelNames: channelNames)
      rest = rest[rest.index(after: close)...]
    }
    output += rest
    return decodeEntities(output)
  }

  private static func token(_ inner: String, users: [String: String], channelNames: [String: String]) -> String {
    let pieces = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
    let target = String(pieces[0])
    let label = pieces.count > 1 && !pieces[1].isEmpty ? String(pieces[1]) : nil
    if target.hasPrefix("@") {
      let id = String(target.dropFirst())
      return "@" + (users[id] ?? label.map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 } ?? id)
    }
    if target.hasPrefix("#") {
      let id = String(target.dropFirst())
      return "#" + (label ?? channelNames[id] ?? id)
    }
    if target.hasPrefix("!") {
      let command = target.dropFirst()
      if command.hasPrefix("subteam^") { return label ?? "@" + command.dropFirst("subteam^".count) }
      if command.hasPrefix("date^") { return label ?? "" }
      if let label { return label }
      return "@" + command
    }
    if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("tel:") {
      let url = URLScrub.clean(target)
      if let label, label != target && label != url {
        return "\(decodeEntities(label)) (\(url))"
      }
      return url
    }
    return "<" + inner + ">"
  }

  static func decodeEntities(_ text: String) -> String {
    guard text.contains("&") else { return text }
    return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
  }
}

/// Takes access tokens out of links before they are stored.
enum URLScrub {
  /// Query parameters that carry credentials in exported links.
  static let sensitive: Set<String> = [
    "t", "token", "access_token", "auth", "authorization", "sig", "signature", "key", "api_key", "apikey", "password", "pwd",
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential", "ex", "is", "hm",
    "se", "sp", "sv", "st", "skoid", "sktid", "code", "session", "sid",
  ]

  /// Drops sensitive query parameters (and any whose value looks like a Slack token), and
  /// user:password from the authority. Slack file hosts lose their whole query.
  static func clean(_ url: String) -> String {
    var text = url
    if let scheme = text.range(of: "://") {
      let authorityStart = scheme.upperBound
      let authorityEnd = text[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
      if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
        text.removeSubrange(authorityStart...at)
      }
    }
    guard let question = text.firstIndex(of: "?") else { return text }
    let base = String(text[..<question])
    var query = String(text[text.index(after: question)...])
    var fragment = ""
    if let hash = query.firstIndex(of: "#") {
      fragment = String(query[hash...])
      query = String(query[..<hash])
    }
    if isSlackFileHost(base) { return base + fragment }
    let kept = query.split(separator: "&").filter { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = String(parts[0]).lowercased()
      let value = parts.count > 1 ? String(parts[1]) : ""
      return !sensitive.contains(key) && !value.hasPrefix("xox")
    }
    return kept.isEmpty ? base + fragment : base + "?" + kept.joined(separator: "&") + fragment
  }

  /// Every `http(s)://` link in free text cleaned with `clean`.
  static func scrubText(_ text: String) -> String {
    guard text.contains("://") else { return text }
    var output = ""
    var rest = Substring(text)
    while let range = rest.range(of: "http", options: .caseInsensitive) {
      output += rest[..<range.lowerBound]
      let candidate = rest[range.lowerBound...]
      let end = candidate.firstIndex(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ">" || $0 == "<" || $0 == "\"" || $0 == ")" || $0 == "|" })
        ?? candidate.endIndex
      let url = String(candidate[..<end])
      if url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") {
        output += clean(url)
      } else {
        output += url
      }
      rest = candidate[end...]
      if url.isEmpty {
        output += String(rest.prefix(1))
        rest = rest.dropFirst()
      }
    }
    output += rest
    return output
  }

  /// A file link as stored: no query at all (file links need none, and carry tokens).
  static func fileLink(_ url: String) -> String {
    let cleaned = clean(url)
    guard let question = cleaned.firstIndex(of: "?") else { return cleaned }
    return String(cleaned[..<question])
  }

  private static func isSlackFileHost(_ base: String) -> Bool {
    let lower = base.lowercased()
    return lower.contains("files.slack.com") || lower.contains("slack-files.com") || lower.contains("slack-edge.com")
  }
}

/// Message size limits.
enum MessageText {
  /// `text` cut to at most `limit` UTF-8 bytes (at a character boundary), with a marker
  /// saying how much was left out.
  static func truncated(_ text: String, limit: Int) -> (text: String, cut: Bool) {
    let count = text.utf8.count
    guard count > limit else { return (text, false) }
    var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
    // Back up to the start of a UTF-8 sequence.
    while end > text.utf8.startIndex && text.utf8[end] & 0xC0 == 0x80 { end = text.utf8.index(before: end) }
    let kept = String(text[..<end])
    let omitted = count - kept.utf8.count
    return (kept + "\n[… message truncated: \(omitted) more bytes not indexed]", true)
  }
}

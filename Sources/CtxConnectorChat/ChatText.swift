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
    guard raw.utf8.contains(UInt8(ascii: "<")) || raw.utf8.contains(UInt8(ascii: "&")) else { return raw }
    let output = AngleTokens.replace(in: raw, maxLength: 2000) { token(String($0), users: users, channelNames: channelNames) }
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

/// `<…>` markup found in one forward scan.
///
/// A `<` whose `>` does not follow within `maxLength` bytes, or that meets another `<` first,
/// is plain text. Each byte is looked at a bounded number of times, so a message of 100,000
/// unclosed `<` costs what its length costs (searching each `<` for its `>` to the end of the
/// message made such a message take minutes).
enum AngleTokens {
  static func replace(in text: String, maxLength: Int, _ render: (Substring) -> String) -> String {
    let utf8 = text.utf8
    let open = UInt8(ascii: "<")
    let close = UInt8(ascii: ">")
    var output = ""
    output.reserveCapacity(utf8.count)
    var copied = utf8.startIndex
    var index = utf8.startIndex
    while let start = utf8[index...].firstIndex(of: open) {
      // `<` and `>` are ASCII, so every index here is a character boundary.
      var probe = utf8.index(after: start)
      var length = 0
      var end: String.Index? = nil
      while probe < utf8.endIndex && length <= maxLength {
        let byte = utf8[probe]
        if byte == close {
          end = probe
          break
        }
        if byte == open { break }
        probe = utf8.index(after: probe)
        length += 1
      }
      guard let end else {
        // Plain text; nothing between `start` and `probe` can open a token.
        index = probe
        continue
      }
      output += text[copied..<start]
      output += render(text[utf8.index(after: start)..<end])
      index = utf8.index(after: end)
      copied = index
    }
    output += text[copied...]
    return output
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
  ///
  /// One forward scan over the bytes: searching the rest of the text for "http" with
  /// Foundation copied that rest at every link, quadratic in a message full of links.
  static func scrubText(_ text: String) -> String {
    guard text.contains("://") else { return text }
    let utf8 = text.utf8
    let terminators: Set<UInt8> = [0x20, 0x0A, 0x09, 0x3E, 0x3C, 0x22, 0x29, 0x7C]  // space \n \t > < " ) |
    var output = ""
    output.reserveCapacity(utf8.count)
    var copied = utf8.startIndex
    var index = utf8.startIndex
    // Where the word holding `index` ends; found once per word, so "hhhh…" stays linear.
    var wordEnd = utf8.startIndex
    while index < utf8.endIndex {
      guard utf8[index] | 0x20 == UInt8(ascii: "h") else {
        index = utf8.index(after: index)
        continue
      }
      // `h` and the terminators are ASCII, so `index` and `wordEnd` are character boundaries.
      if wordEnd <= index {
        wordEnd = index
        while wordEnd < utf8.endIndex && !terminators.contains(utf8[wordEnd]) { wordEnd = utf8.index(after: wordEnd) }
      }
      let word = text[index..<wordEnd]
      let lower = word.prefix(8).lowercased()
      if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
        output += text[copied..<index]
        output += clean(String(word))
        copied = wordEnd
        index = wordEnd
      } else {
        index = utf8.index(after: index)
      }
    }
    output += text[copied...]
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
    let limit = max(0, limit)  // a negative max_message_bytes must not move the index before the start
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

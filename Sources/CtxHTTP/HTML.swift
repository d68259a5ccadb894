import Foundation

/// The review page's HTML: escaped text, one layout, no scripts (works without JavaScript,
/// and the Content-Security-Policy forbids any).
enum HTML {
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  static func query(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
  }

  static func page(title: String, user: String?, body: String) -> String {
    let nav =
      user.map { name in
        """
        <nav><a href="/ui">Search</a> · <a href="/ui/review">Review queue</a> · signed in as <b id="who">\(escape(name))</b>
        <form method="post" action="/ui/signout" class="inline"><button type="submit">Sign out</button></form></nav>
        """
      } ?? ""
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · ctx</title>
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <style>
      body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#222}
      nav{margin-bottom:1rem;color:#555} .inline{display:inline} pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap}
      table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
      .error{color:#a00} .notice{color:#060} .muted{color:#666} fieldset{margin:.6rem 0}
      </style></head><body>
      <header><h1><a href="/ui">ctx</a> · \(escape(title))</h1></header>
      \(nav)
      <main>
      \(body)
      </main></body></html>
      """
  }

  /// `a=1&b=x+y` (a form body or a query string) → values, percent-decoded.
  static func form(_ text: String) -> [String: String] {
    var values: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = decode(parts[0])
      let value = parts.count > 1 ? decode(parts[1]) : ""
      if values[key] == nil { values[key] = value }
    }
    return values
  }

  private static func decode(_ text: Substring) -> String {
    String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
  }
}

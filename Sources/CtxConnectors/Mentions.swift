import Foundation

/// What a piece of prose (a document section, a chat message) names that the index can link
/// to: files, code identifiers, commits and issues. Each list keeps the order of first
/// appearance, without duplicates, and at most `Mentions.limit` entries.
public struct Mentions: Sendable, Hashable, Codable {
  public var paths: [String]
  public var identifiers: [String]
  public var commits: [String]
  public var issues: [String]

  public static let limit = 64

  public init(paths: [String] = [], identifiers: [String] = [], commits: [String] = [], issues: [String] = []) {
    self.paths = paths
    self.identifiers = identifiers
    self.commits = commits
    self.issues = issues
  }

  public var isEmpty: Bool { paths.isEmpty && identifiers.isEmpty && commits.isEmpty && issues.isEmpty }
}

/// Finds mentions in Markdown-ish text, with no language model, cheaply (one pass per line).
///
/// The rules (see docs/docs-connector.md, "Mentions"):
/// - **Code spans** (`` `…` ``) are trusted: a span holding one identifier (`validateSession`,
///   `IndexStore.write()`, `validate_session`) is an identifier; one holding a path
///   (`auth/session.ts`, `README.md`) is a path; a hex string is a commit; `#12` an issue.
/// - **Prose** is not: a word counts only when its shape is code-like: camelCase or
///   PascalCase with an inner capital (`validateSession`, `IndexStore`), snake_case,
///   `name()`, `Type.member`, `Type::member`. Plain English words never count.
/// - **Paths** in prose need a slash and a file extension (`src/auth/session.ts`), or a
///   well-known extension (`Package.swift`, `README.md`), or two slashes (`src/auth/tokens`);
///   relative link targets (`[x](docs/auth.md)`) count. URLs are not paths.
/// - **Commits**: 7–40 hex characters with at least one digit and one letter, inside
///   backticks or right after the word "commit"/"commits" (or in a `/commit/<sha>` URL);
///   a full 40-character id counts anywhere.
/// - **Issues**: `#123`, `GH-123`, and tracker keys like `PROJ-123` (uppercase key of 2–10
///   characters). Standards and hashes (`UTF-8`, `SHA-1`, `ISO-8601`, `RFC-2119`, `CVE-…`)
///   and decision records (`ADR-012`) are not issues.
/// - Lines inside fenced code blocks are skipped: code in a document is not a mention.
public enum DocumentMentions {
  public static func extract(from text: String) -> Mentions {
    var collector = Collector()
    var fence: (UInt8, Int)? = nil
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let bytes = Array(line.utf8)
      if let marker = fenceMarker(bytes) {
        if let open = fence {
          if marker.0 == open.0 && marker.1 >= open.1 && marker.2 { fence = nil }
        } else {
          fence = (marker.0, marker.1)
        }
        continue
      }
      if fence != nil { continue }
      scanLine(bytes, into: &collector)
    }
    return collector.mentions
  }

  // MARK: Line scanning

  /// A fence line: (character, length, nothing else after it).
  private static func fenceMarker(_ bytes: [UInt8]) -> (UInt8, Int, Bool)? {
    var index = 0
    while index < bytes.count && index < 4 && bytes[index] == 0x20 { index += 1 }
    guard index < 4, index < bytes.count else { return nil }
    let char = bytes[index]
    guard char == UInt8(ascii: "`") || char == UInt8(ascii: "~") else { return nil }
    var count = 0
    while index < bytes.count && bytes[index] == char {
      count += 1
      index += 1
    }
    guard count >= 3 else { return nil }
    let rest = bytes[index...]
    if char == UInt8(ascii: "`") && rest.contains(UInt8(ascii: "`")) { return nil }
    return (char, count, rest.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
  }

  private static func scanLine(_ bytes: [UInt8], into collector: inout Collector) {
    // Split into code spans and prose.
    var prose: [UInt8] = []
    var index = 0
    let tick = UInt8(ascii: "`")
    while index < bytes.count {
      if bytes[index] == tick {
        var run = 0
        while index + run < bytes.count && bytes[index + run] == tick { run += 1 }
        // Find a closing run of the same length.
        var search = index + run
        var closing: Int? = nil
        while search < bytes.count {
          if bytes[search] == tick {
            var other = 0
            while search + other < bytes.count && bytes[search + other] == tick { other += 1 }
            if other == run {
              closing = search
              break
            }
            search += other
          } else {
            search += 1
          }
        }
        if let closing {
          let content = String(decoding: bytes[(index + run)..<closing], as: UTF8.self)
          codeSpan(content.trimmingWhitespace(), into: &collector)
          prose.append(0x20)
          index = closing + run
          continue
        }
        prose.append(contentsOf: bytes[index..<(index + run)])
        index += run
        continue
      }
      prose.append(bytes[index])
      index += 1
    }
    scanProse(String(decoding: prose, as: UTF8.self), into: &collector)
  }

  // MARK: Code spans

  private static func codeSpan(_ content: String, into collector: inout Collector) {
    guard !content.isEmpty, content.utf8.count <= 200 else { return }
    if !content.contains(" ") {
      classifyCodeToken(content, into: &collector)
      return
    }
    // A command or expression: only tokens with a clear shape count.
    for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
      let word = trimPunctuation(String(token))
      if isCommitLike(word) {
        collector.commit(word)
      } else if let issue = issueReference(word) {
        collector.issue(issue)
      } else if isPath(word, trusted: true) {
        collector.path(cleanPath(word))
      } else if let identifier = codeShapedIdentifier(word) {
        collector.identifier(identifier)
      }
    }
  }

  private static func classifyCodeToken(_ token: String, into collector: inout Collector) {
    if isCommitLike(token) {
      collector.commit(token)
    } else if let issue = issueReference(token) {
      collector.issue(issue)
    } else if isURL(token) {
      scanURL(token, into: &collector)
    } else if isPath(token, trusted: true) {
      collector.path(cleanPath(token))
    } else if let identifier = identifierInCode(token) {
      collector.identifier(identifier)
    }
  }

  /// `name`, `Type.member`, `a::b`, `obj->field`, `name()`, `name(args)`; not keywords.
  private static func identifierInCode(_ token: String) -> String? {
    var text = Substring(token)
    if let paren = text.firstIndex(of: "("), text.hasSuffix(")") { text = text[..<paren] }
    guard !text.isEmpty, text.utf8.count <= 120 else { return nil }
    var parts: [Substring] = []
    var rest = text
    while !rest.isEmpty {
      guard let end = rest.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }) else {
        parts.append(rest)
        break
      }
      parts.append(rest[..<end])
      let separator = rest[end...]
      if separator.hasPrefix("::") || separator.hasPrefix("->") {
        rest = separator.dropFirst(2)
      } else if separator.hasPrefix(".") || separator.hasPrefix("#") {
        rest = separator.dropFirst()
      } else {
        return nil
      }
    }
    for part in parts {
      guard let first = part.first, first.isLetter || first == "_" || first == "$", part.allSatisfy({ $0.isASCII }) else { return nil }
    }
    let result = String(text)
    if parts.count == 1 && (result.count < 3 || codeKeywords.contains(result.lowercased())) { return nil }
    return result
  }

  private static let codeKeywords: Set<String> = [
    "true", "false", "nil", "null", "none", "self", "this", "return", "let", "var", "func", "def", "class", "struct", "enum", "import",
    "yes", "no", "and", "not", "the", "new", "void", "int", "string", "bool",
  ]

  // MARK: Prose

  private static func scanProse(_ line: String, into collector: inout Collector) {
    // Relative link targets: [label](target)
    var searchStart = line.startIndex
    while let range = line.range(of: "](", range: searchStart..<line.endIndex) {
      guard let close = line[range.upperBound...].firstIndex(of: ")") else { break }
      var target = String(line[range.upperBound..<close])
      if let space = target.firstIndex(of: " ") { target = String(target[..<space]) }
      if isURL(target) {
        scanURL(target, into: &collector)
      } else if !target.isEmpty && !target.hasPrefix("#") && !target.hasPrefix("mailto:") {
        let path = String(target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        if !path.isEmpty && !path.contains(" ") { collector.path(cleanPath(path)) }
      }
      searchStart = close
    }

    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    var previousIsCommit = false
    for raw in words {
      // Fast path: a plain word (letters, capitalised at most at the start) names nothing.
      if let plain = plainWord(raw) {
        previousIsCommit = plain == "commit" || plain == "commits"
        continue
      }
      let afterCommit = previousIsCommit
      previousIsCommit = false
      guard mayMention(raw) else { continue }
      if raw.utf8.contains(UInt8(ascii: "]")) && raw.contains("](") { continue }  // links: handled above
      let word = trimPunctuation(String(raw))
      guard !word.isEmpty else { continue }
      if word.contains("://") || isURL(word) {
        scanURL(word, into: &collector)
        continue
      }
      if isCommitLike(word) && (afterCommit || word.utf8.count == 40) {
        collector.commit(word)
        continue
      }
      if let issue = issueReference(word) {
        collector.issue(issue)
        continue
      }
      if isPath(word, trusted: false) {
        collector.path(cleanPath(word))
        continue
      }
      if let identifier = codeShapedIdentifier(word) {
        collector.identifier(identifier)
      }
    }
  }

  /// Whether a word has any character some rule needs: a digit, an inner capital, or one of
  /// `_ / . # - ( :`. Words without any (`title="x`) are skipped cheaply.
  private static func mayMention(_ raw: Substring) -> Bool {
    var first = true
    for byte in raw.utf8 {
      switch byte {
      case 0x30...0x39, UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "#"), UInt8(ascii: "-"), UInt8(ascii: "("),
        UInt8(ascii: ":"):
        return true
      case 0x41...0x5A where !first:
        return true
      default:
        break
      }
      first = false
    }
    return false
  }

  /// The lowercased letters of a word that is only letters (plus trailing sentence
  /// punctuation, `commit:` included), with at most its first letter uppercase; else nil.
  private static func plainWord(_ raw: Substring) -> String? {
    let bytes = raw.utf8
    var end = bytes.endIndex
    while end > bytes.startIndex {
      let last = bytes[bytes.index(before: end)]
      guard last == UInt8(ascii: ".") || last == UInt8(ascii: ",") || last == UInt8(ascii: ";") || last == UInt8(ascii: ":")
        || last == UInt8(ascii: "!") || last == UInt8(ascii: "?")
      else { break }
      end = bytes.index(before: end)
    }
    guard end > bytes.startIndex else { return nil }
    var first = true
    for byte in bytes[bytes.startIndex..<end] {
      let lower = byte >= 0x61 && byte <= 0x7A
      let upper = byte >= 0x41 && byte <= 0x5A
      guard lower || (upper && first) else { return nil }
      first = false
    }
    return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self).lowercased()
  }

  /// An identifier whose shape alone says it is code.
  private static func codeShapedIdentifier(_ word: String) -> String? {
    var text = Substring(word)
    var called = false
    if text.hasSuffix("()") {
      text = text.dropLast(2)
      called = true
    } else if let paren = text.firstIndex(of: "("), text.hasSuffix(")"), paren > text.startIndex {
      text = text[..<paren]
      called = true
    }
    guard !text.isEmpty, text.utf8.count <= 120, text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
    // Split member access.
    let normalized = text.contains(":") || text.contains("-") ? text.replacingOccurrences(of: "::", with: ".").replacingOccurrences(of: "->", with: ".") : String(text)
    let parts = normalized.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.allSatisfy({ part in
      guard let first = part.first else { return false }
      return (first.isLetter || first == "_") && part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    })
    else { return nil }
    let shaped = parts.contains { hasCodeCase($0) || hasInnerUnderscore($0) } || (parts.count > 1 && (text.contains("::") || text.contains("->")))
    if called && (parts.count > 1 || parts[0].count >= 2) { return String(text) }
    if shaped { return String(text) }
    return nil
  }

  /// camelCase (`validateSession`), PascalCase with an inner capital (`IndexStore`), or an
  /// acronym followed by a word (`URLSession`); not `ADRs`, `APIs` or `OK`.
  static func hasCodeCase(_ word: Substring) -> Bool {
    let chars = Array(word.utf8)
    guard chars.count >= 3 else { return false }
    func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    for index in 1..<chars.count {
      if isLower(chars[index - 1]) && isUpper(chars[index]) { return true }
      if index + 2 < chars.count && isUpper(chars[index - 1]) && isUpper(chars[index]) && isLower(chars[index + 1]) && isLower(chars[index + 2]) {
        return true
      }
    }
    return false
  }

  private static func hasInnerUnderscore(_ word: Substring) -> Bool {
    let trimmed = word.drop(while: { $0 == "_" }).reversed().drop(while: { $0 == "_" })
    return trimmed.contains("_") && word.contains(where: { $0.isLetter })
  }

  // MARK: Shapes

  static func isCommitLike(_ word: String) -> Bool {
    let bytes = Array(word.utf8)
    guard bytes.count >= 7 && bytes.count <= 40 else { return false }
    var digit = false
    var letter = false
    for byte in bytes {
      switch byte {
      case 0x30...0x39: digit = true
      case 0x61...0x66, 0x41...0x46: letter = true
      default: return false
      }
    }
    return digit && letter
  }

  private static let notIssueKeys: Set<String> = [
    "UTF", "SHA", "ISO", "RFC", "CVE", "ADR", "MD", "AES", "TLS", "SSL", "HTTP", "IPV", "MP", "COVID", "ECMA", "ES", "PEP", "ARM", "CWE",
    "RSA", "HS", "RS", "ES", "PS", "UCS", "WCAG", "X", "GMT", "UTC", "ASCII", "IEEE", "ANSI", "PKCS", "BASE", "MPEG", "H",
  ]

  /// `#123`, `GH-123`, `PROJ-123` (the normalized form), else nil.
  static func issueReference(_ word: String) -> String? {
    let bytes = Array(word.utf8)
    guard bytes.count >= 2, bytes.count <= 24 else { return nil }
    if bytes[0] == UInt8(ascii: "#") {
      let digits = bytes.dropFirst()
      guard digits.count <= 7, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.first != 0x30 else { return nil }
      return word
    }
    guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
    let key = bytes[..<dash]
    let number = bytes[(dash + 1)...]
    guard key.count >= 2, key.count <= 10, let first = key.first, first >= 0x41 && first <= 0x5A,
      key.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }),
      !number.isEmpty, number.count <= 7, number.first != 0x30, number.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
    else { return nil }
    let keyText = String(decoding: key, as: UTF8.self)
    if notIssueKeys.contains(keyText) { return nil }
    return word
  }

  static let knownExtensions: Set<String> = [
    "swift", "ts", "tsx", "js", "jsx", "mjs", "cjs", "py", "pyi", "go", "rs", "java", "kt", "kts", "c", "h", "cc", "cpp", "cxx", "hpp", "m",
    "mm", "rb", "php", "cs", "scala", "sh", "bash", "zsh", "md", "markdown", "txt", "rst", "html", "htm", "css", "scss", "json",
    "yaml", "yml", "toml", "xml", "sql", "proto", "gradle", "ini", "cfg", "conf", "lock", "ex", "exs", "erl", "hs", "ml", "dart",
    "lua", "tf", "vue", "svelte", "graphql", "gql", "jsonl", "csv", "mk", "cmake", "ps1", "bat", "pl", "pm", "zig", "el", "clj",
  ]

  /// A file path: relative, no scheme, made of path-safe characters.
  static func isPath(_ word: String, trusted: Bool) -> Bool {
    guard word.utf8.count >= 3, word.utf8.count <= 300, !isURL(word), !word.hasPrefix("//") else { return false }
    guard word.utf8.allSatisfy({ pathBytes[Int($0)] }) else { return false }
    let segments = word.split(separator: "/", omittingEmptySubsequences: true)
    guard let last = segments.last, !segments.isEmpty else { return false }
    guard segments.allSatisfy({ segment in segment.contains(where: { $0.isLetter }) || segment == ".." || segment == "." }) else { return false }
    let slashes = word.filter { $0 == "/" }.count
    let ext = fileExtension(last)
    if slashes > 0 {
      if let ext, ext.first?.isLetter == true, ext.count <= 10 { return true }
      if slashes >= 2 && !word.hasSuffix("/") { return true }
      return trusted && !word.hasSuffix("/") && segments.count >= 2
    }
    guard let ext else { return false }
    if knownExtensions.contains(ext.lowercased()) {
      // `Node.js`-style names are products, not files, unless in a code span.
      return trusted || ext.lowercased() != "js" || last.first?.isLowercase == true
    }
    return false
  }

  /// ASCII letters, digits and `/._-~@+`.
  private static let pathBytes: [Bool] = {
    var table = [Bool](repeating: false, count: 256)
    for byte in Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/._-~@+".utf8) { table[Int(byte)] = true }
    return table
  }()

  private static func fileExtension(_ segment: Substring) -> String? {
    guard let dot = segment.lastIndex(of: "."), dot != segment.startIndex else { return nil }
    let ext = segment[segment.index(after: dot)...]
    guard !ext.isEmpty, ext.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
    return String(ext)
  }

  private static func cleanPath(_ path: String) -> String {
    var text = path
    while text.hasPrefix("./") { text.removeFirst(2) }
    return text
  }

  static func isURL(_ word: String) -> Bool {
    let bytes = word.utf8
    guard let first = bytes.first, [UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "m"), UInt8(ascii: "M")].contains(first)
    else { return false }
    let lower = String(decoding: bytes.prefix(8), as: UTF8.self).lowercased()
    return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("ftp://") || lower.hasPrefix("mailto:")
      || lower.hasPrefix("file://")
  }

  /// Commits and issues named by well-known URL shapes (`…/commit/<sha>`, `…/issues/12`).
  private static func scanURL(_ url: String, into collector: inout Collector) {
    let parts = url.split(separator: "/")
    for (index, part) in parts.enumerated() where index + 1 < parts.count {
      let next = String(parts[index + 1].prefix { $0.isLetter || $0.isNumber })
      if part == "commit" || part == "commits", isCommitLike(next) {
        collector.commit(next)
      } else if part == "issues" || part == "pull", !next.isEmpty, next.allSatisfy({ $0.isNumber }), next.count <= 7 {
        collector.issue("#" + next)
      }
    }
  }

  private static let edgePunctuation: Set<Character> = ["(", ")", "[", "]", "{", "}", "<", ">", "\"", "'", "*", ",", ";", ":", "!", "?", "“", "”", "‘", "’", "|"]

  private static func trimPunctuation(_ token: String) -> String {
    var text = Substring(token)
    while let first = text.first, edgePunctuation.contains(first) || first == "_" && text.hasSuffix("_") && text.count > 2 {
      if first == "_" {
        text = text.dropFirst().dropLast()
        continue
      }
      text = text.dropFirst()
    }
    while let last = text.last, edgePunctuation.contains(last) || last == "." {
      if last == ")" && text.hasSuffix("()") { break }
      if last == ")", let open = text.firstIndex(of: "("), open > text.startIndex { break }
      text = text.dropLast()
    }
    return String(text)
  }

  // MARK: Collecting

  private struct Collector {
    var mentions = Mentions()
    var seen: Set<String> = []

    mutating func add(_ value: String, _ kind: String, _ list: WritableKeyPath<Mentions, [String]>) {
      guard mentions[keyPath: list].count < Mentions.limit, seen.insert(kind + value).inserted else { return }
      mentions[keyPath: list].append(value)
    }
    mutating func path(_ value: String) { add(value, "p", \.paths) }
    mutating func identifier(_ value: String) { add(value, "i", \.identifiers) }
    mutating func commit(_ value: String) { add(value.lowercased(), "c", \.commits) }
    mutating func issue(_ value: String) { add(value, "#", \.issues) }
  }
}

extension String {
  /// Without leading and trailing spaces, tabs, carriage returns and newlines.
  package func trimmingWhitespace() -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !Self.isSpace($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !Self.isSpace($0) })!
    return String(scalars[first...last])
  }

  private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" || scalar == "\u{0C}" || scalar == "\u{A0}"
  }
}

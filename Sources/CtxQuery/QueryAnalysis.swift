import CtxCore
import Synchronization

/// A file named in the query text, as in a stack trace: `src/auth/session.ts:42`.
public struct PathMention: Sendable, Hashable {
  /// As written, without line and column (may be absolute or partial).
  public var path: String
  /// The last component: what the index is searched by.
  public var name: String
  public var line: Int?

  public init(path: String, name: String, line: Int?) {
    self.path = path
    self.name = name
    self.line = line
  }
}

/// Free query text taken apart into what ranking uses. Pure: no IO, never throws.
///
/// A query can be two words or a whole bug report with a traceback and code. The analysis
/// finds the words (stop words dropped), the identifiers as written (`validateSession`,
/// `parse_args`), and the file paths with line numbers.
public struct QueryAnalysis: Sendable {
  public var text: String
  /// Query terms in order, each distinct once: identifiers and words.
  public var terms: [QueryTerm]
  public var paths: [PathMention]
  /// Identifiers written as code (mixed case, underscores, digits inside, or followed by `(`).
  public var identifiers: [String]
  /// The query is about tests, so test files are not ranked down. For text of several lines
  /// (a bug report, a commit message with a body) only the first line counts: reporters say
  /// "I tested" and paste pytest output about bugs in the code under test.
  public var mentionsTests: Bool
  /// Whether "test" or "spec" appears anywhere (the rule before `mentionsTests` read titles).
  public var mentionsTestsAnywhere: Bool
  /// What a bug report points at: error lines, backticked, imported and called names.
  public var clues: ReportClues
  /// Names written with their scope: `Sink::matched`, `Session.validate`, `Router#route`.
  public var qualifiedNames: [QualifiedName]

  /// The analysis of `text`, computed once for the many searches of one query (code,
  /// history, documents, threads and annotations each read it): a whole bug report takes
  /// milliseconds to analyse.
  public static func of(_ text: String) -> QueryAnalysis {
    if let last = lastAnalysis.withLock({ $0 }), last.text == text { return last }
    let analysis = QueryAnalysis(text)
    lastAnalysis.withLock { $0 = analysis }
    return analysis
  }

  private static let lastAnalysis = Mutex<QueryAnalysis?>(nil)

  public init(_ text: String) {
    self.text = text
    paths = QueryAnalysis.findPaths(in: text)
    var terms: [QueryTerm] = []
    var seen = Set<String>()
    var identifiers: [String] = []
    var seenIdentifiers = Set<String>()
    let pathNames = Set(paths.map(\.name))
    for token in QueryAnalysis.tokens(of: text) {
      let parts = IdentifierParts.split(token[...])
      guard !parts.isEmpty else { continue }
      let whole = parts.joined()
      let looksLikeCode = parts.count > 1 || token.contains("_")
      if looksLikeCode, !pathNames.contains(token), seenIdentifiers.insert(token).inserted {
        identifiers.append(token)
      }
      if parts.count == 1 && QueryAnalysis.stopWords.contains(whole) { continue }
      if seen.insert(whole).inserted {
        terms.append(QueryTerm(whole: whole, parts: parts.count > 1 ? parts : []))
      }
    }
    if terms.isEmpty {
      // Only stop words ("how does it work"): keep them rather than search for nothing.
      for token in QueryAnalysis.tokens(of: text) {
        let whole = IdentifierParts.split(token[...]).joined()
        if !whole.isEmpty && seen.insert(whole).inserted { terms.append(QueryTerm(whole: whole, parts: [])) }
      }
    }
    self.terms = terms
    self.identifiers = identifiers
    let title = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    let lower = title.lowercased()
    mentionsTests = lower.contains("test") || lower.contains("spec")
    let whole = text.lowercased()
    mentionsTestsAnywhere = whole.contains("test") || whole.contains("spec")
    clues = ReportClues(text)
    qualifiedNames = QualifiedName.all(in: text)
  }

  /// Words as unicode61 would see them, but keeping `_` inside identifiers and splitting
  /// nothing else: letters, digits and `_`.
  static func tokens(of text: String) -> [String] {
    var tokens: [String] = []
    var current = ""
    for character in text {
      if character.isLetter || character.isNumber || character == "_" {
        current.append(character)
      } else if !current.isEmpty {
        tokens.append(current)
        current = ""
      }
    }
    if !current.isEmpty { tokens.append(current) }
    return tokens.filter { $0.contains(where: { $0 != "_" }) }
  }

  static let stopWords: Set<String> = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "has", "have", "how",
    "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their",
    "then", "there", "these", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
    "will", "with", "you", "your", "should", "would", "could", "about", "after", "before", "there", "here", "also",
    "some", "any", "all", "not", "no", "been", "being", "than", "too", "very", "just", "only", "out", "up", "down",
  ]

  /// Path-looking tokens: contain a `/` or end in a known source extension, optionally with
  /// `:line[:column]` or followed by `, line N` (Python tracebacks).
  static func findPaths(in text: String) -> [PathMention] {
    var mentions: [PathMention] = []
    var seen = Set<String>()
    let separators: Set<Character> = [" ", "\t", "\n", "\r", "\"", "'", "`", "(", ")", "[", "]", "{", "}", ",", ";", "<", ">", "|"]
    let pieces = text.split(whereSeparator: { separators.contains($0) })
    for (index, piece) in pieces.enumerated() {
      var token = Substring(piece)
      while let last = token.last, last == "." || last == ":" { token = token.dropLast() }
      var line: Int? = nil
      // Strip ":line" and ":line:column".
      let colonParts = token.split(separator: ":", omittingEmptySubsequences: false)
      if colonParts.count >= 2, let number = Int(colonParts[1]) {
        line = number
        token = colonParts[0]
      } else if colonParts.count >= 2 {
        continue  // a URL or "key:value"
      }
      guard let name = token.split(separator: "/").last, name.contains(".") else { continue }
      guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else { continue }
      let ext = name[name.index(after: dot)...].lowercased()
      guard knownExtensions.contains(ext), name.first != "." || name.count > ext.count + 1 else { continue }
      // Don't take "e.g" or a method call "self.run" for a file: the extension must be known.
      if line == nil, index + 2 < pieces.count, pieces[index + 1] == "line", let number = Int(pieces[index + 2]) {
        line = number
      }
      let path = String(token)
      if seen.insert(path + ":" + String(line ?? 0)).inserted {
        mentions.append(PathMention(path: path, name: String(name), line: line))
      }
    }
    return mentions
  }

  static let knownExtensions: Set<String> = [
    "swift", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "go", "rs", "py", "pyi", "rb", "js", "mjs", "cjs", "jsx",
    "ts", "tsx", "java", "kt", "kts", "scala", "cs", "php", "sh", "bash", "pl", "pm", "lua", "sql", "proto", "md", "yaml",
    "yml", "toml", "json", "xml", "html", "css", "scss", "ex", "exs", "erl", "hs", "ml", "clj", "dart", "zig", "vue",
    "svelte", "gradle", "txt", "rst", "cfg", "ini", "conf", "tf", "mk",
  ]
}

/// One query term: a word, or an identifier with its parts.
public struct QueryTerm: Sendable, Hashable {
  /// Lower-cased, parts joined: `validatesession`.
  public var whole: String
  /// The words of a compound identifier (`["validate", "session"]`), empty for a plain word.
  public var parts: [String]

  public init(whole: String, parts: [String]) {
    self.whole = whole
    self.parts = parts
  }
}

/// A name and the scope written before it (`Sink::matched`: the method `matched` of `Sink`).
public struct QualifiedName: Sendable, Hashable {
  /// The last scope written (`b` in `a::b::c`).
  public var scope: String
  public var name: String

  /// Chains of identifiers joined by `::`, `.`, `#` or `->` with nothing between them, each
  /// as its last two links. A link is a letter or `_` and then letters, digits and `_`; a
  /// chain ending in a file extension (`sink.rs`, `setup.py`) or in one letter (`e.g`) is not
  /// a name.
  static func all(in text: String) -> [QualifiedName] {
    var found: [QualifiedName] = []
    var seen = Set<QualifiedName>()
    let characters = Array(text.unicodeScalars)
    var index = 0
    func isStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
    func isInside(_ c: Unicode.Scalar) -> Bool { isStart(c) || ("0"..."9").contains(c) }
    while index < characters.count {
      guard isStart(characters[index]), index == 0 || !(isInside(characters[index - 1]) || characters[index - 1] == "/") else {
        index += 1
        continue
      }
      var links: [String] = []
      var cursor = index
      while cursor < characters.count, isStart(characters[cursor]) {
        var end = cursor
        while end < characters.count, isInside(characters[end]) { end += 1 }
        links.append(String(String.UnicodeScalarView(characters[cursor..<end])))
        cursor = end
        let separator = QualifiedName.separator(in: characters, at: cursor)
        guard separator > 0, cursor + separator < characters.count, isStart(characters[cursor + separator]) else { break }
        cursor += separator
      }
      index = max(cursor, index + 1)
      guard links.count >= 2, let name = links.last, name.count >= 2, cursor >= characters.count || characters[cursor] != "/" else { continue }
      if QueryAnalysis.knownExtensions.contains(name.lowercased()) { continue }
      let qualified = QualifiedName(scope: links[links.count - 2], name: name)
      if seen.insert(qualified).inserted { found.append(qualified) }
    }
    return found
  }

  /// The length of the separator at `index` (`::` 2, `->` 2, `.` and `#` 1), or 0.
  private static func separator(in characters: [Unicode.Scalar], at index: Int) -> Int {
    guard index < characters.count else { return 0 }
    switch characters[index] {
    case ".", "#": return 1
    case ":" where index + 1 < characters.count && characters[index + 1] == ":": return 2
    case "-" where index + 1 < characters.count && characters[index + 1] == ">": return 2
    default: return 0
    }
  }
}

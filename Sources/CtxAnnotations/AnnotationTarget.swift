import CtxCore
import Foundation

/// What an annotation is about: anything the index holds.
///
/// Written as `kind:value` (DESIGN.md): `path:src/auth/**`, `symbol:validateSession`,
/// `doc:docs/auth.md#token-expiry`, `commit:4f2a9c1e`, `thread:general/1704186100.000200`,
/// `term:"session token"`.
public enum AnnotationTarget: Sendable, Hashable, CustomStringConvertible {
  /// A file, or a glob of files (`*`, `**`, `?`, `[...]`, `{a,b}`).
  case path(String)
  case symbol(String)
  /// A document, optionally one section (`#anchor`).
  case doc(path: String, anchor: String?)
  case commit(String)
  case thread(channel: String, ts: String)
  /// A word or phrase: attaches to every query that contains it.
  case term(String)

  public static let kinds = ["path", "symbol", "doc", "commit", "thread", "term"]

  /// Parses `kind:value`.
  ///
  /// - Throws: `.invalidQuery` with the accepted forms when `text` is not one of them.
  public init(parsing text: String) throws(CtxError) {
    let trimmed = text.trimmedSpaces
    guard let colon = trimmed.firstIndex(of: ":") else {
      throw AnnotationTarget.formError(text)
    }
    let kind = String(trimmed[..<colon]).lowercased()
    var value = trimmed[trimmed.index(after: colon)...].trimmedSpaces
    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
    guard !value.isEmpty else { throw AnnotationTarget.formError(text) }
    switch kind {
    case "path":
      while value.hasPrefix("./") { value = String(value.dropFirst(2)) }
      self = .path(value)
    case "symbol":
      guard !value.contains(where: \.isWhitespace) else {
        throw CtxError(.invalidQuery, "`\(text)`: a symbol name has no spaces; for a phrase use `term:\"\(value)\"`")
      }
      self = .symbol(value)
    case "doc":
      if let hash = value.firstIndex(of: "#") {
        let anchor = String(value[value.index(after: hash)...])
        self = .doc(path: String(value[..<hash]), anchor: anchor.isEmpty ? nil : anchor)
      } else {
        self = .doc(path: value, anchor: nil)
      }
    case "commit":
      guard value.count >= 7, value.count <= 40, value.allSatisfy(\.isHexDigit) else {
        throw CtxError(.invalidQuery, "`\(text)`: a commit is 7 to 40 hex digits, e.g. `commit:4f2a9c1e`")
      }
      self = .commit(value.lowercased())
    case "thread":
      guard let slash = value.lastIndex(of: "/"), slash != value.startIndex, value.index(after: slash) != value.endIndex else {
        throw CtxError(.invalidQuery, "`\(text)`: a thread is `thread:<channel>/<ts>`, e.g. `thread:general/1704186100.000200`")
      }
      var channel = String(value[..<slash])
      if channel.hasPrefix("#") { channel.removeFirst() }
      self = .thread(channel: channel, ts: String(value[value.index(after: slash)...]))
    case "term":
      self = .term(value)
    default:
      throw AnnotationTarget.formError(text)
    }
  }

  static func formError(_ text: String) -> CtxError {
    CtxError(
      .invalidQuery,
      "`\(text)` is not an annotation target; use one of path:src/auth/**, symbol:validateSession, doc:docs/auth.md#token-expiry, "
        + "commit:4f2a9c1e, thread:general/1704186100.000200, term:\"session token\"")
  }

  public var kind: String {
    switch self {
    case .path: "path"
    case .symbol: "symbol"
    case .doc: "doc"
    case .commit: "commit"
    case .thread: "thread"
    case .term: "term"
    }
  }

  /// The value after `kind:`.
  public var value: String {
    switch self {
    case .path(let path): path
    case .symbol(let name): name
    case .doc(let path, let anchor): anchor.map { "\(path)#\($0)" } ?? path
    case .commit(let sha): sha
    case .thread(let channel, let ts): "\(channel)/\(ts)"
    case .term(let term): term
    }
  }

  /// `kind:value`, quoted for terms with spaces; parses back to the same target.
  public var description: String {
    if case .term(let term) = self, term.contains(" ") { return "term:\"\(term)\"" }
    return "\(kind):\(value)"
  }

  /// Whether a path target is a glob (matches many files) rather than one file.
  public var isGlob: Bool {
    guard case .path(let path) = self else { return false }
    return path.contains(where: { "*?[{".contains($0) })
  }
}

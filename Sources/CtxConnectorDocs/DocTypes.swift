import CtxConnectors
import CtxCore

/// How a document was read.
public enum DocFormat: String, Sendable, Hashable, Codable, CaseIterable {
  case markdown
  case text
  case html
  /// reStructuredText: sectioned by its underlined titles.
  case restructuredText = "rst"

  /// The format a path's extension implies; unknown extensions are plain text.
  public static func detect(path: String) -> DocFormat {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return .text }
    switch name[name.index(after: dot)...].lowercased() {
    case "md", "markdown", "mdown", "mkd", "mdx": return .markdown
    case "html", "htm", "xhtml": return .html
    case "rst", "rest": return .restructuredText
    default: return .text
    }
  }
}

/// One document, cut into sections: the unit the docs layer retrieves.
public struct ParsedDocument: Sendable, Hashable {
  /// The declared title: front matter `title`, else the first level-1 heading (Markdown,
  /// reStructuredText), else `<title>` then the first `<h1>` (HTML); nil when there is none.
  public var title: String?
  public var format: DocFormat
  /// YAML front matter, flattened: nested keys joined with `.` (`author.name`), lists joined
  /// with `", "`, scalars as written (`2024-01-05`, `true`).
  public var frontMatter: [String: String]
  /// The decision-record status, when the document declares one.
  public var status: DocStatus?
  public var sections: [DocSection]
  /// Lines in the original file.
  public var lineCount: Int

  public init(
    title: String?, format: DocFormat, frontMatter: [String: String] = [:], status: DocStatus? = nil, sections: [DocSection],
    lineCount: Int
  ) {
    self.title = title
    self.format = format
    self.frontMatter = frontMatter
    self.status = status
    self.sections = sections
    self.lineCount = lineCount
  }
}

/// A run of lines under one heading.
public struct DocSection: Sendable, Hashable {
  /// The headings above and including this section's own, outermost first, e.g.
  /// `["Auth", "Sessions", "Expiry"]`. Text before the first heading, and sections of plain
  /// text files, have `[title]` (the document title, else the file name).
  public var headingPath: [String]
  /// The GitHub-style slug of the last heading (`token-expiry`), made unique within the file
  /// with `-1`, `-2`, as GitHub does; `""` for text before the first heading and for
  /// sections of plain text files.
  public var anchor: String
  /// The heading level, 1–6; 0 for text before the first heading and for plain text.
  public var level: Int
  /// 1, or the part number when a long section was split into parts (all parts share
  /// `headingPath` and `anchor`).
  public var part: Int
  /// First and last line in the original file, 1-based and inclusive. For HTML, best effort:
  /// the line where the heading's tag starts, through the last line that gave text.
  public var startLine: Int
  public var endLine: Int
  /// The section's text: the original lines for Markdown and text (heading and code blocks
  /// included); the reduced, readable text for HTML.
  public var text: String
  public var mentions: Mentions

  public init(
    headingPath: [String], anchor: String, level: Int, part: Int = 1, startLine: Int, endLine: Int, text: String,
    mentions: Mentions = Mentions()
  ) {
    self.headingPath = headingPath
    self.anchor = anchor
    self.level = level
    self.part = part
    self.startLine = startLine
    self.endLine = endLine
    self.text = text
    self.mentions = mentions
  }
}

/// A decision record's declared status (see docs/docs-connector.md for the recognised forms).
public struct DocStatus: Sendable, Hashable {
  public enum State: Sendable, Hashable, CustomStringConvertible {
    case proposed
    case accepted
    case rejected
    case deprecated
    case superseded
    case draft
    /// A status word ctx does not know, kept as written (`"In review"`).
    case other(String)

    /// A known word (any case), else `.other` with the text as written.
    public init(word: String) {
      switch word.lowercased() {
      case "proposed": self = .proposed
      case "accepted": self = .accepted
      case "rejected": self = .rejected
      case "deprecated": self = .deprecated
      case "superseded": self = .superseded
      case "draft": self = .draft
      default: self = .other(word)
      }
    }

    /// The lowercase word for known states, the raw text for `.other`.
    public var description: String {
      switch self {
      case .proposed: "proposed"
      case .accepted: "accepted"
      case .rejected: "rejected"
      case .deprecated: "deprecated"
      case .superseded: "superseded"
      case .draft: "draft"
      case .other(let raw): raw
      }
    }
  }

  public var state: State
  /// What replaced this record: a path (link targets are resolved against the document's
  /// folder, e.g. `docs/adr/0003-use-fts5.md`) or a reference as written (`ADR-012`).
  public var supersededBy: String?
  /// The records this one replaces, in the same forms.
  public var supersedes: [String]
  /// Where the status was declared (1-based line of the original file).
  public var line: Int?

  public init(state: State, supersededBy: String? = nil, supersedes: [String] = [], line: Int? = nil) {
    self.state = state
    self.supersededBy = supersededBy
    self.supersedes = supersedes
    self.line = line
  }
}

/// Why a document could not be parsed. The docs connector turns it into a `parse-failed`
/// issue naming the file and line; the rest of the crawl goes on.
public struct DocParseError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    /// The YAML between the `---` lines does not parse, or is not a mapping.
    case malformedFrontMatter = "malformed-front-matter"
    /// The front matter is opened with `---` but never closed.
    case unclosedFrontMatter = "unclosed-front-matter"
  }

  public var kind: Kind
  public var path: String
  /// 1-based line of the original file.
  public var line: Int?
  public var message: String

  public init(kind: Kind, path: String, line: Int?, message: String) {
    self.kind = kind
    self.path = path
    self.line = line
    self.message = message
  }

  public var description: String {
    var location = path
    if let line { location += ":\(line)" }
    return "\(location): \(message)"
  }
}


/// A named definition found in a file, 1-based lines.
public struct Symbol: Sendable, Hashable, Codable {
  public var name: String
  public var kind: String
  public var line: Int
  /// Last line of the definition, when the extractor knows it.
  public var endLine: Int?
  /// Enclosing type or namespace, e.g. `IndexStore` for a method.
  public var scope: String?
  public var signature: String?
  /// The lookup form of `name` (lower-cased, without `_`), when computed ahead of writing.
  public var norm: String? = nil

  public init(
    name: String, kind: String, line: Int, endLine: Int? = nil, scope: String? = nil,
    signature: String? = nil
  ) {
    self.name = name
    self.kind = kind
    self.line = line
    self.endLine = endLine
    self.scope = scope
    self.signature = signature
  }
}

/// A contiguous run of lines of one file: the unit the code layer retrieves.
public struct Chunk: Sendable, Hashable {
  public var startLine: Int
  public var endLine: Int
  /// The definition this chunk holds, if it was cut at a symbol boundary.
  public var symbol: String?
  public var kind: String?
  public var text: String

  public init(startLine: Int, endLine: Int, symbol: String? = nil, kind: String? = nil, text: String) {
    self.startLine = startLine
    self.endLine = endLine
    self.symbol = symbol
    self.kind = kind
    self.text = text
  }
}

/// Size and modification time, compared before any file is read again.
public struct FileStamp: Sendable, Hashable, Codable {
  public var size: Int64
  public var mtimeNanos: Int64

  public init(size: Int64, mtimeNanos: Int64) {
    self.size = size
    self.mtimeNanos = mtimeNanos
  }
}

/// One source file, read and cut into chunks.
public struct CodeFile: Sendable {
  /// `/`-separated, relative to the source root.
  public var path: String
  public var stamp: FileStamp
  /// The git blob id of the content (hex), also used for plain folders.
  public var contentHash: String
  public var language: String?
  public var lineCount: Int
  public var symbols: [Symbol]
  public var chunks: [Chunk]
  /// Secrets replaced in the text before it was cut, by rule id (never the values).
  public var redactions: [String: Int]

  public init(
    path: String, stamp: FileStamp, contentHash: String, language: String?, lineCount: Int,
    symbols: [Symbol], chunks: [Chunk], redactions: [String: Int] = [:]
  ) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
    self.language = language
    self.lineCount = lineCount
    self.symbols = symbols
    self.chunks = chunks
    self.redactions = redactions
  }
}

/// Something a crawl noticed about one item: a skip by policy, or a problem.
public struct CrawlIssue: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Codable, CaseIterable {
    // Skipped by policy: expected, not problems.
    case binary
    case tooLarge = "too-large"
    case excluded
    case generated
    case empty
    case symlink
    /// A file or folder name that is not valid UTF-8: ctx keeps paths as text, so it cannot
    /// name the file, read it back or show it. Rename it to index it.
    case nonUTF8Name = "non-utf8-name"
    /// A path that holds a secret (a token as a file or folder name): not indexed, so the name
    /// is stored nowhere; the report shows it redacted. Rename it to index it.
    case secretInPath = "secret-in-path"
    // Problems: the exit code says there were some.
    case unreadable
    case vanished
    case symlinkLoop = "symlink-loop"
    case invalidUTF8 = "invalid-utf8"
    case ctagsMissing = "ctags-missing"
    case ctagsFailed = "ctags-failed"
    case parseFailed = "parse-failed"
    case listingFailed = "listing-failed"

    /// Problems make `ctx index` exit with 2; skips do not.
    public var isProblem: Bool {
      switch self {
      case .binary, .tooLarge, .excluded, .generated, .empty, .symlink, .nonUTF8Name, .secretInPath: false
      default: true
      }
    }
  }

  public var kind: Kind
  public var path: String?
  public var message: String
  /// For a file read and then skipped by policy (binary, generated): its stamp and content
  /// hash then, so `ctx status` can tell it unchanged rather than new.
  public var stamp: FileStamp? = nil
  public var contentHash: String? = nil

  public init(kind: Kind, path: String?, message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }
}

extension CrawlIssue {
  /// An ignore file that exists but is not a regular file (`WorkTreeListing.unreadIgnoreFiles`).
  public static func unreadIgnoreFile(_ path: String) -> CrawlIssue {
    CrawlIssue(
      kind: .unreadable, path: nil,
      message: "\(path) is not a regular file (a named pipe, socket or device): git would wait on it forever, so untracked files "
        + "in the folders it governs were not listed (tracked files were); replace it with a regular file or remove it")
  }
}

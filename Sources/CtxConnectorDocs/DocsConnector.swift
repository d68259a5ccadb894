import CtxConnectors
import CtxCore
import CtxGit
import CtxRedaction
import Foundation

/// One document, read and parsed.
public struct DocFile: Sendable, Hashable {
  /// `/`-separated, relative to the source root.
  public var path: String
  public var stamp: FileStamp
  /// The git blob id of the content (`BlobHash.id`), as for code files.
  public var contentHash: String
  public var document: ParsedDocument
  /// Secrets replaced before parsing, by rule id (never the values).
  public var redactions: [String: Int] = [:]

  public init(path: String, stamp: FileStamp, contentHash: String, document: ParsedDocument) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
    self.document = document
  }
}

/// What the docs connector reports while it crawls; parallel to `CrawlEvent`.
public enum DocCrawlEvent: Sendable {
  /// How many files the crawl will look at, once the listing is done.
  case listed(total: Int)
  /// A new or changed document, parsed into sections.
  case document(DocFile)
  /// A known file whose size and modification time are unchanged: not read again.
  case unchanged(path: String)
  /// A known file re-read because its stamp changed, with the same content hash.
  case restamped(path: String, stamp: FileStamp)
  /// A file seen but not indexed (a skip by policy), or a problem with one file.
  case issue(CrawlIssue)
}

/// Where the docs connector sends what it finds. The indexer implements it; tests collect.
public protocol DocSink: Sendable {
  func accept(_ event: DocCrawlEvent) async throws
}

/// The `kind: docs` connector: Markdown, text, reStructuredText and HTML files under a root,
/// cut into sections by `DocumentParser`.
///
/// Lists like the code connector (through git in a work tree, else a plain walk), applies the
/// include/exclude globs, skips unchanged files by stamp, and turns every bad file into an
/// `.issue` (with the line for malformed front matter) while the crawl goes on.
public struct DocsConnector: Sendable {
  public let config: SourceConfig
  public var options: DocsOptions
  /// Applied to each file's text before it is parsed (nil: no redaction, for tests of parsing).
  public var redactor: Redactor?
  /// Reads files with `read_timeout` where the source's filesystem can hang.
  let files: FileReader

  public init(config: SourceConfig, options: DocsOptions = DocsOptions()) {
    self.config = config
    self.options = options
    files = FileReader(root: config.root, timeout: config.readTimeout)
  }

  public var filter: PathFilter {
    let include = config.include.isEmpty ? DocsOptions.defaultInclude : config.include
    var exclude = config.exclude
    if options.defaultExcludes { exclude += DocsOptions.defaultExcludePatterns }
    return PathFilter(include: include.map(Glob.init), exclude: exclude.map(Glob.init))
  }

  public func crawl(known: [String: KnownFile], into sink: any DocSink) async throws {
    let listing = try listFiles()
    for issue in listing.issues { try await sink.accept(.issue(issue)) }
    let filter = self.filter
    var candidates: [(path: String, isSymlink: Bool)] = []
    for entry in listing.entries {
      guard filter.include.contains(where: { $0.matches(entry.path) }) else { continue }
      if let pattern = filter.excludingPattern(for: entry.path) {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: entry.path, message: "excluded by \(pattern)")))
        continue
      }
      candidates.append(entry)
    }
    try await sink.accept(.listed(total: candidates.count))
    for entry in candidates {
      try Task.checkCancellation()
      try await sink.accept(process(path: entry.path, isSymlink: entry.isSymlink, known: known[entry.path]))
    }
  }

  /// One file to one event.
  func process(path: String, isSymlink: Bool, known: KnownFile?) -> DocCrawlEvent {
    let absolute = config.root + "/" + path
    func issue(_ kind: CrawlIssue.Kind, _ message: String) -> DocCrawlEvent {
      .issue(CrawlIssue(kind: kind, path: path, message: message))
    }
    if isSymlink {
      if case .failed(let code) = FileSystem.statKind(absolute), code == ELOOP {
        return issue(.symlinkLoop, "symbolic link loop; remove or fix the link")
      }
      return issue(.symlink, "a symbolic link; links are not followed")
    }
    let stamp: FileStamp
    switch FileSystem.lstatKind(absolute) {
    case .regular(let value): stamp = value
    case .missing: return issue(.vanished, "listed but gone before it could be read (deleted during the crawl?)")
    case .failed(let code): return issue(.unreadable, "cannot stat: \(FileSystem.describe(errno: code))")
    case .directory, .symlink, .other: return issue(.excluded, "not a regular file")
    }
    if stamp.size > options.maxFileSize {
      return issue(.tooLarge, "\(stamp.size) bytes is over max_file_size (\(options.maxFileSize)); raise it in \(config.name).yaml to index it")
    }
    if let known, known.stamp == stamp { return .unchanged(path: path) }
    let bytes: [UInt8]
    let readStamp: FileStamp
    guard let read = files.read(absolute) else {
      return issue(.unreadable, "reading took longer than read_timeout (\(config.readTimeout)): a hung network mount? Skipped; the run goes on")
    }
    switch read {
    case .bytes(let content, let value):
      bytes = content
      readStamp = value
    case .missing: return issue(.vanished, "deleted during the crawl")
    case .failed(let code): return issue(.unreadable, "cannot read: \(FileSystem.describe(errno: code)); check its permissions")
    }
    if bytes.isEmpty { return issue(.empty, "empty file") }
    if let binary = BinaryContent.reason(bytes) { return issue(.binary, binary) }
    let hash = BlobHash.id(of: bytes)
    if let known, known.contentHash == hash { return .restamped(path: path, stamp: readStamp) }
    // Secrets go before anything is parsed, so no section, title or mention can hold one.
    var text = bytes
    var redactions: [String: Int] = [:]
    if let redactor {
      let redacted = redactor.redact(String(decoding: bytes, as: UTF8.self))
      if redacted.didRedact {
        text = Array(redacted.text.utf8)
        redactions = redacted.counts
      }
    }
    do {
      let document = try DocumentParser.parse(path: path, bytes: text, options: options.parse)
      var file = DocFile(path: path, stamp: readStamp, contentHash: hash, document: document)
      file.redactions = redactions
      return .document(file)
    } catch {
      return issue(.parseFailed, "\(error.line.map { "line \($0): " } ?? "")\(error.message)")
    }
  }

  /// The source's files, through git when the root is inside a work tree; paths that hold a
  /// secret are left out (a `secret-in-path` skip, named redacted).
  func listFiles() throws -> (entries: [(path: String, isSymlink: Bool)], issues: [CrawlIssue]) {
    let listing = try listAllFiles()
    guard let redactor else { return listing }
    return PathScreen(redactor: redactor).screen(listing.entries, issues: listing.issues, path: \.path)
  }

  private func listAllFiles() throws -> (entries: [(path: String, isSymlink: Bool)], issues: [CrawlIssue]) {
    let root = config.root
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CtxError(.connectorFailed, "the source folder \(root) does not exist; fix `path:` in \(config.configFile)", path: root, source: config.name)
    }
    if options.useGit, let tree = try GitWorkTree.discover(containing: root) {
      let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
      let realWorkdir = URL(fileURLWithPath: tree.workdir).resolvingSymlinksInPath().path
      var prefix = ""
      if realRoot.count > realWorkdir.count, realRoot.hasPrefix(realWorkdir + "/") {
        prefix = String(realRoot.dropFirst(realWorkdir.count + 1))
      }
      var entries: [(path: String, isSymlink: Bool)] = []
      let listed = try tree.listFiles(under: prefix, cache: nil)
      var issues = listed.unreadIgnoreFiles.map(CrawlIssue.unreadIgnoreFile)
      for file in listed.files {
        if file.isSubmodule {
          issues.append(CrawlIssue(kind: .excluded, path: file.path, message: "a git submodule; submodules are not followed"))
          continue
        }
        if !file.isValidName {
          issues.append(CrawlIssue(kind: .nonUTF8Name, path: file.path, message: "the name is not valid UTF-8; rename it to index it"))
          continue
        }
        entries.append((file.path, file.isSymlink))
      }
      return (entries, issues)
    }
    let filter = self.filter
    let walked = DirectoryWalker().walk(root: root) { directory in
      filter.excludingPattern(for: directory + "/\u{1}") != nil
    }
    return (walked.entries.map { ($0.path, $0.isSymlink) }, walked.issues)
  }
}

extension DocsConnector {
  /// Documents added, changed (size or modification time) or deleted since the last run, by
  /// listing and `stat` alone: what `ctx status` reports as "behind".
  /// - Parameter seenSince: when the last successful run started. A file the index does not
  ///   hold that has not changed since was read by that run and left out (it failed to parse,
  ///   or is binary): it is reported among that run's problems, not as behind.
  public func pendingChanges(known: [String: KnownFile], seenSince: Date? = nil) throws -> (added: Int, changed: Int, deleted: Int) {
    let listing = try listFiles()
    let filter = self.filter
    var added = 0
    var changed = 0
    var seen = Set<String>()
    for entry in listing.entries where !entry.isSymlink && filter.include.contains(where: { $0.matches(entry.path) }) && filter.excludingPattern(for: entry.path) == nil {
      guard case .regular(let stamp) = FileSystem.lstatKind(config.root + "/" + entry.path), stamp.size > 0, stamp.size <= options.maxFileSize else { continue }
      seen.insert(entry.path)
      if let previous = known[entry.path] {
        if previous.stamp != stamp { changed += 1 }
      } else if let seenSince, let arrived = FileSystem.lastChange(config.root + "/" + entry.path), arrived < seenSince.timeIntervalSince1970 {
        continue
      } else {
        added += 1
      }
    }
    return (added, changed, known.keys.filter { !seen.contains($0) }.count)
  }
}

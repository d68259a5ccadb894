import CtxConnectors
import CtxCore
import CtxGit
import CtxRedaction
import CtxSymbols
import Foundation

/// Turns one listed path into crawl events: skip, unchanged, restamped or a chunked file.
struct FileProcessor: Sendable {
  let config: SourceConfig
  let chunker: Chunker
  /// Secrets are replaced before symbols, chunks or identifier parts are derived, so no
  /// layer of the index ever holds one (docs/redaction.md).
  let redactor: Redactor
  /// Reads files with `read_timeout` where the source's filesystem can hang.
  let files: FileReader

  init(config: SourceConfig, chunker: Chunker, redactor: Redactor) {
    self.config = config
    self.chunker = chunker
    self.redactor = redactor
    files = FileReader(root: config.root, timeout: config.readTimeout)
  }

  /// Files bigger than this whose lines are very long are taken for minified or generated.
  static let minifiedMinimumSize = 4096
  static let minifiedLongestLine = 4000
  static let minifiedAverageLine = 300

  func process(_ entry: CodeListing.Entry, known: KnownFile?, ctags: CtagsSession?) async -> [CrawlEvent] {
    let path = entry.path
    let absolute = config.root + "/" + path
    func issue(_ kind: CrawlIssue.Kind, _ message: String) -> [CrawlEvent] {
      [.issue(CrawlIssue(kind: kind, path: path, message: message))]
    }

    if entry.isSymlink { return FileProcessor.symlinkEvents(path: path, absolute: absolute) }

    let stamp: FileStamp
    switch FileSystem.lstatKind(absolute) {
    case .regular(let value): stamp = value
    case .missing: return issue(.vanished, "listed but gone before it could be read (deleted during the crawl?)")
    case .failed(let code): return issue(.unreadable, "cannot stat: \(FileSystem.describe(errno: code))")
    case .directory, .symlink, .other: return issue(.excluded, "not a regular file")
    }
    if stamp.size > config.code.maxFileSize { return [.issue(FileProcessor.tooLargeIssue(path: path, size: stamp.size, config: config))] }
    if let known, known.stamp == stamp { return [.unchanged(path: path)] }

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
    return await process(path: path, bytes: bytes, stamp: readStamp, hash: nil, known: known, ctags: ctags)
  }

  static func symlinkEvents(path: String, absolute: String) -> [CrawlEvent] {
    if case .failed(let code) = FileSystem.statKind(absolute), code == ELOOP {
      return [.issue(CrawlIssue(kind: .symlinkLoop, path: path, message: "symbolic link loop; remove or fix the link"))]
    }
    return [.issue(CrawlIssue(kind: .symlink, path: path, message: "a symbolic link; links are not followed"))]
  }

  static func tooLargeIssue(path: String, size: Int64, config: SourceConfig) -> CrawlIssue {
    CrawlIssue(
      kind: .tooLarge, path: path,
      message: "\(size) bytes is over max_file_size (\(config.code.maxFileSize)); raise it in \(config.name).yaml to index it")
  }

  /// Turns a file's content into events, wherever it was read from (disk, or a blob of a
  /// revision). `hash` is the content's git blob id when already known.
  func process(path: String, bytes: [UInt8], stamp readStamp: FileStamp, hash knownHash: String?, known: KnownFile?, ctags: CtagsSession?) async -> [CrawlEvent] {
    var bytes = bytes
    func issue(_ kind: CrawlIssue.Kind, _ message: String) -> [CrawlEvent] {
      [.issue(CrawlIssue(kind: kind, path: path, message: message))]
    }
    // Skips decided on the content carry the stamp (and blob id) read, so `ctx status` can
    // tell the file unchanged since (and not new) without reading it.
    func skip(_ kind: CrawlIssue.Kind, _ message: String) -> [CrawlEvent] {
      var skipped = CrawlIssue(kind: kind, path: path, message: message)
      skipped.stamp = readStamp
      skipped.contentHash = knownHash
      return [.issue(skipped)]
    }
    if bytes.isEmpty { return issue(.empty, "empty file") }
    if let binary = BinaryContent.reason(bytes) { return skip(.binary, binary) }

    let hash = knownHash ?? BlobHash.id(of: bytes)
    if let known, known.contentHash == hash { return [.restamped(path: path, stamp: readStamp)] }

    var events: [CrawlEvent] = []
    let text: String
    if let valid = String(validating: bytes, as: UTF8.self) {
      text = valid
    } else {
      text = String(decoding: bytes, as: UTF8.self)
      bytes = Array(text.utf8)
      events.append(.issue(CrawlIssue(kind: .invalidUTF8, path: path, message: "not valid UTF-8; indexed with the bad bytes replaced by U+FFFD")))
    }
    var redactions: [String: Int] = [:]
    let redacted = redactor.redact(text)
    if redacted.didRedact {
      bytes = Array(redacted.text.utf8)
      redactions = redacted.counts
    }
    let lines = TextLines(bytes)
    if bytes.count >= FileProcessor.minifiedMinimumSize {
      let longest = lines.longestLine
      if longest >= FileProcessor.minifiedLongestLine || bytes.count / max(lines.count, 1) >= FileProcessor.minifiedAverageLine {
        return skip(.generated, "looks minified or generated (longest line \(longest) bytes); exclude it, or list it in include to keep this message quiet")
      }
    }

    let language = Language.detect(path: path)
    var symbols: [Symbol] = []
    if language == "swift" {
      symbols = SwiftSymbols.extract(from: bytes)
    } else if let ctags, language != "json" {
      do {
        symbols = try await ctags.symbols(path: path, content: bytes)
      } catch {
        events.append(.issue(CrawlIssue(kind: .ctagsFailed, path: path, message: "ctags failed, indexed without symbols: \(error)")))
      }
    }
    symbols = FileProcessor.withoutImports(symbols, lines: lines)
    if language == "javascript" || language == "typescript" { symbols = FileProcessor.namingAssignedFunctions(symbols, lines: lines) }
    if ctags != nil { symbols = UntaggedDefinitions.added(to: symbols, lines: lines, language: language) }
    let chunks = chunker.chunks(of: lines, symbols: symbols, language: language)
    events.append(
      .file(
        CodeFile(
          path: path, stamp: readStamp, contentHash: hash, language: language, lineCount: lines.count, symbols: symbols,
          chunks: chunks, redactions: redactions)))
    return events
  }

  /// ctags names a function assigned to a property called `get` or `set` after the object:
  /// `res.get = function(field) {` is a function `res`, so every search for `res.header` or
  /// `res.set` found it as "the definition of `res`". It becomes `get`, scoped `res`, as
  /// ctags itself names `res.append = function append() {`.
  static func namingAssignedFunctions(_ symbols: [Symbol], lines: TextLines) -> [Symbol] {
    symbols.map { symbol in
      guard symbol.scope == nil, symbol.kind == "function", symbol.line >= 1, symbol.line <= lines.count else { return symbol }
      let text = Array(lines.unindented(symbol.line))
      let object = Array(symbol.name.utf8)
      guard text.count > object.count + 1, text.starts(with: object), text[object.count] == UInt8(ascii: ".") else { return symbol }
      let rest = text[(object.count + 1)...]
      let property = rest.prefix(while: UntaggedDefinitions.isIdentifierByte)
      let after = rest.dropFirst(property.count).drop { $0 == 0x20 || $0 == 0x09 }
      guard !property.isEmpty, after.first == UInt8(ascii: "="), after.dropFirst().first != UInt8(ascii: "="),
        after.dropFirst().drop(while: { $0 == 0x20 || $0 == 0x09 }).starts(with: "function".utf8)
      else { return symbol }
      var renamed = symbol
      renamed.name = String(decoding: property, as: UTF8.self)
      renamed.scope = symbol.name
      return renamed
    }
  }

  /// ctags reports import aliases as definitions (`import numpy as np` a namespace `np`,
  /// `from os import path as p` an unknown `p`): they are not, and as chunk boundaries they made
  /// one-line chunks of imports. Symbols on a line that starts with `import`, `from` or `using`
  /// are dropped.
  static func withoutImports(_ symbols: [Symbol], lines: TextLines) -> [Symbol] {
    symbols.filter { symbol in
      guard symbol.line >= 1 && symbol.line <= lines.count else { return true }
      let text = lines.unindented(symbol.line)
      for keyword in ["import ", "from ", "using "] where text.starts(with: keyword.utf8) { return false }
      return true
    }
  }
}

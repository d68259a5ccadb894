import CtxAnnotations
import CtxCore
import CtxGit
import CtxRedaction
import CtxStore
import Foundation

/// What `ctx show` (and the MCP `show` tool) can be asked for.
///
/// One case per kind of ref. A new kind (a chat thread `thread:<channel>/<ts>`, a document
/// section) is one more case here, one more branch in `interpretations(of:sources:)`, and one
/// more `resolve` branch in `ShowService`.
public enum ShowRef: Sendable, Hashable {
  /// A file of a code source, optionally in one named source, optionally a line range.
  case file(source: String?, path: String, lines: ClosedRange<Int>?)
  /// A commit id or a unique prefix of at least 7 hex digits, optionally in one git source.
  case commit(source: String?, prefix: String)
  /// A document section: `path#anchor` (or `doc:path#anchor`), as bundles and search name it.
  case section(source: String?, path: String, anchor: String)
  /// A chat thread: `thread:<channel>/<thread ts>`.
  case thread(channel: String, ts: String)
  /// A definition: `symbol:get_clearsky`, `symbol:Location.get_clearsky` (as annotations name
  /// it and search shows it); a bare name that is no file is tried as one too.
  case symbol(name: String)

  /// The readings of `text`, in the order they are tried: `abc1234` may be a commit or a file
  /// of that name, so it yields both, commit first.
  ///
  /// Forms: `path`, `path:10`, `path:10-40`, `source:path[:lines]`, a commit id or prefix
  /// (7 to 40 hex digits), `commit:<id>`, `source:<id>`, `symbol:<name>` (a bare name with no
  /// `/` is also tried as a symbol when no file has it).
  /// - Parameter sources: the names of the indexed sources (a leading `name:` is a source
  ///   only when it names one).
  /// - Throws: `.invalidQuery` for an empty ref, a backwards line range or a kind of ref that
  ///   cannot be shown yet.
  public static func interpretations(of text: String, sources: Set<String>) throws(CtxError) -> [ShowRef] {
    let ref = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !ref.isEmpty else {
      throw CtxError(.invalidQuery, "give a ref to show: `path`, `path:10-40`, `source:path:10-40`, or a commit id (7+ hex digits)")
    }
    if ref.hasPrefix("thread:") {
      let body = ref.dropFirst("thread:".count)
      guard let slash = body.lastIndex(of: "/"), slash != body.startIndex, body.index(after: slash) != body.endIndex else {
        throw CtxError(.invalidQuery, "`\(ref)`: a thread ref is `thread:<channel>/<thread ts>`, as search and bundles give it")
      }
      return [.thread(channel: String(body[..<slash]), ts: String(body[body.index(after: slash)...]))]
    }
    if ref.hasPrefix("doc:") || ref.contains("#") {
      var body = ref.hasPrefix("doc:") ? Substring(ref.dropFirst("doc:".count)) : Substring(ref)
      var source: String? = nil
      if let colon = body.firstIndex(of: ":"), sources.contains(String(body[..<colon])) {
        source = String(body[..<colon])
        body = body[body.index(after: colon)...]
      }
      guard let hash = body.firstIndex(of: "#") else {
        guard !body.isEmpty else { throw CtxError(.invalidQuery, "`\(ref)` names no document") }
        return [.file(source: source, path: String(body), lines: nil)]
      }
      let path = String(body[..<hash])
      let anchor = String(body[body.index(after: hash)...])
      guard !path.isEmpty, !anchor.isEmpty else { throw CtxError(.invalidQuery, "`\(ref)`: a section ref is `path#anchor`, as search and bundles give it") }
      return [.section(source: source, path: path, anchor: anchor)]
    }
    if ref.hasPrefix("symbol:") {
      let name = ref.dropFirst("symbol:".count).trimmingCharacters(in: .whitespaces)
      guard !name.isEmpty else { throw CtxError(.invalidQuery, "`\(ref)`: a symbol ref is `symbol:<name>` or `symbol:<Class>.<name>`") }
      return [.symbol(name: name)]
    }
    if ref.hasPrefix("commit:") {
      let id = String(ref.dropFirst("commit:".count))
      guard looksLikeCommit(id) else { throw CtxError(.invalidQuery, "`\(ref)`: a commit ref needs 7 to 40 hex digits") }
      return [.commit(source: nil, prefix: id.lowercased())]
    }
    var body = Substring(ref)
    var lines: ClosedRange<Int>? = nil
    if let colon = body.lastIndex(of: ":"), let range = try lineRange(body[body.index(after: colon)...], ref: ref) {
      lines = range
      body = body[..<colon]
    }
    var source: String? = nil
    if let colon = body.firstIndex(of: ":"), sources.contains(String(body[..<colon])) {
      source = String(body[..<colon])
      body = body[body.index(after: colon)...]
    }
    var path = String(body)
    while path.hasPrefix("./") { path.removeFirst(2) }
    guard !path.isEmpty else { throw CtxError(.invalidQuery, "`\(ref)` names no file") }
    if lines == nil && looksLikeCommit(path) {
      return [.commit(source: source, prefix: path.lowercased()), .file(source: source, path: path, lines: nil)]
    }
    // `get_clearsky`, `Location.get_clearsky`, `Path::convert`: a file first, then a definition.
    if lines == nil, source == nil, looksLikeSymbol(path) {
      return [.file(source: source, path: path, lines: nil), .symbol(name: path)]
    }
    return [.file(source: source, path: path, lines: lines)]
  }

  /// An identifier, maybe qualified (`Location.get_clearsky`, `Path::convert`), and not a file
  /// name (`README.md`: no known file extension after its last dot).
  static func looksLikeSymbol(_ text: String) -> Bool {
    let dotted = text.replacingOccurrences(of: "::", with: ".")
    guard let first = dotted.first, first.isLetter || first == "_" || first == "$",
      dotted.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" || $0 == "." })
    else { return false }
    guard let dot = dotted.lastIndex(of: ".") else { return true }
    return !QueryAnalysis.knownExtensions.contains(dotted[dotted.index(after: dot)...].lowercased())
  }

  static func looksLikeCommit(_ text: String) -> Bool {
    text.count >= 7 && text.count <= 40 && text.allSatisfy(\.isHexDigit)
  }

  /// `10` or `10-40` (nil when `text` is not a line spec at all).
  private static func lineRange(_ text: Substring, ref: String) throws(CtxError) -> ClosedRange<Int>? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
      return nil
    }
    guard let start = Int(parts[0]), let end = Int(parts.last ?? parts[0]), start >= 1 else {
      throw CtxError(.invalidQuery, "`\(ref)`: line numbers start at 1")
    }
    guard end >= start else { throw CtxError(.invalidQuery, "`\(ref)`: the range ends before it starts (\(start)-\(end))") }
    return start...end
  }
}

/// Options for `ShowService`.
public struct ShowOptions: Sendable {
  /// A file shown without a range, or a range longer than this, is cut to this many lines
  /// (`truncated` says so); ask for a range to see the rest.
  public var maxLines = 1000
  /// At most this many changed files are listed for a commit (`files_changed` has the total).
  public var maxChangedFiles = 500
  /// Applied to live file content before it is shown: indexed text was redacted before it was
  /// stored, and text read from disk now gets the same built-in rules.
  public var redact: @Sendable (String) -> String = { Redactor().redact($0).text }
  /// A commit is shown with its patch (`--patch`), only for files at or under this path when
  /// set, cut at `maxPatchBytes` (a note says how many files were left out).
  public var patch = false
  public var patchPath: String? = nil
  public var maxPatchBytes = 256 * 1024
  /// A thread is shown a page of messages at a time (1-based).
  public var page = 1
  public var messagesPerPage = 50

  public init() {}
}

/// The live content behind a hit, read now rather than from the index, with how it compares
/// to what was indexed. Shared by `ctx show` and the MCP `show` tool. Read-only.
public struct ShowService: Sendable {
  public let store: IndexStore
  public var options: ShowOptions

  public init(store: IndexStore, options: ShowOptions = ShowOptions()) {
    self.store = store
    self.options = options
  }

  /// Resolves `ref` and reads what it names.
  ///
  /// - Returns: `.found` with the content, or `.notFound` with a message and candidates
  ///   (files with the same name, commits sharing a prefix).
  /// - Throws: `.invalidQuery` for a malformed ref; store errors.
  public func show(_ ref: String) throws -> ShowOutcome {
    let roots = try store.sourceRoots()
    let readings = try ShowRef.interpretations(of: ref, sources: Set(roots.keys))
    var misses: [ShowMiss] = []
    for reading in readings {
      switch try resolve(reading, ref: ref, roots: roots) {
      case .found(let item): return .found(item)
      case .notFound(let miss): misses.append(miss)
      }
    }
    // An ambiguous prefix (or name) says more than "no such file"; a bare name that is neither
    // says both were looked for; otherwise the first reading's miss.
    if misses.count > 1, misses.allSatisfy({ $0.candidates.isEmpty }), case .symbol? = readings.last {
      return .notFound(ShowMiss(ref: ref, message: "no indexed file at `\(ref)` and no definition named `\(ref)`"))
    }
    let miss = misses.first { !$0.candidates.isEmpty } ?? misses.first ?? ShowMiss(ref: ref, message: "nothing in the index is named `\(ref)`")
    return .notFound(miss)
  }

  private func resolve(_ reading: ShowRef, ref: String, roots: [String: (kind: String, root: String)]) throws -> ShowOutcome {
    switch reading {
    case .file(let source, let path, let lines):
      return try showFile(source: source, path: path, lines: lines, ref: ref, roots: roots)
    case .commit(let source, let prefix):
      return try showCommit(source: source, prefix: prefix, ref: ref)
    case .section(let source, let path, let anchor):
      return try showSection(source: source, path: path, anchor: anchor, ref: ref, roots: roots)
    case .thread(let channel, let ts):
      return try showThread(channel: channel, ts: ts, ref: ref)
    case .symbol(let name):
      return try showSymbol(name, ref: ref, roots: roots)
    }
  }

  // MARK: Symbols

  /// The definition's current lines, found as an annotation target is (a qualified name picks
  /// the definition in that scope; an edit above it since the last index run is followed).
  private func showSymbol(_ name: String, ref: String, roots: [String: (kind: String, root: String)]) throws -> ShowOutcome {
    let state = try TargetResolver(store: store).state(of: .symbol(name))
    if state.definitions.count > 1 {
      return .notFound(
        ShowMiss(
          ref: ref, message: "`\(name)` is defined \(state.definitions.count) times; show one by its lines, or name its class (`symbol:Class.\(name)`)",
          candidates: state.definitions))
    }
    guard state.exists, let location = state.location, let lines = TargetState.lines(of: location) else {
      return .notFound(ShowMiss(ref: ref, message: "no definition of `\(name)` in the index"))
    }
    return try showFile(source: nil, path: TargetState.file(of: location), lines: lines, ref: ref, roots: roots)
  }

  // MARK: Files

  private func showFile(source: String?, path rawPath: String, lines: ClosedRange<Int>?, ref: String, roots: [String: (kind: String, root: String)]) throws
    -> ShowOutcome
  {
    // An absolute path inside a source's root is taken relative to it.
    var path = rawPath
    if path.hasPrefix("/") {
      let owners = roots.filter { source == nil || $0.key == source }.sorted { $0.key < $1.key }
      if let owner = owners.first(where: { path.hasPrefix($0.value.root + "/") }) {
        path = String(path.dropFirst(owner.value.root.count + 1))
      }
    }
    // Code files and documents (a document is shown as a file; `path#anchor` shows a section).
    var found = try store.indexedFiles(atPath: path).filter { $0.kind == "code" || $0.kind == "docs" }
    if let source { found = found.filter { $0.source == source } }
    var resolvedNote: String? = nil
    if found.isEmpty {
      // A partial path (`auth/session.ts`, as stack traces write them) naming one indexed file.
      let name = path.split(separator: "/").last.map(String.init) ?? path
      let matches = try store.files(named: name).filter { ($0.path == path || $0.path.hasSuffix("/" + path)) && (source == nil || $0.source == source) }
      let paths = Set(matches.map(\.path))
      if paths.count == 1, let match = paths.first {
        found = try store.indexedFiles(atPath: match).filter { ($0.kind == "code" || $0.kind == "docs") && (source == nil || $0.source == source) }
        resolvedNote = "`\(path)` is `\(match)`"
        path = match
      } else if paths.count > 1 {
        let candidates = matches.map { "\($0.source):\($0.path)" }.sorted()
        return .notFound(
          ShowMiss(ref: ref, message: "`\(path)` matches \(paths.count) indexed files: " + candidates.prefix(10).joined(separator: ", ") + "; give more of the path", candidates: candidates))
      }
    }
    guard let file = found.first else {
      return .notFound(try fileMiss(path: path, source: source, ref: ref))
    }
    let location = CurrentFiles.location(of: file)
    var shown = ShownFile(
      source: file.source, path: file.path, file: location, startLine: lines?.lowerBound ?? 1, endLine: 0, lineCount: nil,
      indexedLineCount: file.lineCount, freshness: .unchanged, indexedHash: file.contentHash, currentHash: nil, truncated: false,
      text: nil, note: resolvedNote, alsoIn: found.dropFirst().map(\.source))
    let bytes: [UInt8]
    switch CurrentFiles.contentOnce(of: file) {
    case .missing:
      shown.freshness = .deleted
      shown.endLine = lines?.upperBound ?? file.lineCount
      shown.addNote("\(location) is gone; the index still has it until the next `ctx index`")
      return .found(.file(shown))
    case .unknown(let why):
      return .notFound(ShowMiss(ref: ref, message: "`\(file.path)` is indexed from \(location) but cannot be read now: \(why)"))
    case .current(let now, let hash):
      bytes = now
      shown.currentHash = hash
      shown.freshness = hash == file.contentHash ? .unchanged : .changedSinceIndexed
    }
    if BinaryContent.reason(bytes) != nil {
      shown.addNote("binary content (\(bytes.count) bytes); nothing to show as lines")
      shown.endLine = 0
      return .found(.file(shown))
    }
    let all = ShowService.lines(of: bytes)
    shown.lineCount = all.count
    let wanted = lines ?? 1...max(all.count, 1)
    let first = wanted.lowerBound
    var last = min(wanted.upperBound, all.count)
    if last - first + 1 > options.maxLines {
      last = first + options.maxLines - 1
      shown.truncated = true
      shown.addNote("cut to \(options.maxLines) lines; ask for a range (`\(file.path):\(last + 1)-\(min(wanted.upperBound, all.count))`) to see more")
    }
    if first > all.count {
      // Nothing there: a miss (exit 1), as for any ref that names nothing.
      return .notFound(
        ShowMiss(ref: ref, message: "`\(file.path)` has \(all.count) line(s) now; line \(first) is past its end (`ctx show \(file.path)` shows it whole)"))
    }
    shown.startLine = first
    shown.endLine = last
    shown.text = options.redact(all[(first - 1)..<last].joined(separator: "\n"))
    return .found(.file(shown))
  }

  /// Lines without their terminators (`\n` or `\r\n`); a final newline ends the last line.
  static func lines(of bytes: [UInt8]) -> [String] {
    guard !bytes.isEmpty else { return [] }
    var result: [String] = []
    var start = 0
    for index in bytes.indices where bytes[index] == 0x0A {
      var end = index
      if end > start && bytes[end - 1] == 0x0D { end -= 1 }
      result.append(String(decoding: bytes[start..<end], as: UTF8.self))
      start = index + 1
    }
    if start < bytes.count { result.append(String(decoding: bytes[start...], as: UTF8.self)) }
    return result
  }

  /// Not in the index: say so, and name the indexed files with the same name.
  private func fileMiss(path: String, source: String?, ref: String) throws -> ShowMiss {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let sameName = try store.files(named: name).filter { source == nil || $0.source == source }
    let candidates = sameName.map { "\($0.source):\($0.path)" }.sorted()
    var message = "no indexed file at `\(path)`" + (source.map { " in source `\($0)`" } ?? "")
    if !candidates.isEmpty { message += "; files with that name: " + candidates.prefix(10).joined(separator: ", ") }
    return ShowMiss(ref: ref, message: message, candidates: candidates)
  }

  // MARK: Commits

  private func showCommit(source: String?, prefix: String, ref: String) throws -> ShowOutcome {
    var rows = try store.commits(shaPrefix: prefix, limit: 50)
    if let source { rows = rows.filter { $0.source == source } }
    let distinct = Dictionary(grouping: rows, by: \.sha)
    guard !distinct.isEmpty else {
      return .notFound(ShowMiss(ref: ref, message: "no indexed commit starts with `\(prefix)`" + (source.map { " in source `\($0)`" } ?? "")))
    }
    guard distinct.count == 1, let sources = distinct.values.first else {
      let candidates = rows.reduce(into: [CommitRow]()) { list, row in if !list.contains(where: { $0.sha == row.sha }) { list.append(row) } }
        .map { "\($0.sha.prefix(12)) \($0.summary)" }
      return .notFound(
        ShowMiss(
          ref: ref, message: "`\(prefix)` is ambiguous: \(distinct.count) commits start with it (" + candidates.prefix(10).joined(separator: "; ") + "); give more digits",
          candidates: candidates))
    }
    let ordered = sources.sorted { $0.source < $1.source }
    let commit = ordered[0]
    var changes = try store.changedPaths(commitID: commit.id, limit: options.maxChangedFiles)
    if changes.contains(where: { $0.added == nil }), !commit.isMerge {
      changes = try withLineCounts(changes, commit: commit)
    }
    let message = commit.body.isEmpty ? commit.summary : commit.summary + "\n\n" + commit.body
    var patch: (text: String?, note: String?) = (nil, nil)
    if options.patch { patch = try patchOf(commit) }
    return .found(
      .commit(
        ShownCommit(
          source: commit.source, commit: commit.sha, summary: commit.summary, message: message, author: commit.authorName,
          authorEmail: commit.authorEmail, date: ISODate.string(commit.time), authorDate: ISODate.string(commit.authorTime),
          isMerge: commit.isMerge, filesChanged: commit.filesChanged, linesAdded: commit.linesAdded, linesRemoved: commit.linesRemoved,
          changes: changes.map { ShownCommit.Change(status: $0.status.rawValue, path: $0.path, oldPath: $0.oldPath, added: $0.added, removed: $0.removed) },
          alsoIn: ordered.dropFirst().map(\.source), patch: patch.text, patchNote: patch.note)))
  }

  /// The commit's diff against its first parent, read from the repository now (redacted like
  /// live file text), with a note when it was cut or cannot be made.
  private func patchOf(_ commit: CommitRow) throws -> (text: String?, note: String?) {
    guard let root = try store.gitSources().first(where: { $0.name == commit.source })?.root else {
      return (nil, "the repository of source `\(commit.source)` is not in the index")
    }
    let history: GitHistory
    do { history = try GitHistory(path: root) } catch {
      return (nil, "cannot open the repository at \(root): \(error.message)")
    }
    do {
      let patch = try history.patch(commit.sha, path: options.patchPath, maxBytes: options.maxPatchBytes)
      var notes: [String] = []
      if let path = options.patchPath, patch.files == 0 && patch.omittedFiles == 0 { notes.append("the commit changed nothing at or under `\(path)`") }
      if patch.truncated {
        notes.append("cut at \(options.maxPatchBytes / 1024) KiB: \(patch.omittedFiles) more file(s) left out; ask for one with --path (MCP: `path`)")
      }
      return (options.redact(patch.text), notes.isEmpty ? nil : notes.joined(separator: "; "))
    } catch {
      return (nil, error.message)
    }
  }

  // MARK: Document sections

  /// A section's lines read now from its document, with the file's freshness. When the file
  /// changed since it was indexed, the section is looked for by its first line (its heading)
  /// and shown where it is now.
  private func showSection(source: String?, path: String, anchor: String, ref: String, roots: [String: (kind: String, root: String)]) throws -> ShowOutcome {
    var (sections, exists) = try store.documentSections(path: path, anchor: anchor)
    if let source { sections = sections.filter { $0.source == source } }
    guard let first = sections.first, let last = sections.max(by: { $0.endLine < $1.endLine }) else {
      guard exists else {
        return .notFound(ShowMiss(ref: ref, message: "no indexed document at `\(path)`" + (source.map { " in source `\($0)`" } ?? "")))
      }
      let anchors = try store.documentSections(path: path, anchor: nil).sections.map { "\(path)#\($0.anchor)" }
      let unique = anchors.reduce(into: [String]()) { list, item in if !list.contains(item) { list.append(item) } }
      return .notFound(
        ShowMiss(ref: ref, message: "`\(path)` has no section `#\(anchor)`; its sections: " + unique.prefix(10).joined(separator: ", "), candidates: unique))
    }
    var lines = first.startLine...max(first.startLine, last.endLine)
    guard case .found(.file(var shown)) = try showFile(source: first.source, path: path, lines: lines, ref: ref, roots: roots) else {
      return .notFound(ShowMiss(ref: ref, message: "the document `\(path)` of section `#\(anchor)` is not an indexed file"))
    }
    if shown.freshness == .changedSinceIndexed, let heading = first.text.split(separator: "\n", omittingEmptySubsequences: true).first,
      let file = try store.indexedFiles(atPath: path).first(where: { $0.source == first.source }), case .current(let bytes, _) = CurrentFiles.contentOnce(of: file)
    {
      let current = ShowService.lines(of: bytes)
      let wanted = heading.trimmingCharacters(in: .whitespaces)
      if let now = current.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == wanted }).map({ $0 + 1 }) {
        if now != lines.lowerBound {
          lines = now...(now + lines.count - 1)
          if case .found(.file(let moved)) = try showFile(source: first.source, path: path, lines: lines, ref: ref, roots: roots) { shown = moved }
          shown.addNote("the document changed since indexed; the section now starts at line \(now) (its length as indexed)")
        } else {
          shown.addNote("the document changed since indexed; the section's lines as indexed are shown, read now")
        }
      } else {
        shown.addNote("the document changed since indexed and the section's heading is no longer in it; the lines it had are shown")
      }
    }
    shown.kind = "section"
    shown.section = "\(path)#\(anchor)"
    shown.heading = first.heading
    return .found(.file(shown))
  }

  // MARK: Threads

  /// A chat thread from the index (an export does not change once written), a page of
  /// messages at a time.
  private func showThread(channel: String, ts: String, ref: String) throws -> ShowOutcome {
    guard let thread = try store.thread(channel: channel, ts: ts) else {
      return .notFound(ShowMiss(ref: ref, message: "no indexed thread starts at `\(ts)` in `\(channel)`"))
    }
    let messages = try store.messages(threadID: thread.id)
    let perPage = max(1, options.messagesPerPage)
    let pages = max(1, (messages.count + perPage - 1) / perPage)
    guard options.page >= 1, options.page <= pages else {
      return .notFound(ShowMiss(ref: ref, message: "`\(ref)` has \(pages) page(s) of \(perPage) messages; there is no page \(options.page)"))
    }
    let slice = messages.dropFirst((options.page - 1) * perPage).prefix(perPage)
    return .found(
      .thread(
        ShownThread(
          ref: "thread:\(thread.channel)/\(thread.threadTS)", source: thread.source, channel: thread.channel, threadTS: thread.threadTS,
          participants: thread.participants, messageCount: messages.count, page: options.page, pages: pages,
          messages: slice.map { ShownThread.Message(ts: $0.ts, author: $0.author, text: $0.text, edited: $0.edited) })))
  }

  /// Line counts the index does not have (older commits), counted now when the repository is here.
  private func withLineCounts(_ changes: [GitFileChange], commit: CommitRow) throws -> [GitFileChange] {
    guard let root = try store.gitSources().first(where: { $0.name == commit.source })?.root,
      let history = try? GitHistory(path: root), let record = try? history.commit(commit.sha, countLines: true, linesOnlyFor: Set(changes.map(\.path)))
    else { return changes }
    let counted = Dictionary(record.changes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    return changes.map { change in
      var change = change
      if change.added == nil, let live = counted[change.path] {
        change.added = live.added
        change.removed = live.removed
      }
      return change
    }
  }
}

/// The result of `ShowService.show`.
public enum ShowOutcome: Sendable {
  case found(ShownItem)
  case notFound(ShowMiss)
}

/// A ref that names nothing (or several things), with what it could have meant.
public struct ShowMiss: Sendable, Encodable, Hashable {
  public var ref: String
  public var message: String
  public var candidates: [String] = []
}

/// What a ref names, read now. `ctx show --json` prints `json`; people read `rendered()`.
public enum ShownItem: Sendable {
  case file(ShownFile)
  case commit(ShownCommit)
  case thread(ShownThread)

  /// The source it comes from.
  public var source: String {
    switch self {
    case .file(let file): file.source
    case .commit(let commit): commit.source
    case .thread(let thread): thread.source
    }
  }

  /// The layers it belongs to (a file is code or a document, whichever its source indexes).
  public var layers: [String] {
    switch self {
    case .file: ["code", "docs"]
    case .commit: ["history"]
    case .thread: ["chat"]
    }
  }

  /// The JSON form (docs/mcp.md, "show").
  public var json: any Encodable & Sendable {
    switch self {
    case .file(let file): file
    case .commit(let commit): commit
    case .thread(let thread): thread
    }
  }

  /// The form for people: a header, then numbered lines or the commit like `git show --stat`.
  public func rendered() -> String {
    switch self {
    case .file(let file): file.rendered()
    case .commit(let commit): commit.rendered()
    case .thread(let thread): thread.rendered()
    }
  }
}

/// How a file on disk compares with the indexed one.
public enum Freshness: String, Sendable, Encodable {
  /// The content hash (git blob id) equals the indexed one.
  case unchanged
  case changedSinceIndexed = "changed since indexed"
  case deleted
}

/// A file's current lines.
public struct ShownFile: Sendable, Encodable {
  public var kind = "file"
  public var source: String
  /// Relative to the source's root, as search hits name it.
  public var path: String
  /// Where the file is read from: its absolute path on disk, or, for a `revision:` source,
  /// `revision:path in root` (the file is read from the revision's tree, not the disk).
  public var file: String
  /// The lines shown (1-based, inclusive); `end_line < start_line` when none are.
  public var startLine: Int
  public var endLine: Int
  /// Lines in the file now (nil when deleted or binary).
  public var lineCount: Int?
  public var indexedLineCount: Int
  public var freshness: Freshness
  public var indexedHash: String
  public var currentHash: String?
  /// The range was cut to `ShowOptions.maxLines`.
  public var truncated: Bool
  /// The lines shown, joined with `\n` (nil when deleted or binary).
  public var text: String?
  public var note: String?
  /// Other sources holding the same path (the first by name is shown).
  public var alsoIn: [String]
  /// For a document section (`kind` "section"): its ref `path#anchor` and heading.
  public var section: String? = nil
  public var heading: String? = nil

  mutating func addNote(_ text: String) {
    note = note.map { $0 + "; " + text } ?? text
  }

  /// `path:start-end`, as search hits write refs.
  public var ref: String { section ?? (endLine >= startLine ? "\(path):\(startLine)-\(endLine)" : path) }

  enum CodingKeys: String, CodingKey {
    case kind, ref, source, path, file, startLine, endLine, lineCount, indexedLineCount, freshness, indexedHash, currentHash, truncated, text,
      note, alsoIn, heading
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(ref, forKey: .ref)
    try container.encode(source, forKey: .source)
    try container.encode(path, forKey: .path)
    try container.encode(file, forKey: .file)
    try container.encode(startLine, forKey: .startLine)
    try container.encode(endLine, forKey: .endLine)
    try container.encode(lineCount, forKey: .lineCount)
    try container.encode(indexedLineCount, forKey: .indexedLineCount)
    try container.encode(freshness, forKey: .freshness)
    try container.encode(indexedHash, forKey: .indexedHash)
    try container.encode(currentHash, forKey: .currentHash)
    try container.encode(truncated, forKey: .truncated)
    try container.encode(text, forKey: .text)
    try container.encode(note, forKey: .note)
    try container.encode(alsoIn, forKey: .alsoIn)
    if kind == "section" { try container.encode(heading, forKey: .heading) }
  }

  func rendered() -> String {
    var output = "\(ref)  [\(source)]  \(freshness.rawValue)\n"
    if let heading, let section, section != heading { output += "section: \(heading) (\(path):\(startLine)-\(endLine))\n" }
    if let note { output += "note: \(note)\n" }
    if let text, endLine >= startLine {
      let width = String(endLine).count
      for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let number = String(startLine + offset)
        output += String(repeating: " ", count: max(0, width - number.count)) + number + "  " + line + "\n"
      }
    }
    return output
  }
}

/// A commit as the index holds it, with its full message and changed files.
public struct ShownCommit: Sendable, Encodable {
  public struct Change: Sendable, Encodable {
    public var status: String
    public var path: String
    public var oldPath: String?
    public var added: Int?
    public var removed: Int?
  }

  public var kind = "commit"
  public var source: String
  public var commit: String
  public var summary: String
  /// The whole message: summary, blank line, body.
  public var message: String
  public var author: String
  public var authorEmail: String
  /// Committer date (as search hits give it), ISO 8601 UTC.
  public var date: String
  public var authorDate: String
  public var isMerge: Bool
  public var filesChanged: Int
  public var linesAdded: Int?
  public var linesRemoved: Int?
  /// The changed files (the first `ShowOptions.maxChangedFiles`); merges list none.
  public var changes: [Change]
  public var alsoIn: [String]
  /// The unified diff against the first parent, with `--patch` (nil otherwise).
  public var patch: String? = nil
  /// Why the patch is cut or missing.
  public var patchNote: String? = nil

  public var ref: String { commit }

  enum CodingKeys: String, CodingKey {
    case kind, ref, source, commit, summary, message, author, authorEmail, date, authorDate, isMerge, filesChanged, linesAdded, linesRemoved,
      changes, alsoIn, patch, patchNote
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(ref, forKey: .ref)
    try container.encode(source, forKey: .source)
    try container.encode(commit, forKey: .commit)
    try container.encode(summary, forKey: .summary)
    try container.encode(message, forKey: .message)
    try container.encode(author, forKey: .author)
    try container.encode(authorEmail, forKey: .authorEmail)
    try container.encode(date, forKey: .date)
    try container.encode(authorDate, forKey: .authorDate)
    try container.encode(isMerge, forKey: .isMerge)
    try container.encode(filesChanged, forKey: .filesChanged)
    try container.encode(linesAdded, forKey: .linesAdded)
    try container.encode(linesRemoved, forKey: .linesRemoved)
    try container.encode(changes, forKey: .changes)
    try container.encode(alsoIn, forKey: .alsoIn)
    if patch != nil || patchNote != nil {
      try container.encode(patch, forKey: .patch)
      try container.encode(patchNote, forKey: .patchNote)
    }
  }

  func rendered() -> String {
    var output = "commit \(commit)  [\(source)]\n"
    output += "Author: \(author) <\(authorEmail)>\n"
    output += "Date:   \(authorDate)" + (authorDate == date ? "" : " (committed \(date))") + "\n\n"
    for line in message.split(separator: "\n", omittingEmptySubsequences: false) { output += "    \(line)\n" }
    if !changes.isEmpty {
      output += "\n"
      for change in changes {
        var line = "\(change.status)  \(change.path)"
        if let old = change.oldPath { line += " (from \(old))" }
        if let added = change.added, let removed = change.removed { line += "  +\(added) -\(removed)" }
        output += line + "\n"
      }
      if filesChanged > changes.count { output += "... and \(filesChanged - changes.count) more file(s)\n" }
    } else if isMerge {
      output += "\n(a merge: its changes are on the commits it merged)\n"
    }
    if let patch, !patch.isEmpty { output += "\n" + patch + (patch.hasSuffix("\n") ? "" : "\n") }
    if let patchNote { output += "\nnote: \(patchNote)\n" }
    return output
  }
}

/// A chat thread's messages, a page at a time.
public struct ShownThread: Sendable, Encodable {
  public struct Message: Sendable, Encodable {
    public var ts: String
    public var author: String
    public var text: String
    public var edited: Bool
  }

  public var kind = "thread"
  public var ref: String
  public var source: String
  public var channel: String
  public var threadTS: String
  public var participants: [String]
  public var messageCount: Int
  /// This page (1-based) of `pages`.
  public var page: Int
  public var pages: Int
  public var messages: [Message]

  func rendered() -> String {
    var output = "\(ref)  [\(source)]  #\(channel), \(messageCount) message(s)"
    output += pages > 1 ? ", page \(page) of \(pages)\n" : "\n"
    for message in messages {
      let time = ChatTime.date(message.ts).map { ISODate.string(Int64($0.timeIntervalSince1970)) } ?? message.ts
      output += "\n[\(time)] \(message.author)\(message.edited ? " (edited)" : ""):\n"
      for line in message.text.split(separator: "\n", omittingEmptySubsequences: false) { output += "  \(line)\n" }
    }
    if page < pages { output += "\n(more: --page \(page + 1))\n" }
    return output
  }
}

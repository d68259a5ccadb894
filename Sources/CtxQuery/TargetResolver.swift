import CtxAnnotations
import CtxConnectors
import CtxCore
import CtxGit
import CtxStore
import Foundation

/// Resolves annotation targets against the index and the working tree now: whether the target
/// exists, where, and a fingerprint of its content, so drift can be detected later.
///
/// Fingerprints are `blob:<git blob id>` of the content: a symbol's lines (read live from the
/// file, wherever the symbol now is), a file's bytes, a document section's text. Globs, terms,
/// commits and threads have none (a commit never changes; a thread only grows).
///
/// Caches files, source roots and paths for its lifetime: one resolver per command.
public final class TargetResolver: @unchecked Sendable {
  let store: IndexStore
  private var roots: [String: (kind: String, root: String)]?
  private var revisions: [String: String]?
  /// Reads files now: from disk, or from a `revision:` source's tree.
  private var current = CurrentFiles()
  private var paths: [String]?
  private var lines: [String: TextLines?] = [:]
  private var gitSources: [GitSourceRow]?
  /// Prefetched lookups (`prefetch`): symbol definitions by norm, files by path.
  private var symbolCache: [String: [SymbolLocation]] = [:]
  private var fileCache: [String: [FileRecord]] = [:]
  private var globCache: [String: Int] = [:]
  /// Commits after the earliest annotation date, by "git source id\0 path".
  private var changeCache: [String: [CommitRow]]?

  public init(store: IndexStore) {
    self.store = store
  }

  /// Loads what resolving `targets` needs in a few bulk queries, so resolving thousands
  /// (`ctx conflicts` over every annotation) costs little more than reading them.
  public func prefetch(_ targets: [AnnotationTarget]) throws {
    var norms: [String] = []
    var paths: [String] = []
    for target in targets {
      switch target {
      case .symbol(let name):
        norms.append(IndexStore.normalizedSymbol(name))
        if let qualified = IndexStore.qualifiedSymbol(name) { norms.append(IndexStore.normalizedSymbol(qualified.name)) }
      case .path(let path) where !target.isGlob: paths.append(path)
      default: break
      }
    }
    for (norm, locations) in try store.symbolLocations(norms: norms) { symbolCache[norm] = locations }
    for norm in norms where symbolCache[norm] == nil { symbolCache[norm] = [] }
    let symbolPaths = symbolCache.values.flatMap { $0.map(\.path) }
    for (path, records) in try store.fileRecords(paths: paths + symbolPaths) { fileCache[path] = records }
    for path in paths where fileCache[path] == nil { fileCache[path] = [] }
  }

  /// Loads the commits after `since` that touched any of the files the prefetched targets
  /// live in (for "changed by" evidence).
  public func prefetchChanges(since: Date) throws {
    var cache: [String: [CommitRow]] = [:]
    let roots = try sourceRoots()
    for git in try gitSourceRows() {
      var byGitPath: [String: [String]] = [:]
      for records in fileCache.values {
        for record in records {
          guard let root = roots[record.source]?.root, let gitPath = HistorySearch.gitPath(of: record.path, codeRoot: root, repositoryRoot: git.root)
          else { continue }
          byGitPath[gitPath, default: []].append(record.source + "\0" + record.path)
        }
      }
      for (gitPath, commits) in try store.commitsTouching(sourceID: git.id, paths: Array(byGitPath.keys), after: Int64(since.timeIntervalSince1970)) {
        for key in byGitPath[gitPath] ?? [] { cache[key, default: []] += commits }
      }
    }
    changeCache = cache
  }

  /// - Parameter anchoredAt: the annotation's anchored location (`path:start-end`): of a
  ///   symbol defined more than once, the definition in that file (nearest those lines) is the
  ///   one it was written about, wherever the others are.
  public func state(of target: AnnotationTarget, since: Date? = nil, anchoredAt: String? = nil) throws -> TargetState {
    switch target {
    case .symbol(let name):
      return try symbolState(name, since: since, anchoredAt: anchoredAt)
    case .path(let path):
      if target.isGlob {
        if globCache[path] == nil {
          let glob = Glob(path)
          globCache[path] = try allPaths().filter { glob.matches($0) }.count
        }
        let matches = globCache[path] ?? 0
        return TargetState(exists: matches > 0, location: "\(matches) file(s)")
      }
      return try fileState(path, since: since)
    case .doc(let path, let anchor):
      let found = try store.documentSections(path: path, anchor: anchor)
      guard found.exists, !found.sections.isEmpty else { return TargetState(exists: false) }
      let text = found.sections.map(\.text).joined(separator: "\n")
      let first = found.sections[0]
      return TargetState(
        exists: true, fingerprint: TargetResolver.fingerprint(text), location: "\(path):\(first.startLine)-\(found.sections.last!.endLine)",
        excerpt: TargetResolver.excerpt(text), content: text, documentStatus: first.status, supersededBy: first.supersededBy)
    case .commit(let sha):
      let commits = try store.commits(shaPrefix: sha, limit: 1)
      return TargetState(exists: !commits.isEmpty, location: commits.first.map { "\($0.sha.prefix(12)) \($0.summary)" })
    case .thread(let channel, let ts):
      let thread = try store.thread(channel: channel, ts: ts)
      return TargetState(exists: thread != nil, location: thread.map { "#\($0.channel) \($0.threadTS), \($0.messageCount) message(s)" })
    case .term:
      return TargetState(exists: true)
    }
  }

  private func symbolState(_ name: String, since: Date?, anchoredAt: String?) throws -> TargetState {
    func locations(_ norm: String) throws -> [SymbolLocation] {
      if symbolCache[norm] == nil { symbolCache[norm] = try store.symbolLocations(norms: [norm])[norm] ?? [] }
      return symbolCache[norm] ?? []
    }
    var candidates = try locations(IndexStore.normalizedSymbol(name))
    // `Option.resolve_envvar_value`: the definitions of that name whose innermost scope is `Option`.
    if candidates.isEmpty, let qualified = IndexStore.qualifiedSymbol(name) {
      let scope = IndexStore.normalizedSymbol(qualified.scope)
      candidates = try locations(IndexStore.normalizedSymbol(qualified.name)).filter {
        $0.scope.map { IndexStore.normalizedSymbol(CodeSearch.lastScope($0)) == scope } ?? false
      }
    }
    // The exact spelling first, then the anchored file's definition nearest the anchored
    // lines (a new definition elsewhere, sorting first by path, is not the one meant), then
    // definitions with an end line.
    let anchoredFile = anchoredAt.map(TargetState.file(of:))
    let anchoredLine = anchoredAt.flatMap(TargetState.lines(of:))?.lowerBound ?? 0
    func order(_ symbol: SymbolLocation) -> (Int, Int, Int, Int, String) {
      let inAnchoredFile = symbol.path == anchoredFile
      return (symbol.name == name ? 0 : 1, inAnchoredFile ? 0 : 1, inAnchoredFile ? abs(symbol.line - anchoredLine) : 0, symbol.endLine == nil ? 1 : 0, symbol.path)
    }
    guard var symbol = candidates.min(by: { order($0) < order($1) }) else { return TargetState(exists: false) }
    let definitions = TargetResolver.definitions(of: name, among: candidates)
    guard let text = try file(source: symbol.source, path: symbol.path) else {
      return TargetState(exists: false, location: symbol.path, changedBy: try changes(source: symbol.source, path: symbol.path, since: since))
    }
    if let shift = try shiftSinceIndexed(symbol, in: text), shift != 0 {
      symbol.line += shift
      symbol.endLine = symbol.endLine.map { $0 + shift }
      symbol.chunkEnd = symbol.chunkEnd.map { $0 + shift }
    }
    let end = min(symbol.endLine ?? symbol.chunkEnd ?? symbol.line, text.count)
    guard symbol.line <= end else { return TargetState(exists: false, location: symbol.path) }
    let body = text.text(from: symbol.line, to: end)
    let location = "\(symbol.path):\(symbol.line)-\(end)"
    return TargetState(
      exists: true, fingerprint: TargetResolver.fingerprint(body), location: location, excerpt: TargetResolver.excerpt(body), content: body,
      definitions: definitions)
  }

  /// How far a definition moved in a file edited since the last `ctx index` (lines added or
  /// removed above it): 0 when its line still names it; else the distance to the nearest line
  /// that reads as its indexed definition line did; nil when none does (the line itself
  /// changed, which is drift). Without it an edit above a definition, not yet indexed, read the
  /// wrong lines and reported a stale anchor.
  private func shiftSinceIndexed(_ symbol: SymbolLocation, in text: TextLines) throws -> Int? {
    if symbol.line <= text.count, BlockEnds.offset(ofWord: Array(symbol.name.utf8), in: text.line(symbol.line)) != nil { return 0 }
    guard let indexed = try store.indexedLine(source: symbol.source, path: symbol.path, line: symbol.line)?.utf8.reversed().drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }).reversed(),
      !indexed.isEmpty
    else { return nil }
    func matches(_ number: Int) -> Bool { Array(text.line(number).reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()) == Array(indexed) }
    for distance in 1...max(text.count, 1) {
      if symbol.line - distance >= 1, symbol.line - distance <= text.count, matches(symbol.line - distance) { return -distance }
      if symbol.line + distance <= text.count, matches(symbol.line + distance) { return distance }
      if symbol.line - distance < 1 && symbol.line + distance > text.count { break }
    }
    return nil
  }

  /// Every distinct place `name` is defined, when there is more than one (an ambiguous
  /// anchor); the exact spelling counts, other spellings only when there is none.
  static func definitions(of name: String, among candidates: [SymbolLocation]) -> [String] {
    let exact = candidates.filter { $0.name == name }
    let pool = exact.isEmpty ? candidates : exact
    var seen = Set<String>()
    var places: [String] = []
    for symbol in pool.sorted(by: { ($0.path, $0.line) < ($1.path, $1.line) }) where seen.insert("\(symbol.path):\(symbol.line)").inserted {
      places.append("\(symbol.path):\(symbol.line)" + (symbol.endLine.map { "-\($0)" } ?? ""))
    }
    return places.count > 1 ? places : []
  }

  private func fileState(_ path: String, since: Date?) throws -> TargetState {
    if fileCache[path] == nil { fileCache[path] = try store.files(path: path) }
    guard let record = fileCache[path]?.first else { return TargetState(exists: false) }
    guard let text = try file(source: record.source, path: path) else {
      return TargetState(exists: false, location: path, changedBy: try changes(source: record.source, path: path, since: since))
    }
    let content = text.text(from: 1, to: text.count)
    return TargetState(
      exists: true, fingerprint: TargetResolver.fingerprint(content), location: "\(path):1-\(text.count)", excerpt: TargetResolver.excerpt(content),
      content: content)
  }

  /// What changed the target after the annotation: commits of a git source touching the file.
  public func changes(for target: AnnotationTarget, since: Date?) throws -> [String] {
    guard let since else { return [] }
    let path: String
    switch target {
    case .path(let value) where !target.isGlob: path = value
    case .symbol(let name):
      let norm = IndexStore.normalizedSymbol(name)
      if symbolCache[norm] == nil { symbolCache[norm] = try store.symbolLocations(norms: [norm])[norm] ?? [] }
      guard let symbol = symbolCache[norm]?.first(where: { $0.name == name }) ?? symbolCache[norm]?.first else { return [] }
      return try changes(source: symbol.source, path: symbol.path, since: since)
    case .doc(let value, _): path = value
    default: return []
    }
    if fileCache[path] == nil { fileCache[path] = try store.files(path: path) }
    guard let source = fileCache[path]?.first?.source else { return [] }
    return try changes(source: source, path: path, since: since)
  }

  private func changes(source: String, path: String, since: Date?) throws -> [String] {
    guard let since else { return [] }
    if let changeCache {
      return (changeCache[source + "\0" + path] ?? []).filter { Double($0.time) > since.timeIntervalSince1970 }.prefix(5).map {
        "\($0.sha.prefix(12)) \($0.summary) (\($0.authorName), \(ISODate.string($0.time).prefix(10)))"
      }
    }
    guard let root = try sourceRoots()[source]?.root else { return [] }
    var found: [String] = []
    for git in try gitSourceRows() {
      guard let gitPath = HistorySearch.gitPath(of: path, codeRoot: root, repositoryRoot: git.root) else { continue }
      for commit in try store.commitsTouching(sourceID: git.id, path: gitPath, limit: 5) where Double(commit.time) > since.timeIntervalSince1970 {
        found.append("\(commit.sha.prefix(12)) \(commit.summary) (\(commit.authorName), \(ISODate.string(commit.time).prefix(10)))")
      }
    }
    return found
  }

  // MARK: Caches

  private func sourceRoots() throws -> [String: (kind: String, root: String)] {
    if let roots { return roots }
    let loaded = try store.sourceRoots()
    roots = loaded
    return loaded
  }

  private func gitSourceRows() throws -> [GitSourceRow] {
    if let gitSources { return gitSources }
    let loaded = try store.gitSources()
    gitSources = loaded
    return loaded
  }

  private func allPaths() throws -> [String] {
    if let paths { return paths }
    let loaded = try store.allFilePaths()
    paths = loaded
    return loaded
  }

  /// A file of a source as it is now (on disk, or in the tree a `revision:` source's revision
  /// names now); nil when it is gone.
  private func file(source: String, path: String) throws -> TextLines? {
    guard let root = try sourceRoots()[source]?.root else { return nil }
    if revisions == nil { revisions = try store.sourceRevisions() }
    let revision = revisions?[source]
    let key = revision.map { "\($0):\(path) in \(root)" } ?? root + "/" + path
    if let cached = lines[key] { return cached }
    var loaded: TextLines? = nil
    if case .current(let bytes, _) = current.content(root: root, path: path, revision: revision) { loaded = TextLines(bytes) }
    lines[key] = loaded
    return loaded
  }

  /// `blob:<git blob id>` of the text, line endings and trailing space ignored so a reformat of
  /// whitespace alone is not drift.
  public static func fingerprint(_ text: String) -> String {
    var normalized = text.split(separator: "\n", omittingEmptySubsequences: false).map(\.trimmedSpaces).joined(separator: "\n")
    while normalized.hasPrefix("\n") { normalized.removeFirst() }
    while normalized.hasSuffix("\n") { normalized.removeLast() }
    return "blob:" + BlobHash.id(of: Array(normalized.utf8))
  }

  /// The target's current lines as evidence: the whole definition up to `count` lines.
  static func excerpt(_ text: String, lines count: Int = 40) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.prefix(count).joined(separator: "\n") + (lines.count > count ? "\n…" : "")
  }
}

import CtxConnectors
import CtxCore
import CtxGit
import CtxRedaction
import CtxSymbols
import Foundation

/// The `kind: code` connector: source files on disk, with symbols, cut into chunks.
///
/// In a git work tree it lists what git sees (tracked files plus untracked files no ignore
/// rule excludes), through libgit2; in a plain folder it walks the tree. Either way the
/// connector's include/exclude globs and the default vendored/generated exclusions apply.
public struct CodeConnector: Connector {
  public let config: SourceConfig
  public var options: CodeConnectorOptions
  /// Files the previous run read and skipped by policy (binary, generated), by path: one whose
  /// stamp is the same is skipped again without being read.
  public var skipped: [String: SkippedStamp] = [:]
  /// Where the work-tree listing keeps its record of folders between runs (`ListingCache`), so
  /// a run where nothing changed reads no folder; nil lists without one (libgit2's status walk).
  public var listingCachePath: String? = nil
  /// Lists without reading the record (every folder is read), and writes a new one (`--full`).
  public var ignoreListingCache = false

  public init(config: SourceConfig, options: CodeConnectorOptions = CodeConnectorOptions()) {
    self.config = config
    self.options = options
  }

  var filter: PathFilter {
    var exclude = config.exclude
    if config.code.defaultExcludes { exclude += CodeOptions.defaultExcludePatterns }
    return PathFilter(include: config.include.map(Glob.init), exclude: exclude.map(Glob.init))
  }

  public func crawl(known: [String: KnownFile], into sink: any DocumentSink) async throws {
    if let revision = config.code.revision {
      try await crawl(revision: revision, known: known, into: sink)
      return
    }
    try await crawl(listing: try listFiles(cached: listingCachePath != nil), known: known, into: sink)
  }

  /// The work-tree crawl of a listing made beforehand (`listFiles`): the indexer lists while
  /// it loads the known stamps.
  public func crawl(listing: CodeListing, known: [String: KnownFile], into sink: any DocumentSink) async throws {
    for issue in listing.issues { try await sink.accept(.issue(issue)) }
    if let counts = listing.counts { try await sink.accept(.listing(counts)) }

    let filter = self.filter
    var candidates: [CodeListing.Entry] = []
    var unchanged: [String] = []
    var decided: [CrawlEvent] = []
    var listed = 0
    for entry in listing.entries {
      if let pattern = filter.excludingPattern(for: entry.path) {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: entry.path, message: "excluded by \(pattern)")))
      } else if !filter.admits(entry.path) {
        continue  // outside every include pattern: not part of this source at all
      } else {
        listed += 1
        // The no-change case, decided here: the listing already knows the file's stamp (git's
        // status walk has just compared it with the git index entry, or the cached listing
        // `lstat`ed it), so no second stat and no worker is needed.
        switch decideWhileListing(entry, known: known[entry.path]) {
        case .unchanged: unchanged.append(entry.path)
        case .events(let events): decided += events
        case .read: candidates.append(entry)
        }
      }
    }
    try await sink.accept(.listed(total: listed))
    if !unchanged.isEmpty { try await sink.accept(.unchangedFiles(unchanged)) }
    for event in decided { try await sink.accept(event) }

    // Nothing to read (the no-change run): no `ctags --version` child, no workers.
    guard !candidates.isEmpty else { return }
    let ctagsAvailable = try await checkCtags(reportingTo: sink)
    let options = self.options
    let queue = WorkQueue(candidates)
    let reader = FileProcessor(config: config, chunker: Chunker(maxLines: config.code.maxChunkLines), redactor: try Redactor(settings: config.redaction))
    // Each worker on a thread of its own, where its ctags exchange may block.
    let threads = (0..<max(1, min(options.workers, candidates.count))).map { DedicatedThreadExecutor(name: "ctx.crawl.\($0)") }  // one ctags per worker: no more than files
    defer { for thread in threads { thread.stop() } }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for thread in threads {
        group.addTask(executorPreference: thread) {
          let ctags = ctagsAvailable ? CtagsSession(executable: options.ctagsExecutable ?? "ctags", fileTimeout: config.code.ctagsTimeout) : nil
          while let entry = await queue.next() {
            try Task.checkCancellation()
            for event in await reader.process(entry, known: known[entry.path], ctags: ctags) {
              try await sink.accept(event)
            }
          }
        }
      }
      try await group.waitForAll()
    }
  }

  /// Lists the source's files, through git when the root is inside a work tree; paths that
  /// hold a secret are left out (a `secret-in-path` skip, named redacted).
  ///
  /// - Parameter cached: list a work tree with the record at `listingCachePath` and renew it.
  public func listFiles(cached: Bool = false) throws -> CodeListing {
    var listing = try listAllFiles(cached: cached)
    let screened = PathScreen(redactor: try Redactor(settings: config.redaction)).screen(listing.entries, issues: listing.issues, path: \.path)
    listing.entries = screened.entries
    listing.issues = screened.issues
    return listing
  }

  private func listAllFiles(cached: Bool) throws -> CodeListing {
    let root = config.root
    if config.code.useGit, let tree = try GitWorkTree.discover(containing: root) {
      let realRoot = (URL(fileURLWithPath: root).resolvingSymlinksInPath().path)
      let realWorkdir = URL(fileURLWithPath: tree.workdir).resolvingSymlinksInPath().path
      var prefix = ""
      if realRoot.count > realWorkdir.count, realRoot.hasPrefix(realWorkdir + "/") {
        prefix = String(realRoot.dropFirst(realWorkdir.count + 1))
      }
      var listing = CodeListing()
      // Without a record the same listing reads every folder (it guards libgit2's walk).
      let cachePath = cached ? listingCachePath : nil
      let previous = cachePath.flatMap { ignoreListingCache ? nil : FileManager.default.contents(atPath: $0) }.flatMap { ListingCache(decoding: Array($0)) }
      let result = try tree.listFiles(under: prefix, cache: previous)
      if let cachePath {
        listing.counts = ListingCounts(foldersRead: result.foldersRead, foldersChecked: result.foldersChecked, readEverything: result.readEverything)
        if result.cache != previous {
          // A record that cannot be written only costs the next run its reads.
          try? Data(result.cache.encoded()).write(to: URL(fileURLWithPath: cachePath), options: .atomic)
        }
      }
      listing.issues += result.unreadIgnoreFiles.map(CrawlIssue.unreadIgnoreFile)
      for file in result.files {
        if file.isSubmodule {
          listing.issues.append(CrawlIssue(kind: .excluded, path: file.path, message: "a git submodule; submodules are not followed"))
          continue
        }
        if !file.isValidName {
          listing.issues.append(CrawlIssue(kind: .nonUTF8Name, path: file.path, message: "the name is not valid UTF-8; rename it to index it"))
          continue
        }
        listing.entries.append(CodeListing.Entry(path: file.path, isSymlink: file.isSymlink, stamp: file.indexStamp ?? file.listedStamp))
      }
      return listing
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CtxError(.connectorFailed, "the source folder \(root) does not exist; fix `path:` in \(config.configFile)", path: root, source: config.name)
    }
    let filter = self.filter
    let walked = DirectoryWalker().walk(root: root) { directory in
      // Prune a folder when everything under it is excluded (`**/vendor/**`, `build/`).
      filter.excludingPattern(for: directory + "/\u{1}") != nil
    }
    return CodeListing(entries: walked.entries.map { CodeListing.Entry(path: $0.path, isSymlink: $0.isSymlink) }, issues: walked.issues)
  }
}

/// Knobs of a code crawl that are not part of the connector file.
public struct CodeConnectorOptions: Sendable {
  /// The ctags executable, or nil to extract no symbols with ctags.
  public var ctagsExecutable: String?
  /// Files read and parsed at once. ctags runs as one process per worker.
  public var workers: Int

  public init(ctagsExecutable: String? = "ctags", workers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
    self.ctagsExecutable = ctagsExecutable
    self.workers = workers
  }
}

/// What a crawl considers: the source's files as listed, with what listing them found.
public struct CodeListing: Sendable {
  struct Entry: Sendable {
    var path: String
    var isSymlink: Bool
    /// The file's size and modification time as the listing saw them: the git index's stamp
    /// of a tracked file git's status walk found unchanged (`GitListedFile.indexStamp`), or
    /// the cached listing's own `lstat` (`GitListedFile.listedStamp`); nil when ctx must stat
    /// the file itself.
    var stamp: FileStamp? = nil
  }
  var entries: [Entry] = []
  var issues: [CrawlIssue] = []
  /// What the cached work-tree listing read, when it was used.
  var counts: ListingCounts? = nil
}

/// Hands out work items to crawl workers.
actor WorkQueue<Item: Sendable> {
  private var items: [Item]
  private var position = 0

  init(_ items: [Item]) { self.items = items }

  func next() -> Item? {
    guard position < items.count else { return nil }
    defer { position += 1 }
    return items[position]
  }
}

/// How a file skipped by policy looked when it was skipped (`SkippedFile` in the store).
public struct SkippedStamp: Sendable, Hashable {
  public var stamp: FileStamp
  /// The git blob id, for `revision:` sources.
  public var contentHash: String?
  /// Why it was skipped (`CrawlIssue.Kind`'s raw value).
  public var reason: String?

  public init(stamp: FileStamp, contentHash: String?, reason: String? = nil) {
    self.stamp = stamp
    self.contentHash = contentHash
    self.reason = reason
  }
}

/// How far a source's files are from what the index holds, found by listing and `stat` alone
/// (nothing is read): what `ctx status` reports as "behind".
public struct PendingFiles: Sendable, Codable, Hashable {
  public var added = 0
  /// Size or modification time differs (the content may still be the same).
  public var changed = 0
  public var deleted = 0

  public init(added: Int = 0, changed: Int = 0, deleted: Int = 0) {
    self.added = added
    self.changed = changed
    self.deleted = deleted
  }

  public var total: Int { added + changed + deleted }
}

extension CodeConnector {
  /// - Parameter skipped: files the last run read and skipped by policy (binary, generated),
  ///   by path: behind only when they changed since.
  public func pendingChanges(known: [String: KnownFile], skipped: [String: SkippedStamp] = [:]) throws -> PendingFiles {
    if let revision = config.code.revision { return try pendingChanges(revision: revision, known: known, skipped: skipped) }
    let listing = try listFiles()
    let filter = self.filter
    var pending = PendingFiles()
    var seen = Set<String>()
    for entry in listing.entries where filter.admits(entry.path) && !entry.isSymlink {
      guard case .regular(let stamp) = FileSystem.lstatKind(config.root + "/" + entry.path) else { continue }
      guard stamp.size <= config.code.maxFileSize, stamp.size > 0 else { continue }
      seen.insert(entry.path)
      if let previous = known[entry.path] {
        if previous.stamp != stamp { pending.changed += 1 }
      } else if let skip = skipped[entry.path] {
        if skip.stamp != stamp { pending.changed += 1 }
      } else {
        pending.added += 1
      }
    }
    // Known files no longer listed; files skipped by policy (binary, ...) were never known.
    pending.deleted = known.keys.filter { !seen.contains($0) }.count
    return pending
  }
}

extension CodeConnector {
  enum ListingDecision {
    case unchanged
    case events([CrawlEvent])
    case read
  }

  /// What can be told of a listed file without reading it, as `FileProcessor` would tell it:
  /// a symbolic link, a size over the limit, an empty file, a known file with its indexed
  /// stamp, a file skipped by policy last time with the same stamp. Anything else is read.
  func decideWhileListing(_ entry: CodeListing.Entry, known: KnownFile?) -> ListingDecision {
    if entry.isSymlink { return .events(FileProcessor.symlinkEvents(path: entry.path, absolute: config.root + "/" + entry.path)) }
    guard let stamp = entry.stamp else { return .read }
    if stamp.size > config.code.maxFileSize { return .events([.issue(FileProcessor.tooLargeIssue(path: entry.path, size: stamp.size, config: config))]) }
    if let known, known.stamp == stamp { return .unchanged }
    if stamp.size == 0 { return .events([.issue(CrawlIssue(kind: .empty, path: entry.path, message: "empty file"))]) }
    if let skip = skipped[entry.path], skip.stamp == stamp, let reason = skip.reason, let kind = CrawlIssue.Kind(rawValue: reason), !kind.isProblem {
      var issue = CrawlIssue(kind: kind, path: entry.path, message: "skipped again unread (\(reason)): unchanged since the run that read it")
      issue.stamp = skip.stamp
      issue.contentHash = skip.contentHash
      return .events([.issue(issue)])
    }
    return .read
  }

  /// Whether universal-ctags can run; when it is configured but missing, the crawl says so once
  /// and goes on without symbols for languages other than Swift.
  func checkCtags(reportingTo sink: any DocumentSink) async throws -> Bool {
    guard let executable = options.ctagsExecutable else { return false }
    guard CtagsSession.locate(executable: executable) == nil else { return true }
    try await sink.accept(
      .issue(
        CrawlIssue(
          kind: .ctagsMissing, path: nil,
          message: "universal-ctags (`\(executable)`) was not found, or did not answer `--version` within 5 s; files other than Swift are indexed without symbols. Install it with `apt-get install universal-ctags`.")))
    return false
  }
}

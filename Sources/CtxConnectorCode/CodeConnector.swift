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
    let listing = try listFiles()
    for issue in listing.issues { try await sink.accept(.issue(issue)) }

    let filter = self.filter
    var candidates: [CodeListing.Entry] = []
    var unchanged: [String] = []
    var listed = 0
    for entry in listing.entries {
      if let pattern = filter.excludingPattern(for: entry.path) {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: entry.path, message: "excluded by \(pattern)")))
      } else if !filter.admits(entry.path) {
        continue  // outside every include pattern: not part of this source at all
      } else {
        listed += 1
        // The no-change case, decided here: git's status walk has just compared the file with
        // the git index entry whose stamp ctx recorded, so neither a stat nor a worker is
        // needed (the walk's stat is the only one).
        if let stamp = entry.indexStamp, let known = known[entry.path], known.stamp == stamp {
          unchanged.append(entry.path)
        } else {
          candidates.append(entry)
        }
      }
    }
    try await sink.accept(.listed(total: listed))
    if !unchanged.isEmpty { try await sink.accept(.unchangedFiles(unchanged)) }

    // Nothing to read (the no-change run): no `ctags --version` child, no workers.
    guard !candidates.isEmpty else { return }
    let ctagsAvailable = try await checkCtags(reportingTo: sink)
    let options = self.options
    let queue = WorkQueue(candidates)
    let reader = FileProcessor(config: config, chunker: Chunker(maxLines: config.code.maxChunkLines), redactor: try Redactor(settings: config.redaction))
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, min(options.workers, candidates.count)) {  // one ctags per worker: no more than files
        group.addTask {
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
  func listFiles() throws -> CodeListing {
    let listing = try listAllFiles()
    let screened = PathScreen(redactor: try Redactor(settings: config.redaction)).screen(listing.entries, issues: listing.issues, path: \.path)
    return CodeListing(entries: screened.entries, issues: screened.issues)
  }

  private func listAllFiles() throws -> CodeListing {
    let root = config.root
    if config.code.useGit, let tree = try GitWorkTree.discover(containing: root) {
      let realRoot = (URL(fileURLWithPath: root).resolvingSymlinksInPath().path)
      let realWorkdir = URL(fileURLWithPath: tree.workdir).resolvingSymlinksInPath().path
      var prefix = ""
      if realRoot.count > realWorkdir.count, realRoot.hasPrefix(realWorkdir + "/") {
        prefix = String(realRoot.dropFirst(realWorkdir.count + 1))
      }
      var listing = CodeListing()
      for file in try tree.listFiles(under: prefix) {
        if file.isSubmodule {
          listing.issues.append(CrawlIssue(kind: .excluded, path: file.path, message: "a git submodule; submodules are not followed"))
          continue
        }
        if !file.isValidName {
          listing.issues.append(CrawlIssue(kind: .nonUTF8Name, path: file.path, message: "the name is not valid UTF-8; rename it to index it"))
          continue
        }
        listing.entries.append(CodeListing.Entry(path: file.path, isSymlink: file.isSymlink, indexStamp: file.indexStamp))
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

struct CodeListing: Sendable {
  struct Entry: Sendable {
    var path: String
    var isSymlink: Bool
    /// The git index's stamp of a tracked file git's status walk found unchanged
    /// (`GitListedFile.indexStamp`); nil when ctx must stat the file itself.
    var indexStamp: FileStamp? = nil
  }
  var entries: [Entry] = []
  var issues: [CrawlIssue] = []
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

  public init(stamp: FileStamp, contentHash: String?) {
    self.stamp = stamp
    self.contentHash = contentHash
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

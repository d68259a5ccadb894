import CtxConnectors
import CtxCore
import CtxGit
import CtxRedaction
import CtxSymbols
import Foundation

/// `revision:` in a code connector: the tree of one commit, read straight from the git object
/// database (`git_blob_rawcontent`), with no checkout. The work tree, if any, is never looked at.
///
/// A file's content hash is its blob id, known from the tree without reading the blob, so an
/// incremental run reads only blobs whose id changed. Files are stamped with the blob's size
/// and a modification time of 0.
extension CodeConnector {
  func crawl(revision: String, known: [String: KnownFile], into sink: any DocumentSink) async throws {
    let tree = try GitRevisionTree(path: config.root, revision: revision)
    let (files, secretIssues) = try screenedRevisionListing(tree, revision: revision)
    for issue in secretIssues { try await sink.accept(.issue(issue)) }
    let filter = self.filter
    var candidates: [GitTreeFile] = []
    for file in files {
      if file.isSubmodule {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: file.path, message: "a git submodule; submodules are not followed")))
      } else if let pattern = filter.excludingPattern(for: file.path) {
        try await sink.accept(.issue(CrawlIssue(kind: .excluded, path: file.path, message: "excluded by \(pattern)")))
      } else if filter.admits(file.path) {
        candidates.append(file)
      }
    }
    try await sink.accept(.listed(total: candidates.count))

    let ctagsAvailable = try await checkCtags(reportingTo: sink)
    let options = self.options
    let config = self.config
    let commit = tree.commit
    let queue = WorkQueue(candidates)
    let reader = FileProcessor(config: config, chunker: Chunker(maxLines: config.code.maxChunkLines), redactor: try Redactor(settings: config.redaction))
    // Each worker on a thread of its own, where its ctags exchange may block.
    let threads = (0..<max(1, options.workers)).map { DedicatedThreadExecutor(name: "ctx.crawl.\($0)") }
    defer { for thread in threads { thread.stop() } }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for thread in threads {
        group.addTask(executorPreference: thread) {
          // One repository handle per worker: libgit2 handles are not shared between threads.
          let blobs = try GitRevisionTree(path: config.root, revision: commit)
          let ctags = ctagsAvailable ? CtagsSession(executable: options.ctagsExecutable ?? "ctags", fileTimeout: config.code.ctagsTimeout) : nil
          while let file = await queue.next() {
            try Task.checkCancellation()
            for event in await CodeConnector.process(file, blobs: blobs, reader: reader, known: known[file.path], ctags: ctags) {
              try await sink.accept(event)
            }
          }
        }
      }
      try await group.waitForAll()
    }
  }

  static func process(_ file: GitTreeFile, blobs: GitRevisionTree, reader: FileProcessor, known: KnownFile?, ctags: CtagsSession?) async -> [CrawlEvent] {
    func issue(_ kind: CrawlIssue.Kind, _ message: String) -> [CrawlEvent] {
      [.issue(CrawlIssue(kind: kind, path: file.path, message: message))]
    }
    if file.isSymlink { return issue(.symlink, "a symbolic link; links are not followed") }
    if let known, known.contentHash == file.blobID { return [.unchanged(path: file.path)] }
    do {
      let size = try blobs.size(ofBlob: file.blobID)
      if size > reader.config.code.maxFileSize {
        return issue(.tooLarge, "\(size) bytes is over max_file_size (\(reader.config.code.maxFileSize)); raise it in \(reader.config.name).yaml to index it")
      }
      let bytes = try blobs.content(ofBlob: file.blobID)
      return await reader.process(
        path: file.path, bytes: bytes, stamp: FileStamp(size: Int64(bytes.count), mtimeNanos: 0), hash: file.blobID, known: known, ctags: ctags)
    } catch {
      // The issue names the file; the message need not name the repository again.
      return issue(.unreadable, error.message)
    }
  }

  func revisionListing(_ tree: GitRevisionTree, revision: String) throws -> [GitTreeFile] {
    guard let prefix = tree.prefix(of: config.root) else {
      throw CtxError(.connectorFailed, "the source folder \(config.root) is outside the repository's work tree", path: config.root, source: config.name)
    }
    return try tree.listFiles(under: prefix)
  }

  /// The revision's files to consider, without those whose path holds a secret, and a skip
  /// issue (path redacted) for each of those.
  func screenedRevisionListing(_ tree: GitRevisionTree, revision: String) throws -> (files: [GitTreeFile], issues: [CrawlIssue]) {
    let screened = PathScreen(redactor: try Redactor(settings: config.redaction)).screen(try revisionListing(tree, revision: revision), issues: [], path: \.path)
    return (screened.entries, screened.issues)
  }

  func pendingChanges(revision: String, known: [String: KnownFile], skipped: [String: SkippedStamp] = [:]) throws -> PendingFiles {
    let tree = try GitRevisionTree(path: config.root, revision: revision)
    let filter = self.filter
    var pending = PendingFiles()
    var seen = Set<String>()
    for file in try screenedRevisionListing(tree, revision: revision).files where filter.admits(file.path) && !file.isSymlink && !file.isSubmodule {
      seen.insert(file.path)
      if let previous = known[file.path] {
        if previous.contentHash != file.blobID { pending.changed += 1 }
      } else if let skip = skipped[file.path] {
        if skip.contentHash != file.blobID { pending.changed += 1 }
      } else if let size = try? tree.size(ofBlob: file.blobID) {
        // Skipped by policy from its size alone (empty, too large): not behind.
        if size > 0 && size <= config.code.maxFileSize { pending.added += 1 }
      }
      // A blob the repository cannot give (missing from a partial clone) is a problem every
      // run reports, not something the next run would catch up on: not behind either.
    }
    pending.deleted = known.keys.filter { !seen.contains($0) }.count
    return pending
  }
}

import CLibGit2
import CtxCore
import Foundation

/// Read-only access to a repository's history through libgit2: refs, the commit graph, and
/// what each commit changed.
///
/// Works on work trees and bare repositories alike. Owns its `git_repository` and every
/// object it looks up; no C pointer leaves this type. Not thread-safe: one per task.
public final class GitHistory {
  let repository: OpaquePointer
  /// The repository's object database (trees are read from it raw, `RawTree`).
  let odb: OpaquePointer
  /// The repository's `.git` folder (or the bare repository itself).
  public let gitDirectory: String
  /// The work tree root with a trailing `/`, nil for a bare repository.
  public let workdir: String?
  /// Commits whose parents this clone does not have (from `.git/shallow`).
  public let shallowBoundary: Set<String>

  /// Opens the repository at `path` (its work tree, any folder inside it, or a bare repository).
  ///
  /// - Parameter trustOwner: skip libgit2's ownership check, for a repository owned by another
  ///   user (the cron account case). Off by default, as in git.
  /// - Throws: `.gitFailed` with a message naming the fix: not a repository, owned by another
  ///   user, unreadable.
  public init(path: String, trustOwner: Bool = false) throws(CtxError) {
    GitLibrary.ensureInitialized()
    GitLibrary.configureForHistory()
    if trustOwner { _ = ctx_git_set_owner_validation(0) }
    defer { if trustOwner { _ = ctx_git_set_owner_validation(1) } }
    var handle: OpaquePointer? = nil
    let code = git_repository_open_ext(&handle, path, 0, nil)
    // libgit2 1.5 reports an ownership refusal as "not found" (and a misleading message), so
    // look for the repository ourselves and compare its owner.
    if code == GIT_EOWNER.rawValue || (code == GIT_ENOTFOUND.rawValue && GitHistory.repositoryOwnedByAnotherUser(containing: path)) {
      throw CtxError(
        .gitFailed,
        "the repository at \(path) is owned by another user, and libgit2 refuses such repositories by default. If you trust it, add `trust_owner: true` to the connector file, or run `git config --global --add safe.directory \(path)` as the user that runs ctx",
        path: path)
    }
    if code == GIT_ENOTFOUND.rawValue {
      throw CtxError(.gitFailed, "\(path) is not a git repository (no .git folder found in it or above it); point `path:` at a repository", path: path)
    }
    try GitLibrary.check(code, "cannot open the git repository at \(path)", path: path)
    guard let repository = handle else {
      throw CtxError(.gitFailed, "cannot open the git repository at \(path)", path: path)
    }
    var odb: OpaquePointer? = nil
    guard git_repository_odb(&odb, repository) == 0, let odb else {
      let error = GitLibrary.error(-1, "cannot open the object database of \(path)", path: path)
      git_repository_free(repository)
      throw error
    }
    self.repository = repository
    self.odb = odb
    gitDirectory = String(cString: git_repository_path(repository))
    workdir = git_repository_workdir(repository).map { String(cString: $0) }
    shallowBoundary = GitHistory.readShallowFile(gitDirectory + "shallow")
  }

  deinit {
    git_odb_free(odb)
    git_repository_free(repository)
  }

  /// Whether a `.git` (or a bare repository) at or above `path` belongs to another user.
  static func repositoryOwnedByAnotherUser(containing path: String) -> Bool {
    var directory = URL(fileURLWithPath: path).standardizedFileURL.path
    let manager = FileManager.default
    while true {
      for candidate in [directory + "/.git", directory] {
        let isRepository = candidate.hasSuffix("/.git")
          ? manager.fileExists(atPath: candidate)
          : manager.fileExists(atPath: candidate + "/HEAD") && manager.fileExists(atPath: candidate + "/objects")
        if isRepository, let owner = (try? manager.attributesOfItem(atPath: candidate))?[.ownerAccountID] as? NSNumber {
          return owner.uint32Value != geteuid()
        }
      }
      if directory == "/" || directory.isEmpty { return false }
      directory = (directory as NSString).deletingLastPathComponent
    }
  }

  private static func readShallowFile(_ path: String) -> Set<String> {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count == 40 })
  }

  public var isShallow: Bool { !shallowBoundary.isEmpty || git_repository_is_shallow(repository) == 1 }

  /// The commit a ref or revision names (`HEAD`, `main`, `origin/main`, `v1.2`, a sha), or nil
  /// when it names nothing (an unborn `HEAD`, a deleted branch, a sha the repository never had).
  ///
  /// libgit2 answers "not found" both when a name names nothing and when it names a commit the
  /// object database cannot read (a truncated pack is skipped as if it held nothing). Taking the
  /// second for the first once made a corrupt repository look empty, and a run removed all its
  /// indexed history; so a "not found" whose ref does exist is corruption, and an error.
  ///
  /// - Throws: `.gitFailed` when the ref exists but its commit cannot be read, or libgit2 fails.
  public func resolve(_ revision: String) throws(CtxError) -> String? {
    var object: OpaquePointer? = nil
    let code = git_revparse_single(&object, repository, revision)
    if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue || code == GIT_EINVALIDSPEC.rawValue {
      let detail = GitLibrary.error(code, "cannot read it").message
      guard let target = referenceTarget(revision) else { return nil }
      throw CtxError(
        .gitFailed,
        "`\(revision)` names commit \(target), but the object database cannot read it (a corrupt or truncated pack or "
          + "object file?): \(detail). Run `git fsck` in \(gitDirectory) and repair the repository (or clone it again); "
          + "until then the history already indexed is kept",
        path: gitDirectory)
    }
    try GitLibrary.check(code, "cannot resolve `\(revision)`", path: gitDirectory)
    guard let object else { return nil }
    defer { git_object_free(object) }
    var peeled: OpaquePointer? = nil
    try GitLibrary.check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "`\(revision)` does not name a commit", path: gitDirectory)
    defer { git_object_free(peeled) }
    return ContentHash.hex(git_object_id(peeled).pointee)
  }

  /// The object id a ref points at when the ref itself exists (`HEAD`, a branch, tag or remote
  /// ref, short names as git reads them), whether or not the object can be read; nil when no
  /// such ref exists, or `HEAD` is unborn.
  func referenceTarget(_ name: String) -> String? {
    if name == "HEAD" {
      guard git_repository_head_unborn(repository) == 0 else { return nil }
      var id = git_oid()
      guard git_reference_name_to_id(&id, repository, "HEAD") == 0 else { return nil }
      return ContentHash.hex(id)
    }
    var reference: OpaquePointer? = nil
    guard git_reference_dwim(&reference, repository, name) == 0, let reference else { return nil }
    defer { git_reference_free(reference) }
    var resolved: OpaquePointer? = nil
    guard git_reference_resolve(&resolved, reference) == 0, let resolved else { return nil }
    defer { git_reference_free(resolved) }
    return git_reference_target(resolved).map { ContentHash.hex($0.pointee) }
  }

  /// True for a repository with no commits at all: `HEAD` is unborn and no ref exists.
  /// (An unborn `HEAD` beside other branches is an orphan branch, not an empty repository.)
  /// (`git_repository_is_empty` is not used: libgit2 1.5 also wants `HEAD` to name the
  /// configured initial branch, so a `git init -b main` repository was never "empty".)
  public var isEmpty: Bool {
    guard git_repository_head_unborn(repository) == 1 else { return false }
    var iterator: OpaquePointer? = nil
    guard git_reference_iterator_new(&iterator, repository) == 0, let iterator else { return false }
    defer { git_reference_iterator_free(iterator) }
    var reference: OpaquePointer? = nil
    let code = git_reference_next(&reference, iterator)
    if code == 0 { git_reference_free(reference) }
    return code == GIT_ITEROVER.rawValue
  }

  /// Whether `ancestor` is reachable from `descendant` (or is it).
  public func isAncestor(_ ancestor: String, of descendant: String) -> Bool {
    if ancestor == descendant { return true }
    guard var a = GitHistory.oid(ancestor), var d = GitHistory.oid(descendant) else { return false }
    return git_graph_descendant_of(repository, &d, &a) == 1
  }

  /// Commits reachable from `tip` but not from `base` (and the other way round).
  public func aheadBehind(_ tip: String, _ base: String) -> (ahead: Int, behind: Int)? {
    guard var local = GitHistory.oid(tip), var upstream = GitHistory.oid(base) else { return nil }
    var ahead = 0
    var behind = 0
    guard git_graph_ahead_behind(&ahead, &behind, repository, &local, &upstream) == 0 else { return nil }
    return (ahead, behind)
  }

  public func hasCommit(_ sha: String) -> Bool {
    guard var id = GitHistory.oid(sha) else { return false }
    var commit: OpaquePointer? = nil
    guard git_commit_lookup(&commit, repository, &id) == 0 else { return false }
    git_commit_free(commit)
    return true
  }

  static func oid(_ hex: String) -> git_oid? {
    var id = git_oid()
    return git_oid_fromstr(&id, hex) == 0 ? id : nil
  }

  // MARK: Walking the graph

  /// What a walk found: commits newest first, and what it could not read.
  public struct Walk: Sendable {
    /// Newest first by committer date (parents after children where dates allow).
    public var commits: [String] = []
    /// Commits that are named as parents but missing from the object database.
    public var missing: [String] = []
    /// Shallow-boundary commits reached: history stops there.
    public var boundaryReached: [String] = []
  }

  /// A commit as a walk read it: its metadata and the trees to compare, so a reader only
  /// compares trees and never reads the commit (or its parent) again.
  public struct WalkedCommit: Sendable {
    public let sha: String
    /// The commit's metadata, changes not yet filled in; nil when the walk did not keep it.
    var header: GitCommitRecord?
    var tree = git_oid()
    /// The first parent's tree, when the walk read that parent (nil: look it up).
    var firstParentTree: git_oid?

    /// A commit known by its id only: the reader reads it whole.
    public init(sha: String) {
      self.sha = sha
    }
  }

  /// Every commit reachable from `tips`, not descending past commits for which `stop`
  /// returns true (already indexed), newest first by committer time.
  ///
  /// A hand-rolled walk rather than `git_revwalk`: it treats shallow-boundary commits as
  /// roots and records missing parents instead of failing the whole walk.
  /// - Parameter each: called with each commit as the walk reaches it, in walk order, so a
  ///   caller can start reading commits before the walk ends.
  public func walk(from tips: [String], stop: (String) -> Bool = { _ in false }, each: (String) -> Void = { _ in }) -> Walk {
    walkCommits(from: tips, stop: stop, reading: false) { each($0.sha) }
  }

  /// The same walk, handing each commit over with what was read of it (metadata, trees), for
  /// `commit(_:countLines:)` to finish without reading it again: each commit is then read
  /// once in the whole run, where reading it in the walk and again in a reader (and its
  /// parent a third time, for the parent's tree) cost a fifth of a full-history run.
  ///
  /// Its `Walk` lists no commits (the caller had each one): only the missing ones and the
  /// shallow boundary. (Listing them kept every id of the history until the crawl ended.)
  public func walkReading(from tips: [String], stop: (String) -> Bool = { _ in false }, each: (WalkedCommit) -> Void) -> Walk {
    walkCommits(from: tips, stop: stop, reading: true, each: each)
  }

  /// - Parameter reading: for `walkReading`: keep each commit's metadata for its reader, and
  ///   list none in the result.
  private func walkCommits(from tips: [String], stop: (String) -> Bool, reading: Bool, each: (WalkedCommit) -> Void) -> Walk {
    var result = Walk()
    var queued = Set<String>()
    var heap = CommitHeap()
    // Each commit is read once, when queued: its time orders the heap, its parents (and what
    // a reader needs of it) are kept until it is popped.
    var pending: [String: (parents: [String], walked: WalkedCommit)] = [:]
    // The pending commits' trees on their own: reading one through `pending` copied (and then
    // released) the whole commit with its message and names, once per commit.
    var trees: [String: git_oid] = [:]
    func enqueue(_ sha: String) {
      guard let (time, parents, walked) = withCommit(sha, { commit -> (Int64, [String], WalkedCommit) in
        var walked = WalkedCommit(sha: sha)
        walked.tree = git_commit_tree_id(commit).pointee
        let parents = GitHistory.parents(of: commit)
        if reading { walked.header = GitHistory.header(of: commit, sha: sha, parents: parents) }
        return (git_commit_time(commit), parents, walked)
      }) else {
        result.missing.append(sha)
        return
      }
      heap.push(sha, time)
      trees[sha] = walked.tree
      pending[sha] = (parents, walked)
    }
    for tip in tips where !stop(tip) && queued.insert(tip).inserted { enqueue(tip) }
    while let (sha, _) = heap.pop() {
      if !reading { result.commits.append(sha) }
      guard case (let parents, var walked)? = pending.removeValue(forKey: sha) else { continue }
      trees[sha] = nil
      if shallowBoundary.contains(sha) {
        each(walked)
        result.boundaryReached.append(sha)
        continue
      }
      // Parents first, so the first parent's tree is known when the commit is handed over.
      for parent in parents where !stop(parent) && queued.insert(parent).inserted { enqueue(parent) }
      if let first = parents.first { walked.firstParentTree = trees[first] }
      each(walked)
    }
    return result
  }

  private func withCommit<T>(_ sha: String, _ body: (OpaquePointer) -> T) -> T? {
    guard var id = GitHistory.oid(sha) else { return nil }
    return withCommitID(&id, body)
  }

  private static func parents(of commit: OpaquePointer) -> [String] {
    (0..<git_commit_parentcount(commit)).compactMap { index in
      git_commit_parent_id(commit, index).map { ContentHash.hex($0.pointee) }
    }
  }

  /// A commit's metadata, with no changes yet.
  private static func header(of commit: OpaquePointer, sha: String, parents: [String]) -> GitCommitRecord {
    let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
    let (summary, body) = GitHistory.split(message: message)
    return GitCommitRecord(
      sha: sha, parents: parents, author: GitHistory.signature(git_commit_author(commit)),
      committer: GitHistory.signature(git_commit_committer(commit)), summary: summary, body: body, changes: [])
  }

  // MARK: Reading one commit

  /// The commit's metadata and the files it changed against its first parent.
  ///
  /// Merges record no file changes (their changes are on the commits they merged), and a
  /// shallow-boundary commit records none either (its parent is not in the clone). A missing
  /// or corrupt tree or blob marks the result `changesComplete = false` rather than failing.
  ///
  /// - Parameters:
  ///   - countLines: also count lines added and removed per file, from the blobs (xdiff, as
  ///     `git log --numstat`; binary files get none). This reads every changed blob and costs
  ///     several times the rest (docs/history.md, "Line counts").
  ///   - linesOnlyFor: count lines only for these paths (the files a caller will show); nil
  ///     counts every changed file. A mass change touching hundreds of files costs hundreds
  ///     of diffs otherwise.
  public func commit(_ sha: String, countLines: Bool = false, linesOnlyFor paths: Set<String>? = nil) throws(CtxError) -> GitCommitRecord {
    try commit(WalkedCommit(sha: sha), countLines: countLines, linesOnlyFor: paths)
  }

  /// The same, for a commit a walk has read (`walkReading`): only its trees are read here.
  public func commit(_ walked: WalkedCommit, countLines: Bool = false, linesOnlyFor paths: Set<String>? = nil) throws(CtxError) -> GitCommitRecord {
    let sha = walked.sha
    var record: GitCommitRecord
    var newTree = walked.tree
    if let header = walked.header {
      record = header
    } else {
      guard var id = GitHistory.oid(sha) else { throw CtxError(.gitFailed, "`\(sha)` is not a commit id", path: gitDirectory) }
      var handle: OpaquePointer? = nil
      try GitLibrary.check(git_commit_lookup(&handle, repository, &id), "cannot read commit \(sha)", path: gitDirectory)
      guard let commit = handle else { throw CtxError(.gitFailed, "cannot read commit \(sha)", path: gitDirectory) }
      defer { git_commit_free(commit) }
      record = GitHistory.header(of: commit, sha: sha, parents: GitHistory.parents(of: commit))
      newTree = git_commit_tree_id(commit).pointee
    }
    let parents = record.parents
    guard parents.count <= 1, !shallowBoundary.contains(sha) else {
      record.changesComplete = parents.count > 1
      return record
    }
    var oldTree: git_oid? = nil
    if let first = parents.first {
      if let known = walked.firstParentTree {
        oldTree = known
      } else if var parentID = GitHistory.oid(first), let tree = withCommitID(&parentID, { git_commit_tree_id($0).pointee }) {
        oldTree = tree
      } else {
        record.changesComplete = false
        return record
      }
    }
    var differ = TreeDiffer(odb: odb)
    differ.diff(old: oldTree, new: newTree)
    record.changes = differ.changes()
    record.changesComplete = !differ.incomplete
    if countLines {
      var counts: [String: (added: Int, removed: Int)] = [:]
      for entry in differ.blobPairs() where paths?.contains(entry.path) ?? true {
        if let count = GitHistory.lineCount(repository, old: entry.old, new: entry.new) { counts[entry.path] = count }
      }
      for index in record.changes.indices {
        if let count = counts[record.changes[index].path] {
          record.changes[index].added = count.added
          record.changes[index].removed = count.removed
        }
      }
    }
    return record
  }

  private func withCommitID<T>(_ id: inout git_oid, _ body: (OpaquePointer) -> T) -> T? {
    var commit: OpaquePointer? = nil
    guard git_commit_lookup(&commit, repository, &id) == 0, let commit else { return nil }
    defer { git_commit_free(commit) }
    return body(commit)
  }

  private static func lineCount(_ repository: OpaquePointer, old: git_oid?, new: git_oid?) -> (added: Int, removed: Int)? {
    if (old == nil) != (new == nil), let id = old ?? new {
      guard let lines = lineCount(ofBlob: id, repository) else { return nil }
      return old == nil ? (lines, 0) : (0, lines)
    }
    let counted: BlobPatch<(added: Int, removed: Int)?> = withPatch(repository, old: old, new: new) { patch in
      var context = 0
      var additions = 0
      var deletions = 0
      guard git_patch_line_stats(&context, &additions, &deletions, patch) == 0 else { return nil }
      return (additions, deletions)
    }
    if case .made(let count) = counted { return count }
    return nil
  }

  /// The lines of a file added or deleted whole: every one is an addition (or a deletion),
  /// counted as xdiff splits them (at each newline, and a last line without one). xdiff
  /// would hash and compare every line against nothing; vendored trees added in one commit
  /// made that most of the line counting on moby. nil for a missing or binary blob, as the
  /// patch path gives.
  private static func lineCount(ofBlob id: git_oid, _ repository: OpaquePointer) -> Int? {
    TextBlob.withBytes(id, in: repository) { bytes in
      guard let start = bytes.baseAddress, bytes.count > 0 else { return 0 }
      var lines = 0
      var offset = 0
      while offset < bytes.count, let found = memchr(start + offset, 0x0A, bytes.count - offset) {
        lines += 1
        offset = start.distance(to: UnsafeRawPointer(found)) + 1
      }
      return bytes[bytes.count - 1] == 0x0A ? lines : lines + 1
    }
  }

  /// What `withPatch` found: the body's result, or why there is no text patch.
  enum BlobPatch<T> {
    case made(T)
    case missingBlob
    case binary
    case failed
  }

  /// Makes the text patch between two blobs (nil: absent on that side) and hands it to `body`.
  /// With paths (a patch to show), from the raw contents, with no repository: given a path,
  /// `git_patch_from_blobs` looks up its diff driver in .gitattributes, which loads the
  /// repository's index (1.7 MB on moby) for every repository handle; drivers change hunk
  /// headers only, never lines. Without paths (line counts), from the blobs.
  static func withPatch<T>(
    _ repository: OpaquePointer, old: git_oid?, new: git_oid?, oldPath: String? = nil, newPath: String? = nil, _ body: (OpaquePointer) -> T
  ) -> BlobPatch<T> {
    func lookup(_ id: git_oid?) -> OpaquePointer?? {
      guard var id else { return .some(nil) }
      var blob: OpaquePointer? = nil
      guard git_blob_lookup(&blob, repository, &id) == 0 else { return nil }
      return .some(blob)
    }
    guard let oldBlob = lookup(old), let newBlob = lookup(new) else { return .missingBlob }
    defer {
      git_blob_free(oldBlob)
      git_blob_free(newBlob)
    }
    if let oldBlob, git_blob_is_binary(oldBlob) == 1 { return .binary }
    if let newBlob, git_blob_is_binary(newBlob) == 1 { return .binary }
    func content(_ blob: OpaquePointer?) -> (UnsafeRawPointer?, Int) {
      guard let blob else { return (nil, 0) }
      return (git_blob_rawcontent(blob), Int(git_blob_rawsize(blob)))
    }
    func made(_ code: Int32, _ patch: OpaquePointer?) -> BlobPatch<T> {
      guard code == 0, let patch else { return .failed }
      defer { git_patch_free(patch) }
      return .made(body(patch))
    }
    var patch: OpaquePointer? = nil
    if oldPath == nil && newPath == nil {
      // From the blobs themselves: their ids are known. `git_patch_from_buffers` hashes both
      // buffers again (SHA-1 with collision detection), which was more than half of the line
      // counting on moby, whose newest commits carry vendored trees. With no path there is no
      // diff driver to look up, so no attributes and no index are read.
      return made(git_patch_from_blobs(&patch, oldBlob, nil, newBlob, nil, nil), patch)
    }
    let (oldBytes, oldSize) = content(oldBlob)
    let (newBytes, newSize) = content(newBlob)
    // The patch may point at the names as well as the contents: it is used while both live.
    return withOptionalCString(oldPath) { oldName in
      withOptionalCString(newPath) { newName in
        made(git_patch_from_buffers(&patch, oldBytes, oldSize, oldName, newBytes, newSize, newName, nil), patch)
      }
    }
  }

  private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
  }

  static func signature(_ pointer: UnsafePointer<git_signature>?) -> GitSignature {
    guard let signature = pointer?.pointee else { return GitSignature(name: "", email: "", time: 0, offsetMinutes: 0) }
    return GitSignature(
      name: signature.name.map { String(cString: $0) } ?? "", email: signature.email.map { String(cString: $0) } ?? "",
      time: signature.when.time, offsetMinutes: Int(signature.when.offset))
  }

  /// git's summary (the first paragraph, joined onto one line) and the rest. Byte-level:
  /// Foundation's trimming was 14% of a full history walk.
  static func split(message: String) -> (summary: String, body: String) {
    let bytes = Array(message.utf8)
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    var lines: [Range<Int>] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == 0x0A {
      lines.append(start..<index)
      start = index + 1
    }
    lines.append(start..<bytes.count)
    func trimmed(_ range: Range<Int>) -> Range<Int> {
      var lower = range.lowerBound
      var upper = range.upperBound
      while lower < upper && isSpace(bytes[lower]) { lower += 1 }
      while upper > lower && isSpace(bytes[upper - 1]) { upper -= 1 }
      return lower..<upper
    }
    var index = 0
    while index < lines.count, trimmed(lines[index]).isEmpty { index += 1 }
    var summary: [UInt8] = []
    while index < lines.count, case let line = trimmed(lines[index]), !line.isEmpty {
      if !summary.isEmpty { summary.append(0x20) }
      summary.append(contentsOf: bytes[line])
      index += 1
    }
    while index < lines.count, trimmed(lines[index]).isEmpty { index += 1 }
    var end = lines.count
    while end > index, trimmed(lines[end - 1]).isEmpty { end -= 1 }
    let body = index < end ? String(decoding: bytes[lines[index].lowerBound..<trimmed(lines[end - 1]).upperBound], as: UTF8.self) : ""
    return (String(decoding: summary, as: UTF8.self), body)
  }
}

/// A max-heap of commits by committer time, for a newest-first walk.
struct CommitHeap {
  private var items: [(sha: String, time: Int64)] = []

  mutating func push(_ sha: String, _ time: Int64) {
    items.append((sha, time))
    var child = items.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard items[child].time > items[parent].time else { break }
      items.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> (String, Int64)? {
    guard !items.isEmpty else { return nil }
    items.swapAt(0, items.count - 1)
    let top = items.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var largest = parent
      if left < items.count && items[left].time > items[largest].time { largest = left }
      if right < items.count && items[right].time > items[largest].time { largest = right }
      if largest == parent { break }
      items.swapAt(parent, largest)
      parent = largest
    }
    return (top.sha, top.time)
  }
}

extension GitLibrary {
  /// History walks read each object once or twice, in order: skip the per-read hash check
  /// (30-40% of the time), keep the object cache tiny (measured on moby: at 32 MiB, evicting
  /// from it took more time than it saved; a near-empty cache is cleared wholesale, which is
  /// cheap), and cap the memory-mapped pack windows (8 GiB by default, all resident once
  /// touched) so memory is bounded by them, not by the history. Small windows under the cap:
  /// each unmapping makes the kernel flush the other cores' TLBs, and with 64 MiB windows under
  /// 160 MiB a full run of moby (340 MB of packs) spent 2.6 s of system time remapping (5.4 s
  /// wall); 16 MiB windows under the same cap: 0.6 s, 3.45 s wall, peak 196-203 MiB against
  /// 190 (docs/benchmarks.md, "History").
  static let historyConfigured: Bool = {
    _ = ctx_git_set_strict_hash_verification(0)
    _ = ctx_git_set_cache_max_size(1 << 20)
    _ = ctx_git_set_mwindow_size(16 << 20)
    _ = ctx_git_set_mwindow_mapped_limit(160 << 20)
    return true
  }()

  static func configureForHistory() {
    _ = historyConfigured
  }

  /// Passes over a history under way (`historyPass`); libgit2's object cache is off while any is.
  private static let passes = PassCount()

  /// Runs a pass over a history (a crawl) with libgit2's object cache off. Such a pass reads
  /// each object once or twice, in order, from several threads: the cache's lock, its map and
  /// its evictions cost more than its hits (moby: 6-10% of a full run's CPU, measured in
  /// alternating runs). The cache is process-wide, so it comes back when the last pass ends:
  /// line tracing (`GitLineHistory`) looks the same subtrees up again and again and wants it.
  public static func historyPass<T>(_ body: () async throws -> T) async rethrows -> T {
    ensureInitialized()
    passes.change(by: 1)
    defer { passes.change(by: -1) }
    return try await body()
  }

  private final class PassCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// Turns the cache off when the first pass starts and on when the last one ends.
    func change(by delta: Int) {
      lock.withLock {
        let before = count
        count += delta
        if before == 0 && count > 0 { _ = ctx_git_set_caching(0) }
        if before > 0 && count == 0 { _ = ctx_git_set_caching(1) }
      }
    }
  }
}

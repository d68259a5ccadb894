import CLibGit2
import CtxCore
import Foundation

/// A file in the tree of one revision, as the object database records it.
public struct GitTreeFile: Sendable, Hashable {
  /// Relative to the folder the listing was asked for.
  public var path: String
  /// The blob id (hex): the content hash ctx stores for every file.
  public var blobID: String
  public var isSymlink: Bool
  public var isSubmodule: Bool
}

/// Read-only access to the tree of one revision, straight from the object database: no
/// checkout, no work tree needed (a bare repository works). What `revision:` in a code
/// connector reads.
///
/// Owns its `git_repository` and every object it looks up; no C pointer leaves this type. Not
/// thread-safe: one per task.
public final class GitRevisionTree {
  private let repository: OpaquePointer
  /// The commit the revision resolved to.
  public let commit: String
  /// The work tree root with a trailing `/`, nil for a bare repository.
  public let workdir: String?
  public let gitDirectory: String

  /// Opens the repository containing `path` and resolves `revision` (a sha, a branch, a tag,
  /// `HEAD~3`) to a commit.
  public init(path: String, revision: String) throws(CtxError) {
    GitLibrary.ensureInitialized()
    var handle: OpaquePointer? = nil
    let code = git_repository_open_ext(&handle, path, 0, nil)
    if code == GIT_ENOTFOUND.rawValue {
      throw CtxError(.gitFailed, "\(path) is not inside a git repository, so `revision: \(revision)` cannot be read; remove `revision:` or point `path:` into a repository", path: path)
    }
    try GitLibrary.check(code, "cannot open the git repository containing \(path)", path: path)
    guard let repository = handle else { throw CtxError(.gitFailed, "cannot open the git repository containing \(path)", path: path) }
    self.repository = repository
    gitDirectory = String(cString: git_repository_path(repository))
    workdir = git_repository_workdir(repository).map { String(cString: $0) }
    var object: OpaquePointer? = nil
    let resolved = git_revparse_single(&object, repository, revision)
    guard resolved == 0, let object else {
      throw CtxError(.gitFailed, "`revision: \(revision)` names no commit in \(gitDirectory); use a sha, branch or tag that exists", path: path)
    }
    defer { git_object_free(object) }
    var peeled: OpaquePointer? = nil
    guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0, let peeled else {
      throw CtxError(.gitFailed, "`revision: \(revision)` does not name a commit", path: path)
    }
    defer { git_object_free(peeled) }
    commit = ContentHash.hex(git_object_id(peeled).pointee)
  }

  deinit {
    git_repository_free(repository)
  }

  /// The path of `folder` (absolute) relative to the repository's work tree, "" for the root
  /// or a bare repository; nil when `folder` is outside the work tree.
  public func prefix(of folder: String) -> String? {
    guard let workdir else { return "" }
    let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
    // A git directory without a config file (a mirror's bare copy) opens with its parent as a
    // work tree; the folder named is the repository itself, so its whole tree is meant.
    if real == URL(fileURLWithPath: gitDirectory).resolvingSymlinksInPath().path { return "" }
    let root = URL(fileURLWithPath: workdir).resolvingSymlinksInPath().path
    if real == root { return "" }
    guard real.hasPrefix(root + "/") else { return nil }
    return String(real.dropFirst(root.count + 1))
  }

  /// Every file of the revision's tree under `prefix` ("" for all), paths relative to it, sorted.
  public func listFiles(under prefix: String) throws(CtxError) -> [GitTreeFile] {
    guard var commitID = GitHistory.oid(commit) else { return [] }
    var commitHandle: OpaquePointer? = nil
    try GitLibrary.check(git_commit_lookup(&commitHandle, repository, &commitID), "cannot read commit \(commit)", path: gitDirectory)
    guard let commitObject = commitHandle else { return [] }
    defer { git_commit_free(commitObject) }
    var treeHandle: OpaquePointer? = nil
    try GitLibrary.check(git_commit_tree(&treeHandle, commitObject), "cannot read the tree of \(commit)", path: gitDirectory)
    guard var tree = treeHandle else { return [] }
    let trimmed = prefix.split(separator: "/").joined(separator: "/")
    if !trimmed.isEmpty {
      var entry: OpaquePointer? = nil
      let code = git_tree_entry_bypath(&entry, tree, trimmed)
      git_tree_free(tree)
      guard code == 0, let entry else {
        throw CtxError(.gitFailed, "the folder \(trimmed) does not exist at revision \(commit); point `path:` at a folder of that revision", path: gitDirectory)
      }
      defer { git_tree_entry_free(entry) }
      guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
      var subtree: OpaquePointer? = nil
      try GitLibrary.check(git_tree_lookup(&subtree, repository, git_tree_entry_id(entry)), "cannot read folder \(trimmed) at \(commit)", path: gitDirectory)
      guard let subtree else { return [] }
      tree = subtree
    }
    defer { git_tree_free(tree) }
    var files: [GitTreeFile] = []
    try walk(tree, prefix: "", into: &files)
    files.sort { $0.path < $1.path }
    return files
  }

  private func walk(_ tree: OpaquePointer, prefix: String, into files: inout [GitTreeFile]) throws(CtxError) {
    for index in 0..<git_tree_entrycount(tree) {
      guard let entry = git_tree_entry_byindex(tree, index), let rawName = git_tree_entry_name(entry) else { continue }
      let path = prefix + String(cString: rawName)
      let mode = git_tree_entry_filemode(entry)
      let id = git_tree_entry_id(entry)!
      switch mode {
      case GIT_FILEMODE_TREE:
        var subtree: OpaquePointer? = nil
        try GitLibrary.check(git_tree_lookup(&subtree, repository, id), "cannot read folder \(path) at \(commit)", path: gitDirectory)
        guard let subtree else { continue }
        defer { git_tree_free(subtree) }
        try walk(subtree, prefix: path + "/", into: &files)
      case GIT_FILEMODE_COMMIT:
        files.append(GitTreeFile(path: path, blobID: ContentHash.hex(id.pointee), isSymlink: false, isSubmodule: true))
      case GIT_FILEMODE_LINK:
        files.append(GitTreeFile(path: path, blobID: ContentHash.hex(id.pointee), isSymlink: true, isSubmodule: false))
      default:
        files.append(GitTreeFile(path: path, blobID: ContentHash.hex(id.pointee), isSymlink: false, isSubmodule: false))
      }
    }
  }

  /// The blob id of the file at `path` (from the repository's top) in the revision's tree;
  /// nil when no file is there (absent, or a folder or submodule).
  public func blobID(atPath path: String) throws(CtxError) -> String? {
    guard var commitID = GitHistory.oid(commit) else { return nil }
    var commitHandle: OpaquePointer? = nil
    try GitLibrary.check(git_commit_lookup(&commitHandle, repository, &commitID), "cannot read commit \(commit)", path: gitDirectory)
    guard let commitObject = commitHandle else { return nil }
    defer { git_commit_free(commitObject) }
    var treeHandle: OpaquePointer? = nil
    try GitLibrary.check(git_commit_tree(&treeHandle, commitObject), "cannot read the tree of \(commit)", path: gitDirectory)
    guard let tree = treeHandle else { return nil }
    defer { git_tree_free(tree) }
    var entry: OpaquePointer? = nil
    guard git_tree_entry_bypath(&entry, tree, path) == 0, let entry else { return nil }
    defer { git_tree_entry_free(entry) }
    guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
    return ContentHash.hex(git_tree_entry_id(entry).pointee)
  }

  /// A blob the tree names but the object database lacks: a partial clone (`--filter`) leaves
  /// blobs out until git fetches them, which ctx does not do.
  func missingBlob(_ id: String) -> CtxError {
    CtxError(
      .gitFailed,
      "blob \(id.prefix(12)) is not in the repository (a partial clone leaves blobs out until git fetches them; ctx does not fetch): "
        + "`git -C \(gitDirectory) cat-file -e \(id)` checks it, a full clone or a checkout fetches it", path: gitDirectory)
  }

  /// A blob's size without reading its content.
  public func size(ofBlob id: String) throws(CtxError) -> Int64 {
    guard var oid = GitHistory.oid(id) else { throw CtxError(.gitFailed, "`\(id)` is not a blob id", path: gitDirectory) }
    var odb: OpaquePointer? = nil
    try GitLibrary.check(git_repository_odb(&odb, repository), "cannot open the object database", path: gitDirectory)
    defer { git_odb_free(odb) }
    var length = 0
    var type = GIT_OBJECT_ANY
    let code = git_odb_read_header(&length, &type, odb, &oid)
    if code == GIT_ENOTFOUND.rawValue { throw missingBlob(id) }
    try GitLibrary.check(code, "cannot read blob \(id)", path: gitDirectory)
    return Int64(length)
  }

  /// A blob's content (`git_blob_rawcontent`).
  public func content(ofBlob id: String) throws(CtxError) -> [UInt8] {
    guard var oid = GitHistory.oid(id) else { throw CtxError(.gitFailed, "`\(id)` is not a blob id", path: gitDirectory) }
    var handle: OpaquePointer? = nil
    let code = git_blob_lookup(&handle, repository, &oid)
    if code == GIT_ENOTFOUND.rawValue { throw missingBlob(id) }
    try GitLibrary.check(code, "cannot read blob \(id)", path: gitDirectory)
    guard let blob = handle else { return [] }
    defer { git_blob_free(blob) }
    let count = Int(git_blob_rawsize(blob))
    guard count > 0, let raw = git_blob_rawcontent(blob) else { return [] }
    return Array(UnsafeRawBufferPointer(start: raw, count: count))
  }
}

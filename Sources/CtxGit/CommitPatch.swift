import CLibGit2
import CtxCore

/// A commit's changes as a unified diff (`ctx show <commit> --patch`), against its first
/// parent, bounded in size.
public struct CommitPatch: Sendable {
  /// `diff --git` sections, one per changed file shown.
  public var text: String
  /// Files whose diff is in `text`.
  public var files: Int
  /// The diff was cut at the byte limit; `text` ends at a file boundary.
  public var truncated: Bool
  /// Files left out by the byte limit.
  public var omittedFiles: Int
}

extension GitHistory {
  /// The patch of `sha` against its first parent: every changed file, or only `path` (a file,
  /// or a folder prefix). Binary files are named, not shown. At most `maxBytes` of diff text;
  /// the last file that does not fit is left out whole.
  ///
  /// - Throws: `.gitFailed` when the commit cannot be read; `.notFound` for a merge (its
  ///   changes are on the commits it merged) or a commit whose parent is not here (shallow).
  public func patch(_ sha: String, path: String? = nil, maxBytes: Int = 256 * 1024) throws(CtxError) -> CommitPatch {
    let record = try commit(sha)
    if record.parents.count > 1 {
      throw CtxError(.notFound, "\(sha.prefix(12)) is a merge: its changes are on the commits it merged; show one of them with --patch")
    }
    guard record.changesComplete else {
      throw CtxError(.notFound, "the parent of \(sha.prefix(12)) is not in this repository (a shallow clone?): its patch cannot be made")
    }
    var differ = TreeDiffer(odb: odb)
    var newTree = git_oid()
    var oldTree: git_oid? = nil
    guard var id = GitHistory.oid(sha) else { throw CtxError(.gitFailed, "`\(sha)` is not a commit id", path: gitDirectory) }
    var handle: OpaquePointer? = nil
    try GitLibrary.check(git_commit_lookup(&handle, repository, &id), "cannot read commit \(sha)", path: gitDirectory)
    guard let commit = handle else { throw CtxError(.gitFailed, "cannot read commit \(sha)", path: gitDirectory) }
    defer { git_commit_free(commit) }
    newTree = git_commit_tree_id(commit).pointee
    if git_commit_parentcount(commit) == 1 {
      var parent: OpaquePointer? = nil
      try GitLibrary.check(git_commit_parent(&parent, commit, 0), "cannot read the parent of \(sha)", path: gitDirectory)
      if let parent {
        oldTree = git_commit_tree_id(parent).pointee
        git_commit_free(parent)
      }
    }
    differ.diff(old: oldTree, new: newTree)
    let oldPaths = Dictionary(record.changes.compactMap { change in change.oldPath.map { (change.path, $0) } }, uniquingKeysWith: { first, _ in first })
    func wanted(_ file: String) -> Bool {
      guard let path, !path.isEmpty else { return true }
      let prefix = path.hasSuffix("/") ? path : path + "/"
      return file == path || file.hasPrefix(prefix) || oldPaths[file] == path
    }
    var result = CommitPatch(text: "", files: 0, truncated: false, omittedFiles: 0)
    var bytes = 0
    for pair in differ.blobPairs().sorted(by: { $0.path < $1.path }) where wanted(pair.path) {
      let section = GitHistory.fileDiff(repository, oldPath: oldPaths[pair.path] ?? pair.path, newPath: pair.path, old: pair.old, new: pair.new)
      if result.truncated || bytes + section.utf8.count > maxBytes {
        result.truncated = true
        result.omittedFiles += 1
        continue
      }
      bytes += section.utf8.count
      result.text += section
      result.files += 1
    }
    return result
  }

  /// One file's `diff --git` section; binary files and unreadable blobs get a one-line note.
  static func fileDiff(_ repository: OpaquePointer, oldPath: String, newPath: String, old: git_oid?, new: git_oid?) -> String {
    let header = "diff --git a/\(oldPath) b/\(newPath)\n"
    let patched: BlobPatch<String?> = withPatch(repository, old: old, new: new, oldPath: old == nil ? nil : oldPath, newPath: new == nil ? nil : newPath) { patch in
      var buffer = git_buf()
      defer { git_buf_dispose(&buffer) }
      guard git_patch_to_buf(&buffer, patch) == 0, let pointer = buffer.ptr else { return nil }
      return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(buffer.size)), as: UTF8.self)
    }
    switch patched {
    case .missingBlob: return header + "(a blob of this file is missing from the repository)\n"
    case .binary: return header + "Binary files differ\n"
    case .failed, .made(nil): return header + "(the diff could not be made)\n"
    case .made(let text?): return text.hasPrefix("diff --git") ? text : header + text
    }
  }
}

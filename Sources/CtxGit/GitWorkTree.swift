import CLibGit2
import CtxCore

/// A file git sees in a work tree: tracked (in the index) or untracked and not ignored.
public struct GitListedFile: Sendable, Hashable {
  /// Relative to the directory the listing was asked for.
  public var path: String
  public var isTracked: Bool
  /// True for symbolic links and submodules (gitlinks): listed, but not file content.
  public var isSymlink: Bool
  public var isSubmodule: Bool
  /// False when the name is not valid UTF-8 (`path` then has U+FFFD in place of the bad
  /// bytes, and names no file).
  public var isValidName = true
  /// For a tracked file the status walk found unchanged against the git index: the size and
  /// modification time the index records for it. libgit2 has just compared the file with
  /// that entry (by stat, or by content when the stat differed), so a crawl can compare its
  /// own stamp with this one instead of calling stat a second time. Nil otherwise.
  public var indexStamp: FileStamp? = nil
  /// For a regular file listed with a `ListingCache`: its size and modification time from the
  /// listing's own `lstat` (taken in place of libgit2's status walk). Nil otherwise.
  public var listedStamp: FileStamp? = nil
}

/// Read-only access to a git work tree through libgit2.
///
/// Owns the `git_repository` and frees it on deinit; no C pointer leaves this type.
public final class GitWorkTree {
  let repository: OpaquePointer
  /// Absolute work tree root, with a trailing `/`.
  public let workdir: String

  /// Opens the repository whose work tree contains `path`, or returns nil when `path` is not
  /// inside a git work tree (bare repositories count as "not a work tree").
  public static func discover(containing path: String) throws(CtxError) -> GitWorkTree? {
    GitLibrary.ensureInitialized()
    var handle: OpaquePointer? = nil
    let code = git_repository_open_ext(&handle, path, 0, nil)
    if code == GIT_ENOTFOUND.rawValue { return nil }
    try GitLibrary.check(code, "cannot open the git repository containing \(path)", path: path)
    guard let repository = handle else { return nil }
    guard git_repository_is_bare(repository) == 0, let dir = git_repository_workdir(repository) else {
      git_repository_free(repository)
      return nil
    }
    return GitWorkTree(repository: repository, workdir: String(cString: dir))
  }

  private init(repository: OpaquePointer, workdir: String) {
    self.repository = repository
    self.workdir = workdir.hasSuffix("/") ? workdir : workdir + "/"
  }

  deinit {
    git_repository_free(repository)
  }

  /// The files git sees under `prefix` (a directory relative to the work tree, "" for all):
  /// every index entry plus untracked files that no ignore rule excludes. Paths come back
  /// relative to `prefix`, sorted.
  public func listFiles(under prefix: String) throws(CtxError) -> [GitListedFile] {
    let prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    var files: [GitListedFile] = []
    try listTracked(prefix: prefix, into: &files)
    let trackedCount = files.count
    var changed = Set<String>()
    try listUntracked(prefix: prefix, into: &files, changed: &changed)
    // Tracked files the status walk reported in any way (modified, deleted, type changed,
    // unreadable) keep no index stamp: the crawl stats them itself.
    for position in 0..<trackedCount where files[position].indexStamp != nil && changed.contains(files[position].path) {
      files[position].indexStamp = nil
    }
    files.sort { $0.path < $1.path }
    return files
  }

  private func listTracked(prefix: String, into files: inout [GitListedFile]) throws(CtxError) {
    var indexHandle: OpaquePointer? = nil
    try GitLibrary.check(git_repository_index(&indexHandle, repository), "cannot read the git index", path: workdir)
    guard let index = indexHandle else { return }
    defer { git_index_free(index) }
    // The repository keeps its index in memory: read it again if the file changed since.
    try GitLibrary.check(git_index_read(index, 0), "cannot read the git index", path: workdir)
    let count = git_index_entrycount(index)
    var previous = ""
    for position in 0..<count {
      guard let entry = git_index_get_byindex(index, position) else { continue }
      let path = String(cString: entry.pointee.path)
      // Conflicted files appear once per stage; list each path once.
      if path == previous { continue }
      previous = path
      guard path.hasPrefix(prefix) else { continue }
      let mode = entry.pointee.mode
      // Conflicted entries (stage > 0) describe no one file on disk.
      let stage = (Int(entry.pointee.flags) >> 12) & 0x3
      let stamp = stage == 0 && mode & 0o170000 == 0o100000
        ? FileStamp(size: Int64(entry.pointee.file_size), mtimeNanos: Int64(entry.pointee.mtime.seconds) * 1_000_000_000 + Int64(entry.pointee.mtime.nanoseconds))
        : nil
      files.append(
        GitListedFile(
          path: String(path.dropFirst(prefix.count)), isTracked: true,
          isSymlink: mode & 0o170000 == 0o120000, isSubmodule: mode & 0o170000 == 0o160000,
          isValidName: String(validatingCString: entry.pointee.path) != nil, indexStamp: stamp))
    }
  }

  private func listUntracked(prefix: String, into files: inout [GitListedFile], changed: inout Set<String>) throws(CtxError) {
    var options = git_status_options()
    git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION))
    options.show = GIT_STATUS_SHOW_WORKDIR_ONLY
    options.flags =
      GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
      | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
    var listHandle: OpaquePointer? = nil
    let code: Int32
    if prefix.isEmpty {
      code = git_status_list_new(&listHandle, repository, &options)
    } else {
      code = prefix.withCString { pattern -> Int32 in
        var strings: [UnsafeMutablePointer<CChar>?] = [UnsafeMutablePointer(mutating: pattern)]
        return strings.withUnsafeMutableBufferPointer { buffer -> Int32 in
          options.pathspec = git_strarray(strings: buffer.baseAddress, count: 1)
          return git_status_list_new(&listHandle, repository, &options)
        }
      }
    }
    try GitLibrary.check(code, "cannot list untracked files", path: workdir)
    guard let list = listHandle else { return }
    defer { git_status_list_free(list) }
    for position in 0..<git_status_list_entrycount(list) {
      if let entry = git_status_byindex(list, position), entry.pointee.status.rawValue & GIT_STATUS_WT_NEW.rawValue == 0,
        let delta = entry.pointee.index_to_workdir, let raw = delta.pointee.old_file.path
      {
        let path = String(cString: raw)
        if path.hasPrefix(prefix) { changed.insert(String(path.dropFirst(prefix.count))) }
        continue
      }
      guard let entry = git_status_byindex(list, position),
        entry.pointee.status.rawValue & GIT_STATUS_WT_NEW.rawValue != 0,
        let delta = entry.pointee.index_to_workdir,
        let raw = delta.pointee.new_file.path
      else { continue }
      let path = String(cString: raw)
      guard path.hasPrefix(prefix) else { continue }
      let mode = delta.pointee.new_file.mode
      files.append(
        GitListedFile(
          path: String(path.dropFirst(prefix.count)), isTracked: false,
          isSymlink: mode == UInt16(GIT_FILEMODE_LINK.rawValue), isSubmodule: false, isValidName: String(validatingCString: raw) != nil))
    }
  }
}

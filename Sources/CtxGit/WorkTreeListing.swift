import CLibGit2
import CtxCore
import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// What a work-tree listing remembers for the next one, so that a run where nothing changed
/// reads no folder: the idea of git's `core.untrackedCache`, kept in ctx's own file.
///
/// Each folder the listing went into (every folder holding tracked files, and every untracked
/// folder no ignore rule excludes) is recorded with its modification and change times and
/// inode, the content hash of its `.gitignore`, and the untracked, not ignored files directly
/// in it. Creating, deleting or renaming an entry changes its folder's times, so the next
/// listing `stat`s the recorded folders and reads again only those whose times changed (and
/// new folders under them); the others keep their untracked files from the record. Tracked
/// files come from the git index every run, as `git status -uno` does.
///
/// Everything else a decision depends on invalidates the whole record (the next listing reads
/// every folder): the set of tracked paths, any `.gitignore` whose content changed,
/// `info/exclude`, `core.excludesFile` and its content, `core.ignorecase`. A folder modified
/// less than `racyNanos` before the listing began is read again next time whatever its times
/// say (a later change could carry the same timestamp), as are folders first found inside a
/// new untracked folder (they were recorded after libgit2 looked into them).
///
/// Which untracked entries are listed is always libgit2's decision (its status walk, limited
/// to the entries a read folder holds that the index does not), so the ignore rules are
/// exactly the ones a full status walk applies.
public struct ListingCache: Sendable, Equatable {
  struct Folder: Sendable, Equatable {
    /// Relative to the work tree root, without a trailing `/`; empty for the root.
    var path: [UInt8]
    var mtime: Int64
    var ctime: Int64
    var inode: UInt64
    var racy: Bool
    /// FNV-1a of the folder's `.gitignore`, 0 when it has none.
    var ignoreHash: UInt64
    /// Untracked, not ignored entries directly in the folder (relative to the work tree root).
    var untracked: [Untracked]
  }

  struct Untracked: Sendable, Equatable {
    var path: [UInt8]
    var isSymlink: Bool
  }

  static let magic: [UInt8] = Array("CTXLIST1".utf8)

  var workdir: String
  var prefix: String
  /// FNV-1a of the tracked paths under the prefix, in index order.
  var tracked: UInt64
  /// FNV-1a of the repository-wide ignore inputs (see `GitWorkTree.ignoreSettingsHash`).
  var settings: UInt64
  var folders: [Folder]

  /// Folders modified this recently (ns) before a listing began are read again by the next.
  public static let racyNanos: Int64 = 2_000_000_000

  /// Folders recorded.
  public var folderCount: Int { folders.count }

  /// The bytes of the cache file.
  public func encoded() -> [UInt8] {
    var out = ListingCache.magic
    out.reserveCapacity(64 * folders.count + 64)
    func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
    func bytes(_ value: [UInt8]) {
      u64(UInt64(value.count))
      out.append(contentsOf: value)
    }
    bytes(Array(workdir.utf8))
    bytes(Array(prefix.utf8))
    u64(tracked)
    u64(settings)
    u64(UInt64(folders.count))
    for folder in folders {
      bytes(folder.path)
      u64(UInt64(bitPattern: folder.mtime))
      u64(UInt64(bitPattern: folder.ctime))
      u64(folder.inode)
      out.append(folder.racy ? 1 : 0)
      u64(folder.ignoreHash)
      u64(UInt64(folder.untracked.count))
      for entry in folder.untracked {
        bytes(entry.path)
        out.append(entry.isSymlink ? 1 : 0)
      }
    }
    return out
  }

  /// Reads a cache file's bytes; nil when they are not a complete cache of this format.
  public init?(decoding data: [UInt8]) {
    var position = 0
    func u64() -> UInt64? {
      guard position + 8 <= data.count else { return nil }
      var value: UInt64 = 0
      for index in 0..<8 { value |= UInt64(data[position + index]) << (8 * UInt64(index)) }
      position += 8
      return value
    }
    func byte() -> UInt8? {
      guard position < data.count else { return nil }
      defer { position += 1 }
      return data[position]
    }
    func bytes() -> [UInt8]? {
      guard let count = u64(), count <= UInt64(data.count - position) else { return nil }
      defer { position += Int(count) }
      return Array(data[position..<position + Int(count)])
    }
    guard data.count >= ListingCache.magic.count, Array(data[0..<ListingCache.magic.count]) == ListingCache.magic else { return nil }
    position = ListingCache.magic.count
    guard let workdir = bytes(), let prefix = bytes(), let tracked = u64(), let settings = u64(), let count = u64(), count <= UInt64(data.count)
    else { return nil }
    var folders: [Folder] = []
    folders.reserveCapacity(Int(count))
    for _ in 0..<count {
      guard let path = bytes(), let mtime = u64(), let ctime = u64(), let inode = u64(), let racy = byte(), let ignoreHash = u64(),
        let entries = u64(), entries <= UInt64(data.count)
      else { return nil }
      var untracked: [Untracked] = []
      for _ in 0..<entries {
        guard let entry = bytes(), let flags = byte() else { return nil }
        untracked.append(Untracked(path: entry, isSymlink: flags & 1 != 0))
      }
      folders.append(
        Folder(
          path: path, mtime: Int64(bitPattern: mtime), ctime: Int64(bitPattern: ctime), inode: inode, racy: racy != 0, ignoreHash: ignoreHash,
          untracked: untracked))
    }
    guard position == data.count else { return nil }
    self.workdir = String(decoding: workdir, as: UTF8.self)
    self.prefix = String(decoding: prefix, as: UTF8.self)
    self.tracked = tracked
    self.settings = settings
    self.folders = folders
  }

  init(workdir: String, prefix: String, tracked: UInt64, settings: UInt64, folders: [Folder]) {
    self.workdir = workdir
    self.prefix = prefix
    self.tracked = tracked
    self.settings = settings
    self.folders = folders
  }
}

/// One listing with the cache: the files, the cache to keep for the next listing, and what it
/// took.
public struct WorkTreeListing: Sendable {
  /// Tracked files (from the index) and untracked, not ignored ones, relative to the prefix,
  /// sorted. Regular files carry `listedStamp` (their `lstat` during the listing).
  public var files: [GitListedFile]
  public var cache: ListingCache
  /// Folders whose entries were read (`getdents`): 0 when nothing changed.
  public var foldersRead: Int
  /// Folders `stat`ed to check the record.
  public var foldersChecked: Int
  /// True when no usable record was given (or it was invalidated): every folder was read.
  public var readEverything: Bool
  /// Ignore files (absolute paths) that exist but are not regular files, such as a FIFO named
  /// `.gitignore`: libgit2 would wait on them forever, so its walk was not run over the
  /// folders they govern (all of them, for a repository-wide one). Untracked files there are
  /// not listed; tracked files are.
  public var unreadIgnoreFiles: [String] = []
}

/// A folder's `stat`: what tells whether its entries changed.
private struct FolderStat {
  var mtime: Int64
  var ctime: Int64
  var inode: UInt64
}

private func nanos(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }

private func withCPath<T>(_ base: [UInt8], _ relative: [UInt8], _ suffix: [UInt8] = [], _ body: (UnsafePointer<CChar>) -> T) -> T {
  var buffer = base
  if !relative.isEmpty {
    buffer.append(contentsOf: relative)
  } else if buffer.count > 1, buffer.last == UInt8(ascii: "/") {
    buffer.removeLast()
  }
  buffer.append(contentsOf: suffix)
  buffer.append(0)
  return buffer.withUnsafeBufferPointer { raw in raw.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
}

private func folderStat(_ path: UnsafePointer<CChar>) -> FolderStat? {
  var info = stat()
  guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
  return FolderStat(mtime: nanos(info.st_mtim), ctime: nanos(info.st_ctim), inode: UInt64(info.st_ino))
}

/// FNV-1a of a file's content, 0 when it cannot be opened (absent). Opened without blocking and
/// read only when it is a regular file: a `.gitignore` that is a FIFO must not hang the run.
private func contentHash(_ path: UnsafePointer<CChar>) -> UInt64 {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
  guard descriptor >= 0 else { return 0 }
  defer { close(descriptor) }
  var hash = Fingerprint()
  var info = stat()
  guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
    hash.add(UInt8(0xFE))  // not a file git reads rules from: a value no content has
    return hash.value
  }
  var buffer = [UInt8](repeating: 0, count: 16384)
  while true {
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
    if count < 0 {
      if errno == EINTR { continue }
      hash.add(UInt8(0xFF))  // unreadable: a value no content has, so a change is seen
      break
    }
    if count == 0 { break }
    hash.add(buffer[0..<count])
  }
  return hash.value == 0 ? 1 : hash.value
}

private let ignoreFileName = Array(".gitignore".utf8)

/// True when `path` exists and is neither a regular file nor a folder (after links): a FIFO, a
/// socket or a device, which libgit2 would open and wait on.
private func isUnsafeIgnoreFile(_ path: UnsafePointer<CChar>) -> Bool {
  var info = stat()
  guard stat(path, &info) == 0 else { return false }
  let type = info.st_mode & S_IFMT
  return type != S_IFREG && type != S_IFDIR
}

private func isUnsafeIgnoreFile(_ path: String) -> Bool {
  path.withCString { isUnsafeIgnoreFile($0) }
}

/// Whether `folder` is a repository of its own (a `.git` folder or file): git does not go in.
private func isRepository(_ base: [UInt8], _ folder: [UInt8]) -> Bool {
  withCPath(base, folder, Array("/.git".utf8)) { access($0, F_OK) == 0 }
}

/// Whether `path` is `folder` or inside it (relative paths; the empty folder is the root).
private func isInside(_ path: [UInt8], _ folder: [UInt8]) -> Bool {
  folder.isEmpty || path.count > folder.count && path.starts(with: folder) && path[folder.count] == UInt8(ascii: "/") || path == folder
}

private func isDotGit(_ name: [UInt8]) -> Bool {
  name.count == 4 && name[0] == UInt8(ascii: ".") && name[1] | 0x20 == UInt8(ascii: "g") && name[2] | 0x20 == UInt8(ascii: "i")
    && name[3] | 0x20 == UInt8(ascii: "t")
}

private func joined(_ folder: [UInt8], _ name: [UInt8]) -> [UInt8] {
  folder.isEmpty ? name : folder + [UInt8(ascii: "/")] + name
}

private func parent(of path: [UInt8]) -> [UInt8] {
  var end = path.count
  if end > 0, path[end - 1] == UInt8(ascii: "/") { end -= 1 }
  guard let slash = path[0..<end].lastIndex(of: UInt8(ascii: "/")) else { return [] }
  return Array(path[0..<slash])
}

/// One folder's entries: names with whether each is a folder (`lstat` when `d_type` does not say).
private func readFolder(_ path: UnsafePointer<CChar>) -> [(name: [UInt8], isFolder: Bool)]? {
  guard let directory = opendir(path) else { return nil }
  defer { closedir(directory) }
  let descriptor = dirfd(directory)
  var entries: [(name: [UInt8], isFolder: Bool)] = []
  while let entry = readdir(directory) {
    let (name, length) = withUnsafePointer(to: entry.pointee.d_name) { pointer in
      pointer.withMemoryRebound(to: UInt8.self, capacity: 256) { bytes -> ([UInt8], Int) in
        let length = strlen(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self))
        return (Array(UnsafeBufferPointer(start: bytes, count: length)), length)
      }
    }
    if length == 1 && name[0] == UInt8(ascii: ".") || length == 2 && name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".") { continue }
    var isFolder = entry.pointee.d_type == UInt8(DT_DIR)
    if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
      var info = stat()
      let found = name.withUnsafeBufferPointer { raw -> Bool in
        var terminated = Array(raw)
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { fstatat(descriptor, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &info, AT_SYMLINK_NOFOLLOW) == 0 }
      }
      isFolder = found && info.st_mode & S_IFMT == S_IFDIR
    }
    entries.append((name, isFolder))
  }
  return entries
}

extension GitWorkTree {
  /// The files git sees under `prefix`, like `listFiles(under:)`, using and renewing a
  /// `ListingCache` so that folders whose entries did not change are not read; tracked files
  /// are `lstat`ed (their `listedStamp`), the status walk over tracked files is not run.
  ///
  /// - Parameters:
  ///   - cache: the previous listing's record, or nil to read every folder.
  ///   - racyNanos: how recently modified a folder must be to be read again next time; the
  ///     default suits any filesystem's timestamps, tests with fast steps give less.
  public func listFiles(under prefix: String, cache previous: ListingCache?, racyNanos: Int64 = ListingCache.racyNanos) throws(CtxError)
    -> WorkTreeListing
  {
    let prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let started = nanos(now)
    let base = Array(workdir.utf8)

    // The recorded folders are `stat`ed on a thread of their own while the index is read.
    let sameTree = previous.map { $0.workdir == workdir && $0.prefix == prefix } ?? false
    let folderChecks = FolderChecks(base: base, folders: sameTree ? previous?.folders ?? [] : [])

    // Tracked files: every index entry under the prefix, each regular one `lstat`ed.
    var files: [GitListedFile] = []
    var trackedPaths: [[UInt8]] = []
    var trackedHash = Fingerprint()
    var regular: [Int] = []
    try listTracked(prefix: prefix, into: &files, paths: &trackedPaths, regular: &regular, hash: &trackedHash)
    let (settings, unsafeRepositoryIgnores) = ignoreSettingsHash(prefix: prefix, base: base)
    let rootFolder = Array(prefix.utf8.dropLast(prefix.isEmpty ? 0 : 1))

    var usable = sameTree && previous.map { $0.tracked == trackedHash.value && $0.settings == settings } ?? false
    // The `lstat` of every tracked file, on several threads (as git's `core.preloadIndex`
    // does): most of a no-change run is the kernel answering them.
    let stamps = FileChecks.stamps(base: base, paths: trackedPaths, regular: regular)
    for (slot, position) in regular.enumerated() { files[position].listedStamp = stamps[slot] }
    let checks = folderChecks.result()
    var records: [[UInt8]: ListingCache.Folder] = [:]
    var queue: [([UInt8], FolderStat?)] = []
    var queued = Set<[UInt8]>()
    var previousIgnore: [[UInt8]: UInt64] = [:]
    var kept: [ListingCache.Folder] = []
    var checked = 0
    if usable, let previous {
      for (slot, folder) in previous.folders.enumerated() {
        checked += 1
        guard let now = checks.folderStats[slot] else { continue }  // gone: its parent changed too
        if folder.racy || now.mtime != folder.mtime || now.ctime != folder.ctime || now.inode != folder.inode {
          queue.append((folder.path, now))
          queued.insert(folder.path)
          previousIgnore[folder.path] = folder.ignoreHash
        } else if folder.ignoreHash != 0 && checks.ignoreHashes[slot] != folder.ignoreHash {
          usable = false  // ignore rules changed: read everything
          break
        } else {
          kept.append(folder)
        }
      }
    }
    if usable && !queue.isEmpty {
      records.reserveCapacity(kept.count + queue.count)
      for folder in kept { records[folder.path] = folder }
    }
    if !usable {
      records = [:]
      kept = []
      previousIgnore = [:]
      queued = [rootFolder]
      for path in trackedPaths {
        var position = path.count
        while let slash = path[0..<position].lastIndex(of: UInt8(ascii: "/")), slash >= rootFolder.count {
          let folder = Array(path[0..<slash])
          if !queued.insert(folder).inserted { break }  // its parents are in already
          position = slash
        }
      }
      queue = queued.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, nil) }
    }

    // Read the queued folders: entries the index does not hold are candidates for libgit2.
    var trackedNames = Set<[UInt8]>()
    var trackedFolders = Set<[UInt8]>()
    if !queue.isEmpty {
      trackedNames = Set(trackedPaths)
      for path in trackedPaths {
        var position = path.count
        while let slash = path[0..<position].lastIndex(of: UInt8(ascii: "/")) {
          if !trackedFolders.insert(Array(path[0..<slash])).inserted { break }
          position = slash
        }
      }
    }
    var foldersRead = 0
    var candidates: [(path: [UInt8], isFolder: Bool)] = []
    // Folders whose `.gitignore` is not a regular file (a FIFO): libgit2 would wait on it
    // forever, so nothing below them is handed to its walk (`unreadIgnoreFiles`).
    var unsafeFolders: [[UInt8]] = []
    var readThisRun: [[UInt8]] = []
    var index = 0
    while index < queue.count {
      let (path, known) = queue[index]
      index += 1
      guard let stat = known ?? withCPath(base, path, [], folderStat) else { continue }
      let ignoreHash = withCPath(base, path, Array("/.gitignore".utf8), contentHash)
      if let before = previousIgnore[path], before != ignoreHash {
        // A `.gitignore` appeared, went or changed: its rules reach every folder below.
        return try listFiles(under: prefix, cache: nil, racyNanos: racyNanos)
      }
      let entries = withCPath(base, path, [], readFolder)
      foldersRead += 1
      readThisRun.append(path)
      // A folder that cannot be read (permissions) is tried again by every listing.
      records[path] = ListingCache.Folder(
        path: path, mtime: stat.mtime, ctime: stat.ctime, inode: stat.inode, racy: entries == nil || stat.mtime >= started - racyNanos,
        ignoreHash: ignoreHash, untracked: [])
      guard let entries else { continue }
      if entries.contains(where: { $0.name == ignoreFileName }), withCPath(base, path, Array("/.gitignore".utf8), isUnsafeIgnoreFile) {
        unsafeFolders.append(path)
        records[path]?.racy = true  // read again (and reported again) until it is mended
      }
      for entry in entries where !isDotGit(entry.name) {
        let child = joined(path, entry.name)
        if trackedNames.contains(child) { continue }
        if entry.isFolder {
          if records[child] != nil || queued.contains(child) { continue }  // checked on its own
          if trackedFolders.contains(child) {
            queue.append((child, nil))
            queued.insert(child)
            continue
          }
        }
        candidates.append((child, entry.isFolder))
      }
    }

    // libgit2 reads the `.gitignore` of every folder on its way to a candidate, and of each
    // untracked folder it goes into: none may be one it would wait on forever.
    var unreadIgnoreFiles = unsafeRepositoryIgnores
    for folder in unsafeFolders { unreadIgnoreFiles.append(workdir + String(decoding: joined(folder, ignoreFileName), as: UTF8.self)) }
    if !unsafeRepositoryIgnores.isEmpty {
      candidates = []
    } else if !unsafeFolders.isEmpty {
      candidates.removeAll { candidate in unsafeFolders.contains { isInside(candidate.path, $0) } }
    }
    // libgit2 also goes down into every untracked folder it does not ignore and reads each
    // `.gitignore` there, the candidate's own and any deeper one: a folder governed by one it
    // would wait on is left out, and a folder with one below is handed over in pieces.
    var splitFolders: [[UInt8]] = []
    if candidates.contains(where: \.isFolder) {
      candidates = candidates.flatMap { candidate -> [(path: [UInt8], isFolder: Bool)] in
        candidate.isFolder ? safePieces(of: candidate.path, base: base, unread: &unreadIgnoreFiles, split: &splitFolders) : [candidate]
      }
    }

    // libgit2 decides which candidates are untracked and not ignored (its walk, limited to them).
    var found: [[UInt8]: [ListingCache.Untracked]] = [:]
    var ignoredFolders = Set<[UInt8]>()
    if !candidates.isEmpty {
      try statusOf(candidates.map(\.path)) { path, isNew, isSymlink in
        if isNew {
          found[parent(of: path), default: []].append(ListingCache.Untracked(path: path, isSymlink: isSymlink))
        } else if path.last == UInt8(ascii: "/") {
          ignoredFolders.insert(Array(path.dropLast()))
        }
      }
    }
    // New untracked folders that are not ignored are recorded too (and read again next time:
    // they were recorded after libgit2 looked into them).
    var newFolders = candidates.filter { $0.isFolder && !ignoredFolders.contains($0.path) }.map(\.path) + splitFolders
    var recordedNew = Set<[UInt8]>()  // a split folder is also a subfolder of the one it is in
    while let path = newFolders.popLast() {
      if !recordedNew.insert(path).inserted { continue }
      if isRepository(base, path) { continue }
      guard let stat = withCPath(base, path, [], folderStat) else { continue }
      let entries = withCPath(base, path, [], readFolder)
      foldersRead += 1
      readThisRun.append(path)
      records[path] = ListingCache.Folder(
        path: path, mtime: stat.mtime, ctime: stat.ctime, inode: stat.inode, racy: true,
        ignoreHash: withCPath(base, path, Array("/.gitignore".utf8), contentHash), untracked: [])
      for entry in entries ?? [] where entry.isFolder && !isDotGit(entry.name) {
        let child = joined(path, entry.name)
        if !ignoredFolders.contains(child) && records[child] == nil { newFolders.append(child) }
      }
    }
    for path in readThisRun { records[path]?.untracked = found.removeValue(forKey: path) ?? [] }
    // Anything libgit2 listed in a folder that was not recorded goes to the nearest recorded
    // folder, which is then read again next time.
    for (folder, entries) in found {
      var holder = folder
      while records[holder] == nil && holder.count > rootFolder.count { holder = parent(of: holder) }
      records[holder]?.untracked += entries
      records[holder]?.racy = true
    }

    // Nothing read (the no-change run): the kept records, in their order, are the new record.
    let folders = queue.isEmpty ? kept : records.values.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    // Untracked files from every recorded folder.
    let prefixBytes = Array(prefix.utf8)
    let trackedCount = files.count
    for folder in folders {
      for entry in folder.untracked where entry.path.starts(with: prefixBytes) {
        let relative = Array(entry.path.dropFirst(prefixBytes.count))
        var file = GitListedFile(
          path: String(decoding: relative, as: UTF8.self), isTracked: false, isSymlink: entry.isSymlink, isSubmodule: false,
          isValidName: String(validating: relative, as: UTF8.self) != nil)
        if !entry.isSymlink && entry.path.last != UInt8(ascii: "/") {
          file.listedStamp = withCPath(base, entry.path, [], regularStamp)
        }
        files.append(file)
      }
    }
    // Index entries come in byte order, which is the order of their paths as text.
    if files.count > trackedCount { files.sort { $0.path < $1.path } }
    return WorkTreeListing(
      files: files, cache: ListingCache(workdir: workdir, prefix: prefix, tracked: trackedHash.value, settings: settings, folders: folders),
      foldersRead: foldersRead, foldersChecked: checked, readEverything: !usable, unreadIgnoreFiles: unreadIgnoreFiles)
  }

  /// Index entries under the prefix; `regular` gets the positions of regular files (stage 0),
  /// whose stamps the caller takes.
  private func listTracked(prefix: String, into files: inout [GitListedFile], paths: inout [[UInt8]], regular: inout [Int], hash: inout Fingerprint)
    throws(CtxError)
  {
    // Read from the file directly when its format allows (`GitIndexFile`), else by libgit2.
    var entries = indexFilePath.flatMap(GitIndexFile.entries(at:))
    if entries == nil { entries = try indexEntriesFromLibgit2() }
    let prefixBytes = Array(prefix.utf8)
    var previous: [UInt8] = []
    for entry in entries ?? [] {
      let path = entry.path
      if path == previous { continue }  // conflicted: once per stage
      previous = path
      guard path.starts(with: prefixBytes) else { continue }
      hash.add(path)
      hash.add(UInt8(0))
      paths.append(path)
      let mode = entry.mode & 0o170000
      let relative = path.dropFirst(prefixBytes.count)
      let text = String(validating: relative, as: UTF8.self)
      if entry.stage == 0 && mode == 0o100000 { regular.append(files.count) }
      files.append(
        GitListedFile(
          path: text ?? String(decoding: relative, as: UTF8.self), isTracked: true, isSymlink: mode == 0o120000, isSubmodule: mode == 0o160000,
          isValidName: text != nil))
    }
  }

  /// The repository's index file (in a linked work tree, that tree's own).
  private var indexFilePath: String? {
    git_repository_path(repository).map { String(cString: $0) + "index" }
  }

  /// Every index entry, through libgit2 (for the index files `GitIndexFile` leaves to it).
  private func indexEntriesFromLibgit2() throws(CtxError) -> [GitIndexFile.Entry] {
    var indexHandle: OpaquePointer? = nil
    try GitLibrary.check(git_repository_index(&indexHandle, repository), "cannot read the git index", path: workdir)
    guard let index = indexHandle else { return [] }
    defer { git_index_free(index) }
    // The repository keeps its index in memory: read it again if the file changed since.
    try GitLibrary.check(git_index_read(index, 0), "cannot read the git index", path: workdir)
    let count = git_index_entrycount(index)
    var entries: [GitIndexFile.Entry] = []
    entries.reserveCapacity(count)
    for position in 0..<count {
      guard let entry = git_index_get_byindex(index, position) else { continue }
      let raw = entry.pointee.path!
      let length = strlen(raw)
      let path = raw.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
      entries.append(GitIndexFile.Entry(path: path, mode: entry.pointee.mode, stage: (Int(entry.pointee.flags) >> 12) & 0x3))
    }
    return entries
  }

  /// What the ignore rules depend on beyond the recorded folders' `.gitignore` files: the
  /// `.gitignore` of each folder above the prefix, `info/exclude`, `core.excludesFile` (its
  /// name and content, or the XDG default's), `core.ignorecase`.
  func ignoreSettingsHash(prefix: String, base: [UInt8]) -> (hash: UInt64, unsafe: [String]) {
    var hash = Fingerprint()
    var unsafe: [String] = []
    func add(_ path: String) {
      hash.add(contentHash(path))
      if isUnsafeIgnoreFile(path) { unsafe.append(path) }
    }
    var folders: [[UInt8]] = []
    var above = Array(prefix.utf8)
    while !above.isEmpty {
      above = parent(of: above)
      folders.append(above)
    }
    for folder in folders { add(workdir + String(decoding: joined(folder, ignoreFileName), as: UTF8.self)) }
    if let gitDir = git_repository_path(repository) { add(String(cString: gitDir) + "info/exclude") }
    if let common = git_repository_commondir(repository) { add(String(cString: common) + "info/exclude") }
    var configHandle: OpaquePointer? = nil
    if git_repository_config_snapshot(&configHandle, repository) == 0, let config = configHandle {
      defer { git_config_free(config) }
      var buffer = git_buf()
      if git_config_get_path(&buffer, config, "core.excludesfile") == 0, let pointer = buffer.ptr {
        let path = String(cString: pointer)
        hash.add(Array(path.utf8))
        add(path)
      }
      git_buf_dispose(&buffer)
      var ignoreCase: Int32 = 0
      if git_config_get_bool(&ignoreCase, config, "core.ignorecase") == 0 { hash.add(UInt64(ignoreCase + 2)) }
    }
    let environment = ProcessEnvironment.self
    if let xdg = environment.value("XDG_CONFIG_HOME"), !xdg.isEmpty { add(xdg + "/git/ignore") }
    if let home = environment.value("HOME"), !home.isEmpty { add(home + "/.config/git/ignore") }
    return (hash.value, unsafe)
  }

  /// An untracked `folder` as libgit2 may be handed it: nothing when its own ignore file is
  /// one libgit2 would wait on (the file is added to `unread`); the folder whole when libgit2
  /// will not go into it (ignored, a repository of its own, unreadable) or nothing below it
  /// needs leaving out; else its files and the pieces of its subfolders (the folder is added
  /// to `split`). A folder's own ignore file is checked before libgit2 is asked whether the
  /// folder is ignored. This reads only folders libgit2 is about to read anyway.
  private func safePieces(of folder: [UInt8], base: [UInt8], unread: inout [String], split: inout [[UInt8]])
    -> [(path: [UInt8], isFolder: Bool)]
  {
    if withCPath(base, folder, Array("/.gitignore".utf8), isUnsafeIgnoreFile) {
      unread.append(workdir + String(decoding: joined(folder, ignoreFileName), as: UTF8.self))
      return []
    }
    let whole = [(path: folder, isFolder: true)]
    if isRepository(base, folder) || isIgnored(folder) { return whole }
    guard let entries = withCPath(base, folder, [], readFolder) else { return whole }
    var pieces: [(path: [UInt8], isFolder: Bool)] = []
    var cut = false
    for entry in entries where !isDotGit(entry.name) {
      let child = joined(folder, entry.name)
      guard entry.isFolder else {
        pieces.append((child, false))
        continue
      }
      let inner = safePieces(of: child, base: base, unread: &unread, split: &split)
      if inner.count != 1 || inner[0].path != child { cut = true }
      pieces += inner
    }
    guard cut else { return whole }
    split.append(folder)
    return pieces
  }

  /// Whether git's ignore rules exclude `path` (relative to the work tree); false when libgit2
  /// cannot tell, so the path is handed over and libgit2 decides.
  private func isIgnored(_ path: [UInt8]) -> Bool {
    var ignored: Int32 = 0
    let code = withCPath([], path) { git_ignore_path_is_ignored(&ignored, repository, $0) }
    return code == 0 && ignored == 1
  }

  /// libgit2's status walk over exactly `paths` (untracked candidates): `report(path, isNew,
  /// isSymlink)` for each untracked, not ignored file (`isNew`) and each ignored entry (folders
  /// end with `/`).
  private func statusOf(_ paths: [[UInt8]], _ report: ([UInt8], Bool, Bool) -> Void) throws(CtxError) {
    var options = git_status_options()
    git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION))
    options.show = GIT_STATUS_SHOW_WORKDIR_ONLY
    options.flags =
      GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue | GIT_STATUS_OPT_INCLUDE_IGNORED.rawValue
      | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue
    var pointers: [UnsafeMutablePointer<CChar>?] = paths.map { path in
      let copy = UnsafeMutablePointer<CChar>.allocate(capacity: path.count + 1)
      path.withUnsafeBufferPointer { raw in raw.withMemoryRebound(to: CChar.self) { copy.initialize(from: $0.baseAddress!, count: path.count) } }
      copy[path.count] = 0
      return copy
    }
    defer { for pointer in pointers { pointer?.deallocate() } }
    var listHandle: OpaquePointer? = nil
    let code = pointers.withUnsafeMutableBufferPointer { buffer -> Int32 in
      options.pathspec = git_strarray(strings: buffer.baseAddress, count: buffer.count)
      return git_status_list_new(&listHandle, repository, &options)
    }
    try GitLibrary.check(code, "cannot list untracked files", path: workdir)
    guard let list = listHandle else { return }
    defer { git_status_list_free(list) }
    for position in 0..<git_status_list_entrycount(list) {
      guard let entry = git_status_byindex(list, position), let delta = entry.pointee.index_to_workdir, let raw = delta.pointee.new_file.path else {
        continue
      }
      let status = entry.pointee.status.rawValue
      let isNew = status & GIT_STATUS_WT_NEW.rawValue != 0
      guard isNew || status & GIT_STATUS_IGNORED.rawValue != 0 else { continue }
      let length = strlen(raw)
      let path = raw.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
      report(path, isNew, delta.pointee.new_file.mode == UInt16(GIT_FILEMODE_LINK.rawValue))
    }
  }
}

/// Stamps of tracked files, taken on several threads.
private enum FileChecks {
  /// Slots the threads write, each its own range.
  private struct Slots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<FileStamp?>
  }

  /// Files per job: small enough that the threads finish together.
  private static let jobSize = 1024

  /// The stamp of each regular file (`paths[regular[i]]`), nil when it is not one now.
  static func stamps(base: [UInt8], paths: [[UInt8]], regular: [Int]) -> [FileStamp?] {
    var stamps = [FileStamp?](repeating: nil, count: regular.count)
    stamps.withUnsafeMutableBufferPointer { buffer in
      let slots = Slots(buffer: buffer)
      DispatchQueue.concurrentPerform(iterations: (regular.count + jobSize - 1) / jobSize) { job in
        var buffer = base
        for slot in (job * jobSize)..<min(regular.count, (job + 1) * jobSize) {
          buffer.removeSubrange(base.count...)
          buffer.append(contentsOf: paths[regular[slot]])
          buffer.append(0)
          slots.buffer[slot] = buffer.withUnsafeBufferPointer { raw in raw.withMemoryRebound(to: CChar.self) { regularStamp($0.baseAddress!) } }
        }
      }
    }
    return stamps
  }
}

/// The recorded folders' `stat`s (and, for unchanged folders with one, their `.gitignore`'s
/// hash), taken on a thread of their own from the moment the listing starts.
private final class FolderChecks: @unchecked Sendable {
  /// Nil for a folder that is gone (or no longer a folder).
  private(set) var folderStats: [FolderStat?] = []
  private(set) var ignoreHashes: [UInt64] = []
  private let done = DispatchGroup()

  init(base: [UInt8], folders: [ListingCache.Folder]) {
    guard !folders.isEmpty else { return }
    DispatchQueue.global().async(group: done) { [self] in
      var stats = [FolderStat?](repeating: nil, count: folders.count)
      var hashes = [UInt64](repeating: 0, count: folders.count)
      for (slot, folder) in folders.enumerated() {
        let now = withCPath(base, folder.path, [], folderStat)
        stats[slot] = now
        if let now, !folder.racy, folder.ignoreHash != 0, now.mtime == folder.mtime, now.ctime == folder.ctime, now.inode == folder.inode {
          hashes[slot] = withCPath(base, folder.path, Array("/.gitignore".utf8), contentHash)
        }
      }
      folderStats = stats
      ignoreHashes = hashes
    }
  }

  /// Waits for the checks (the group's wait orders their writes before these reads).
  func result() -> FolderChecks {
    done.wait()
    return self
  }
}

/// Size and modification time of a regular file (`lstat`), nil for anything else.
private func regularStamp(_ path: UnsafePointer<CChar>) -> FileStamp? {
  var info = stat()
  guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
  return FileStamp(size: Int64(info.st_size), mtimeNanos: nanos(info.st_mtim))
}

/// Environment variables without Foundation.
enum ProcessEnvironment {
  static func value(_ name: String) -> String? {
    guard let pointer = getenv(name) else { return nil }
    return String(cString: pointer)
  }
}

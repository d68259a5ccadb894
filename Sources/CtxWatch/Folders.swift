import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The small pieces of the file system the watcher needs: a folder's entries with their kind,
/// and a cheap stamp of a file for the polling fallback.
enum Folders {
  struct Entry {
    var name: String
    var isFolder: Bool
  }

  /// The entries of `path` (no `.`/`..`); empty when it cannot be listed (it vanished, or is
  /// not readable: a watch cannot be put there either). Symlinks are never followed.
  static func entries(of path: String) -> [Entry] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var result: [Entry] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name == "." || name == ".." { continue }
      var isFolder = entry.pointee.d_type == UInt8(DT_DIR)
      if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
        var info = stat()
        isFolder = lstat(path + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
      }
      result.append(Entry(name: name, isFolder: isFolder))
    }
    return result
  }

  /// Whether `path` is a folder now (following nothing).
  static func isFolder(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// (inode, size, modification time in ns, kind) of `path`, or nil when it does not exist.
  static func stamp(_ path: String) -> [Int64]? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return [
      Int64(bitPattern: UInt64(info.st_ino)), Int64(info.st_size),
      Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), Int64(info.st_mode),
    ]
  }
}

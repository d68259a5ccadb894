import CtxCore
import Foundation

/// What tells that a file changed without reading it: its size, modification time (ns) and
/// inode. Every write through `AnnotationFolder` makes a new inode (`link(2)` of a new file,
/// `rename(2)` over an old one), and an edit in place changes the size or the time.
public struct AnnotationFileStamp: Hashable, Sendable {
  public var size: Int64
  public var modifiedNanoseconds: Int64
  public var inode: UInt64

  public init(size: Int64, modifiedNanoseconds: Int64, inode: UInt64) {
    self.size = size
    self.modifiedNanoseconds = modifiedNanoseconds
    self.inode = inode
  }

  /// `size:mtime_ns:inode`, as the index's mirror keeps it.
  public var text: String { "\(size):\(modifiedNanoseconds):\(inode)" }

  public init?(text: String) {
    let parts = text.split(separator: ":")
    guard parts.count == 3, let size = Int64(parts[0]), let time = Int64(parts[1]), let inode = UInt64(parts[2]) else { return nil }
    self.init(size: size, modifiedNanoseconds: time, inode: inode)
  }

  /// The stamp of the file at `path` (symbolic links followed); nil when it cannot be stat'ed.
  public init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    self.init(
      size: Int64(info.st_size), modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
      inode: UInt64(info.st_ino))
  }
}

/// One annotation file found in the folder.
public struct AnnotationFileEntry: Hashable, Sendable {
  /// The path under the folder without `.md`: `2026-11-23-symbol-x-caveat`, `team/x`.
  public var id: String
  public var path: String
  public var stamp: AnnotationFileStamp
}

/// Lists `annotations/`: every `*.md` file, in subfolders too, except READMEs and hidden files
/// and folders (`.tmp-*` files are writers' temporaries). One rule for `ctx index`, queries and
/// the annotation commands, so they all see the same set.
///
/// Plain `opendir`/`readdir` and one `stat` a file: 10,000 files list in milliseconds, which a
/// query pays on every request to notice new and changed files.
public enum AnnotationListing {
  /// In directory order (callers that show them sort them).
  public static func list(_ folder: String) -> [AnnotationFileEntry] {
    var entries: [AnnotationFileEntry] = []
    walk(folder, relative: "", into: &entries)
    return entries
  }

  private static func walk(_ directory: String, relative: String, into entries: inout [AnnotationFileEntry]) {
    guard let handle = opendir(directory) else { return }
    defer { closedir(handle) }
    while let entry = readdir(handle) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      guard !name.hasPrefix(".") else { continue }
      let path = directory + "/" + name
      let inner = relative.isEmpty ? name : relative + "/" + name
      var isDirectory = Int32(entry.pointee.d_type) == Int32(DT_DIR)
      if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
        // Some file systems do not fill d_type in.
        var info = stat()
        isDirectory = lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
      }
      if isDirectory {
        walk(path, relative: inner, into: &entries)
        continue
      }
      guard name.hasSuffix(".md"), name.lowercased() != "readme.md", let stamp = AnnotationFileStamp(path: path) else { continue }
      entries.append(AnnotationFileEntry(id: String(inner.dropLast(3)), path: path, stamp: stamp))
    }
  }
}

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
}

/// One annotation file found in the folder.
public struct AnnotationFileEntry: Hashable, Sendable {
  /// The path under the folder without `.md`: `2026-11-23-symbol-x-caveat`, `team/x`.
  public var id: String
  public var folder: String
  public var stamp: AnnotationFileStamp

  public var path: String { folder + "/" + id + ".md" }
}

/// Lists `annotations/`: every `*.md` file, in subfolders too, except READMEs and hidden files
/// and folders (`.tmp-*` files are writers' temporaries). One rule for `ctx index`, queries and
/// the annotation commands, so they all see the same set.
///
/// A query pays for it on every request, to notice new and changed files, so it is lean:
/// `readdir` and one `fstatat` a file relative to its folder (no path walk); 10,000 files list
/// in a few milliseconds.
public enum AnnotationListing {
  /// In directory order (callers that show them sort them).
  public static func list(_ folder: String) -> [AnnotationFileEntry] {
    var entries: [AnnotationFileEntry] = []
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return entries }
    walk(descriptor, folder: folder, relative: "", into: &entries)
    return entries
  }

  /// Lists the open folder `descriptor` (and closes it).
  private static func walk(_ descriptor: Int32, folder: String, relative: String, into entries: inout [AnnotationFileEntry]) {
    guard let handle = fdopendir(descriptor) else {
      close(descriptor)
      return
    }
    defer { closedir(handle) }
    var names: [(name: String, isLink: Bool)] = []
    while let entry = readdir(handle) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      guard !name.hasPrefix(".") else { continue }
      names.append((name, Int32(entry.pointee.d_type) == Int32(DT_LNK)))
    }
    // The `stat`s are most of a listing's time (kernel work): spread them over the cores.
    let listed = names
    var infos: [stat?] = Array(repeating: nil, count: names.count)
    let parts = names.count < 512 ? 1 : min(4, ProcessInfo.processInfo.activeProcessorCount)
    infos.withUnsafeMutableBufferPointer { buffer in
      let results = UnsafeMutableBufferPointerBox(buffer)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        for index in stride(from: part, to: listed.count, by: parts) {
          var info = stat()
          // Follows symbolic links, as reading the file does.
          if fstatat(descriptor, listed[index].name, &info, 0) == 0 { results.buffer[index] = info }
        }
      }
    }
    for (index, item) in names.enumerated() {
      guard let info = infos[index] else { continue }
      let inner = relative.isEmpty ? item.name : relative + "/" + item.name
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        // A symbolic link to a folder is not followed (no cycles).
        guard !item.isLink else { continue }
        let child = openat(descriptor, item.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if child >= 0 { walk(child, folder: folder, relative: inner, into: &entries) }
      case S_IFREG:
        guard item.name.hasSuffix(".md"), item.name.lowercased() != "readme.md" else { continue }
        let stamp = AnnotationFileStamp(
          size: Int64(info.st_size), modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
          inode: UInt64(info.st_ino))
        entries.append(AnnotationFileEntry(id: String(inner.dropLast(3)), folder: folder, stamp: stamp))
      default:
        continue
      }
    }
  }
}

/// Lets `concurrentPerform`'s workers write disjoint slots of one buffer.
private struct UnsafeMutableBufferPointerBox<Element>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Element>
  init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

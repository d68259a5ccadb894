import CtxCore
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `lstat` says about one path.
public enum FileKind: Sendable {
  case regular(FileStamp)
  case directory
  case symlink
  case other
  case missing
  case failed(errno: Int32)
}

/// Thin, allocation-light wrappers over the POSIX calls a crawl makes per file.
public enum FileSystem {
  public static func lstatKind(_ path: String) -> FileKind {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(errno: errno)
    }
    return kind(of: info)
  }

  /// When the file at `path` last changed or appeared, in seconds since 1970: the later of its
  /// modification time and its inode change time. The second cannot be set back, so a file
  /// unpacked or copied with an old modification time still shows when it arrived. nil when it
  /// cannot be read.
  public static func lastChange(_ path: String) -> Double? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    let changed = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
    return max(modified, changed)
  }

  /// Follows symlinks; a loop gives `.failed(ELOOP)`.
  public static func statKind(_ path: String) -> FileKind {
    var info = stat()
    guard stat(path, &info) == 0 else {
      return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(errno: errno)
    }
    return kind(of: info)
  }

  private static func kind(of info: stat) -> FileKind {
    switch info.st_mode & S_IFMT {
    case S_IFREG:
      let nanos = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      return .regular(FileStamp(size: Int64(info.st_size), mtimeNanos: nanos))
    case S_IFDIR: return .directory
    case S_IFLNK: return .symlink
    default: return .other
    }
  }

  public enum ReadResult {
    case bytes([UInt8], FileStamp)
    case missing
    case failed(errno: Int32)
  }

  /// Reads a whole regular file, and its stamp as of the read (taken from the open file, so a
  /// file replaced between listing and reading is read consistently).
  public static func read(_ path: String) -> ReadResult {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(errno: errno)
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return .failed(errno: errno) }
    guard info.st_mode & S_IFMT == S_IFREG else { return .failed(errno: EISDIR) }
    let size = Int(info.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var total = 0
    while total < size {
      let count = bytes.withUnsafeMutableBytes { buffer in
        Glibc.read(descriptor, buffer.baseAddress! + total, size - total)
      }
      if count < 0 {
        if errno == EINTR { continue }
        return .failed(errno: errno)
      }
      if count == 0 { break }  // the file shrank while we read it
      total += count
    }
    if total < size { bytes.removeSubrange(total...) }
    let nanos = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    return .bytes(bytes, FileStamp(size: Int64(total), mtimeNanos: nanos))
  }

  /// `read(path)` with a deadline: nil when the read has not finished within `timeout` (a
  /// hung network mount, a device). The read goes on in the background and its result is
  /// dropped; a read blocked in the kernel cannot be taken back, but the crawl is not held.
  public static func read(_ path: String, within timeout: Duration) -> ReadResult? {
    final class Box: @unchecked Sendable { var result: ReadResult? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      box.result = read(path)
      done.signal()
    }
    let (seconds, attoseconds) = timeout.components
    let wait = DispatchTimeInterval.nanoseconds(Int(min(Double(seconds) * 1e9 + Double(attoseconds) / 1e9, 1e15)))
    guard done.wait(timeout: .now() + wait) == .success else { return nil }
    return box.result
  }

  public static func describe(errno code: Int32) -> String {
    String(cString: strerror(code))
  }
}

/// Lists a plain folder recursively: regular files and symlinks, relative paths, sorted.
///
/// Never follows directory symlinks (no loops, no escaping the source) and never enters `.git`.
/// `prune` is asked about each directory's relative path before it is entered.
public struct DirectoryWalker: Sendable {
  public struct Entry: Sendable, Hashable {
    public var path: String
    public var isSymlink: Bool
  }

  public init() {}

  public func walk(root: String, prune: (String) -> Bool) -> (entries: [Entry], issues: [CrawlIssue]) {
    var entries: [Entry] = []
    var issues: [CrawlIssue] = []
    var pending: [String] = [""]
    while let relative = pending.popLast() {
      let absolute = relative.isEmpty ? root : root + "/" + relative
      guard let directory = opendir(absolute) else {
        issues.append(CrawlIssue(kind: .unreadable, path: relative.isEmpty ? "." : relative, message: "cannot list folder: \(FileSystem.describe(errno: errno))"))
        continue
      }
      defer { closedir(directory) }
      while let entry = readdir(directory) {
        let raw = withUnsafePointer(to: entry.pointee.d_name) { pointer in
          pointer.withMemoryRebound(to: CChar.self, capacity: 256) { (String(validatingCString: $0), String(cString: $0)) }
        }
        // A name that is not UTF-8 cannot be kept as a path (the repaired text names no file):
        // say so once, as a skip, rather than "vanished" on every run.
        guard let name = raw.0 else {
          let shown = relative.isEmpty ? raw.1 : relative + "/" + raw.1
          issues.append(CrawlIssue(kind: .nonUTF8Name, path: shown, message: "the name is not valid UTF-8; rename it to index it"))
          continue
        }
        if name == "." || name == ".." || name == ".git" { continue }
        let path = relative.isEmpty ? name : relative + "/" + name
        var type = entry.pointee.d_type
        if type == UInt8(DT_UNKNOWN) {
          switch FileSystem.lstatKind(absolute + "/" + name) {
          case .directory: type = UInt8(DT_DIR)
          case .symlink: type = UInt8(DT_LNK)
          case .regular: type = UInt8(DT_REG)
          default: continue
          }
        }
        switch Int(type) {
        case Int(DT_DIR):
          if !prune(path) { pending.append(path) }
        case Int(DT_REG):
          entries.append(Entry(path: path, isSymlink: false))
        case Int(DT_LNK):
          entries.append(Entry(path: path, isSymlink: true))
        default:
          continue
        }
      }
    }
    entries.sort { $0.path < $1.path }
    return (entries, issues)
  }
}

/// Reads the files of one tree: with a deadline (`read_timeout`) when the tree is on a
/// filesystem whose reads can hang, directly otherwise. Handing every read to another thread
/// cost 12-25% of a code crawl of moby on a local disk, for a wait that cannot happen there.
public struct FileReader: Sendable {
  /// nil: reads are direct.
  public let timeout: Duration?

  public init(root: String, timeout: Duration) {
    self.timeout = FilesystemKind.mayHang(root) ? timeout : nil
  }

  /// nil when the read did not finish within the deadline.
  public func read(_ path: String) -> FileSystem.ReadResult? {
    guard let timeout else { return FileSystem.read(path) }
    return FileSystem.read(path, within: timeout)
  }
}

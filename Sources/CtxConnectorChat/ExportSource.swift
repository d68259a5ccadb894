import CtxConnectors
import CtxCore
import Foundation
import ZIPFoundation

/// One file of an export, folder or zip.
struct ExportEntry: Sendable, Hashable {
  /// Relative to the export root, `/`-separated.
  var path: String
  /// Uncompressed size when known without reading (zip); folders stat lazily.
  var size: Int64?
}

/// Why one export file could not be read.
struct ExportReadError: Error, Sendable {
  var kind: CrawlIssue.Kind
  var message: String
}

/// Where export files come from: a folder, one file, or a zip archive read in memory.
///
/// Not `Sendable` (a zip holds an open archive): it lives inside one read.
protocol ExportSource: AnyObject {
  /// Every file, sorted by path.
  var entries: [ExportEntry] { get }
  /// Problems found while listing (rejected zip entries, unreadable folders).
  var listingIssues: [CrawlIssue] { get }
  func stamp(of entry: ExportEntry) -> FileStamp?
  /// The whole file, or an error when it is over `limit` bytes or unreadable.
  func read(_ entry: ExportEntry, limit: Int64) throws(ExportReadError) -> [UInt8]
}

/// Opens the export at `options.path`.
func openExportSource(_ options: ChatOptions) throws(CtxError) -> any ExportSource {
  let path = options.path
  switch FileSystem.statKind(path) {
  case .directory:
    return FolderSource(root: path)
  case .regular:
    if path.lowercased().hasSuffix(".zip") || ZipSource.looksLikeZip(path) {
      return try ZipSource(path: path, limits: options.zip)
    }
    return SingleFileSource(path: path)
  case .missing:
    throw CtxError(.connectorFailed, "the chat export \(path) does not exist; fix `path:` in the connector file", path: path)
  default:
    throw CtxError(.connectorFailed, "the chat export \(path) is neither a folder, a .zip nor a file", path: path)
  }
}

final class FolderSource: ExportSource {
  let root: String
  let entries: [ExportEntry]
  let listingIssues: [CrawlIssue]

  init(root: String) {
    self.root = root
    let walked = DirectoryWalker().walk(root: root) { _ in false }
    var issues = walked.issues
    var entries: [ExportEntry] = []
    for entry in walked.entries {
      if entry.isSymlink {
        issues.append(CrawlIssue(kind: .symlink, path: entry.path, message: "a symbolic link inside the export; links are not followed"))
        continue
      }
      entries.append(ExportEntry(path: entry.path, size: nil))
    }
    self.entries = entries
    self.listingIssues = issues
  }

  func stamp(of entry: ExportEntry) -> FileStamp? {
    if case .regular(let stamp) = FileSystem.lstatKind(root + "/" + entry.path) { return stamp }
    return nil
  }

  func read(_ entry: ExportEntry, limit: Int64) throws(ExportReadError) -> [UInt8] {
    try readFile(root + "/" + entry.path, limit: limit)
  }
}

final class SingleFileSource: ExportSource {
  let path: String
  let entries: [ExportEntry]
  let listingIssues: [CrawlIssue] = []

  init(path: String) {
    self.path = path
    entries = [ExportEntry(path: path.split(separator: "/").last.map(String.init) ?? path, size: nil)]
  }

  func stamp(of entry: ExportEntry) -> FileStamp? {
    if case .regular(let stamp) = FileSystem.statKind(path) { return stamp }
    return nil
  }

  func read(_ entry: ExportEntry, limit: Int64) throws(ExportReadError) -> [UInt8] {
    try readFile(path, limit: limit)
  }
}

private func readFile(_ path: String, limit: Int64) throws(ExportReadError) -> [UInt8] {
  if case .regular(let stamp) = FileSystem.lstatKind(path), stamp.size > limit {
    throw ExportReadError(kind: .tooLarge, message: "\(stamp.size) bytes is over max_file_size (\(limit)); raise it to read this file")
  }
  switch FileSystem.read(path) {
  case .bytes(let bytes, _):
    guard Int64(bytes.count) <= limit else {
      throw ExportReadError(kind: .tooLarge, message: "\(bytes.count) bytes is over max_file_size (\(limit))")
    }
    return bytes
  case .missing:
    throw ExportReadError(kind: .vanished, message: "deleted during the read")
  case .failed(let code):
    throw ExportReadError(kind: .unreadable, message: "cannot read: \(FileSystem.describe(errno: code))")
  }
}

/// A zip export, checked from its central directory before anything is inflated:
/// - more than `maxEntries` entries, or a declared total over `maxTotalBytes`: refused whole;
/// - entries whose path is absolute, holds `..`, or is a symbolic link: rejected and reported;
/// - entries over `ratioThreshold` that expand more than `maxRatio` times: rejected.
/// Entries are inflated in memory through a byte counter that stops at the entry's declared
/// size (and the file limit) and at the archive's running total, so a lying header cannot
/// exhaust memory. Nothing is written to disk.
final class ZipSource: ExportSource {
  private let archive: Archive
  private let limits: ZipLimits
  private var byPath: [String: Entry] = [:]
  private(set) var entries: [ExportEntry] = []
  private(set) var listingIssues: [CrawlIssue] = []
  /// Bytes inflated so far, over all entries.
  private var inflated: Int64 = 0

  static func looksLikeZip(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let magic = (try? handle.read(upToCount: 4)) ?? Data()
    return magic.elementsEqual([0x50, 0x4B, 0x03, 0x04]) || magic.elementsEqual([0x50, 0x4B, 0x05, 0x06])
  }

  init(path: String, limits: ZipLimits) throws(CtxError) {
    self.limits = limits
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw CtxError(.connectorFailed, "cannot open the zip export \(path): \(error); check that it is a complete .zip file", path: path, cause: error)
    }
    var count = 0
    var declaredTotal: Int64 = 0
    var accepted: [(String, Entry)] = []
    for entry in archive {
      count += 1
      if count > limits.maxEntries {
        throw CtxError(
          .connectorFailed,
          "the zip export \(path) has more than \(limits.maxEntries) entries (zip_max_entries); refusing it as a possible zip bomb", path: path)
      }
      let rawPath = entry.path
      if entry.type == .directory { continue }
      guard let safe = ZipSource.safePath(rawPath) else {
        listingIssues.append(
          CrawlIssue(kind: .unreadable, path: rawPath, message: "zip entry rejected: its path is absolute or leaves the export (`..`)"))
        continue
      }
      if entry.type == .symlink {
        listingIssues.append(CrawlIssue(kind: .unreadable, path: safe, message: "zip entry rejected: symbolic links are not read"))
        continue
      }
      let size = Int64(clamping: entry.uncompressedSize)
      let compressed = max(Int64(clamping: entry.compressedSize), 1)
      declaredTotal += size
      if declaredTotal > limits.maxTotalBytes {
        throw CtxError(
          .connectorFailed,
          "the zip export \(path) declares more than \(limits.maxTotalBytes) uncompressed bytes (zip_max_total_bytes); refusing it", path: path)
      }
      if size > limits.ratioThreshold && size / compressed > limits.maxRatio {
        listingIssues.append(
          CrawlIssue(
            kind: .tooLarge, path: safe,
            message: "zip entry rejected: it expands \(size / compressed) times (over zip_max_ratio \(limits.maxRatio)); a possible zip bomb"))
        continue
      }
      if byPath[safe] != nil {
        listingIssues.append(CrawlIssue(kind: .unreadable, path: safe, message: "zip entry rejected: the path appears twice; the first is read"))
        continue
      }
      byPath[safe] = entry
      accepted.append((safe, entry))
    }
    for (path, entry) in accepted {
      entries.append(ExportEntry(path: path, size: Int64(clamping: entry.uncompressedSize)))
    }
    entries.sort { $0.path < $1.path }
  }

  /// The entry path made relative and safe, or nil when it is absolute or escapes.
  static func safePath(_ raw: String) -> String? {
    let path = raw.replacingOccurrences(of: "\\", with: "/")
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\u{0}") else { return nil }
    if path.count >= 2, path.dropFirst().first == ":" { return nil }  // C:/…
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == ".." { return nil }
      if part == "." { continue }
      parts.append(part)
    }
    guard !parts.isEmpty else { return nil }
    return parts.joined(separator: "/")
  }

  func stamp(of entry: ExportEntry) -> FileStamp? {
    guard let zipEntry = byPath[entry.path] else { return nil }
    let date = zipEntry.fileAttributes[.modificationDate] as? Date
    // A header's date is read from the archive: range-checked before the conversion that traps.
    let interval = date?.timeIntervalSince1970 ?? 0
    let seconds = interval.isFinite && abs(interval) < 1e15 ? Int64(interval) : 0
    return FileStamp(size: Int64(clamping: zipEntry.uncompressedSize), mtimeNanos: seconds << 32 | Int64(zipEntry.checksum))
  }

  func read(_ entry: ExportEntry, limit: Int64) throws(ExportReadError) -> [UInt8] {
    guard let zipEntry = byPath[entry.path] else { throw ExportReadError(kind: .vanished, message: "not in the archive") }
    let declared = Int64(clamping: zipEntry.uncompressedSize)
    if declared > limit {
      throw ExportReadError(kind: .tooLarge, message: "\(declared) bytes uncompressed is over max_file_size (\(limit))")
    }
    let cap = declared
    var buffer: [UInt8] = []
    buffer.reserveCapacity(Int(min(cap, 16 << 20)))
    var total = inflated
    let maxTotal = limits.maxTotalBytes
    var overflow: String? = nil
    do {
      _ = try archive.extract(zipEntry, bufferSize: 64 << 10, skipCRC32: false) { data in
        if Int64(buffer.count + data.count) > cap {
          overflow = "it inflates past its declared size of \(cap) bytes; a corrupt or hostile archive"
          throw CancellationError()
        }
        if total + Int64(data.count) > maxTotal {
          overflow = "the archive inflates past zip_max_total_bytes (\(maxTotal))"
          throw CancellationError()
        }
        total += Int64(data.count)
        buffer.append(contentsOf: data)
      }
    } catch {
      inflated = total
      if let overflow { throw ExportReadError(kind: .tooLarge, message: "zip entry rejected: \(overflow)") }
      throw ExportReadError(kind: .unreadable, message: "cannot inflate the zip entry: \(error)")
    }
    inflated = total
    return buffer
  }
}

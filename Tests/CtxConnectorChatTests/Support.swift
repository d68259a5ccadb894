import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import ZIPFoundation

/// Fixtures live beside the tests (`Fixtures/`), found from this file's path.
enum Fixture {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

  static func path(_ relative: String) -> String { root + "/" + relative }

  /// A copy of a fixture folder in a scratch folder, to change freely.
  static func copy(_ relative: String, into scratch: ScratchDirectory, as name: String? = nil) throws -> String {
    let destination = scratch.path + "/" + (name ?? relative)
    try? FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: path(relative), toPath: destination)
    return destination
  }

  /// Zips a folder (deflated entries, paths relative to the folder, optionally under a
  /// wrapping folder).
  static func zip(folder: String, to zipPath: String, wrapper: String? = nil) throws {
    let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
    let walked = DirectoryWalker().walk(root: folder) { _ in false }
    for entry in walked.entries {
      let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + entry.path))
      try addEntry(archive, path: (wrapper.map { $0 + "/" } ?? "") + entry.path, data: data)
    }
  }

  static func addEntry(_ archive: Archive, path: String, data: Data, compression: CompressionMethod = .deflate) throws {
    try archive.addEntry(
      with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 1_704_200_000),
      compressionMethod: compression
    ) { position, size in
      data.subdata(in: Int(position)..<Int(position) + size)
    }
  }
}

/// Every string reachable from a value, for "this text appears nowhere" checks.
func allStrings(in value: Any) -> [String] {
  var result: [String] = []
  var seen = 0
  func visit(_ value: Any) {
    seen += 1
    if seen > 1_000_000 { return }
    if let text = value as? String {
      result.append(text)
      return
    }
    if let text = value as? Substring {
      result.append(String(text))
      return
    }
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .dictionary {
      for child in mirror.children {
        let pair = Mirror(reflecting: child.value).children.map(\.value)
        pair.forEach(visit)
      }
      return
    }
    for child in mirror.children { visit(child.value) }
  }
  visit(value)
  return result
}

/// Collects chat events in memory, in order.
final class EventLog: ChatSink, @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [ChatEvent] = []

  func accept(_ event: ChatEvent) async throws {
    lock.withLock { stored.append(event) }
  }

  var events: [ChatEvent] { lock.withLock { stored } }
}

extension ChatReadResult {
  func messages(in channel: String) -> [ChatMessage] { messages.filter { $0.channel == channel } }
  func message(containing text: String) -> ChatMessage? { messages.first { $0.text.contains(text) } }
  func issues(for path: String) -> [CrawlIssue] { issues.filter { $0.path == path } }

  /// What the next run knows: every file stamped this run.
  var known: [String: KnownFile] {
    var known: [String: KnownFile] = [:]
    for file in fileStamps { known[file.path] = KnownFile(stamp: file.stamp, contentHash: file.contentHash) }
    return known
  }
}

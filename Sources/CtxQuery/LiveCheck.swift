import CtxCore
import CtxGit
import CtxRedaction
import CtxStore
import Foundation

/// A file of a bundle as it is on disk now, compared with what was indexed.
public struct LiveFile: Sendable {
  public var freshness: Freshness
  /// The file's current lines (when it changed), to show an item's range as it is now.
  public var lines: [Substring]?
  /// Where the file was read: "on disk", or "at `REVISION`" for a `revision:` source.
  public var place = "on disk"
}

/// Checks the files behind bundle items against their source now: the "live" layer. A
/// work-tree source's files are read from the disk; a `revision:` source's from the tree its
/// revision names now (`CurrentFiles`). One read and one git blob id per distinct file.
public struct LiveCheck: Sendable {
  public let store: IndexStore

  public init(store: IndexStore) {
    self.store = store
  }

  public static func key(source: String, path: String) -> String { source + "\u{0}" + path }

  /// The verdict per file, by `key`; a file that cannot be checked now (its revision no longer
  /// resolves) has none.
  public func check(_ files: [(source: String, path: String)]) throws -> [String: LiveFile] {
    var result: [String: LiveFile] = [:]
    var checked = Set<String>()
    var current = CurrentFiles()
    for (source, path) in files {
      let key = LiveCheck.key(source: source, path: path)
      guard checked.insert(key).inserted, let file = try store.indexedFiles(atPath: path).first(where: { $0.source == source }) else { continue }
      let place = file.revision.map { "at `\($0)`" } ?? "on disk"
      switch current.content(of: file) {
      case .missing:
        result[key] = LiveFile(freshness: .deleted, lines: nil, place: place)
      case .unknown:
        continue
      case .current(_, let blobID) where blobID == file.contentHash:
        result[key] = LiveFile(freshness: .unchanged, lines: nil, place: place)
      case .current(let bytes, _):
        // Text read now never went through indexing: redact it like indexed text.
        let text = Redactor().redact(String(decoding: bytes, as: UTF8.self)).text
        result[key] = LiveFile(freshness: .changedSinceIndexed, lines: text.split(separator: "\n", omittingEmptySubsequences: false), place: place)
      }
    }
    return result
  }
}

/// Indexed text is data, not instructions: invisible characters that can hide text from a
/// reader while a model still reads it are removed from everything a bundle shows.
public enum IndexedText {
  /// Removes Unicode tag characters (U+E0000–U+E007F), zero-width characters and
  /// bidirectional overrides and isolates.
  public static func clean(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isInvisible) else { return text }
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: text.unicodeScalars.filter { !isInvisible($0) })
    return String(scalars)
  }

  static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0xE0000...0xE007F: true  // tags: the "ASCII smuggling" block
    case 0x200B...0x200F, 0x2060...0x2064, 0xFEFF: true  // zero-width, joiners, marks, BOM
    case 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional overrides and isolates
    default: false
    }
  }
}

import CLibGit2
import Foundation

/// One tree object's bytes, read from the object database and walked in place. libgit2's
/// `git_tree_lookup` parses every entry of a tree into an array first (its octal mode through
/// a general `strtol`, the array grown entry by entry): on moby's 57k commits that parsing was
/// a tenth of a full history run's instructions, for trees whose entries are mostly skipped.
///
/// The bytes are git's tree format: for each entry `<octal mode> <name>\0<20-byte id>`, in
/// git's tree order.
struct RawTree {
  /// Owned until `free()`; nil for the empty side of a diff (no tree).
  private let object: OpaquePointer?
  let bytes: UnsafeRawBufferPointer

  static var empty: RawTree { RawTree(object: nil, bytes: UnsafeRawBufferPointer(start: nil, count: 0)) }

  private init(object: OpaquePointer?, bytes: UnsafeRawBufferPointer) {
    self.object = object
    self.bytes = bytes
  }

  /// The tree `id`; nil when it is missing, unreadable or not a tree.
  static func read(_ id: git_oid, from odb: OpaquePointer) -> RawTree? {
    var id = id
    var object: OpaquePointer? = nil
    guard git_odb_read(&object, odb, &id) == 0, let object else { return nil }
    guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
      git_odb_object_free(object)
      return nil
    }
    return RawTree(object: object, bytes: UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
  }

  func free() {
    if let object { git_odb_object_free(object) }
  }

  func entries() -> Entries { Entries(bytes: bytes) }

  /// An entry, pointing into the tree's bytes (valid until the tree is freed).
  struct Entry {
    /// The mode as git compares it (`normalize_filemode` in libgit2, `canon_mode` in git).
    var mode: UInt32
    var name: UnsafeRawBufferPointer
    /// The 20 bytes of the object id.
    var id: UnsafeRawBufferPointer

    var isTree: Bool { mode == RawTree.treeMode }

    var oid: git_oid {
      var oid = git_oid()
      withUnsafeMutableBytes(of: &oid.id) { $0.copyMemory(from: id) }
      return oid
    }

    func sameObject(as other: Entry) -> Bool {
      mode == other.mode && memcmp(id.baseAddress!, other.id.baseAddress!, 20) == 0
    }

    /// git's tree order: names compared bytewise, a tree's name as if it ended in `/`.
    func order(_ other: Entry) -> Int32 {
      let common = min(name.count, other.name.count)
      if common > 0 {
        let compared = memcmp(name.baseAddress!, other.name.baseAddress!, common)
        if compared != 0 { return compared }
      }
      let next = common < name.count ? name.baseAddress!.load(fromByteOffset: common, as: UInt8.self) : (isTree ? UInt8(ascii: "/") : 0)
      let otherNext =
        common < other.name.count ? other.name.baseAddress!.load(fromByteOffset: common, as: UInt8.self) : (other.isTree ? UInt8(ascii: "/") : 0)
      return next < otherNext ? -1 : next > otherNext ? 1 : 0
    }
  }

  /// The entries in order. Stops at the first malformed one and sets `malformed`.
  struct Entries: IteratorProtocol {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    private(set) var malformed = false

    init(bytes: UnsafeRawBufferPointer) {
      self.bytes = bytes
    }

    /// Pointer arithmetic and `memchr`, not indexing: this runs for every entry of every tree
    /// a history reads (10 million on moby), and bounds-checked slicing cost as much as
    /// libgit2's own parsing.
    mutating func next() -> Entry? {
      guard offset < bytes.count, !malformed, let base = bytes.baseAddress else { return nil }
      let end = base + bytes.count
      let start = base + offset
      var cursor = start
      var mode: UInt32 = 0
      // The three common modes are recognized in one 8-byte load (an entry holds at least 24
      // bytes: a mode, a space, a name, a NUL and an id); any other is parsed digit by digit.
      if end - start >= 8 {
        let word = start.loadUnaligned(as: UInt64.self)
        if word & 0x00FF_FFFF_FFFF_FFFF == RawTree.blobModeText {
          mode = 0o100644
          cursor += 6
        } else if word & 0x00FF_FFFF_FFFF_FFFF == RawTree.executableModeText {
          mode = 0o100755
          cursor += 6
        } else if word & 0x0000_FFFF_FFFF_FFFF == RawTree.treeModeText {
          mode = 0o040000
          cursor += 5
        }
      }
      while cursor < end {
        let byte = cursor.load(as: UInt8.self)
        if byte == UInt8(ascii: " ") { break }
        let digit = byte &- UInt8(ascii: "0")
        // libgit2 keeps a mode in 16 bits and refuses a tree with a larger one.
        guard digit < 8, mode <= 0xFFFF else { return fail() }
        mode = mode << 3 | UInt32(digit)
        cursor += 1
      }
      guard cursor > start, cursor < end, mode <= 0xFFFF else { return fail() }
      let nameStart = cursor + 1
      guard nameStart < end, let found = memchr(nameStart, 0, end - nameStart) else { return fail() }
      let nameEnd = UnsafeRawPointer(found)
      guard nameEnd > nameStart, end - nameEnd >= 21 else { return fail() }
      offset = nameEnd + 21 - base
      return Entry(
        mode: RawTree.normalized(mode), name: UnsafeRawBufferPointer(start: nameStart, count: nameEnd - nameStart),
        id: UnsafeRawBufferPointer(start: nameEnd + 1, count: 20))
    }

    private mutating func fail() -> Entry? {
      malformed = true
      return nil
    }

    /// Moves both iterators past the entries they hold byte for byte from where each stands:
    /// the same mode, name and id, so unchanged. In the two trees of a commit nearly every
    /// entry is such, and comparing an entry's bytes costs a fraction of parsing and ordering
    /// it (on moby, 10 million entries read). Only entries `next()` would accept are skipped
    /// (one of the three common modes, a name, a whole id); it stops at the first other one
    /// and leaves that to `next()`.
    static func skipShared(_ a: inout Entries, _ b: inout Entries) {
      guard !a.malformed, !b.malformed, let baseA = a.bytes.baseAddress, let baseB = b.bytes.baseAddress else { return }
      var offsetA = a.offset
      var offsetB = b.offset
      let countA = a.bytes.count
      let countB = b.bytes.count
      while countA - offsetA >= 8, countB - offsetB >= 8 {
        let start = baseA + offsetA
        let word = start.loadUnaligned(as: UInt64.self)
        let nameOffset: Int
        if word & 0x00FF_FFFF_FFFF_FFFF == RawTree.blobModeText || word & 0x00FF_FFFF_FFFF_FFFF == RawTree.executableModeText {
          nameOffset = 7
        } else if word & 0x0000_FFFF_FFFF_FFFF == RawTree.treeModeText {
          nameOffset = 6
        } else {
          break
        }
        let remaining = countA - offsetA
        guard remaining > nameOffset, let found = memchr(start + nameOffset, 0, remaining - nameOffset) else { break }
        let nameEnd = UnsafeRawPointer(found)
        let length = nameEnd - start + 21
        guard nameEnd > start + nameOffset, length <= remaining, length <= countB - offsetB, memcmp(start, baseB + offsetB, length) == 0 else { break }
        offsetA += length
        offsetB += length
      }
      a.offset = offsetA
      b.offset = offsetB
    }
  }

  /// "100644 ", "100755 " and "40000 " as little-endian words.
  static let blobModeText: UInt64 = 0x20_34_34_36_30_30_31
  static let executableModeText: UInt64 = 0x20_35_35_37_30_30_31
  static let treeModeText: UInt64 = 0x20_30_30_30_30_34

  static let treeMode: UInt32 = 0o040000
  static let blobMode: UInt32 = 0o100644
  static let executableMode: UInt32 = 0o100755
  static let linkMode: UInt32 = 0o120000
  static let gitlinkMode: UInt32 = 0o160000

  /// libgit2's `normalize_filemode` (what `git_tree_entry_filemode` returns).
  static func normalized(_ mode: UInt32) -> UInt32 {
    let type = mode & 0o170000
    if type == treeMode { return treeMode }
    if mode & 0o100 != 0 { return executableMode }
    if type == gitlinkMode { return gitlinkMode }
    if type == linkMode { return linkMode }
    return blobMode
  }
}

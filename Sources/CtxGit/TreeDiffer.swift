import CLibGit2
import Foundation
import CtxCore

/// Compares two trees the way `git log --name-status` does, but fast: entries are merged in
/// git's tree order and a subtree whose object id is unchanged is never opened. Measured on
/// moby (57k commits) this is about 1.5× git, where `git_diff_tree_to_tree` per commit was 45×.
///
/// Renames are found without reading blobs: a deleted and an added file with the same blob id
/// (an exact move), then the one deleted and one added file sharing a file name in the same
/// commit (a move with edits). See docs/history.md, "Renames".
struct TreeDiffer {
  let repository: OpaquePointer

  struct Entry {
    var path: String
    var id: git_oid
    var mode: UInt32
  }

  private var added: [Entry] = []
  private var deleted: [Entry] = []
  private var modified: [(path: String, old: git_oid, new: git_oid, mode: UInt32)] = []
  private var typeChanged: [String] = []
  /// A tree could not be read (missing or corrupt object): the change list is partial.
  private(set) var incomplete = false

  init(repository: OpaquePointer) {
    self.repository = repository
  }

  private static let treeMode: UInt32 = 0o040000
  private static let linkMode: UInt32 = 0o120000
  private static let gitlinkMode: UInt32 = 0o160000

  /// Kinds that compare as "the same sort of thing": a file (any blob mode), a link, a submodule.
  private static func typeClass(_ mode: UInt32) -> UInt32 {
    switch mode & 0o170000 {
    case linkMode: linkMode
    case gitlinkMode: gitlinkMode
    default: 0o100000
    }
  }

  private func lookup(_ id: git_oid?) -> OpaquePointer?? {
    guard var id else { return .some(nil) }
    var tree: OpaquePointer? = nil
    guard git_tree_lookup(&tree, repository, &id) == 0 else { return nil }
    return .some(tree)
  }

  /// The path of the tree being compared, with a trailing `/` (empty at the root). One buffer
  /// grown and cut back during the recursion, rather than an array per entry.
  private var path: [UInt8] = []

  mutating func diff(old: git_oid?, new: git_oid?) {
    guard let oldTree = lookup(old), let newTree = lookup(new) else {
      incomplete = true
      return
    }
    defer {
      git_tree_free(oldTree)
      git_tree_free(newTree)
    }
    let oldCount = oldTree.map { git_tree_entrycount($0) } ?? 0
    let newCount = newTree.map { git_tree_entrycount($0) } ?? 0
    var i = 0
    var j = 0
    while i < oldCount || j < newCount {
      let a = i < oldCount ? git_tree_entry_byindex(oldTree, i) : nil
      let b = j < newCount ? git_tree_entry_byindex(newTree, j) : nil
      let order: Int32
      if let a, let b {
        order = git_tree_entry_cmp(a, b)
      } else {
        order = a == nil ? 1 : -1
      }
      if order == 0, let a, let b {
        i += 1
        j += 1
        let oldMode = git_tree_entry_filemode(a).rawValue
        let newMode = git_tree_entry_filemode(b).rawValue
        let oldID = git_tree_entry_id(a).pointee
        let newID = git_tree_entry_id(b).pointee
        var same = oldID
        var other = newID
        if git_oid_equal(&same, &other) == 1 && oldMode == newMode { continue }
        let depth = path.count
        appendName(a)
        if oldMode == TreeDiffer.treeMode && newMode == TreeDiffer.treeMode {
          path.append(UInt8(ascii: "/"))
          diff(old: oldID, new: newID)
        } else if TreeDiffer.typeClass(oldMode) == TreeDiffer.typeClass(newMode) {
          modified.append((String(decoding: path, as: UTF8.self), oldID, newID, newMode))
        } else {
          typeChanged.append(String(decoding: path, as: UTF8.self))
        }
        path.removeSubrange(depth...)
      } else if order < 0, let a {
        i += 1
        removeOrAdd(a, isAdd: false)
      } else if let b {
        j += 1
        removeOrAdd(b, isAdd: true)
      }
    }
  }

  private mutating func removeOrAdd(_ entry: OpaquePointer, isAdd: Bool) {
    let mode = git_tree_entry_filemode(entry).rawValue
    let id = git_tree_entry_id(entry).pointee
    let depth = path.count
    defer { path.removeSubrange(depth...) }
    appendName(entry)
    if mode == TreeDiffer.treeMode {
      path.append(UInt8(ascii: "/"))
      diff(old: isAdd ? nil : id, new: isAdd ? id : nil)
      return
    }
    let record = Entry(path: String(decoding: path, as: UTF8.self), id: id, mode: mode)
    if isAdd { added.append(record) } else { deleted.append(record) }
  }

  private mutating func appendName(_ entry: OpaquePointer) {
    guard let name = git_tree_entry_name(entry) else { return }
    path.append(contentsOf: UnsafeRawBufferPointer(start: name, count: strlen(name)))
  }

  /// The renames among the added and deleted files: (deleted index, added index) pairs.
  private func renames() -> [(Int, Int)] {
    guard !added.isEmpty, !deleted.isEmpty else { return [] }
    var pairs: [(Int, Int)] = []
    var usedAdded = Set<Int>()
    var usedDeleted = Set<Int>()
    // Exact moves: the same blob id.
    var addedByID: [String: [Int]] = [:]
    for (index, entry) in added.enumerated() where TreeDiffer.typeClass(entry.mode) != TreeDiffer.gitlinkMode {
      addedByID[ContentHash.hex(entry.id), default: []].append(index)
    }
    for (index, entry) in deleted.enumerated() {
      let key = ContentHash.hex(entry.id)
      guard var candidates = addedByID[key], !candidates.isEmpty else { continue }
      let match = candidates.removeFirst()
      addedByID[key] = candidates
      pairs.append((index, match))
      usedAdded.insert(match)
      usedDeleted.insert(index)
    }
    // Moves with edits: exactly one deleted and one added file share a file name.
    func fileName(_ path: String) -> Substring { path.split(separator: "/").last ?? Substring(path) }
    var deletedByName: [Substring: [Int]] = [:]
    for (index, entry) in deleted.enumerated() where !usedDeleted.contains(index) {
      deletedByName[fileName(entry.path), default: []].append(index)
    }
    var addedByName: [Substring: [Int]] = [:]
    for (index, entry) in added.enumerated() where !usedAdded.contains(index) {
      addedByName[fileName(entry.path), default: []].append(index)
    }
    for (name, deletions) in deletedByName where deletions.count == 1 {
      if let additions = addedByName[name], additions.count == 1 {
        pairs.append((deletions[0], additions[0]))
      }
    }
    return pairs
  }

  /// The changes, sorted by path, renames folded in.
  func changes() -> [GitFileChange] {
    var result: [GitFileChange] = []
    let pairs = renames()
    let renamedAdded = Dictionary(pairs.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
    let renamedDeleted = Set(pairs.map(\.0))
    for (index, entry) in added.enumerated() {
      if let from = renamedAdded[index] {
        result.append(GitFileChange(path: entry.path, oldPath: deleted[from].path, status: .renamed))
      } else {
        result.append(GitFileChange(path: entry.path, status: .added))
      }
    }
    for (index, entry) in deleted.enumerated() where !renamedDeleted.contains(index) {
      result.append(GitFileChange(path: entry.path, status: .deleted))
    }
    for entry in modified { result.append(GitFileChange(path: entry.path, status: .modified)) }
    for path in typeChanged { result.append(GitFileChange(path: path, status: .typeChanged)) }
    result.sort { $0.path < $1.path }
    return result
  }

  /// Blob pairs to count lines on, by new path (old path for deletions); submodules left out.
  func blobPairs() -> [(path: String, old: git_oid?, new: git_oid?)] {
    var result: [(path: String, old: git_oid?, new: git_oid?)] = []
    let pairs = renames()
    let renamedAdded = Dictionary(pairs.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
    let renamedDeleted = Set(pairs.map(\.0))
    for (index, entry) in added.enumerated() where TreeDiffer.typeClass(entry.mode) != TreeDiffer.gitlinkMode {
      result.append((entry.path, renamedAdded[index].map { deleted[$0].id }, entry.id))
    }
    for (index, entry) in deleted.enumerated() where !renamedDeleted.contains(index) && TreeDiffer.typeClass(entry.mode) != TreeDiffer.gitlinkMode {
      result.append((entry.path, entry.id, nil))
    }
    for entry in modified where TreeDiffer.typeClass(entry.mode) != TreeDiffer.gitlinkMode {
      result.append((entry.path, entry.old, entry.new))
    }
    return result
  }
}

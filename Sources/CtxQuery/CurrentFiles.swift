import CtxConnectors
import CtxCore
import CtxGit
import CtxStore
import Foundation

/// An indexed file's content as it is now, wherever its source reads it from: the disk for a
/// work-tree source, the tree of the source's `revision:` as that resolves now (a bare
/// repository has no copy on disk, and a work tree's copy is not what the source indexes).
///
/// Opens each revision's repository once per instance; not thread-safe (one per check).
/// Reads from disk have a deadline where the filesystem can hang (`FileReader`, as crawls
/// read), so a hung network mount cannot hold a bundle, `show` or `conflicts`.
struct CurrentFiles {
  /// How long one read from a source's disk may take at query time.
  static let readTimeout: Duration = .seconds(5)

  enum Content {
    /// The bytes now, and their git blob id (compare it with the indexed content hash).
    case current(bytes: [UInt8], blobID: String)
    /// Not there now: gone from the disk, or from the revision's tree.
    case missing
    /// Cannot be read now (the repository, or the commit the revision names, is gone): no
    /// verdict either way.
    case unknown(String)
  }

  private struct Revision {
    let tree: GitRevisionTree
    /// The source root's path inside the repository ("" for its top).
    let prefix: String
  }

  private var revisions: [String: Result<Revision, CtxError>] = [:]
  private var readers: [String: FileReader] = [:]
  /// Roots where a read missed its deadline: the other files there are not waited for.
  private var hungRoots = Set<String>()

  /// Where the file is read from, for people: its path on disk, or `revision:path in repository`.
  static func location(of file: IndexedFileInfo) -> String {
    guard let revision = file.revision else { return file.root + "/" + file.path }
    return "\(revision):\(file.path) in \(file.root)"
  }

  /// `content(of:)` for one file.
  static func contentOnce(of file: IndexedFileInfo) -> Content {
    var files = CurrentFiles()
    return files.content(of: file)
  }

  mutating func content(of file: IndexedFileInfo) -> Content {
    content(root: file.root, path: file.path, revision: file.revision)
  }

  /// The content of `path` (relative to a source's `root`) now: from disk when `revision` is
  /// nil, else from the tree `revision` names now.
  mutating func content(root: String, path relative: String, revision: String?) -> Content {
    guard let revision else { return contentOnDisk(root: root, path: relative) }
    switch opened(root: root, revision: revision) {
    case .failure(let error):
      return .unknown(error.message)
    case .success(let opened):
      do {
        let path = opened.prefix.isEmpty ? relative : opened.prefix + "/" + relative
        guard let blob = try opened.tree.blobID(atPath: path) else { return .missing }
        return .current(bytes: try opened.tree.content(ofBlob: blob), blobID: blob)
      } catch {
        return .unknown(error.message)
      }
    }
  }

  private mutating func contentOnDisk(root: String, path relative: String) -> Content {
    if hungRoots.contains(root) { return .unknown("a read under \(root) took longer than \(CurrentFiles.readTimeout) (a hung mount?)") }
    let reader = readers[root] ?? FileReader(root: root, timeout: CurrentFiles.readTimeout)
    readers[root] = reader
    switch reader.read(root + "/" + relative) {
    case nil:
      hungRoots.insert(root)
      return .unknown("reading took longer than \(CurrentFiles.readTimeout) (a hung mount?)")
    case .bytes(let bytes, _)?:
      return .current(bytes: bytes, blobID: BlobHash.id(of: bytes))
    case .missing?, .failed?:
      return .missing  // gone, or no longer a readable file
    }
  }

  private mutating func opened(root: String, revision: String) -> Result<Revision, CtxError> {
    let key = root + "\u{0}" + revision
    if let known = revisions[key] { return known }
    let result = Result { () throws(CtxError) -> Revision in
      let tree = try GitRevisionTree(path: root, revision: revision)
      guard let prefix = tree.prefix(of: root) else {
        throw CtxError(.gitFailed, "\(root) is outside the work tree of \(tree.gitDirectory)", path: root)
      }
      return Revision(tree: tree, prefix: prefix)
    }
    revisions[key] = result
    return result
  }
}

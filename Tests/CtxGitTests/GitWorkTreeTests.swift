import CtxCore
import CtxGit
import CtxTestSupport
import Foundation
import Testing

@Suite struct GitWorkTreeTests {
  @Test func listsTrackedAndUntrackedButNotIgnored() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write([".gitignore": "*.tmp\n", "a.txt": "a", "dir/b.txt": "b"], under: "repo")
    try repo.commitAll("one")
    try scratch.write(["new.txt": "n", "junk.tmp": "j", "dir/deleted-later.txt": "d"], under: "repo")
    let tree = try #require(try GitWorkTree.discover(containing: repo.path + "/dir"))
    let files = try tree.listFiles(under: "")
    #expect(files.map(\.path) == [".gitignore", "a.txt", "dir/b.txt", "dir/deleted-later.txt", "new.txt"])
    #expect(files.first { $0.path == "new.txt" }?.isTracked == false)
    #expect(try tree.listFiles(under: "dir").map(\.path) == ["b.txt", "deleted-later.txt"])
  }

  @Test func aPlainFolderIsNotAWorkTree() throws {
    let scratch = ScratchDirectory()
    #expect(try GitWorkTree.discover(containing: scratch.path) == nil)
  }

  /// Sizes around SHA-1's padding boundaries (55, 56, 64 bytes), empty, and large.
  @Test(arguments: ["", "hello\n", String(repeating: "x", count: 55), String(repeating: "x", count: 56), String(repeating: "y", count: 64), String(repeating: "z\n", count: 100_000)])
  func blobIDMatchesGit(text: String) throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path)
    try scratch.write(["x.txt": text])
    let expected = try repo.run(["hash-object", "x.txt"]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(BlobHash.id(of: Array(text.utf8)) == expected)
  }

  @Test func blobIDKnownValues() {
    #expect(BlobHash.id(of: []) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
    #expect(BlobHash.id(of: Array("hello\n".utf8)) == "ce013625030ba8dba906f756967f9e9ca394464a")
  }

  /// The stamp a no-change crawl compares instead of its own stat: present only for tracked
  /// files git's status walk found unchanged, and then equal to the file's own stat.
  @Test func indexStampsOnlyForUnchangedTrackedFilesAndEqualToStat() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["same.txt": "same\n", "edited.txt": "old\n", "gone.txt": "g\n", "sub/deep.txt": "d\n"], under: "repo")
    try repo.commitAll("one")
    _ = try repo.run(["status"])  // git refreshes the index's stat data, as after any checkout
    try scratch.write(["edited.txt": "new, longer\n", "untracked.txt": "u\n"], under: "repo")
    try scratch.remove("repo/gone.txt")
    let tree = try #require(try GitWorkTree.discover(containing: repo.path))
    let files = Dictionary(uniqueKeysWithValues: try tree.listFiles(under: "").map { ($0.path, $0) })
    for path in ["same.txt", "sub/deep.txt"] {
      var info = stat()
      #expect(lstat(repo.path + "/" + path, &info) == 0)
      let own = FileStamp(size: Int64(info.st_size), mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
      #expect(files[path]?.indexStamp == own, "\(path): \(String(describing: files[path]?.indexStamp)) vs \(own)")
    }
    #expect(files["edited.txt"]?.indexStamp == nil)
    #expect(files["gone.txt"]?.indexStamp == nil)
    #expect(files["untracked.txt"]?.indexStamp == nil)
    // Under a prefix, paths are relative to it and the stamps are the same.
    let under = try tree.listFiles(under: "sub")
    #expect(under.map(\.path) == ["deep.txt"] && under.first?.indexStamp == files["sub/deep.txt"]?.indexStamp)
  }
}

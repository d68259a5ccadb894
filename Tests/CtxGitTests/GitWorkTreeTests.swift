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

  @Test func blobIDMatchesGit() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path)
    try scratch.write(["x.txt": "hello\n"])
    let expected = try repo.run(["hash-object", "x.txt"]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(ContentHash.blobID(of: Array("hello\n".utf8)) == expected)
  }
}

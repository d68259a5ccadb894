import CtxCore
import CtxGit
import CtxTestSupport
import Foundation
import Testing

/// The cached work-tree listing (`ListingCache`): after every kind of change it lists exactly
/// what libgit2's full status walk lists, and it reads only the folders whose entries changed.
@Suite struct WorkTreeListingTests {
  /// Sets the modification time of every folder of the work tree (not `.git`) an hour back,
  /// so the listing does not take them for just modified (racy).
  func backdate(_ root: String) throws {
    let past = Date().addingTimeInterval(-3600)
    var folders = [root]
    while let folder = folders.popLast() {
      for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name != ".git" {
        let path = folder + "/" + name
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue,
          (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil
        {
          folders.append(path)
        }
      }
      try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: folder)
    }
  }

  struct Listed: Hashable, CustomStringConvertible {
    var path: String
    var tracked: Bool
    var symlink: Bool
    var description: String { "\(path)\(tracked ? "" : " (untracked)")\(symlink ? " (link)" : "")" }
  }

  func shape(_ files: [GitListedFile]) -> [Listed] { files.map { Listed(path: $0.path, tracked: $0.isTracked, symlink: $0.isSymlink) } }

  /// Lists with the cache and checks the result against the full status walk.
  @discardableResult
  func list(_ tree: GitWorkTree, _ cache: inout ListingCache?, under prefix: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws
    -> WorkTreeListing
  {
    let listing = try tree.listFiles(under: prefix, cache: cache)
    let reference = try tree.listFiles(under: prefix)
    #expect(shape(listing.files) == shape(reference), sourceLocation: sourceLocation)
    // The record survives its own encoding.
    #expect(ListingCache(decoding: listing.cache.encoded()) == listing.cache, sourceLocation: sourceLocation)
    cache = listing.cache
    return listing
  }

  func fixture(_ scratch: ScratchDirectory) throws -> (GitRepoFixture, GitWorkTree) {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        ".gitignore": "*.log\nbuild/\n",
        "main.go": "package main\n",
        "pkg/a/a.go": "package a\n",
        "pkg/a/deep/d.go": "package deep\n",
        "pkg/b/b.go": "package b\n",
        "docs/readme.md": "# docs\n",
      ], under: "repo")
    try repo.commitAll("one")
    try scratch.write(
      ["notes.txt": "untracked\n", "pkg/a/scratch.go": "package a\n", "debug.log": "ignored\n", "build/out.go": "ignored\n", "tmp/x/y.txt": "y\n"],
      under: "repo")
    let tree = try #require(try GitWorkTree.discover(containing: repo.path))
    return (repo, tree)
  }

  @Test func aRunWhereNothingChangedReadsNoFolder() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    let first = try list(tree, &cache)
    #expect(first.readEverything && first.foldersRead >= 7)
    #expect(first.files.contains { $0.path == "tmp/x/y.txt" && !$0.isTracked })
    #expect(!first.files.contains { $0.path == "debug.log" || $0.path.hasPrefix("build/") })
    // The folders first found inside the new untracked folder (tmp/x) are read once more.
    let second = try list(tree, &cache)
    #expect(!second.readEverything)
    let third = try list(tree, &cache)
    #expect(third.foldersRead == 0 && !third.readEverything && third.foldersChecked == cache?.folderCount)
    // Tracked regular files carry their own lstat, the same stamp the crawl would take.
    var info = stat()
    #expect(lstat(repo.path + "/main.go", &info) == 0)
    let stamp = FileStamp(size: Int64(info.st_size), mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    #expect(third.files.first { $0.path == "main.go" }?.listedStamp == stamp)
  }

  @Test func aNewUntrackedFileInAnExistingFolderIsFoundByReadingThatFolderAlone() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    try list(tree, &cache)
    try scratch.write(["pkg/b/new.go": "package b\n", "pkg/b/new.log": "ignored\n"], under: "repo")
    let listing = try list(tree, &cache)
    #expect(listing.foldersRead == 1)
    #expect(listing.files.contains { $0.path == "pkg/b/new.go" && !$0.isTracked })
    #expect(!listing.files.contains { $0.path == "pkg/b/new.log" })
  }

  @Test func aNewUntrackedFileInANewNestedFolderIsFound() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    try list(tree, &cache)
    try scratch.write(["pkg/a/deep/fresh/er/new.go": "package er\n", "pkg/a/deep/fresh/build/gen.go": "ignored\n"], under: "repo")
    let listing = try list(tree, &cache)
    #expect(listing.files.contains { $0.path == "pkg/a/deep/fresh/er/new.go" && !$0.isTracked })
    #expect(!listing.files.contains { $0.path.contains("fresh/build") })
    #expect(listing.foldersRead == 3)  // pkg/a/deep, then the new fresh and fresh/er (not the ignored build)
    // A file added later inside the new folder is found: the folder was recorded.
    try backdate(repo.path)
    try list(tree, &cache)
    try scratch.write(["pkg/a/deep/fresh/er/later.go": "package er\n"], under: "repo")
    let later = try list(tree, &cache)
    #expect(later.files.contains { $0.path == "pkg/a/deep/fresh/er/later.go" })
    #expect(later.foldersRead == 1)
  }

  @Test func aGitignoreEditIgnoresAndUnignoresFiles() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    try list(tree, &cache)
    // Edited in place (the root folder's times do not change): the content tells.
    try scratch.write([".gitignore": "*.log\nbuild/\nnotes.txt\n"], under: "repo")
    let ignored = try list(tree, &cache)
    #expect(ignored.readEverything)
    #expect(!ignored.files.contains { $0.path == "notes.txt" })
    try scratch.write([".gitignore": "build/\n"], under: "repo")
    let unignored = try list(tree, &cache)
    #expect(unignored.files.contains { $0.path == "notes.txt" } && unignored.files.contains { $0.path == "debug.log" })
    // A new .gitignore in a subfolder, a negation below a rule above, info/exclude.
    try scratch.write(["pkg/a/.gitignore": "scratch.go\n!keep.log\n", "pkg/a/keep.log": "kept\n", "pkg/a/other.log": "other\n"], under: "repo")
    try scratch.write([".gitignore": "build/\n*.log\n"], under: "repo")
    let nested = try list(tree, &cache)
    #expect(!nested.files.contains { $0.path == "pkg/a/scratch.go" })
    try backdate(repo.path)
    try list(tree, &cache)
    try scratch.write(["info/exclude": "tmp/\n"], under: "repo/.git")
    let excluded = try list(tree, &cache)
    #expect(excluded.readEverything && !excluded.files.contains { $0.path.hasPrefix("tmp/") })
  }

  @Test func deletedFoldersAndFilesLeaveTheListing() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    try list(tree, &cache)
    try FileManager.default.removeItem(atPath: repo.path + "/tmp")  // untracked folder
    try FileManager.default.removeItem(atPath: repo.path + "/notes.txt")  // untracked file
    try FileManager.default.removeItem(atPath: repo.path + "/pkg/b")  // tracked folder
    try FileManager.default.removeItem(atPath: repo.path + "/docs/readme.md")  // tracked file
    let listing = try list(tree, &cache)
    #expect(!listing.files.contains { $0.path.hasPrefix("tmp/") || $0.path == "notes.txt" })
    // Tracked files stay listed (from the index), without a stamp: the crawl finds them gone.
    #expect(listing.files.first { $0.path == "pkg/b/b.go" }?.listedStamp == nil)
    #expect(listing.files.first { $0.path == "docs/readme.md" }?.listedStamp == nil)
    // The folder comes back with new untracked files.
    try scratch.write(["pkg/b/b.go": "package b\n", "pkg/b/back.go": "package b\n"], under: "repo")
    let back = try list(tree, &cache)
    #expect(back.files.contains { $0.path == "pkg/b/back.go" && !$0.isTracked })
  }

  @Test func aModifiedTrackedFileIsSeenByItsStampWithoutReadingFolders() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    let before = try list(tree, &cache)
    try scratch.write(["pkg/a/a.go": "package a\n\nfunc Changed() {}\n"], under: "repo")
    let after = try list(tree, &cache)
    #expect(after.foldersRead == 0)
    let old = before.files.first { $0.path == "pkg/a/a.go" }?.listedStamp
    let new = after.files.first { $0.path == "pkg/a/a.go" }?.listedStamp
    #expect(old != nil && new != nil && old != new)
  }

  @Test func changesToTheIndexAreSeen() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    try list(tree, &cache)
    try repo.run(["add", "notes.txt"])
    let added = try list(tree, &cache)
    #expect(added.files.filter { $0.path == "notes.txt" }.map(\.isTracked) == [true])
    try repo.run(["rm", "-q", "--cached", "pkg/b/b.go"])
    let removed = try list(tree, &cache)
    #expect(removed.files.filter { $0.path == "pkg/b/b.go" }.map(\.isTracked) == [false])
  }

  @Test func underAPrefixOnlyThatSubtreeIsRecorded() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    try backdate(repo.path)
    var cache: ListingCache? = nil
    try list(tree, &cache, under: "pkg")
    try list(tree, &cache, under: "pkg")
    try scratch.write(["pkg/c/new.go": "package c\n", "outside.go": "package main\n"], under: "repo")
    let listing = try list(tree, &cache, under: "pkg")
    #expect(listing.files.contains { $0.path == "c/new.go" })
    #expect(listing.foldersRead == 2)
    // A record for another prefix is not used.
    let whole = try tree.listFiles(under: "", cache: cache)
    #expect(whole.readEverything)
  }

  @Test func racyFoldersAreReadAgain() throws {
    let scratch = ScratchDirectory()
    let (_, tree) = try fixture(scratch)
    var cache: ListingCache? = nil
    try list(tree, &cache)
    // Every folder was just written: none can be trusted by its times yet.
    let second = try list(tree, &cache)
    #expect(second.foldersRead > 0 && !second.readEverything)
  }

  /// Random edits (files and folders made and removed, `.gitignore` rules with negations and
  /// folder patterns at several levels, `git add`, `git rm --cached`, commits, renames), each
  /// followed by a cached listing compared with libgit2's full walk. Steps are 25 ms apart and
  /// folders count as racy for 10 ms, so most folders are trusted by their times.
  @Test(arguments: [1, 2, 3] as [UInt64]) func randomEditsListLikeTheFullWalk(seed: UInt64) throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    var random = SeededGenerator(seed: seed)
    let folders = ["", "pkg", "pkg/a", "pkg/a/deep", "pkg/b", "docs", "tmp", "tmp/x", "new", "new/inner", "build", "pkg/build"]
    let names = ["one.go", "two.log", "three.tmp", "keep.log", "four.md"]
    let rules = ["*.log", "!keep.log", "*.tmp", "build/", "inner/", "/tmp", "deep", "two.*", "!*.md", "new/"]
    var cache: ListingCache? = nil
    var reads = 0
    var checked = 0
    func path(_ folder: String, _ name: String) -> String { folder.isEmpty ? name : folder + "/" + name }
    for step in 0..<60 {
      let folder = folders.randomElement(using: &random)!
      let name = names.randomElement(using: &random)!
      let full = repo.path + "/" + path(folder, name)
      switch Int.random(in: 0..<10, using: &random) {
      case 0, 1, 2:
        try scratch.write([path(folder, name): "step \(step)\n"], under: "repo")
      case 3:
        try? FileManager.default.removeItem(atPath: full)
      case 4:
        if !folder.isEmpty { try? FileManager.default.removeItem(atPath: repo.path + "/" + folder) }
      case 5:
        let chosen = (0..<Int.random(in: 0...2, using: &random)).map { _ in rules.randomElement(using: &random)! }
        try scratch.write([path(folder, ".gitignore"): chosen.joined(separator: "\n") + "\n"], under: "repo")
      case 6:
        _ = try? repo.run(["add", "-f", "--", path(folder, name)])
      case 7:
        _ = try? repo.run(["rm", "-q", "-r", "--cached", "--ignore-unmatch", "--", folder.isEmpty ? name : folder])
      case 8:
        _ = try? repo.run(["commit", "-q", "-m", "step \(step)"])
      default:
        let target = folders.randomElement(using: &random)!
        if !folder.isEmpty, !target.isEmpty, !target.hasPrefix(folder), FileManager.default.fileExists(atPath: repo.path + "/" + folder),
          !FileManager.default.fileExists(atPath: repo.path + "/" + target)
        {
          try? FileManager.default.createDirectory(atPath: repo.path + "/" + (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try? FileManager.default.moveItem(atPath: repo.path + "/" + folder, toPath: repo.path + "/" + target)
        }
      }
      Thread.sleep(forTimeInterval: 0.025)
      let listing = try tree.listFiles(under: "", cache: cache, racyNanos: 10_000_000)
      let reference = try tree.listFiles(under: "")
      #expect(shape(listing.files) == shape(reference), "seed \(seed) step \(step)")
      cache = listing.cache
      if !listing.readEverything {
        reads += listing.foldersRead
        checked += listing.foldersChecked
      }
    }
    // The record was used, and most checked folders were not read.
    #expect(checked > 0 && reads < checked / 2, "\(reads) read of \(checked) checked")
  }

  @Test func nestedRepositoriesLinksOddNamesAndEmptyFoldersListLikeTheFullWalk() throws {
    let scratch = ScratchDirectory()
    let (repo, tree) = try fixture(scratch)
    _ = try GitRepoFixture(at: repo.path + "/pkg/other")  // an untracked repository of its own
    try scratch.write(["pkg/other/x.go": "package other\n"], under: "repo")
    try FileManager.default.createSymbolicLink(atPath: repo.path + "/pkg/link.go", withDestinationPath: "../main.go")
    try scratch.writeBytes("odd/caf\u{00E9}.go", Array("package odd\n".utf8), under: "repo")
    try FileManager.default.createDirectory(atPath: repo.path + "/empty/deeper", withIntermediateDirectories: true)
    let bad = repo.path + "/odd/bad-\u{1}"
    _ = FileManager.default.createFile(atPath: bad, contents: Data("x\n".utf8))
    var raw = Array((repo.path + "/odd/latin").utf8) + [0xE9, 0]  // a name that is not UTF-8
    let descriptor = raw.withUnsafeMutableBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
    if descriptor >= 0 { close(descriptor) }
    try backdate(repo.path)
    var cache: ListingCache? = nil
    let first = try list(tree, &cache)
    #expect(first.files.contains { $0.path == "pkg/link.go" && $0.isSymlink && !$0.isTracked })
    #expect(first.files.contains { !$0.isValidName })
    try list(tree, &cache)
    let quiet = try list(tree, &cache)
    #expect(quiet.foldersRead == 0)
    // A file in a folder that was empty, and one two levels down.
    try scratch.write(["empty/now.go": "package empty\n", "empty/deeper/too.go": "package deeper\n"], under: "repo")
    let filled = try list(tree, &cache)
    #expect(filled.files.contains { $0.path == "empty/now.go" } && filled.files.contains { $0.path == "empty/deeper/too.go" })
    #expect(filled.foldersRead == 2)
  }

  @Test func aDamagedRecordIsNotRead() throws {
    var bytes = ListingCache(decoding: [])?.encoded() ?? []
    #expect(bytes.isEmpty)
    let scratch = ScratchDirectory()
    let (_, tree) = try fixture(scratch)
    bytes = try tree.listFiles(under: "", cache: nil).cache.encoded()
    #expect(ListingCache(decoding: Array(bytes.dropLast())) == nil)
    #expect(ListingCache(decoding: bytes + [0]) == nil)
  }
}

import CtxCore
import CtxTestSupport
import Foundation
import Testing

@testable import CtxGit

/// `GitIndexFile` reads what git itself reads from `.git/index` (`git ls-files -s`: mode,
/// stage and path of every entry, in order) for each index format, and declines the formats
/// it leaves to libgit2.
@Suite struct GitIndexFileTests {
  /// A repository with nested folders, a symbolic link, an executable, a long path and a
  /// non-ASCII name, committed.
  func repository(_ scratch: ScratchDirectory) throws -> GitRepoFixture {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let long = (0..<12).map { "folder-with-a-long-name-\($0)" }.joined(separator: "/") + "/file.txt"
    try scratch.write(
      [
        "README.md": "hello\n", "src/a.go": "package a\n", "src/a/b.go": "package b\n", "src/a.b/c.go": "package c\n",
        "src/z.go": "package z\n", "docs/übersicht.md": "# Ü\n", "tools/run.sh": "#!/bin/sh\n", long: "deep\n",
      ], under: "repo")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: repo.path + "/tools/run.sh")
    try FileManager.default.createSymbolicLink(atPath: repo.path + "/link", withDestinationPath: "README.md")
    try repo.commitAll("first")
    return repo
  }

  /// `git ls-files -s`, parsed: what git's own reader finds in the index.
  func gitEntries(_ repo: GitRepoFixture) throws -> [GitIndexFile.Entry] {
    try repo.run(["-c", "core.quotePath=false", "ls-files", "-s", "-z"]).split(separator: "\0").map { line in
      let (meta, path) = (line.split(separator: "\t", maxSplits: 1)[0], line.split(separator: "\t", maxSplits: 1)[1])
      let fields = meta.split(separator: " ")
      return GitIndexFile.Entry(path: Array(path.utf8), mode: UInt32(fields[0], radix: 8)!, stage: Int(fields[2])!)
    }
  }

  func read(_ repo: GitRepoFixture) throws -> [GitIndexFile.Entry]? {
    GitIndexFile.entries(at: repo.path + "/.git/index")
  }

  @Test func readsEachFormatAsGitDoes() throws {
    let scratch = try ScratchDirectory()
    let repo = try repository(scratch)
    try scratch.write(["new.txt": "intent\n"], under: "repo")
    try repo.run(["add", "-N", "new.txt"])  // intent-to-add: an entry with extended flags (version 3)
    for version in ["2", "3", "4"] {
      if version != "3" { try repo.run(["update-index", "--index-version", version]) }
      let data = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index"))
      let written = Int(data[7])
      #expect(written == Int(version)! || (version == "2" && written == 3), "index version \(written)")
      let entries = try read(repo)
      #expect(entries == (try gitEntries(repo)), "version \(version)")
      #expect(entries?.count == 10)
    }
  }

  @Test func conflictedEntriesKeepTheirStages() throws {
    let scratch = try ScratchDirectory()
    let repo = try repository(scratch)
    try repo.run(["checkout", "-q", "-b", "side"])
    try scratch.write(["src/a.go": "package side\n"], under: "repo")
    try repo.commitAll("side")
    try repo.run(["checkout", "-q", "main"])
    try scratch.write(["src/a.go": "package main\n"], under: "repo")
    try repo.commitAll("main")
    _ = try? repo.run(["merge", "-q", "side"])  // conflicts: exits non-zero
    let entries = try #require(try read(repo))
    #expect(entries == (try gitEntries(repo)))
    #expect(entries.filter { $0.path == Array("src/a.go".utf8) }.map(\.stage) == [1, 2, 3])
  }

  @Test func leavesSplitIndexesAndOddFilesToLibgit2() throws {
    let scratch = try ScratchDirectory()
    let repo = try repository(scratch)
    let index = repo.path + "/.git/index"
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: index)))
    #expect(GitIndexFile.parse(bytes) != nil)
    // Truncated, an unknown version, entries that overrun the file: not read here.
    #expect(GitIndexFile.parse(Array(bytes.prefix(bytes.count / 2))) == nil)
    var unknownVersion = bytes
    unknownVersion[7] = 9
    #expect(GitIndexFile.parse(unknownVersion) == nil)
    var tooMany = bytes
    tooMany[11] = 200
    #expect(GitIndexFile.parse(tooMany) == nil)
    #expect(GitIndexFile.entries(at: repo.path + "/.git/no-such-index") == nil)
    // A split index keeps most entries in a second file.
    try repo.run(["update-index", "--split-index"])
    #expect(GitIndexFile.entries(at: index) == nil)
  }

  /// The cached listing (this reader) lists what the full status walk (libgit2's reader and
  /// walk) lists, in each format and with a conflict.
  @Test func theListingMatchesLibgit2sWalk() throws {
    let scratch = try ScratchDirectory()
    let repo = try repository(scratch)
    let tree = try #require(try GitWorkTree.discover(containing: repo.path))
    for version in ["2", "4"] {
      try repo.run(["update-index", "--index-version", version])
      let direct = try tree.listFiles(under: "", cache: nil).files
      let walked = try tree.listFiles(under: "")
      #expect(direct.map(\.path) == walked.map(\.path), "version \(version)")
      #expect(direct.map(\.isSymlink) == walked.map(\.isSymlink))
      #expect(direct.count == 9)
      let under = try tree.listFiles(under: "src", cache: nil).files
      #expect(under.map(\.path) == ["a.b/c.go", "a.go", "a/b.go", "z.go"])
    }
  }
}

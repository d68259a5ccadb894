import CtxCore
import CtxGit
import CtxTestSupport
import Foundation
import Testing

/// The changes a commit records are git's own (`git diff-tree -r --no-renames`). Trees are read
/// raw (`RawTree`), so git's tree order (a folder sorts as if its name ended in `/`) and its
/// mode rules are ours to keep: these names and kinds of entries are where they differ.
@Suite struct TreeDifferTests {
  @Test func everyCommitListsTheChangesGitLists() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    // "a" as a folder sorts after "a-b" and "a.b" but before "a0"; as a file, before them all.
    try scratch.write(
      [
        "a/inner.txt": "1\n", "a-b": "2\n", "a.b": "3\n", "a0": "4\n", "a b.txt": "5\n", "é.txt": "6\n",
        "script.sh": "echo hi\n", "foo": "a file first\n", "deep/er/still/file.go": "package still\n", "keep.txt": "same\n",
      ], under: "repo")
    try FileManager.default.createSymbolicLink(atPath: repo.path + "/link", withDestinationPath: "keep.txt")
    try repo.commitAll("first", date: "2024-01-01T10:00:00Z")

    // A file becomes a folder and a folder a file, under names that sort around them.
    try scratch.remove("repo/foo")
    try scratch.remove("repo/a")
    try scratch.write(["foo/bar.txt": "now a folder\n", "a": "now a file\n", "a.b": "3 changed\n"], under: "repo")
    try repo.commitAll("swap kinds", date: "2024-01-02T10:00:00Z")
    // A submodule (a commit in the tree), added here and gone with the next `add -A`.
    try repo.run(["update-index", "--add", "--cacheinfo", "160000,\(try repo.sha()),sub"])
    try repo.run(["commit", "-q", "-m", "submodule"])

    // Only the mode changes; a link becomes a file; a deep folder goes away whole.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: repo.path + "/script.sh")
    try scratch.remove("repo/link")
    try scratch.write(["link": "a plain file now\n"], under: "repo")
    try scratch.remove("repo/deep")
    try repo.commitAll("modes and links", date: "2024-01-03T10:00:00Z")

    // The same content moves (git sees a delete and an add) next to an edit.
    try repo.run(["mv", "a b.txt", "moved.txt"])
    try scratch.write(["é.txt": "6 changed\n"], under: "repo")
    try repo.commitAll("move", date: "2024-01-04T10:00:00Z")

    let history = try GitHistory(path: repo.path)
    let shas = try repo.run(["rev-list", "HEAD"]).split(separator: "\n").map(String.init)
    #expect(shas.count == 5)
    var everyChange: Set<String> = []
    for sha in shas {
      let record = try history.commit(sha)
      #expect(record.changesComplete)
      var ours: [String] = []
      for change in record.changes {
        if change.status == .renamed, let old = change.oldPath {
          ours += ["D \(old)", "A \(change.path)"]
        } else {
          ours.append("\(change.status.rawValue) \(change.path)")
        }
      }
      let fields = try repo.run(["diff-tree", "-r", "--no-renames", "--root", "--name-status", "-z", "--no-commit-id", sha])
        .split(separator: "\0", omittingEmptySubsequences: true).map(String.init)
      var gits: [String] = []
      var index = 0
      while index + 1 < fields.count {
        gits.append("\(fields[index]) \(fields[index + 1])")
        index += 2
      }
      #expect(ours.sorted() == gits.sorted(), "commit \(sha)")
      everyChange.formUnion(gits)
    }
    // The kinds of change above all happened (so each comparison above was made).
    for expected in ["A sub", "D sub", "T link", "M script.sh", "D foo", "A foo/bar.txt", "A a", "D a/inner.txt", "D deep/er/still/file.go", "M é.txt"] {
      #expect(everyChange.contains(expected), "\(expected)")
    }
  }

  /// Line counts are git's own (`git log --numstat`), for files added and deleted whole
  /// (counted without a diff) and for edits (xdiff): with and without a last newline, empty,
  /// blank lines, carriage returns, a binary file (no counts, as git prints "-").
  @Test func lineCountsAreGitsNumstat() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let shapes: [String: String] = [
      "ends-with-newline.txt": "one\ntwo\nthree\n", "no-last-newline.txt": "one\ntwo", "empty.txt": "",
      "only-newline.txt": "\n", "blank-lines.txt": "\n\n\nx\n\n", "crlf.txt": "a\r\nb\r\nc", "one-line.txt": "single",
      "edited.txt": "keep\nold\nkeep\n",
    ]
    try scratch.write(shapes, under: "repo")
    try scratch.writeBytes("binary.bin", [0x00, 0x01, 0x0A, 0x02, 0x00, 0x0A], under: "repo")
    try repo.commitAll("add every shape", date: "2024-02-01T10:00:00Z")
    for name in shapes.keys where name != "edited.txt" { try scratch.remove("repo/" + name) }
    try scratch.remove("repo/binary.bin")
    try scratch.write(["edited.txt": "keep\nnew\nnewer\nkeep"], under: "repo")
    try repo.commitAll("delete them, edit one", date: "2024-02-02T10:00:00Z")

    let history = try GitHistory(path: repo.path)
    for sha in try repo.run(["rev-list", "HEAD"]).split(separator: "\n").map(String.init) {
      let record = try history.commit(sha, countLines: true)
      let ours = record.changes.map { "\($0.added.map(String.init) ?? "-")\t\($0.removed.map(String.init) ?? "-")\t\($0.path)" }
      let gits = try repo.run(["show", "--numstat", "--format=", "--no-renames", sha]).split(separator: "\n").map(String.init)
      #expect(ours.sorted() == gits.sorted(), "commit \(sha)")
      #expect(ours.count == 9, "commit \(sha): \(ours)")
    }
  }
}

import CtxTestSupport
import Foundation
import Testing

/// A `revision:` source whose tree holds files skipped by their size alone (empty, over
/// `max_file_size`) is fresh right after a run: those files are not "behind".
@Suite struct RevisionStatusTests {
  @Test func sizeSkipsInARevisionAreNotBehind() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      ["a.py": "def a():\n    return 1\n", "empty.py": "", "big.py": String(repeating: "x = 1\n", count: 400)], under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\nrevision: HEAD\nmax_file_size: 1KiB\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    let status = try CtxBinary.run(["status"], in: workspace)
    #expect(status.status == 0, "\(status.stdout)")
    #expect(status.stdout.contains("fresh") && !status.stdout.contains("behind"), "\(status.stdout)")
    // A really new file still shows.
    try scratch.write(["b.py": "def b():\n    return 2\n"], under: "repo")
    try repo.commitAll("More", date: "2024-01-02T00:00:00Z")
    let behind = try CtxBinary.run(["status"], in: workspace)
    #expect(behind.status == 1 && behind.stdout.contains("1 new"), "\(behind.stdout)")
  }

  /// A blob the tree names but the repository lacks (a partial clone) is one problem naming
  /// the file, the blob and what to do, once; the other files are indexed.
  @Test func aMissingBlobIsNamedOnceWithTheFix() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["a.py": "def a():\n    return 1\n", "data.csv": "x,y\n1,2\n"], under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let blob = try Run.program("/usr/bin/git", ["-C", scratch.path + "/repo", "rev-parse", "HEAD:data.csv"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try FileManager.default.removeItem(atPath: scratch.path + "/repo/.git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\nrevision: HEAD\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 3, "\(index.stdout)\(index.stderr)")
    let output = index.stdout
    #expect(output.contains("data.csv: blob \(blob.prefix(12)) is not in the repository (a partial clone"), "\(output)")
    #expect(output.components(separatedBy: String(blob.prefix(12))).count == 3, "the blob named in the message and its `git cat-file` check only: \(output)")
    #expect(try CtxBinary.run(["search", "def a"], in: workspace).stdout.contains("a.py"))
    // Another run would not read it either: the source is not behind, the problem stays shown.
    let status = try CtxBinary.run(["status"], in: workspace)
    #expect(!status.stdout.contains("behind") && status.stdout.contains("data.csv"), "\(status.stdout)")
  }
}

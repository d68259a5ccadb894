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
}

import CtxTestSupport
import Foundation
import Testing

/// `ctx index --full` of every source builds a new index file beside the old one and switches
/// to it when done: the old file is never written, `ctx status` keeps its run history, a source
/// whose connector file was removed is dropped (and said so), and a source that fails keeps its
/// previous index (the run then rebuilds in place instead).
@Suite struct FullRebuildTests {
  func inode(_ path: String) throws -> Int {
    try #require((try FileManager.default.attributesOfItem(atPath: path))[.systemFileNumber] as? Int)
  }

  /// Rows of `source_run` for the source `name`, read by Python's sqlite3 (not ctx).
  func runCount(_ database: String, _ name: String) throws -> Int {
    let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
      + "print(c.execute('SELECT count(*) FROM source_run JOIN source ON source.id = source_run.source_id WHERE source.name = ?', (sys.argv[2],)).fetchone()[0])"
    let result = try Run.program("/usr/bin/env", ["python3", "-c", script, database, name])
    return try #require(Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(result.stderr)")
  }

  func fixture(_ scratch: ScratchDirectory) throws -> String {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    var files: [String: String] = [:]
    for number in 1...30 { files["src/m\(number).py"] = "def handler_\(number)(request):\n    return request.value + \(number)\n" }
    try scratch.write(files, under: "repo")
    try repo.commitAll("initial", date: "2024-01-01T00:00:00Z")
    try scratch.write(["notes/adr-1.md": "# Use quokka queues\n\nWe route jobs through quokka queues.\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write([
      "ws/connectors/code.yaml": "kind: code\npath: ../repo\n",
      "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
      "ws/connectors/notes.yaml": "kind: docs\npath: ../notes\n",
    ])
    for _ in 0..<2 { #expect(try CtxBinary.run(["index"], in: workspace).status == 0) }
    return workspace
  }

  @Test func aFullRunBuildsANewFileAndKeepsTheRunHistory() throws {
    let scratch = ScratchDirectory()
    let workspace = try fixture(scratch)
    let database = workspace + "/index/ctx.sqlite"
    let before = try inode(database)
    #expect(try runCount(database, "code") == 2)
    try FileManager.default.removeItem(atPath: workspace + "/connectors/notes.yaml")

    let full = try CtxBinary.run(["index", "--full"], in: workspace)
    #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
    #expect(try inode(database) != before, "the index was rebuilt in place")
    #expect(full.stdout.contains("notes: connector file removed"), "\(full.stdout)")
    for leftover in [".rebuild", ".damaged", "-wal"] { #expect(!FileManager.default.fileExists(atPath: database + leftover), "\(leftover)") }
    #expect(try runCount(database, "code") == 3, "the runs before the rebuild are kept")
    #expect(try runCount(database, "notes") == 0)
    #expect(try CtxBinary.run(["search", "handler_7"], in: workspace).stdout.contains("src/m7.py"))
    #expect(!(try CtxBinary.run(["search", "quokka"], in: workspace).stdout.contains("adr-1.md")))
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
  }

  @Test func aSourceThatFailsInAFullRunKeepsItsPreviousIndex() throws {
    let scratch = ScratchDirectory()
    let workspace = try fixture(scratch)
    let database = workspace + "/index/ctx.sqlite"
    try FileManager.default.moveItem(atPath: scratch.path + "/notes", toPath: scratch.path + "/notes-away")
    try scratch.write(["repo/src/added.py": "def wombat_handler():\n    return 1\n"])

    let full = try CtxBinary.run(["index", "--full"], in: workspace)
    #expect(full.status == 2, "\(full.stdout)\(full.stderr)")
    #expect(full.stdout.contains("notes: FAILED"), "\(full.stdout)")
    #expect(full.stdout.contains("warning: notes failed in the new index file, so every source was rebuilt again in place"), "\(full.stdout)")
    #expect(try CtxBinary.run(["search", "quokka"], in: workspace).stdout.contains("adr-1.md"), "the failed source lost its index")
    #expect(try CtxBinary.run(["search", "wombat_handler"], in: workspace).stdout.contains("src/added.py"), "the other sources were not rebuilt")
    #expect(!FileManager.default.fileExists(atPath: database + ".rebuild"))
    #expect(try runCount(database, "code") == 3)
  }
}

import CtxTestSupport
import Foundation
import Testing

/// A damaged `index/ctx.sqlite` (issue 16: "`ctx doctor` says run `ctx index --full`, which
/// fails with exit 2; over a page-corrupted file a plain `ctx index` exits 0"): it is detected,
/// never written to, and the fix doctor names works.
@Suite struct DamagedIndexTests {
  /// Overwrites the first bytes of every other page after the first (b-tree page headers), the
  /// way a bad disk sector or a torn copy would: deterministic, so the test cannot pass by luck.
  func damage(_ path: String) throws {
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    defer { try? handle.close() }
    let size = try handle.seekToEnd()
    var offset: UInt64 = 16384
    while offset < size {
      try handle.seek(toOffset: offset)
      try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
      offset += 2 * 16384
    }
  }

  @Test func doctorDetectsItAndIndexFullRebuildsBesideAndSwitches() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    var files: [String: String] = [:]
    for number in 1...60 { files["src/m\(number).py"] = "def handler_\(number)(request):\n    return request.value + \(number)\n" }
    try scratch.write(files, under: "repo")
    try repo.commitAll("initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let annotate = try CtxBinary.run(
      ["annotate", "symbol:handler_7", "--kind", "caveat", "--text", "handler_7 must stay idempotent", "--author", "Ada"], in: workspace)
    #expect(annotate.status == 0, "\(annotate.stderr)")
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    let database = workspace + "/index/ctx.sqlite"
    try damage(database)

    let doctor = try CtxBinary.run(["doctor"], in: workspace)
    #expect(doctor.status == 2, "\(doctor.stdout)")
    #expect(doctor.stdout.contains("FAIL index"), "\(doctor.stdout)")
    #expect(doctor.stdout.contains("fix: run `ctx index --full`: it builds a new index beside the damaged one"), "\(doctor.stdout)")

    // The next run that checks (every run at least six hours after the last clean check: the
    // next nightly run) refuses to write into it, and says what to do.
    let marker = workspace + "/index/integrity-checked"
    #expect(FileManager.default.fileExists(atPath: marker))
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7 * 3600)], ofItemAtPath: marker)
    let plain = try CtxBinary.run(["index"], in: workspace)
    #expect(plain.status == 2)
    #expect(plain.stderr.contains("damaged") && plain.stderr.contains("ctx index --full"), "\(plain.stderr)")
    let partial = try CtxBinary.run(["index", "--full", "--source", "code"], in: workspace)
    #expect(partial.status == 2)
    #expect(partial.stderr.contains("without --source"), "\(partial.stderr)")

    // The fix doctor names works: a new file built beside, switched to, the damaged one kept.
    let full = try CtxBinary.run(["index", "--full"], in: workspace)
    #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
    #expect(full.stdout.contains("rebuilt beside it and switched"), "\(full.stdout)")
    #expect(FileManager.default.fileExists(atPath: database + ".damaged"))
    #expect(!FileManager.default.fileExists(atPath: database + ".rebuild"))
    let healthy = try CtxBinary.run(["doctor"], in: workspace)
    #expect(healthy.stdout.contains("ok   index:"), "\(healthy.stdout)")
    let query = try CtxBinary.run(["query", "handler_7 idempotent"], in: workspace)
    #expect(query.status == 0, "\(query.stderr)")
    #expect(query.stdout.contains("handler_7 must stay idempotent"), "the annotation is back from annotations/: \(query.stdout)")
    #expect(query.stdout.contains("src/m7.py"))
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
  }

  @Test func readersNameTheFix() throws {
    let scratch = ScratchDirectory()
    try CtxBinary.run(["init", scratch.path])
    try scratch.write(["notes/a.md": "# Alpha\n\nThe alpha section explains rotation.\n", "connectors/docs.yaml": "kind: docs\npath: notes\n"])
    #expect(try CtxBinary.run(["index"], in: scratch.path).status == 0)
    // A file that is not a database at all (a torn copy, a truncated download).
    try Data(repeating: 0x5A, count: 65536).write(to: URL(fileURLWithPath: scratch.path + "/index/ctx.sqlite"))
    try? FileManager.default.removeItem(atPath: scratch.path + "/index/ctx.sqlite-wal")
    try? FileManager.default.removeItem(atPath: scratch.path + "/index/ctx.sqlite-shm")
    let search = try CtxBinary.run(["search", "rotation"], in: scratch.path)
    #expect(search.status == 2)
    #expect(search.stderr.contains("ctx index --full"), "\(search.stderr)")
    #expect(try CtxBinary.run(["index", "--full"], in: scratch.path).status == 0)
    #expect(try CtxBinary.run(["search", "rotation"], in: scratch.path).stdout.contains("notes/a.md"))
  }
}

import CtxTestSupport
import Foundation
import Testing

/// A run that rewrites most of a source's files (a re-cut after a chunker change, a branch
/// switch) merges the full-text table's segments: automatic merging is off, and the replaced
/// rows' tombstones made moby's long searches 12% slower until merged.
@Suite struct FullTextCompactionTests {
  static func ftsRows(_ workspace: String) throws -> Int {
    let script = "import sqlite3, sys\nprint(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM chunk_ft_data').fetchone()[0])"
    let output = try Run.program("/usr/bin/env", ["python3", "-c", script, workspace + "/index/ctx.sqlite"]).stdout
    return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
  }

  @Test func aRunThatRewritesMostFilesLeavesOneMergedTable() throws {
    let scratch = ScratchDirectory()
    func write(_ version: Int) throws {
      var files: [String: String] = [:]
      for index in 0..<600 { files["src/module\(index).py"] = "def handler_\(index)_v\(version)(request):\n    return request.value_\(version) + \(index)\n" }
      try scratch.write(files)
    }
    try write(1)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    try write(2)
    #expect(try CtxBinary.run(["index", "--json"], in: workspace).status == 0)
    let afterRewrite = try Self.ftsRows(workspace)
    // The same content indexed from nothing: one segment, no tombstones.
    #expect(try CtxBinary.run(["index", "--full"], in: workspace).status == 0)
    let fresh = try Self.ftsRows(workspace)
    // Unmerged, the rewrite left 41 rows (old segments, tombstones, new segments).
    #expect(afterRewrite > 0 && afterRewrite <= fresh, "after the rewrite \(afterRewrite) rows, from nothing \(fresh)")
  }
}

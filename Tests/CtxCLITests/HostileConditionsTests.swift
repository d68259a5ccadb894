import CtxTestSupport
import Foundation
import Testing

/// Disk full, a read-only index folder, permission denied on a source: a clear error, and the
/// previous index intact. These need root (to mount a small tmpfs and to run ctx as another
/// user); CI runs as root.
@Suite(.serialized) struct HostileConditionsTests {
  static var isRoot: Bool { getuid() == 0 }

  func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
    try Run.program(program, arguments)
  }

  func integrity(_ database: String) throws -> String {
    // `chunk_ft` reads its content through `ctx_text(body)` (schema v11): the crash harness's
    // decoder of the stored form (TEXT, or tag 1 + LEB128 length + an LZ4 block), independent
    // of ctx.
    let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts").path
    let script = """
      import sqlite3, sys
      sys.path.insert(0, "\(scripts)")
      from crash_harness import ctx_text
      con = sqlite3.connect(sys.argv[1])
      con.create_function("ctx_text", 1, ctx_text, deterministic=True)
      rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
      for t in ["chunk_ft", "commit_ft", "section_ft", "thread_ft", "annotation_ft"]:
          con.execute(f"INSERT INTO {t}({t}, rank) VALUES('integrity-check', 1)")
      print(",".join(rows))
      """
    return try Run.program("/usr/bin/env", ["python3", "-c", script, database]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// A workspace whose index/ is a small tmpfs.
  func workspace(_ scratch: ScratchDirectory, indexSize: String) throws -> String {
    try scratch.write(["src/session.py": "def validate_session(token):\n    return len(token) > 0\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    let mount = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(indexSize)", "tmpfs", workspace + "/index"])
    guard mount.status == 0 else { throw FixtureError(message: "mount: \(mount.stderr)") }
    return workspace
  }

  @Test func aFullDiskIsAClearErrorAndThePreviousIndexIsIntact() throws {
    guard HostileConditionsTests.isRoot else { return }
    let scratch = ScratchDirectory()
    let workspace = try workspace(scratch, indexSize: "4m")
    defer { _ = try? run("/bin/umount", ["-l", workspace + "/index"]) }
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let before = try CtxBinary.run(["search", "validate session", "--json"], in: workspace).stdout
    // Far more text than the index folder can hold.
    var files: [String: String] = [:]
    for index in 0..<400 {
      files["gen/module\(index).py"] = (0..<60).map { "def function_\(index)_\($0)(value):\n    return value * \($0) + \(index)  # unique_\(index)_\($0)\n" }.joined()
    }
    try scratch.write(files, under: "src")
    let full = try CtxBinary.run(["index"], in: workspace)
    #expect(full.status == 2, "\(full.stdout)\(full.stderr)")
    #expect((full.stdout + full.stderr).contains("disk is full"), "\(full.stdout)\(full.stderr)")
    #expect((full.stdout + full.stderr).contains("previous index is"), "\(full.stdout)")
    #expect(try integrity(workspace + "/index/ctx.sqlite") == "ok")
    #expect(try CtxBinary.run(["search", "validate session", "--json"], in: workspace).stdout == before)
    #expect(try CtxBinary.run(["search", "unique_3_4"], in: workspace).status == 1)
  }

  @Test func aReadOnlyIndexFolderIsAClearErrorAndThePreviousIndexIsIntact() throws {
    guard HostileConditionsTests.isRoot else { return }
    let scratch = ScratchDirectory()
    let workspace = try workspace(scratch, indexSize: "8m")
    defer { _ = try? run("/bin/umount", ["-l", workspace + "/index"]) }
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let before = try CtxBinary.run(["search", "validate session", "--json"], in: workspace).stdout
    try scratch.write(["src/more.py": "def another_function():\n    return 1\n"])
    #expect(try run("/bin/mount", ["-o", "remount,ro", workspace + "/index"]).status == 0)
    let refused = try CtxBinary.run(["index"], in: workspace)
    #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("index/lock") && refused.stderr.contains("Read-only file system") && refused.stderr.contains("permissions"), "\(refused.stderr)")
    #expect(try run("/bin/mount", ["-o", "remount,rw", workspace + "/index"]).status == 0)
    #expect(try integrity(workspace + "/index/ctx.sqlite") == "ok")
    #expect(try CtxBinary.run(["search", "validate session", "--json"], in: workspace).stdout == before)
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
  }

  @Test func permissionDeniedOnASourceIsNamedAndTheRestIndexed() throws {
    guard HostileConditionsTests.isRoot else { return }
    let scratch = ScratchDirectory()
    try scratch.write(["src/open.py": "def open_function():\n    return 1\n", "src/secret/inner.py": "def hidden():\n    return 2\n", "src/closed.py": "def closed_function():\n    return 3\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    // ctx runs as `nobody`, who owns the workspace but cannot read two parts of the source.
    _ = try run("/bin/chmod", ["755", scratch.path])
    _ = try run("/bin/chown", ["-R", "65534:65534", workspace])
    func ctx(_ arguments: [String]) throws -> ProcessResult {
      try Run.program("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CtxBinary.path] + arguments + ["--workspace", workspace])
    }
    #expect(try ctx(["index"]).status == 0)
    try scratch.write(["src/closed.py": "def closed_function():\n    return 30\n"])
    _ = try run("/bin/chmod", ["000", scratch.path + "/src/closed.py"])
    _ = try run("/bin/chmod", ["000", scratch.path + "/src/secret"])
    try scratch.write(["src/open.py": "def open_function_renamed():\n    return 1\n"])
    let partial = try ctx(["index"])
    #expect(partial.status == 3, "\(partial.stdout)\(partial.stderr)")
    #expect(partial.stdout.contains("closed.py: cannot read: Permission denied"), "\(partial.stdout)")
    #expect(partial.stdout.contains("secret: cannot list folder: Permission denied"), "\(partial.stdout)")
    #expect(partial.stdout.contains("0 deleted"), "\(partial.stdout)")
    // The readable change is indexed; the unreadable file keeps its previous entry.
    #expect(try ctx(["search", "open_function_renamed"]).status == 0)
    #expect(try ctx(["search", "closed_function"]).status == 0)
    #expect(try ctx(["search", "hidden"]).status == 0)
    #expect(try integrity(workspace + "/index/ctx.sqlite") == "ok")
  }
}

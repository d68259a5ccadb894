import CtxTestSupport
import Foundation
import Testing

/// `ctx status` and `ctx doctor` through the binary, as monitoring and people use them.
@Suite struct StatusDoctorTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  func sources(_ status: [String: Any]) -> [String: [String: Any]] {
    var result: [String: [String: Any]] = [:]
    for source in status["sources"] as? [[String: Any]] ?? [] { result[source["name"] as? String ?? ""] = source }
    return result
  }

  @Test func statusSaysWhatIsBehindAndExitsForMonitoring() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/a.py": "def a():\n    return 1\n", "src/b.py": "def b():\n    return 2\n"], under: "repo")
    try repo.commitAll("initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])

    let never = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(never.status == 1)
    #expect(sources(try json(never.stdout))["code"]?["state"] as? String == "never-indexed")

    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    let fresh = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(fresh.status == 0, "\(fresh.stdout)")
    let freshSources = sources(try json(fresh.stdout))
    #expect(freshSources["code"]?["state"] as? String == "fresh")
    #expect((freshSources["code"]?["indexed"] as? [String: Any])?["files"] as? Int == 2)
    #expect((freshSources["history"]?["indexed"] as? [String: Any])?["commits"] as? Int == 1)
    #expect((freshSources["code"]?["last_success"] as? [String: Any])?["status"] as? String == "ok")
    #expect((try json(fresh.stdout)["index_bytes"] as? Int ?? 0) > 0)

    // The sources move on: a changed file, a new file, a deleted file, two commits.
    try scratch.write(["src/a.py": "def a():\n    return 10\n", "src/c.py": "def c():\n    return 3\n"], under: "repo")
    try scratch.remove("repo/src/b.py")
    try repo.commitAll("second", date: "2024-01-02T00:00:00Z")
    try scratch.write(["src/d.py": "def d():\n    return 4\n"], under: "repo")
    try repo.commitAll("third", date: "2024-01-03T00:00:00Z")
    let stale = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(stale.status == 1)
    let staleSources = sources(try json(stale.stdout))
    #expect(staleSources["code"]?["state"] as? String == "stale")
    let pending = try #require(staleSources["code"]?["pending_files"] as? [String: Any])
    #expect(pending["added"] as? Int == 2 && pending["changed"] as? Int == 1 && pending["deleted"] as? Int == 1)
    #expect((staleSources["history"]?["pending_commits"] as? [String: Any])?["new_commits"] as? Int == 2)
    let human = try CtxBinary.run(["status"], in: workspace)
    #expect(human.stdout.contains("behind: 2 new, 1 changed, 1 deleted file(s)"), "\(human.stdout)")
    #expect(human.stdout.contains("behind: 2 new commit(s)"), "\(human.stdout)")

    // A failing source: its last run failed, the previous success is still reported.
    try FileManager.default.moveItem(atPath: scratch.path + "/repo/.git", toPath: scratch.path + "/repo/.git-away")
    #expect(try CtxBinary.run(["index"], in: workspace).status == 2)
    let failing = sources(try json(try CtxBinary.run(["status", "--json"], in: workspace).stdout))
    #expect(failing["history"]?["state"] as? String == "failing")
    #expect((failing["history"]?["last_success"] as? [String: Any])?["status"] as? String == "ok")
  }

  @Test func doctorChecksTheSystemPiecesAndNamesTheFix() throws {
    let scratch = ScratchDirectory()
    try CtxBinary.run(["init", scratch.path])
    let noIndex = try CtxBinary.run(["doctor"], in: scratch.path)
    #expect(noIndex.status == 2)
    #expect(noIndex.stdout.contains("ok   sqlite: SQLite 3."), "\(noIndex.stdout)")
    #expect(noIndex.stdout.contains("FTS5 works"))
    // SQLite's settings took effect before any connection opened (`SQLiteSettings`).
    #expect(noIndex.stdout.contains("multi-thread mode"), "\(noIndex.stdout)")
    #expect(noIndex.stdout.contains("ok   libgit2: libgit2 1."))
    #expect(noIndex.stdout.contains("ok   ctags:"))
    #expect(noIndex.stdout.contains("fix: run `ctx index`"))
    #expect(try CtxBinary.run(["index"], in: scratch.path).status == 0)
    let healthy = try CtxBinary.run(["doctor", "--json"], in: scratch.path)
    #expect(healthy.status == 0, "\(healthy.stdout)")
    let noCtags = try CtxBinary.run(["doctor"], in: scratch.path, environment: ["CTX_CTAGS": "/nonexistent/ctags"])
    #expect(noCtags.status == 2)
    #expect(noCtags.stdout.contains("fix: apt-get install universal-ctags"))
    // A ctags that never answers (a wrapper waiting on a network mount, a stopped binary) is
    // reported within its 5 s deadline, not waited for.
    let hanging = scratch.path + "/hanging-ctags"
    try "#!/bin/sh\nexec sleep 60\n".write(toFile: hanging, atomically: true, encoding: .utf8)
    chmod(hanging, 0o755)
    let started = Date()
    let hung = try CtxBinary.run(["doctor"], in: scratch.path, environment: ["CTX_CTAGS": hanging])
    #expect(Date().timeIntervalSince(started) < 15)
    #expect(hung.status == 2)
    #expect(hung.stdout.contains("did not answer `--version` within 5 s"), "\(hung.stdout)")
  }
}

import CtxTestSupport
import Foundation
import Testing

/// "Never lie": what `ctx index` and `ctx status` say matches what happened, with real git
/// repositories, real SQLite files and the built binary (the reliability issue's six cases).
@Suite struct IndexTruthTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  func sources(_ text: String) throws -> [String: [String: Any]] {
    var result: [String: [String: Any]] = [:]
    for source in try json(text)["sources"] as? [[String: Any]] ?? [] { result[source["name"] as? String ?? ""] = source }
    return result
  }

  /// A repository with three commits and a workspace whose `history` source reads it.
  func historyWorkspace(_ scratch: ScratchDirectory, refs: String? = nil) throws -> (workspace: String, repo: GitRepoFixture) {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/a.py": "def a():\n    return 1\n"], under: "repo")
    try repo.commitAll("Add the frobnicator module", date: "2024-01-01T00:00:00Z")
    try scratch.write(["src/b.py": "def b():\n    return 2\n"], under: "repo")
    try repo.commitAll("Teach the frobnicator to count", date: "2024-01-02T00:00:00Z")
    try scratch.write(["src/a.py": "def a():\n    return 10\n"], under: "repo")
    try repo.commitAll("Tune the quuxification threshold", date: "2024-01-03T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try FileManager.default.removeItem(atPath: workspace + "/connectors/code.yaml")
    try scratch.write(["ws/connectors/history.yaml": "kind: git\npath: ../repo\n" + (refs.map { "refs: \($0)\n" } ?? "")])
    return (workspace, repo)
  }

  // MARK: 1. Corrupt git data is never "unborn HEAD"

  @Test func aTruncatedPackFailsTheSourceAndKeepsItsHistory() throws {
    let scratch = ScratchDirectory()
    let (workspace, repo) = try historyWorkspace(scratch)
    let first = try CtxBinary.run(["index"], in: workspace)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(try CtxBinary.run(["search", "quuxification", "--layer", "history"], in: workspace).status == 0)

    // Pack every object (and ref), then cut the pack in half.
    try repo.run(["gc", "-q", "--prune=now"])
    let packs = try FileManager.default.contentsOfDirectory(atPath: repo.path + "/.git/objects/pack").filter { $0.hasSuffix(".pack") }
    let pack = repo.path + "/.git/objects/pack/" + (try #require(packs.first))
    let size = try #require((try FileManager.default.attributesOfItem(atPath: pack))[.size] as? Int)
    let handle = try #require(FileHandle(forWritingAtPath: pack))
    try handle.truncate(atOffset: UInt64(size / 2))
    try handle.close()

    let broken = try CtxBinary.run(["index"], in: workspace)
    #expect(broken.status == 2, "\(broken.stdout)\(broken.stderr)")
    #expect(broken.stdout.contains("history: FAILED"), "\(broken.stdout)")
    #expect(broken.stdout.contains("git fsck"), "\(broken.stdout)")
    #expect(!broken.stdout.contains("unborn"), "\(broken.stdout)")
    // Every indexed commit is still served.
    #expect(try CtxBinary.run(["search", "quuxification", "--layer", "history"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["search", "frobnicator count", "--layer", "history"], in: workspace).status == 0)

    let status = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(status.status == 1)
    let history = try #require(try sources(status.stdout)["history"])
    #expect(history["state"] as? String == "failing")
    #expect((history["indexed"] as? [String: Any])?["commits"] as? Int == 3)
    let human = try CtxBinary.run(["status"], in: workspace)
    #expect(human.stdout.contains("history (git): failing"), "\(human.stdout)")

    // A second run on the same corrupt repository still removes nothing.
    #expect(try CtxBinary.run(["index"], in: workspace).status == 2)
    #expect(try CtxBinary.run(["search", "frobnicator", "--layer", "history", "--json"], in: workspace).stdout.contains("Add the frobnicator module"))
  }

  @Test func onlyARepositoryWithNoCommitsIsUnborn() throws {
    let scratch = ScratchDirectory()
    _ = try GitRepoFixture(at: scratch.path + "/repo")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try FileManager.default.removeItem(atPath: workspace + "/connectors/code.yaml")
    try scratch.write(["ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    let run = try CtxBinary.run(["index"], in: workspace)
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("no commits yet (HEAD is unborn)"), "\(run.stdout)")
  }

  @Test func refsThatNameNothingFailTheSource() throws {
    let scratch = ScratchDirectory()
    let (workspace, _) = try historyWorkspace(scratch, refs: "[mian]")
    let run = try CtxBinary.run(["index"], in: workspace)
    #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("no ref in `refs:` names a commit") && run.stdout.contains("mian"), "\(run.stdout)")
    let status = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(status.status == 1)
    #expect(try sources(status.stdout)["history"]?["state"] as? String == "failing")
  }

  /// `--source` naming a connector file that does not read reports that file's error, not
  /// "no source named".
  @Test func aSourceWhoseConnectorFileIsBrokenIsNamedWithItsError() throws {
    let scratch = ScratchDirectory()
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/team-chat.yaml": "kind: chat\nformat: slack\npath: .\n"])
    let run = try CtxBinary.run(["index", "--source", "team-chat"], in: workspace)
    #expect(run.status != 0)
    #expect(run.stderr.contains("team-chat.yaml:2") && !run.stderr.contains("no source named"), "\(run.stderr)")
  }

  // MARK: 2. A missing source folder is a failed source

  @Test func aMissingSourceFolderFailsAndItsIndexIsKept() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["src/engine.py": "def warp_drive_engage():\n    return 1\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // The disk is unmounted for the night.
    try FileManager.default.moveItem(atPath: scratch.path + "/src", toPath: scratch.path + "/src-away")
    let run = try CtxBinary.run(["index"], in: workspace)
    #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("code: FAILED") && run.stdout.contains(scratch.path + "/src is missing"), "\(run.stdout)")
    #expect(run.stdout.components(separatedBy: "previous index is kept").count == 2, "said once: \(run.stdout)")
    #expect(!run.stdout.contains("connector file error"), "\(run.stdout)")
    #expect(try CtxBinary.run(["search", "warp drive engage"], in: workspace).status == 0)

    let status = try CtxBinary.run(["status"], in: workspace)
    #expect(status.status == 1)
    #expect(status.stdout.contains("code (code): missing"), "\(status.stdout)")
    #expect(status.stdout.contains(scratch.path + "/src is missing"), "\(status.stdout)")
    #expect(!status.stdout.contains("connector file is gone"), "\(status.stdout)")
    let statusJSON = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(statusJSON.status == 1)
    #expect(try json(statusJSON.stdout)["orphan_sources"] as? [String] == [])
    #expect(try sources(statusJSON.stdout)["code"]?["state"] as? String == "missing")

    // A source never indexed whose folder is missing is not told to "run ctx index".
    try scratch.write(["ws/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: ../no-such-export.jsonl\n"])
    let never = try CtxBinary.run(["status"], in: workspace)
    #expect(never.stdout.contains("chat (chat): missing") && !never.stdout.contains("chat (chat): missing; run `ctx index`"), "\(never.stdout)")
    #expect(never.stdout.contains("Restore it, fix `path: ../no-such-export.jsonl`"), "\(never.stdout)")
    #expect(never.stdout.contains("Nothing of it has been indexed yet"), "no previous index to keep: \(never.stdout)")
    let neverRun = try CtxBinary.run(["index", "--source", "chat"], in: workspace)
    #expect(neverRun.stdout.contains("Nothing of it has been indexed yet") && !neverRun.stdout.contains("previous index is kept"), "\(neverRun.stdout)")
    try FileManager.default.removeItem(atPath: workspace + "/connectors/chat.yaml")

    // Back again: indexed and fresh.
    try FileManager.default.moveItem(atPath: scratch.path + "/src-away", toPath: scratch.path + "/src")
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
  }

  // MARK: 3. Files skipped by policy are not "behind"

  @Test func statusIsFreshAfterARunThatSkippedFilesByPolicy() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let minified = "var a=" + String(repeating: "1+", count: 4000) + "1;\n"
    try scratch.write(
      [
        "src/app.py": "def app():\n    return 1\n",
        "static/app.min.js": minified,
        "static/bundle.js": minified,
        "vendor/lib/lib.py": "def vendored():\n    return 1\n",
        "big.txt": String(repeating: "big line of text\n", count: 5000),
        "empty.txt": "",
      ], under: "repo")
    try scratch.writeBytes("repo/logo.png", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01, 0x02])
    try repo.commitAll("initial")
    // A file whose name is not UTF-8, untracked.
    let badName = try Run.program("/usr/bin/python3", ["-c", "open(b'\(repo.path)/src/caf\\xe9.py', 'wb').write(b'x = 1\\n')"])
    #expect(badName.status == 0, "\(badName.stderr)")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\nmax_file_size: 64KiB\n"])

    for _ in 0..<2 {
      let run = try CtxBinary.run(["index"], in: workspace)
      #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
      #expect(!run.stdout.contains("vanished"), "\(run.stdout)")
      #expect(run.stdout.contains("non-utf8-name"), "\(run.stdout)")
      let status = try CtxBinary.run(["status"], in: workspace)
      #expect(status.status == 0, "\(status.stdout)")
      #expect(status.stdout.contains("code (code): fresh") && !status.stdout.contains("behind"), "\(status.stdout)")
    }

    // A truly new file, and a skipped file that changed, are behind.
    try scratch.write(["src/new.py": "def new():\n    return 2\n"], under: "repo")
    try scratch.writeBytes("repo/logo.png", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01, 0x02, 0x03])
    let stale = try CtxBinary.run(["status"], in: workspace)
    #expect(stale.status == 1)
    #expect(stale.stdout.contains("behind: 1 new, 1 changed, 0 deleted file(s)"), "\(stale.stdout)")
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
  }

  // MARK: 4. The states README's "Status" lists that other tests do not reach

  @Test func unknownAndOrphanStatesExitOne() throws {
    let scratch = ScratchDirectory()
    let (workspace, _) = try historyWorkspace(scratch)
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)

    // The repository can no longer be opened, and no run has tried since: `unknown`.
    try FileManager.default.moveItem(atPath: scratch.path + "/repo/.git", toPath: scratch.path + "/repo/.git-away")
    let unknown = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(unknown.status == 1)
    #expect(try sources(unknown.stdout)["history"]?["state"] as? String == "unknown")
    #expect(try CtxBinary.run(["status"], in: workspace).stdout.contains("could not check: "))
    try FileManager.default.moveItem(atPath: scratch.path + "/repo/.git-away", toPath: scratch.path + "/repo/.git")

    // A connector file deleted since the last run: an orphan until the next run drops it.
    try FileManager.default.removeItem(atPath: workspace + "/connectors/history.yaml")
    let orphan = try CtxBinary.run(["status", "--json"], in: workspace)
    #expect(orphan.status == 1)
    #expect(try json(orphan.stdout)["orphan_sources"] as? [String] == ["history"])
    #expect(try CtxBinary.run(["status"], in: workspace).stdout.contains("history: its connector file is gone; the next `ctx index` drops it"))
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
  }

  // MARK: 5. Only marked workspaces are found

  @Test func discoveryTakesOnlyMarkedWorkspaces() throws {
    let scratch = ScratchDirectory()
    // An unrelated repository with a Kafka Connect `connectors/` folder.
    try scratch.write(["kafka/connectors/jdbc-sink.yaml": "name: jdbc-sink\nconnector.class: io.confluent.JdbcSinkConnector\n", "kafka/src/Main.java": "class Main {}\n"])
    let kafka = scratch.path + "/kafka"
    let refused = try CtxBinary.run(["index"], in: kafka + "/src")
    #expect(refused.status == 78, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains(kafka + " holds connectors/ but no .ctx-workspace"), "\(refused.stderr)")
    #expect(refused.stderr.contains("ctx init " + kafka), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: kafka + "/index"))
    #expect(try CtxBinary.run(["status"], in: kafka).status == 78)

    // A workspace made before the marker: named explicitly it still works; `ctx init` marks it.
    try scratch.write(["old/connectors/code.yaml": "kind: code\npath: src\nuse_git: false\n", "old/src/a.py": "def legacy_function():\n    return 1\n"])
    let old = scratch.path + "/old"
    #expect(try CtxBinary.run(["index", "--workspace", old]).status == 0)
    #expect(try CtxBinary.run(["search", "legacy function"], in: "/", environment: ["CTX_WORKSPACE": old]).status == 0)
    #expect(try CtxBinary.run(["search", "legacy function"], in: old + "/src").status == 78)
    let marked = try CtxBinary.run(["init", old])
    #expect(marked.status == 0)
    #expect(marked.stdout.contains("Marked " + old), "\(marked.stdout)")
    #expect(FileManager.default.fileExists(atPath: old + "/.ctx-workspace"))
    #expect(try CtxBinary.run(["search", "legacy function"], in: old + "/src").status == 0)
    // Nothing else was touched.
    #expect(try scratch.read("old/connectors/code.yaml") == "kind: code\npath: src\nuse_git: false\n")

    // An unmarked connectors/ folder inside a marked workspace is passed over.
    try scratch.write(["old/src/kafka/connectors/s3.yaml": "name: s3\n"])
    #expect(try CtxBinary.run(["search", "legacy function"], in: old + "/src/kafka").status == 0)
  }

  @Test func thisRepositoryIsAMarkedWorkspace() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(".ctx-workspace").path))
    #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("connectors").path))
  }

  // MARK: 6. One writer, even when index/ is deleted

  @Test func twoWritersNeverRunAtOnceEvenWhenIndexIsDeleted() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["src/a.py": "def alpha_function():\n    return 1\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // A ctags that says it started, then takes its time: the first run holds the lock a while.
    let started = scratch.path + "/started"
    let slowCtags = scratch.path + "/slow-ctags"
    try scratch.write(["slow-ctags": "#!/bin/sh\nif [ \"$1\" = --version ]; then touch '\(started)'; sleep 4; fi\nexec ctags \"$@\"\n"])
    chmod(slowCtags, 0o755)
    try scratch.write(["src/b.py": "def beta_function():\n    return 2\n"])
    let first = Process()
    first.executableURL = URL(fileURLWithPath: CtxBinary.path)
    first.arguments = ["index", "--workspace", workspace]
    first.environment = ProcessInfo.processInfo.environment.merging(["CTX_CTAGS": slowCtags]) { _, new in new }
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: started) && Date() < deadline { usleep(20_000) }
    #expect(first.isRunning)

    // Someone deletes index/ while the first run writes, and starts another run.
    try FileManager.default.removeItem(atPath: workspace + "/index")
    let second = try CtxBinary.run(["index"], in: workspace)
    #expect(second.status == 75, "\(second.stdout)\(second.stderr)")
    #expect(second.stderr.contains("another ctx index is already running"), "\(second.stderr)")
    #expect(!FileManager.default.fileExists(atPath: workspace + "/index/ctx.sqlite"))

    first.waitUntilExit()
    // With the first writer gone, the next run rebuilds the index from nothing.
    let after = try CtxBinary.run(["index"], in: workspace)
    #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
    #expect(try CtxBinary.run(["search", "beta function"], in: workspace).status == 0)
  }
}

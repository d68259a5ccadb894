import CtxTestSupport
import Foundation
import Testing

/// Drives the built `ctx` binary, as people and cron jobs do.
@Suite struct EndToEndTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// A workspace over a real git repository.
  func makeWorkspace(_ scratch: ScratchDirectory) throws -> (workspace: String, repo: GitRepoFixture) {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        "src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 0;\n}\n",
        "src/auth/Login.swift": "struct Login {\n  func submit(user: String) -> Bool {\n    return !user.isEmpty\n  }\n}\n",
        "src/util.py": "def parse_args(argv):\n    return argv[1:]\n",
        "README.md": "# Demo\n\nSessions expire after an hour.\n",
        ".gitignore": "*.log\n",
      ], under: "repo")
    try repo.commitAll("initial")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])
    return (workspace, repo)
  }

  @Test func indexSearchQueryAndIncrementalRuns() throws {
    let scratch = ScratchDirectory()
    let (workspace, _) = try makeWorkspace(scratch)

    let first = try CtxBinary.run(["index", "--json"], in: workspace)
    #expect(first.status == 0, "\(first.stderr)")
    let report = try json(first.stdout)
    let source = try #require((report["sources"] as? [[String: Any]])?.first)
    #expect(source["added"] as? Int == 5)

    let search = try CtxBinary.run(["search", "validate session", "--layer", "code", "--json"], in: workspace)
    #expect(search.status == 0)
    let result = try json(search.stdout)
    #expect(result["query"] as? String == "validate session")
    let hit = try #require((result["hits"] as? [[String: Any]])?.first)
    #expect(hit["layer"] as? String == "code")
    #expect(hit["path"] as? String == "src/auth/session.ts")
    #expect(hit["start_line"] as? Int == 1)
    #expect(hit["end_line"] as? Int == 3)
    #expect(hit["symbol"] as? String == "validateSession")
    #expect(hit["kind"] as? String == "function")
    #expect(hit["ref"] as? String == "src/auth/session.ts:1-3")
    #expect(hit["source"] as? String == "code")
    #expect(hit["score"] is Double)

    // Nothing found: exit 1. Text from stdin with `-`.
    #expect(try CtxBinary.run(["search", "zyzzyvaquux"], in: workspace).status == 1)
    let piped = try CtxBinary.run(["search", "-", "--json"], in: workspace, stdin: "Traceback:\n  File \"src/util.py\", line 2, in parse_args\n")
    #expect(try json(piped.stdout)["hits"].flatMap { ($0 as? [[String: Any]])?.first?["path"] as? String } == "src/util.py")

    let query = try CtxBinary.run(["query", "Login submit"], in: workspace)
    #expect(query.status == 0)
    #expect(query.stdout.contains("`src/auth/Login.swift:1-5` `Login` (struct)"), "\(query.stdout)")
    #expect(query.stdout.contains("return !user.isEmpty"))

    // A second run with nothing changed re-reads nothing.
    let second = try json(try CtxBinary.run(["index", "--json"], in: workspace).stdout)
    let again = try #require((second["sources"] as? [[String: Any]])?.first)
    #expect(again["unchanged"] as? Int == 5)
    #expect(again["bytes_read"] as? Int == 0)
    #expect((again["added"] as? Int ?? -1) + (again["changed"] as? Int ?? -1) == 0)

    // Change one file, delete one, rename one, add one.
    try scratch.write(["repo/src/util.py": "def parse_options(argv):\n    return argv[2:]\n", "repo/src/new.go": "package x\nfunc Fresh() {}\n"])
    try scratch.remove("repo/README.md")
    try FileManager.default.moveItem(atPath: scratch.path + "/repo/src/auth/session.ts", toPath: scratch.path + "/repo/src/auth/sessions.ts")
    let third = try json(try CtxBinary.run(["index", "--json"], in: workspace).stdout)
    let changed = try #require((third["sources"] as? [[String: Any]])?.first)
    #expect(changed["added"] as? Int == 2)  // new.go and the renamed sessions.ts
    #expect(changed["changed"] as? Int == 1)
    #expect(changed["deleted"] as? Int == 2)  // README.md and the old session.ts
    let moved = try json(try CtxBinary.run(["search", "validateSession", "--json"], in: workspace).stdout)
    #expect((moved["hits"] as? [[String: Any]])?.first?["path"] as? String == "src/auth/sessions.ts")
    #expect(try CtxBinary.run(["search", "parse_args"], in: workspace).status == 1)
    #expect(try CtxBinary.run(["search", "hour"], in: workspace).status == 1)

    // --full rebuilds to the same answers.
    let full = try json(try CtxBinary.run(["index", "--full", "--json"], in: workspace).stdout)
    #expect(((full["sources"] as? [[String: Any]])?.first?["added"] as? Int) == 5)
  }

  @Test func badConnectorAndProblemsHaveTheirExitCodes() throws {
    let scratch = ScratchDirectory()
    let (workspace, _) = try makeWorkspace(scratch)
    try scratch.write(["ws/connectors/broken.yaml": "kind: code\npath: ../repo\nexlude: [x]\n"])
    let run = try CtxBinary.run(["index"], in: workspace)
    #expect(run.status == 78)
    #expect(run.stdout.contains("connectors/broken.yaml:3: unknown key `exlude`"), "\(run.stdout)")
    #expect(run.stdout.contains("code: 5 files"))  // the good source is still indexed
    // ctags missing is a problem named in the summary.
    try scratch.remove("ws/connectors/broken.yaml")
    try scratch.write(["repo/src/extra.c": "int extra(void) { return 1; }\n"])
    let noCtags = try CtxBinary.run(["index"], in: workspace, environment: ["CTX_CTAGS": "/nonexistent/ctags"])
    #expect(noCtags.status == 3)
    #expect(noCtags.stdout.contains("ctags-missing"))
  }

  @Test func noWorkspaceAndNoIndexAreClearErrors() throws {
    let scratch = ScratchDirectory()
    let none = try CtxBinary.run(["search", "x"], in: scratch.path)
    #expect(none.status == 78)
    #expect(none.stderr.contains("ctx init"))
    try CtxBinary.run(["init"], in: scratch.path)
    let empty = try CtxBinary.run(["search", "x"], in: scratch.path)
    #expect(empty.status == 2)
    #expect(empty.stderr.contains("run `ctx index` first"))
    let usage = try CtxBinary.run(["search", "x", "--limit", "0"], in: scratch.path)
    #expect(usage.status == 2)
  }

  @Test func historyLayerThroughTheBinary() throws {
    let scratch = ScratchDirectory()
    let (workspace, repo) = try makeWorkspace(scratch)
    try scratch.write(["repo/src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 8;\n}\n"])
    try repo.commitAll("Require longer session tokens\n\nShort tokens were guessable.", date: "2024-05-01T12:00:00Z", author: "Bo Reviewer", email: "bo@example.com")
    try scratch.write(["ws/connectors/history.yaml": "kind: git\npath: ../repo\nrefs: [HEAD]\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    #expect(index.status == 0, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("history: 2 new commit(s)"), "\(index.stdout)")

    let search = try CtxBinary.run(["search", "guessable tokens", "--layer", "history", "--json"], in: workspace)
    #expect(search.status == 0, "\(search.stderr)")
    let hit = try #require((try json(search.stdout)["hits"] as? [[String: Any]])?.first)
    #expect(hit["layer"] as? String == "history")
    #expect(hit["commit"] as? String == (try repo.sha()))
    #expect(hit["ref"] as? String == (try repo.sha()))
    #expect(hit["summary"] as? String == "Require longer session tokens")
    #expect(hit["author"] as? String == "Bo Reviewer")
    #expect(hit["date"] as? String == "2024-05-01T12:00:00Z")
    #expect(hit["paths"] as? [String] == ["src/auth/session.ts"])
    #expect(hit["source"] as? String == "history")

    // All layers at once: each layer's best hit comes first.
    let mixed = try json(try CtxBinary.run(["search", "session", "--json"], in: workspace).stdout)
    let layers = Set((mixed["hits"] as? [[String: Any]] ?? []).compactMap { $0["layer"] as? String })
    #expect(layers == ["code", "history"])

    let query = try CtxBinary.run(["query", "validateSession"], in: workspace)
    #expect(query.status == 0)
    #expect(query.stdout.contains("## History"), "\(query.stdout)")
    #expect(query.stdout.contains("last changed `src/auth/session.ts`"), "\(query.stdout)")
    let bundle = try json(try CtxBinary.run(["query", "validateSession", "--format", "json"], in: workspace).stdout)
    let history = try #require((bundle["layers"] as? [String: Any])?["history"] as? [[String: Any]])
    #expect(history.first?["commit"] as? String == (try repo.sha()))
    // `--json`, as the other commands spell it, is the same bundle; with `--format markdown` an error.
    let spelled = try CtxBinary.run(["query", "validateSession", "--json"], in: workspace)
    #expect(spelled.status == 0)
    #expect(((try json(spelled.stdout))["layers"] as? [String: Any])?["history"] != nil, "\(spelled.stdout)")
    let both = try CtxBinary.run(["query", "validateSession", "--json", "--format", "markdown"], in: workspace)
    #expect(both.status == 2 && both.stderr.contains("two formats"), "\(both.status) \(both.stderr)")

    // A typo in a git connector is an error with the file and line.
    try scratch.write(["ws/connectors/history.yaml": "kind: git\npath: ../repo\nref: [main]\n"])
    let bad = try CtxBinary.run(["index"], in: workspace)
    #expect(bad.status == 78)
    #expect(bad.stdout.contains("history.yaml:3: unknown key `ref` for a git connector. Did you mean `refs`?"), "\(bad.stdout)")
  }

  @Test func oneWriterAtATimeAndTheLockDiesWithItsHolder() throws {
    let scratch = ScratchDirectory()
    let (workspace, _) = try makeWorkspace(scratch)
    try FileManager.default.createDirectory(atPath: workspace + "/index", withIntermediateDirectories: true)
    // Another process holds the lock (as a running `ctx index` would), then dies by SIGKILL.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = [
      "python3", "-c",
      "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
      workspace,
    ]
    let pipe = Pipe()
    holder.standardOutput = pipe
    try holder.run()
    _ = PipeIO.readSome(pipe.fileHandleForReading.fileDescriptor)  // "locked": the holder has the lock
    let locked: ProcessResult? = try CtxBinary.run(["index"], in: workspace)
    #expect(locked?.status == 75)
    let refused = try #require(locked)
    #expect(refused.stderr.contains("another ctx index is already running"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: workspace + "/index/ctx.sqlite"))
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    let after = try CtxBinary.run(["index"], in: workspace)
    #expect(after.status == 0, "\(after.stderr)")
  }
}

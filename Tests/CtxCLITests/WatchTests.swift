import CtxTestSupport
import Foundation
import Testing

/// A running `ctx watch`, its stderr (one line per run and notice) kept in a file.
final class WatchSession {
  let process = Process()
  let logPath: String

  init(workspace: String, arguments: [String] = [], logPath: String) throws {
    self.logPath = logPath
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: CtxBinary.path)
    process.arguments = ["watch", "--workspace", workspace] + arguments
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    process.standardError = FileHandle(forWritingAtPath: logPath)
    try process.run()
  }

  var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
  var runLines: [String] { log.split(separator: "\n").map(String.init).filter { $0.contains(" run (") } }

  /// SIGTERM, then the exit status (SIGKILL after 20 s, so a hung watcher fails the test
  /// instead of hanging it).
  func stop() -> Int32 {
    guard process.isRunning else { return process.terminationStatus }
    kill(process.processIdentifier, SIGTERM)
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return -1
    }
    return process.terminationStatus
  }

  deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// `ctx watch` end to end: real git repositories, real inotify (or polling), the built binary.
@Suite(.serialized) struct WatchTests {
  /// A repository with one Python file, a workspace with its code and history, indexed once.
  func makeWorkspace(_ scratch: ScratchDirectory) throws -> (repo: GitRepoFixture, workspace: String) {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/app.py": "def start():\n    return 1\n"], under: "repo")
    try repo.commitAll("initial")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    return (repo, workspace)
  }

  func found(_ word: String, layer: String, workspace: String) throws -> Bool {
    try CtxBinary.run(["search", word, "--layer", layer, "--workspace", workspace]).status == 0
  }

  @Test func aSavedFileIsSearchableWithinTwoSecondsAndACommitWithinFive() throws {
    let scratch = ScratchDirectory()
    let (repo, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    #expect(watch.log.contains("through inotify"), "\(watch.log)")

    var latencies: [Double] = []
    for round in 1...3 {
      let word = "zanzibarword\(round)"
      try scratch.write(["src/app.py": "def start():\n    return \(round)\n\ndef \(word)():\n    return 0\n"], under: "repo")
      let latency = try eventually(within: 10) { try found(word, layer: "code", workspace: workspace) }
      #expect(latency != nil, "\(word) not found within 10 s: \(watch.log)")
      latencies.append(latency ?? 10)
    }
    latencies.sort()
    #expect(latencies[1] <= 2, "median save-to-searchable \(latencies) s: \(watch.log)")

    try repo.commitAll("Introduce the quokkamigration of sessions")
    let commitLatency = try eventually(within: 5) { try found("quokkamigration", layer: "history", workspace: workspace) }
    #expect(commitLatency != nil, "the commit is not searchable within 5 s: \(watch.log)")
    #expect(watch.stop() == 0)
    #expect(watch.log.contains("stopped after"), "\(watch.log)")
  }

  /// `ctx serve --watch`: the server keeps its own index fresh; a saved file reaches its
  /// `search` tool without any `ctx index`.
  @Test func serveWithWatchSeesASavedFile() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
    let session = try JSONLSession(workspace: workspace, stderrPath: scratch.path + "/serve.log", extraArguments: ["--watch"])
    try scratch.write(["src/app.py": "def start():\n    return 2\n\ndef quasarword():\n    return 0\n"], under: "repo")
    var id = 0
    let latency = try eventually(within: 20, every: 200_000) {
      id += 1
      let reply = try session.request(["id": id, "tool": "search", "arguments": ["query": "quasarword", "layer": "code"]])
      return ((reply["result"] as? [String: Any])?["hits"] as? [[String: Any]])?.isEmpty == false
    }
    #expect(latency != nil, "the saved file never reached the server's search: \(session.stderr)")
    #expect(session.finish() == 0, "\(session.stderr)")
    #expect(session.stderr.contains("ctx serve: watch:"), "\(session.stderr)")
  }

  @Test func aBurstOfManyFilesIsOneRun() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, arguments: ["--settle", "500ms"], logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    let before = watch.runLines.count
    // 300 new files in 30 new folders, as a branch switch writes them.
    var files: [String: String] = [:]
    for index in 0..<300 { files["gen/part\(index % 30)/mod\(index).py"] = "def burstfn\(index)():\n    return \(index)\n" }
    try scratch.write(files, under: "repo")
    #expect(eventually(within: 30) { watch.runLines.count > before } != nil, "no run after the burst: \(watch.log)")
    let first = watch.runLines[before]
    #expect(first.contains("code: 300 new, 0 changed"), "the burst was split: \(watch.runLines.dropFirst(before))")
    #expect(try found("burstfn299", layer: "code", workspace: workspace))
  }

  @Test func theRootDeletedAndRecreatedIsWatchedAgain() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["src/a.py": "def alpha():\n    return 1\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    try scratch.remove("src")
    #expect(eventually(within: 10) { watch.log.contains("was removed or moved") } != nil, "\(watch.log)")
    try scratch.write(["src/b.py": "def phoenixreturn():\n    return 2\n"])
    let latency = try eventually(within: 10) { try found("phoenixreturn", layer: "code", workspace: workspace) }
    #expect(latency != nil, "not found after the folder came back: \(watch.log)")
    // And it is watched again, not only indexed once.
    try scratch.write(["src/b.py": "def phoenixagain():\n    return 3\n"])
    #expect(try eventually(within: 10) { try found("phoenixagain", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
  }

  @Test func aRunWaitsWhileAnotherIndexHoldsTheLock() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
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
    defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
    _ = PipeIO.readSome(pipe.fileHandleForReading.fileDescriptor)  // "locked"
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.log.contains("waiting: another ctx index is already running") } != nil, "\(watch.log)")
    #expect(watch.runLines.isEmpty)
    #expect(try !found("start", layer: "code", workspace: workspace))
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    #expect(try eventually(within: 30) { try found("start", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
    #expect(watch.process.isRunning)
  }

  @Test func pollingFindsAnEditWithoutInotify() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, arguments: ["--poll", "200ms"], logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    #expect(watch.log.contains("polling every 200 ms"), "\(watch.log)")
    try scratch.write(["src/app.py": "def pollednewname():\n    return 1\n"], under: "repo")
    #expect(try eventually(within: 10) { try found("pollednewname", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
  }

  /// Past the watch limit (here `--max-watches`, the kernel's fs.inotify.max_user_watches takes
  /// the same path), the roots that did not fit are polled, and both kinds still index.
  @Test func rootsPastTheWatchLimitArePolled() throws {
    let scratch = ScratchDirectory()
    let (repo, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, arguments: ["--max-watches", "2"], logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    #expect(watch.log.contains("--max-watches 2 is reached after 2 folders"), "\(watch.log)")
    #expect(watch.log.contains("polled every 2 s instead"), "\(watch.log)")
    try scratch.write(["src/app.py": "def watchedbyinotify():\n    return 1\n"], under: "repo")
    #expect(try eventually(within: 10) { try found("watchedbyinotify", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
    try repo.commitAll("A polled ref finds the wombatcommit")
    #expect(try eventually(within: 10) { try found("wombatcommit", layer: "history", workspace: workspace) } != nil, "\(watch.log)")
  }

  /// A git operation slower than the longest wait (3 s) is still one run: while git holds
  /// `index.lock`, the watcher waits for it.
  @Test func aSlowGitOperationIsOneRunWhileGitHoldsItsIndexLock() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    let before = watch.runLines.count
    let lock = scratch.path + "/repo/.git/index.lock"
    #expect(FileManager.default.createFile(atPath: lock, contents: nil))
    try scratch.write(["one/a.py": "def slowopfirst():\n    return 1\n"], under: "repo")
    usleep(4_000_000)  // the operation goes on past the 3 s limit of an ordinary burst
    try scratch.write(["two/b.py": "def slowopsecond():\n    return 2\n"], under: "repo")
    usleep(500_000)
    #expect(watch.runLines.count == before, "a run started while git held index.lock: \(watch.runLines)")
    try FileManager.default.removeItem(atPath: lock)
    #expect(eventually(within: 20) { watch.runLines.count > before } != nil, "\(watch.log)")
    #expect(watch.runLines[before].contains("code: 2 new"), "\(watch.runLines.dropFirst(before))")
  }

  /// Runs leave the term counts of a changed table for later; they are refreshed once quiet.
  @Test func termCountsAreRefreshedOnceTheTreeIsQuiet() throws {
    let scratch = ScratchDirectory()
    let (_, workspace) = try makeWorkspace(scratch)
    let watch = try WatchSession(workspace: workspace, arguments: ["--counts-after", "1s"], logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.log.contains("term counts refreshed") } != nil, "\(watch.log)")
    let refreshed = watch.log.components(separatedBy: "term counts refreshed").count - 1
    try scratch.write(["src/app.py": "def countedlater():\n    return 1\n"], under: "repo")
    #expect(try eventually(within: 10) { try found("countedlater", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
    #expect(eventually(within: 15) { watch.log.components(separatedBy: "term counts refreshed").count - 1 > refreshed } != nil, "\(watch.log)")
    #expect(watch.log.contains("term counts refreshed (chunk_ft)"), "\(watch.log)")
  }

  /// A git source whose `path:` is a folder inside the repository watches the repository's
  /// refs (found above it); and a source with nothing new is left alone in between.
  @Test func aGitSourceOnASubfolderSeesNewCommits() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/app.py": "def start():\n    return 1\n"], under: "repo")
    try repo.commitAll("initial")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/history.yaml": "kind: git\npath: ../repo/src\n"])
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    #expect(!watch.log.contains("does not exist"), "\(watch.log)")
    try scratch.write(["src/app.py": "def start():\n    return 2\n"], under: "repo")
    try repo.commitAll("Teach the platypuscommit to count")
    #expect(try eventually(within: 10) { try found("platypuscommit", layer: "history", workspace: workspace) } != nil, "\(watch.log)")
  }

  /// A source whose `path:` goes through a symlink is watched where the files really are.
  @Test func aRootReachedThroughASymlinkIsWatched() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["real/a.py": "def alpha():\n    return 1\n"])
    #expect(symlink(scratch.path + "/real", scratch.path + "/linked") == 0)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../linked\nuse_git: false\n"])
    let watch = try WatchSession(workspace: workspace, logPath: scratch.path + "/watch.log")
    defer { _ = watch.stop() }
    #expect(eventually(within: 30) { watch.runLines.count >= 1 } != nil, "no first run: \(watch.log)")
    try scratch.write(["real/sub/b.py": "def throughthelink():\n    return 2\n"])
    #expect(try eventually(within: 10) { try found("throughthelink", layer: "code", workspace: workspace) } != nil, "\(watch.log)")
  }
}

import CtxCore
import CtxEval
import CtxIndexer
import CtxQuery
import CtxStore
import CtxTestSupport
import CtxWorkspace
import Foundation
import Testing

/// `revision:` indexing, `refs:` naming a sha, the eval metrics on a hand-made eval file, the
/// BM25 baseline and `--from-history`, all on real temporary git repositories.
@Suite struct DevSetTests {
  /// A repository whose first commit defines `parseConfig` in config.go, and whose second
  /// renames it and adds a file; the work tree then gets an uncommitted change too.
  func makeRepository(_ scratch: ScratchDirectory) throws -> (GitRepoFixture, first: String, second: String) {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      ["config.go": "package main\n\n// parseConfig reads the settings file.\nfunc parseConfig(path string) error {\n\treturn nil\n}\n",
       "server.go": "package main\n\nfunc serveHTTP() {}\n"], under: "repo")
    try repo.commitAll("Add config parsing", date: "2024-01-01T10:00:00Z")
    let first = try repo.sha()
    try scratch.write(
      ["config.go": "package main\n\nfunc loadSettings(path string) error {\n\treturn nil\n}\n", "cache.go": "package main\n\nfunc evictCache() {}\n"],
      under: "repo")
    try repo.commitAll("Rename parseConfig to loadSettings and add a cache", date: "2024-02-01T10:00:00Z")
    let second = try repo.sha()
    try scratch.write(["server.go": "package main\n\nfunc uncommittedHandler() {}\n"], under: "repo")
    return (repo, first, second)
  }

  func makeWorkspace(_ scratch: ScratchDirectory, connectors: [String: String]) throws -> Workspace {
    let workspace = Workspace(root: scratch.path + "/ws")
    _ = try Workspace.create(at: workspace.root)
    try? FileManager.default.removeItem(atPath: workspace.connectorsDirectory + "/code.yaml")
    var files: [String: String] = [:]
    for (name, text) in connectors { files["ws/connectors/\(name).yaml"] = text }
    try scratch.write(files)
    return workspace
  }

  @Test func revisionIndexesTheTreeOfAnOlderCommitNotTheWorkTree() async throws {
    let scratch = ScratchDirectory()
    let (_, first, _) = try makeRepository(scratch)
    let workspace = try makeWorkspace(
      scratch, connectors: ["code": "kind: code\npath: ../repo\nrevision: \(first.prefix(10))\n", "history": "kind: git\npath: ../repo\nrefs: [\(first)]\n"])
    let report = try await Indexer(workspace: workspace, options: IndexOptions()).run()
    #expect(!report.hasProblems, "\(report)")
    let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
    #expect(Set(try store.codePaths()) == ["config.go", "server.go"])
    let hits = try CodeSearch(store: store).search("parseConfig", limit: 5)
    #expect(hits.first?.chunk.path == "config.go")
    #expect(try CodeSearch(store: store).search("loadSettings", limit: 5).isEmpty)
    #expect(try CodeSearch(store: store).search("uncommittedHandler", limit: 5).isEmpty)
    // History stops at the named commit.
    let source = try #require(try store.gitSources().first)
    #expect(try store.commitCount(sourceID: source.id) == 1)

    // Moving the revision forward re-reads only changed blobs and drops deleted files.
    let (repo, _, _) = (try GitRepoFixture(at: scratch.path + "/repo"), 0, 0)
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\nrevision: main\n"])
    let second = try await Indexer(workspace: workspace, options: IndexOptions()).run()
    let code = try #require(second.sources.first { $0.name == "code" })
    #expect(code.added == 1 && code.changed == 1 && code.unchanged == 1, "\(code)")
    #expect(Set(try store.codePaths()) == ["cache.go", "config.go", "server.go"])
    #expect(try CodeSearch(store: store).search("loadSettings", limit: 5).first?.chunk.path == "config.go")
    _ = repo
  }

  @Test func connectorFilesTakeShasThatLookLikeNumbers() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["ws/connectors/a.yaml": "kind: code\npath: .\nrevision: 1234567\n", "ws/connectors/b.yaml": "kind: git\npath: .\nrefs: [12e4567, main]\n"])
    let a = try ConnectorFile.parse(path: scratch.path + "/ws/connectors/a.yaml", workspaceRoot: scratch.path + "/ws")
    #expect(a.code.revision == "1234567")
    let b = try ConnectorFile.parse(path: scratch.path + "/ws/connectors/b.yaml", workspaceRoot: scratch.path + "/ws")
    #expect(b.git.refs == ["12e4567", "main"])
  }

  @Test func evalFileMetricsOnARealIndex() async throws {
    let scratch = ScratchDirectory()
    let (repo, _, second) = try makeRepository(scratch)
    let workspace = try makeWorkspace(scratch, connectors: ["code": "kind: code\npath: ../repo\nrevision: HEAD\n", "history": "kind: git\npath: ../repo\n"])
    _ = try await Indexer(workspace: workspace, options: IndexOptions()).run()
    let jsonl = """
      # hand-made: one line per query
      {"id": "settings", "query": "loadSettings", "files": ["config.go"], "symbols": ["loadSettings"]}
      {"id": "cache", "query": "evict the cache", "files": ["./cache.go", "nowhere.go"]}
      {"id": "missing", "query": "serve http", "files": ["not/indexed.go"]}
      {"id": "history", "query": "rename and add a cache", "commits": ["\(second.prefix(8))"]}

      """
    try scratch.write(["eval.jsonl": jsonl])
    let queries = try EvalSet.load(path: scratch.path + "/eval.jsonl")
    #expect(queries.count == 4)
    var options = EvalOptions()
    options.perQuery = true
    let report = try Evaluator(options: options).run(queries, baseDirectory: scratch.path) { workspace.databasePath }
    #expect(report.queries == 3)
    #expect(report.skipped == ["missing"])
    let files = try #require(report.rows.first { $0.kind == "files" && $0.ranker == "code" })
    #expect(files.queries == 2 && files.acc1 == 1 && files.mrr == 1)
    // Expected files the index does not hold (nowhere.go) are left out: no ranker could find them.
    #expect(files.bundleRecall == 1)
    let baseline = try #require(report.rows.first { $0.ranker == "bm25" })
    // Plain BM25 does not split identifiers: "evict the cache" never finds `evictCache`.
    #expect(baseline.queries == 2 && baseline.acc1 == 0.5 && baseline.acc10 == 0.5)
    #expect(report.rows.first { $0.kind == "symbols" }?.acc1 == 1)
    #expect(report.rows.first { $0.kind == "commits" }?.acc1 == 1)
    #expect(report.table().contains("ctx÷bm25"))
    _ = repo
  }

  @Test func baselineIsPlainBM25OverWholeFiles() async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    func file(_ path: String, _ chunks: [String]) -> FileChange {
      var line = 1
      let cut = chunks.map { text -> Chunk in
        defer { line += 1 }
        return Chunk(startLine: line, endLine: line, text: text)
      }
      return .upsert(
        CodeFile(path: path, stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: path, language: nil, lineCount: chunks.count, symbols: [], chunks: cut),
        chunkParts: chunks.map { _ in "" })
    }
    try await store.apply(
      [file("a.txt", ["retry the request", "retry again", "retry"]), file("b.txt", ["the request body", "a timeout"]), file("c.txt", ["nothing here"])],
      sourceID: source)
    let baseline = try BaselineIndex(from: store)
    #expect(baseline.fileCount == 3)
    // Chunks are joined into one row per file: "retry" and "timeout" are in different chunks.
    #expect(try baseline.search("retry_timeout", limit: 10) == ["a.txt", "b.txt"])
    #expect(try baseline.search("request timeout", limit: 10).first == "b.txt")
    #expect(BaselineIndex.words("Fix parse_args: retry, Retry!") == ["fix", "parse", "args", "retry"])
  }

  @Test func developmentSetFromHistoryKeepsTheAnswerOutOfTheIndex() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    // Twelve commits, each changing one or two Go files and some a README.
    var files = ["auth.go": "package app\n\nfunc login() {}\n", "store.go": "package app\n\nfunc save() {}\n", "README.md": "# app\n"]
    try scratch.write(files, under: "repo")
    try repo.commitAll("Initial import of the app", date: "2024-01-01T00:00:00Z")
    for index in 1...12 {
      let name = index % 3 == 0 ? "store.go" : "auth.go"
      files[name]! += "\nfunc step\(index)() {}\n"
      if index % 4 == 0 { files["README.md"]! += "step \(index)\n" }
      try scratch.write(files, under: "repo")
      try repo.commitAll("Add step \(index) handling to the \(name == "auth.go" ? "login flow" : "storage layer")", date: "2024-01-\(String(format: "%02d", index + 1))T00:00:00Z")
    }
    try scratch.write(["README.md": "# app\n\ndocs only\n"], under: "repo")
    try repo.commitAll("Document the app in more words", date: "2024-02-01T00:00:00Z")
    files["auth.go"]! += "// wip\n"
    try scratch.write(files, under: "repo")
    try repo.commitAll("wip", date: "2024-02-02T00:00:00Z")

    var options = DevSetOptions(repository: repo.path, output: scratch.path + "/dev")
    options.count = 5
    options.window = 5
    options.maxEpochs = 2
    options.seed = 7
    let summary = try await HistoryDevSet(options: options).build()
    #expect(summary.queries == 5)
    #expect(summary.skipped["no code files"] == 1 && summary.skipped["message too short"] == 1 && summary.skipped["no changes"] == nil, "\(summary.skipped)")
    let queries = try EvalSet.load(path: summary.evalFile)
    #expect(queries.count == 5)
    for query in queries {
      let commit = try #require(query.commit)
      let base = try #require(query.base)
      let workspace = Workspace(root: scratch.path + "/dev/" + (query.workspace ?? ""))
      let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
      // The evaluated commit is not in the history index; the code is the base's.
      #expect(try store.commits(shaPrefix: commit).isEmpty)
      #expect(try store.commits(shaPrefix: base).count == 1)
      #expect(try repo.run(["merge-base", "--is-ancestor", base, commit]).isEmpty)
      #expect(query.files?.allSatisfy { $0.hasSuffix(".go") } == true)
      #expect(query.query.hasPrefix("Add step"))
    }
    // Same seed, same sample.
    options.output = scratch.path + "/dev2"
    let again = try await HistoryDevSet(options: options).build()
    #expect(try EvalSet.load(path: again.evalFile).map(\.commit) == queries.map(\.commit))
    let report = try Evaluator().run(queries, baseDirectory: scratch.path + "/dev", defaultDatabase: nil)
    #expect(report.queries == 5)
    #expect(report.rows.contains { $0.ranker == "bm25" })
  }
}

import CtxCore
import CtxIndexer
import CtxQuery
import CtxStore
import CtxTestSupport
import CtxWorkspace
import Foundation
import Testing

/// The history layer through the indexer and a real SQLite file: signals, co-change,
/// incremental runs, rewrites, and bundles that explain code.
@Suite struct HistoryIndexTests {
  struct Fixture {
    let scratch = ScratchDirectory()
    let repo: GitRepoFixture
    let workspace: Workspace

    init() throws {
      repo = try GitRepoFixture(at: scratch.path + "/repo")
      workspace = Workspace(root: scratch.path + "/ws")
      _ = try Workspace.create(at: workspace.root)
      try scratch.write(
        [
          "ws/connectors/code.yaml": "kind: code\npath: ../repo/src\n",
          "ws/connectors/history.yaml": "kind: git\npath: ../repo\nline_counts: 1\n",
        ])
      try scratch.write(["src/auth/session.ts": "export function validateSession(token) {\n  return true;\n}\n", "src/auth/token.ts": "export const ttl = 60;\n"], under: "repo")
      try repo.commitAll("Add session validation", date: "2024-01-01T10:00:00Z")
      try scratch.write(["src/auth/session.ts": "export function validateSession(token) {\n  return token.length > 0;\n}\n", "src/auth/token.ts": "export const ttl = 3600;\n"], under: "repo")
      try repo.commitAll("Fix session expiry: tokens lived a minute\n\nThe TTL was in minutes, not seconds.", date: "2024-02-01T10:00:00Z", author: "Bo Reviewer", email: "bo@example.com")
      try scratch.write(["src/web/server.ts": "export function serve() {}\n"], under: "repo")
      try repo.commitAll("Add a web server", date: "2024-03-01T10:00:00Z")
    }

    func index(full: Bool = false) async throws -> IndexReport {
      var options = IndexOptions()
      options.full = full
      return try await Indexer(workspace: workspace, options: options).run()
    }

    var store: IndexStore {
      get throws { try IndexStore(path: workspace.databasePath, mode: .inspect) }
    }
  }

  @Test func signalsCoChangeAndSearch() async throws {
    let fixture = try Fixture()
    let report = try await fixture.index()
    #expect(!report.hasProblems, "\(report)")
    let history = try #require(report.sources.first { $0.name == "history" }?.history)
    #expect(history.commitsAdded == 3 && history.commitsTotal == 3)

    let store = try fixture.store
    let source = try #require(try store.gitSources().first)
    #expect(source.root == fixture.repo.path)
    let signals = try store.signals(sourceID: source.id, paths: ["src/auth/session.ts", "src/web/server.ts"])
    #expect(signals["src/auth/session.ts"]?.changes == 2)
    #expect(signals["src/auth/session.ts"]?.lastCommit == (try fixture.repo.sha("HEAD~1")))
    #expect(signals["src/web/server.ts"]?.changes == 1)
    let coupled = try store.coChanged(sourceID: source.id, path: "src/auth/session.ts")
    #expect(coupled.first?.path == "src/auth/token.ts" && coupled.first?.count == 2)

    // Message words, touched paths and identifier parts of file names all find commits.
    let search = HistorySearch(store: store)
    #expect(try search.search("session expiry", limit: 5).first?.commit.summary == "Fix session expiry: tokens lived a minute")
    #expect(try search.search("seconds", limit: 5).first?.commit.authorName == "Bo Reviewer")
    #expect(try search.search("server.ts", limit: 5).first?.commit.summary == "Add a web server")
    let short = String(try fixture.repo.sha("HEAD~2").prefix(8))
    #expect(try search.search("what did \(short) do", limit: 5).first?.commit.summary == "Add session validation")
    #expect(try store.integrityProblems().isEmpty)
  }

  @Test func bundlesExplainTheCodeTheyShow() async throws {
    let fixture = try Fixture()
    _ = try await fixture.index()
    let store = try fixture.store
    let hits = try CodeSearch(store: store).search("validateSession", limit: 5)
    #expect(hits.first?.chunk.path == "auth/session.ts")  // the code source is rooted at src/
    let bundle = try ContextBundle(query: "validateSession", codeHits: hits, budget: 2000) { chunks in
      ContextBundle.Context(history: try HistorySearch(store: store).explain(code: chunks, query: "validateSession", limit: 5))
    }
    let first = try #require(bundle.history.first)
    #expect(first.hit.commit.summary == "Fix session expiry: tokens lived a minute")
    #expect(first.hit.reasons.contains("last changed `auth/session.ts`"))
    #expect(bundle.markdown().contains("## History"))
    // Line counts: stored for the newest commits, counted live for older ones that are shown.
    #expect(first.hit.changes.first { $0.path == "src/auth/session.ts" }.map { [$0.added, $0.removed] } == [1, 1])
    #expect(bundle.usedTokens <= 2000)
    // A small budget is never exceeded, and both layers still get room.
    let small = try ContextBundle(query: "validateSession", codeHits: hits, budget: 300) { chunks in
      ContextBundle.Context(history: try HistorySearch(store: store).explain(code: chunks, query: "validateSession", limit: 5))
    }
    #expect(small.usedTokens <= 300)
    #expect(TokenEstimate.of(small.markdown()) <= 300 + 40)  // the footer is outside the estimate
  }

  @Test func incrementalAndRewrittenHistory() async throws {
    let fixture = try Fixture()
    _ = try await fixture.index()
    let unchanged = try await fixture.index()
    #expect(unchanged.sources.first { $0.name == "history" }?.history?.commitsAdded == 0)

    try fixture.repo.run(["reset", "-q", "--hard", "HEAD~1"])
    try fixture.scratch.write(["src/web/router.ts": "export function route() {}\n"], under: "repo")
    try fixture.repo.commitAll("Add a router", date: "2024-03-02T10:00:00Z")
    let rewritten = try await fixture.index()
    let history = try #require(rewritten.sources.first { $0.name == "history" }?.history)
    #expect(history.rewritten && history.commitsRemoved == 1 && history.commitsAdded == 1 && history.commitsTotal == 3)

    let store = try fixture.store
    let search = HistorySearch(store: store)
    #expect(try search.search("web server", limit: 5).allSatisfy { $0.commit.summary != "Add a web server" })
    #expect(try search.search("router", limit: 5).first?.commit.summary == "Add a router")
    let source = try #require(try store.gitSources().first)
    #expect(try store.signals(sourceID: source.id, paths: ["src/web/server.ts"]).isEmpty)
    #expect(try store.integrityProblems().isEmpty)

    // Dropping the connector drops the history with it.
    try fixture.scratch.remove("ws/connectors/history.yaml")
    _ = try await fixture.index()
    #expect(try fixture.store.gitSources().isEmpty)
    #expect(try HistorySearch(store: try fixture.store).search("router", limit: 5).isEmpty)
    #expect(try fixture.store.integrityProblems().isEmpty)
  }
}

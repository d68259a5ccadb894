@testable import CtxConnectorGit
import CtxConnectors
import CtxCore
import CtxGit
import CtxTestSupport
import Foundation
import Testing

/// Collects history events in memory, as the indexer would write them.
final class CollectingHistorySink: HistorySink, @unchecked Sendable {
  private let lock = NSLock()
  private(set) var events: [HistoryEvent] = []

  func accept(_ event: HistoryEvent) async throws {
    lock.withLock { events.append(event) }
  }

  var commits: [GitCommitRecord] {
    lock.withLock { events.flatMap { event -> [GitCommitRecord] in if case .commits(let batch) = event { batch } else { [] } } }
  }
  var removed: [String] {
    lock.withLock { events.flatMap { event -> [String] in if case .removed(let shas) = event { shas } else { [] } } }
  }
  var issues: [CrawlIssue] {
    lock.withLock { events.compactMap { if case .issue(let issue) = $0 { issue } else { nil } } }
  }
  var plan: HistoryPlan? {
    lock.withLock { events.compactMap { if case .plan(let plan) = $0 { plan } else { nil } }.first }
  }
  /// The walk's count of new commits (`.counted`).
  var newCommits: Int? {
    lock.withLock { events.compactMap { if case .counted(let count) = $0 { count } else { nil } }.first }
  }
  var refs: [String: String]? {
    lock.withLock { events.compactMap { if case .finished(let refs) = $0 { refs } else { nil } }.first }
  }
}

func gitSource(_ path: String, refs: [String] = ["HEAD"]) -> SourceConfig {
  var config = SourceConfig(name: "history", kind: .git, root: path, configFile: path + "/history.yaml")
  config.git.refs = refs
  return config
}

func crawl(_ config: SourceConfig, refs: [String: String] = [:], indexed: Set<String> = []) async throws -> CollectingHistorySink {
  let sink = CollectingHistorySink()
  try await GitConnector(config: config).crawl(indexedRefs: refs, indexed: indexed, into: sink)
  return sink
}

/// A small history with every kind of change, fixed authors and dates.
func sampleRepository(_ scratch: ScratchDirectory) throws -> GitRepoFixture {
  let repo = try GitRepoFixture(at: scratch.path + "/repo")
  try scratch.write(["src/auth/session.ts": "export function validateSession() {\n  return true;\n}\n", "README.md": "# Demo\n"], under: "repo")
  try repo.commitAll("Add session validation\n\nSessions are checked on every request.", date: "2024-01-01T10:00:00Z")
  try scratch.write(["src/auth/session.ts": "export function validateSession(token) {\n  return token.length > 0;\n}\n", "src/util.py": "x = 1\n"], under: "repo")
  try repo.commitAll("Check the token length", date: "2024-01-02T10:00:00Z", author: "Bo Reviewer", email: "bo@example.com")
  try repo.run(["mv", "src/util.py", "src/helpers.py"])
  try repo.commitAll("Rename util to helpers", date: "2024-01-03T10:00:00Z")
  try scratch.remove("repo/README.md")
  try repo.commitAll("Drop the readme", date: "2024-01-04T10:00:00Z")
  return repo
}

@Suite struct GitConnectorTests {
  @Test func indexesEveryCommitWithItsChanges() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    let sink = try await crawl(gitSource(repo.path))
    let commits = sink.commits
    #expect(commits.map(\.summary) == ["Drop the readme", "Rename util to helpers", "Check the token length", "Add session validation"])
    let first = try #require(commits.last)
    #expect(first.body == "Sessions are checked on every request.")
    #expect(first.parents.isEmpty)
    #expect(first.changes.map(\.path) == ["README.md", "src/auth/session.ts"])
    #expect(first.changes.allSatisfy { $0.status == .added })
    #expect(first.author.time == 1_704_103_200)
    let second = commits[2]
    #expect(second.author.name == "Bo Reviewer")
    #expect(second.changes.map { "\($0.status.rawValue) \($0.path)" } == ["M src/auth/session.ts", "A src/util.py"])
    #expect(commits[1].changes == [GitFileChange(path: "src/helpers.py", oldPath: "src/util.py", status: .renamed, added: 0, removed: 0)])
    #expect(commits[0].changes == [GitFileChange(path: "README.md", status: .deleted, added: 0, removed: 1)])
    #expect(sink.refs == ["HEAD": try repo.sha()])
    #expect(sink.issues.isEmpty)
    // Line counts, computed from the blobs.
    #expect(second.changes.map { [$0.added, $0.removed] } == [[2, 2], [1, 0]])
    var uncounted = gitSource(repo.path)
    uncounted.git.lineCountsPerRun = 1
    let newestOnly = try await crawl(uncounted).commits
    #expect(newestOnly[0].changes.allSatisfy { $0.added != nil } && newestOnly[1].changes.allSatisfy { $0.added == nil })
  }

  /// The newest commits, whose lines are counted, go in small chunks (several readers share
  /// the counting); exactly `line_counts` of them are counted, across chunk boundaries.
  @Test func theNewestCommitsAreCountedInSmallChunks() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    for index in 0..<12 {
      try scratch.write(["file.txt": String(repeating: "line \(index)\n", count: index + 1)], under: "repo")
      try repo.commitAll("Commit \(index)", date: String(format: "2024-01-01T10:%02d:00Z", index))
    }
    var config = gitSource(repo.path)
    config.git.lineCountsPerRun = 5
    var connector = GitConnector(config: config)
    connector.chunkSize = 4
    connector.lineCountedChunkSize = 2
    let sink = CollectingHistorySink()
    try await connector.crawl(indexedRefs: [:], indexed: [], into: sink)
    let commits = sink.commits
    #expect(commits.map(\.summary) == (0..<12).reversed().map { "Commit \($0)" })
    #expect(commits.prefix(5).allSatisfy { $0.changes.allSatisfy { $0.added != nil } })
    #expect(commits.dropFirst(5).allSatisfy { $0.changes.allSatisfy { $0.added == nil } })
    #expect(commits.first?.changes.first.map { [$0.added, $0.removed] } == [12, 11])
    #expect(Chunking(size: 4, smallSize: 2, smallUntil: 5).size(after: 4) == 2)
    #expect(Chunking(size: 4, smallSize: 2, smallUntil: 5).size(after: 6) == 4)
  }

  @Test func aRenameWithEditsIsARename() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["old/place/Parser.swift": "struct Parser {}\n"], under: "repo")
    try repo.commitAll("one", date: "2024-01-01T10:00:00Z")
    try scratch.remove("repo/old")
    try scratch.write(["new/Parser.swift": "struct Parser { var x = 1 }\n"], under: "repo")
    try repo.commitAll("move and edit", date: "2024-01-02T10:00:00Z")
    let sink = try await crawl(gitSource(repo.path))
    #expect(sink.commits.first?.changes == [GitFileChange(path: "new/Parser.swift", oldPath: "old/place/Parser.swift", status: .renamed, added: 1, removed: 1)])
  }

  @Test func mergesRecordTheirMessageButNoChanges() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["a.txt": "a\n"], under: "repo")
    try repo.commitAll("base", date: "2024-01-01T10:00:00Z")
    try repo.run(["checkout", "-q", "-b", "feature"])
    try scratch.write(["b.txt": "b\n"], under: "repo")
    try repo.commitAll("feature work", date: "2024-01-02T10:00:00Z")
    try repo.run(["checkout", "-q", "main"])
    try scratch.write(["c.txt": "c\n"], under: "repo")
    try repo.commitAll("main work", date: "2024-01-03T10:00:00Z")
    try repo.run(["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"], environment: ["GIT_COMMITTER_DATE": "2024-01-04T10:00:00Z", "GIT_AUTHOR_DATE": "2024-01-04T10:00:00Z"])
    let sink = try await crawl(gitSource(repo.path))
    let merge = try #require(sink.commits.first)
    #expect(merge.summary == "Merge feature")
    #expect(merge.isMerge && merge.changes.isEmpty && merge.changesComplete)
    // b.txt is counted once: on the feature commit, not again on the merge.
    #expect(sink.commits.flatMap(\.changes).filter { $0.path == "b.txt" }.count == 1)
    #expect(sink.commits.count == 4)
  }

  @Test func incrementalRunsWalkOnlyNewCommits() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    let first = try await crawl(gitSource(repo.path))
    let indexed = Set(first.commits.map(\.sha))
    try scratch.write(["src/new.ts": "export const x = 1;\n"], under: "repo")
    try repo.commitAll("Add new", date: "2024-02-01T10:00:00Z")
    let second = try await crawl(gitSource(repo.path), refs: try #require(first.refs), indexed: indexed)
    #expect(second.commits.map(\.summary) == ["Add new"])
    #expect(second.removed.isEmpty)
    #expect(second.plan?.rewritten == false)

    // Nothing new: nothing read.
    let third = try await crawl(gitSource(repo.path), refs: try #require(second.refs), indexed: indexed.union(second.commits.map(\.sha)))
    #expect(third.commits.isEmpty && third.newCommits == 0)
  }

  /// The walk hands chunks to the readers while it runs: with tiny chunks, more of them than
  /// are read ahead, every commit still arrives once, in walk order, after the plan.
  @Test func chunksFromARunningWalkArriveOnceInOrderAfterThePlan() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    for index in 0..<45 {
      try scratch.write(["file\(index % 7).txt": "version \(index)\n"], under: "repo")
      try repo.commitAll("Commit \(index)", date: String(format: "2024-01-01T10:%02d:00Z", index))
    }
    var connector = GitConnector(config: gitSource(repo.path))
    connector.chunkSize = 2
    connector.batchSize = 5
    connector.walkWindow = 1
    let sink = CollectingHistorySink()
    try await connector.crawl(indexedRefs: [:], indexed: [], into: sink)
    #expect(sink.commits.map(\.summary) == (0..<45).reversed().map { "Commit \($0)" })
    #expect(sink.newCommits == 45)
    let firstCommits = try #require(sink.events.firstIndex { if case .commits = $0 { true } else { false } })
    let planIndex = try #require(sink.events.firstIndex { if case .plan = $0 { true } else { false } })
    #expect(planIndex < firstCommits)
    // Commits are handed on while the walk still runs: the count comes after the first ones.
    let countedIndex = try #require(sink.events.firstIndex { if case .counted = $0 { true } else { false } })
    #expect(firstCommits < countedIndex)

    // The next run stops at what is indexed, through the same path.
    for index in 45..<48 {
      try scratch.write(["file0.txt": "version \(index)\n"], under: "repo")
      try repo.commitAll("Commit \(index)", date: String(format: "2024-01-01T10:%02d:00Z", index))
    }
    let next = CollectingHistorySink()
    try await connector.crawl(indexedRefs: try #require(sink.refs), indexed: Set(sink.commits.map(\.sha)), into: next)
    #expect(next.commits.map(\.summary) == ["Commit 47", "Commit 46", "Commit 45"])
    #expect(next.newCommits == 3)
  }

  /// A walk never runs more than its window ahead, and a crawl that stops (its writer failed)
  /// ends the walk: nothing waits on a reader that is gone.
  @Test(.timeLimit(.minutes(1))) func aStoppedWalkEndsWithoutItsReader() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    for index in 0..<30 {
      try scratch.write(["file.txt": "version \(index)\n"], under: "repo")
      try repo.commitAll("Commit \(index)", date: String(format: "2024-01-01T10:%02d:00Z", index))
    }
    let walker = Walker(history: try GitHistory(path: repo.path), window: 1)
    let (stream, feed) = AsyncStream<[GitHistory.WalkedCommit]>.makeStream()
    let result = WalkResult()
    walker.start(from: [try repo.sha("HEAD")], skipping: [], chunking: Chunking(size: 2, smallSize: 2, smallUntil: 0), feed: feed, result: result)
    var chunks = stream.makeAsyncIterator()
    #expect(await chunks.next()?.map(\.sha) == [try repo.sha("HEAD"), try repo.sha("HEAD~1")])
    walker.stop()
    var after = 0
    while let chunk = await chunks.next() { after += chunk.count }
    #expect(after == 0)  // the window was full: nothing more was handed over
    #expect(result.get() != nil)
  }

  @Test func rewrittenHistoryIsReconciled() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    let first = try await crawl(gitSource(repo.path))
    let dropped = try repo.sha()
    // Rebase-like rewrite: drop the last commit, commit something else.
    try repo.run(["reset", "-q", "--hard", "HEAD~1"])
    try scratch.write(["NOTES.md": "notes\n"], under: "repo")
    try repo.commitAll("Add notes instead", date: "2024-01-05T10:00:00Z")
    let second = try await crawl(gitSource(repo.path), refs: try #require(first.refs), indexed: Set(first.commits.map(\.sha)))
    #expect(second.plan?.rewritten == true)
    #expect(second.removed == [dropped])
    #expect(second.commits.map(\.summary) == ["Add notes instead"])
  }

  @Test func emptyRepositoryIsANoteNotAnError() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let sink = try await crawl(gitSource(repo.path))
    #expect(sink.commits.isEmpty)
    #expect(sink.plan?.notes.contains { $0.contains("no commits yet") } == true)
    #expect(sink.issues.isEmpty)
  }

  @Test func bareRepositoryAndDetachedHead() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    let bare = scratch.path + "/bare.git"
    try Run.program("/usr/bin/git", ["clone", "-q", "--bare", repo.path, bare], environment: GitRepoFixture.environment)
    #expect(try await crawl(gitSource(bare)).commits.count == 4)

    try repo.run(["checkout", "-q", "--detach", "HEAD~2"])
    let detached = try await crawl(gitSource(repo.path))
    #expect(detached.commits.map(\.summary) == ["Check the token length", "Add session validation"])
  }

  @Test func shallowCloneIsAPartialResultWithANote() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    let shallow = scratch.path + "/shallow"
    try Run.program("/usr/bin/git", ["clone", "-q", "--depth", "2", "file://" + repo.path, shallow], environment: GitRepoFixture.environment)
    let sink = try await crawl(gitSource(shallow))
    #expect(sink.commits.map(\.summary) == ["Drop the readme", "Rename util to helpers"])
    #expect(sink.plan?.notes.contains { $0.contains("shallow clone") } == true)
    // The boundary commit's parent is not in the clone: its changes are unknown, not invented.
    #expect(sink.commits.last?.changes.isEmpty == true && sink.commits.last?.changesComplete == false)
    #expect(sink.issues.isEmpty)
  }

  @Test func notARepositoryIsAClearError() async throws {
    let scratch = ScratchDirectory()
    await #expect {
      _ = try await crawl(gitSource(scratch.path))
    } throws: { error in
      (error as? CtxError)?.message.contains("not a git repository") == true
    }
  }

  @Test func aMissingObjectIsReportedAndTheRestIndexed() async throws {
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    // Delete the loose object of the first commit's tree: that commit's changes cannot be read.
    let tree = try repo.run(["rev-parse", "HEAD~3^{tree}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    try FileManager.default.removeItem(atPath: repo.path + "/.git/objects/" + tree.prefix(2) + "/" + tree.dropFirst(2))
    let sink = try await crawl(gitSource(repo.path))
    #expect(sink.commits.count == 4)
    #expect(sink.issues.contains { $0.kind == .unreadable && $0.message.contains("partial") }, "\(sink.issues)")
    #expect(sink.commits.last?.changesComplete == false)

    // A missing commit: the walk reports it and keeps what it could read.
    let parent = try repo.sha("HEAD~3")
    try FileManager.default.removeItem(atPath: repo.path + "/.git/objects/" + parent.prefix(2) + "/" + parent.dropFirst(2))
    let again = try await crawl(gitSource(repo.path))
    #expect(again.commits.count == 3)
    #expect(again.issues.contains { $0.message.contains("missing from the object database") })
  }

  @Test func submodulesAreNotFollowed() async throws {
    let scratch = ScratchDirectory()
    let inner = try GitRepoFixture(at: scratch.path + "/inner")
    try scratch.write(["lib.c": "int x;\n"], under: "inner")
    try inner.commitAll("inner", date: "2024-01-01T10:00:00Z")
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["main.c": "int main;\n"], under: "repo")
    try repo.run(["-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.path, "vendor/inner"])
    try repo.commitAll("add submodule", date: "2024-01-02T10:00:00Z")
    let sink = try await crawl(gitSource(repo.path))
    let paths = sink.commits.first?.changes.map(\.path) ?? []
    #expect(paths.contains("vendor/inner"))
    #expect(!paths.contains { $0.hasPrefix("vendor/inner/") })
  }

  @Test func anotherUsersRepositoryNeedsTrust() async throws {
    guard getuid() == 0 else { return }  // only root can hand a folder to another user
    let scratch = ScratchDirectory()
    let repo = try sampleRepository(scratch)
    _ = try Run.program("/bin/chown", ["-R", "12345:12345", repo.path])
    defer { _ = try? Run.program("/bin/chown", ["-R", "0:0", repo.path]) }
    await #expect {
      _ = try await crawl(gitSource(repo.path))
    } throws: { error in
      let message = (error as? CtxError)?.message ?? ""
      return message.contains("owned by another user") && message.contains("trust_owner")
    }
    var trusted = gitSource(repo.path)
    trusted.git.trustOwner = true
    #expect(try await crawl(trusted).commits.count == 4)
  }
}

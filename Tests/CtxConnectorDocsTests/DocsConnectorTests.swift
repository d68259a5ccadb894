import CtxConnectorDocs
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// Collects docs crawl events in memory.
final class DocEvents: DocSink, @unchecked Sendable {
  private let lock = NSLock()
  private var events: [DocCrawlEvent] = []

  func accept(_ event: DocCrawlEvent) async throws {
    lock.withLock { events.append(event) }
  }

  var documents: [String: DocFile] {
    lock.withLock {
      var result: [String: DocFile] = [:]
      for case .document(let file) in events { result[file.path] = file }
      return result
    }
  }

  var issues: [CrawlIssue] { lock.withLock { events.compactMap { if case .issue(let issue) = $0 { issue } else { nil } } } }
  var unchanged: [String] { lock.withLock { events.compactMap { if case .unchanged(let path) = $0 { path } else { nil } }.sorted() } }
  var restamped: [String] { lock.withLock { events.compactMap { if case .restamped(let path, _) = $0 { path } else { nil } }.sorted() } }
  var listed: Int? { lock.withLock { events.compactMap { if case .listed(let total) = $0 { total } else { nil } }.first } }
}

@Suite struct DocsConnectorTests {
  func source(_ root: String, include: [String] = [], exclude: [String] = []) -> SourceConfig {
    SourceConfig(name: "docs", kind: .docs, root: root, configFile: root + "/docs.yaml", include: include, exclude: exclude)
  }

  func workspace(_ scratch: ScratchDirectory) throws -> String {
    let root = scratch.path + "/docs"
    try FileManager.default.copyItem(atPath: Fixture.root + "/docs", toPath: root)
    try scratch.write(["docs/code/main.swift": "print(1)\n", "docs/node_modules/pkg/README.md": "# vendored\n", "docs/empty.md": ""])
    try scratch.writeBytes("docs/notes/binary.txt", [0x41, 0x00, 0x42])
    return root
  }

  @Test func crawlsDocumentsAndReportsBadFiles() async throws {
    let scratch = ScratchDirectory()
    let root = try workspace(scratch)
    let sink = DocEvents()
    try await DocsConnector(config: source(root), options: DocsOptions(useGit: false)).crawl(known: [:], into: sink)
    let documents = sink.documents
    #expect(
      Set(documents.keys) == [
        "guide/auth.md", "adr/0001-use-sqlite.md", "adr/0002-use-trigram-index.md", "adr/0003-use-fts5.md", "adr/0004-cache-sessions.md",
        "wiki/confluence-page.html", "notes/meeting.txt", "notes/manual.rst",
      ])
    #expect(sink.listed == 11)
    #expect(documents["adr/0002-use-trigram-index.md"]?.document.status?.supersededBy == "adr/0003-use-fts5.md")
    #expect(documents["guide/auth.md"]?.document.sections.count == 7)
    #expect(documents["guide/auth.md"]?.contentHash == BlobHash.id(of: try Fixture.bytes("docs/guide/auth.md")))

    let broken = try #require(sink.issues.first { $0.path == "broken/bad-front-matter.md" })
    #expect(broken.kind == .parseFailed)
    #expect(broken.message.hasPrefix("line 4:"))
    #expect(sink.issues.first { $0.path == "empty.md" }?.kind == .empty)
    #expect(sink.issues.first { $0.path == "notes/binary.txt" }?.kind == .binary)
    #expect(sink.issues.first { $0.path?.hasPrefix("node_modules") == true } == nil)  // pruned, never listed
    #expect(sink.issues.first { $0.path == "code/main.swift" } == nil)  // outside the includes: not part of the source
  }

  @Test func unchangedFilesAreSkippedAndTouchedOnesRestamped() async throws {
    let scratch = ScratchDirectory()
    let root = try workspace(scratch)
    let connector = DocsConnector(config: source(root, include: ["adr/*.md"]), options: DocsOptions(useGit: false))
    let first = DocEvents()
    try await connector.crawl(known: [:], into: first)
    #expect(first.documents.count == 4)
    var known: [String: KnownFile] = [:]
    for (path, file) in first.documents { known[path] = KnownFile(stamp: file.stamp, contentHash: file.contentHash) }

    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_800_000_000)], ofItemAtPath: root + "/adr/0001-use-sqlite.md")
    try scratch.write(["docs/adr/0004-cache-sessions.md": "# 4. Cache sessions\n\nStatus: Rejected\n"])
    let second = DocEvents()
    try await connector.crawl(known: known, into: second)
    #expect(second.unchanged == ["adr/0002-use-trigram-index.md", "adr/0003-use-fts5.md"])
    #expect(second.restamped == ["adr/0001-use-sqlite.md"])
    #expect(second.documents.keys.sorted() == ["adr/0004-cache-sessions.md"])
    #expect(second.documents["adr/0004-cache-sessions.md"]?.document.status?.state == .rejected)
  }

  @Test func excludedFilesAreReportedAndGitIgnoresAreHonoured() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [".gitignore": "_site/\n", "docs/a.md": "# A\n", "docs/private/b.md": "# B\n", "_site/index.html": "<h1>built</h1>"], under: "repo")
    try repo.commitAll("docs")
    let sink = DocEvents()
    try await DocsConnector(config: source(repo.path, exclude: ["docs/private/**"])).crawl(known: [:], into: sink)
    #expect(sink.documents.keys.sorted() == ["docs/a.md"])
    #expect(sink.issues.first { $0.path == "docs/private/b.md" }?.kind == .excluded)
  }

  @Test func missingRootThrows() async throws {
    await #expect(throws: CtxError.self) {
      try await DocsConnector(config: source("/nonexistent/ctx-docs")).crawl(known: [:], into: DocEvents())
    }
  }
}

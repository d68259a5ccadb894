import CtxConnectorCode
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// Collects crawl events in memory: connectors are tested without a database.
final class CollectingSink: DocumentSink, @unchecked Sendable {
  private let lock = NSLock()
  private var events: [CrawlEvent] = []

  func accept(_ event: CrawlEvent) async throws {
    lock.withLock { events.append(event) }
  }

  var files: [String: CodeFile] {
    lock.withLock {
      var result: [String: CodeFile] = [:]
      for case .file(let file) in events { result[file.path] = file }
      return result
    }
  }

  var issues: [CrawlIssue] {
    lock.withLock { events.compactMap { if case .issue(let issue) = $0 { issue } else { nil } } }
  }

  var unchanged: [String] {
    lock.withLock {
      events.flatMap { event -> [String] in
        switch event {
        case .unchanged(let path): [path]
        case .unchangedFiles(let paths): paths
        default: []
        }
      }.sorted()
    }
  }

  func issue(_ path: String) -> CrawlIssue.Kind? { issues.first { $0.path == path }?.kind }

  var listing: ListingCounts? {
    lock.withLock { events.compactMap { if case .listing(let counts) = $0 { counts } else { nil } }.first }
  }
}

@Suite struct CodeConnectorTests {
  func source(_ root: String, include: [String] = [], exclude: [String] = [], code: CodeOptions = CodeOptions()) -> SourceConfig {
    SourceConfig(name: "code", kind: .code, root: root, configFile: root + "/code.yaml", include: include, exclude: exclude, code: code)
  }

  @Test func gitWorkTreeListsWhatGitSees() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        ".gitignore": "build/\n*.log\n",
        "src/session.c": "int validate_session(int t) {\n  return t;\n}\n",
        "src/App.swift": "struct App {\n  func run() {}\n}\n",
        "vendor/lib.c": "int vendored;\n",
      ], under: "repo")
    try repo.commitAll("initial")
    try scratch.write(["src/untracked.py": "def fresh():\n    pass\n", "build/out.c": "int ignored;\n", "debug.log": "ignored\n"], under: "repo")

    let sink = CollectingSink()
    try await CodeConnector(config: source(repo.path)).crawl(known: [:], into: sink)
    let files = sink.files
    #expect(Set(files.keys) == [".gitignore", "src/session.c", "src/App.swift", "src/untracked.py"])
    #expect(sink.issue("vendor/lib.c") == .excluded)
    #expect(files["src/session.c"]?.symbols.contains { $0.name == "validate_session" && $0.endLine == 3 } == true)
    #expect(files["src/App.swift"]?.symbols.contains { $0.name == "run" && $0.kind == "method" } == true)
    #expect(files["src/untracked.py"]?.symbols.contains { $0.name == "fresh" } == true)
    #expect(files["src/App.swift"]?.language == "swift")
  }

  @Test func subfolderOfAWorkTreeIsListedRelativeToItself() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["app/main.go": "package main\nfunc main() {}\n", "other/x.go": "package x\n"], under: "repo")
    try repo.commitAll("initial")
    let sink = CollectingSink()
    try await CodeConnector(config: source(repo.path + "/app")).crawl(known: [:], into: sink)
    #expect(Set(sink.files.keys) == ["main.go"])
  }

  /// Every kind of bad input is named, the rest is still indexed.
  @Test func badInputNeverAbortsTheCrawl() async throws {
    let scratch = ScratchDirectory()
    let root = scratch.path + "/plain"
    try scratch.write(["good.c": "int ok(void) { return 0; }\n", "empty.txt": "", "big.txt": String(repeating: "x\n", count: 6000)], under: "plain")
    try scratch.writeBytes("bin.dat", [0x7F, 0x45, 0x00, 0x01, 0x02], under: "plain")
    try scratch.writeBytes("latin1.txt", Array("caf".utf8) + [0xE9] + Array(" au lait\n".utf8), under: "plain")
    // Compressed, with no NUL byte (ripgrep's tests/data/sherlock.br starts like this).
    try scratch.writeBytes("sherlock.br", [0x1B, 0xF7, 0x02, 0x00 + 1, 0x1C, 0x07, 0xCE, 0x9C, 0x14, 0x03, 0x8B, 0xF1, 0x10, 0x82, 0x91, 0xDC, 0x05, 0x19, 0xE3, 0x0E, 0x8F, 0xA6, 0x17, 0x01, 0xC9], under: "plain")
    try scratch.write(["app.min.js": String(repeating: "var a=1;", count: 1000), "web/bundle.js": String(repeating: "x", count: 6000)], under: "plain")
    try FileManager.default.createSymbolicLink(atPath: root + "/loop-a", withDestinationPath: root + "/loop-b")
    try FileManager.default.createSymbolicLink(atPath: root + "/loop-b", withDestinationPath: root + "/loop-a")
    try FileManager.default.createSymbolicLink(atPath: root + "/link-to-dir", withDestinationPath: root)

    let sink = CollectingSink()
    var options = CodeOptions()
    options.maxFileSize = 10000
    try await CodeConnector(config: source(root, code: options)).crawl(known: [:], into: sink)
    #expect(sink.files["good.c"] != nil)
    #expect(sink.files["latin1.txt"]?.chunks.first?.text.contains("caf\u{FFFD} au lait") == true)
    #expect(sink.issue("latin1.txt") == .invalidUTF8)
    #expect(sink.issue("empty.txt") == .empty)
    #expect(sink.issue("bin.dat") == .binary)
    #expect(sink.issue("sherlock.br") == .binary && sink.files["sherlock.br"] == nil)
    #expect(sink.issue("big.txt") == .tooLarge)
    #expect(sink.issue("app.min.js") == .excluded)
    #expect(sink.issue("web/bundle.js") == .generated)
    #expect(sink.issue("loop-a") == .symlinkLoop)
    #expect(sink.issue("link-to-dir") == .symlink)
  }

  @Test func missingCtagsIsReportedOnceAndSwiftStillHasSymbols() async throws {
    let scratch = ScratchDirectory()
    try scratch.write(["a.c": "int f(void) { return 1; }\n", "B.swift": "func g() {}\n"])
    let sink = CollectingSink()
    try await CodeConnector(config: source(scratch.path), options: CodeConnectorOptions(ctagsExecutable: "/nonexistent/ctags", workers: 2))
      .crawl(known: [:], into: sink)
    #expect(sink.issues.filter { $0.kind == .ctagsMissing }.count == 1)
    #expect(sink.files["a.c"]?.symbols.isEmpty == true)
    #expect(sink.files["a.c"]?.chunks.isEmpty == false)
    #expect(sink.files["B.swift"]?.symbols.first?.name == "g")
  }

  @Test func knownFilesWithTheSameStampAreNotRead() async throws {
    let scratch = ScratchDirectory()
    try scratch.write(["a.c": "int a;\n", "b.c": "int b;\n"])
    let first = CollectingSink()
    let connector = CodeConnector(config: source(scratch.path))
    try await connector.crawl(known: [:], into: first)
    let known = first.files.mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
    try scratch.write(["b.c": "int b2;\n"])
    let second = CollectingSink()
    try await connector.crawl(known: known, into: second)
    #expect(second.unchanged == ["a.c"])
    #expect(Set(second.files.keys) == ["b.c"])
  }
}

/// The code connector with a listing record (`listingCachePath`), as `ctx index` runs it.
@Suite struct CodeConnectorListingCacheTests {
  func source(_ root: String) -> SourceConfig {
    SourceConfig(name: "code", kind: .code, root: root, configFile: root + "/code.yaml")
  }

  /// Folder times an hour back, so none is taken for just modified.
  func backdate(_ root: String) throws {
    let past = Date().addingTimeInterval(-3600)
    var folders = [root]
    while let folder = folders.popLast() {
      for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name != ".git" {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), isFolder.boolValue { folders.append(folder + "/" + name) }
      }
      try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: folder)
    }
  }

  func counts(_ sink: CollectingSink) -> ListingCounts? { sink.listing }

  @Test func aRunWhereNothingChangedReadsNoFolderAndNoFile() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/a.c": "int a;\n", "src/deep/b.c": "int b;\n", "empty.txt": ""], under: "repo")
    try scratch.writeBytes("data.bin", [0x7F, 0x45, 0x00, 0x01], under: "repo")
    try repo.commitAll("one")
    try scratch.write(["src/untracked.c": "int u;\n"], under: "repo")
    try FileManager.default.createSymbolicLink(atPath: repo.path + "/link.c", withDestinationPath: "src/a.c")
    try backdate(repo.path)
    var connector = CodeConnector(config: source(repo.path))
    connector.listingCachePath = scratch.path + "/listing.cache"

    let first = CollectingSink()
    try await connector.crawl(known: [:], into: first)
    #expect(Set(first.files.keys) == ["src/a.c", "src/deep/b.c", "src/untracked.c"])
    #expect(first.listing?.readEverything == true)
    #expect(FileManager.default.fileExists(atPath: scratch.path + "/listing.cache"))
    let known = first.files.mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
    connector.skipped = Dictionary(
      uniqueKeysWithValues: first.issues.compactMap { issue in
        issue.stamp.map { (issue.path!, SkippedStamp(stamp: $0, contentHash: issue.contentHash, reason: issue.kind.rawValue)) }
      })
    #expect(connector.skipped["data.bin"]?.reason == "binary")

    let second = CollectingSink()
    try await connector.crawl(known: known, into: second)
    #expect(second.listing == ListingCounts(foldersRead: 0, foldersChecked: 3, readEverything: false))
    #expect(second.unchanged == ["src/a.c", "src/deep/b.c", "src/untracked.c"])
    #expect(second.files.isEmpty)
    // Skips decided while listing, the binary file unread (its stamp carried over).
    #expect(second.issue("data.bin") == .binary && second.issues.first { $0.path == "data.bin" }?.stamp == connector.skipped["data.bin"]?.stamp)
    #expect(second.issue("empty.txt") == .empty)
    #expect(second.issue("link.c") == .symlink)

    // A new untracked file and a changed tracked one: one folder read, both indexed.
    try scratch.write(["src/deep/new.c": "int n;\n", "src/a.c": "int a2;\n"], under: "repo")
    let third = CollectingSink()
    try await connector.crawl(known: known, into: third)
    #expect(third.listing?.foldersRead == 1)
    #expect(Set(third.files.keys) == ["src/a.c", "src/deep/new.c"])
    // A file the binary check skipped, changed into text, is read again.
    try scratch.write(["data.bin": "text now\n"], under: "repo")
    let fourth = CollectingSink()
    try await connector.crawl(known: known, into: fourth)
    #expect(fourth.files["data.bin"] != nil)
  }

  @Test func withoutTheRecordFileEveryFolderIsRead() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["a/x.c": "int x;\n"], under: "repo")
    try repo.commitAll("one")
    var connector = CodeConnector(config: source(repo.path))
    connector.listingCachePath = scratch.path + "/listing.cache"
    let first = CollectingSink()
    try await connector.crawl(known: [:], into: first)
    try FileManager.default.removeItem(atPath: scratch.path + "/listing.cache")
    try "not a record".write(toFile: scratch.path + "/listing.cache", atomically: true, encoding: .utf8)
    let second = CollectingSink()
    try await connector.crawl(known: [:], into: second)
    #expect(second.listing?.readEverything == true && Set(second.files.keys) == ["a/x.c"])
    connector.ignoreListingCache = true  // --full
    let third = CollectingSink()
    try await connector.crawl(known: [:], into: third)
    #expect(third.listing?.readEverything == true)
  }
}

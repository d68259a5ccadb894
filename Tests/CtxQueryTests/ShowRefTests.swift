import CtxCore
import CtxQuery
import Testing

/// `ctx show REF`: how a ref is read, before anything is looked up.
@Suite struct ShowRefTests {
  static let sources: Set<String> = ["code", "history", "web"]

  @Test(arguments: [
    ("src/a.ts", [ShowRef.file(source: nil, path: "src/a.ts", lines: nil)]),
    ("src/a.ts:10", [.file(source: nil, path: "src/a.ts", lines: 10...10)]),
    ("src/a.ts:10-40", [.file(source: nil, path: "src/a.ts", lines: 10...40)]),
    ("./src/a.ts:3-3", [.file(source: nil, path: "src/a.ts", lines: 3...3)]),
    ("web:src/a.ts:10-40", [.file(source: "web", path: "src/a.ts", lines: 10...40)]),
    ("web:src/a.ts", [.file(source: "web", path: "src/a.ts", lines: nil)]),
    // Not a source name: part of the path.
    ("other:src/a.ts:5", [.file(source: nil, path: "other:src/a.ts", lines: 5...5)]),
    ("C:notes.txt", [.file(source: nil, path: "C:notes.txt", lines: nil)]),
    // Hex could be a commit or a file of that name: commit first.
    ("1D1A8FE5", [.commit(source: nil, prefix: "1d1a8fe5"), .file(source: nil, path: "1D1A8FE5", lines: nil)]),
    ("history:1d1a8fe", [.commit(source: "history", prefix: "1d1a8fe"), .file(source: "history", path: "1d1a8fe", lines: nil)]),
    ("commit:1d1a8fe5d58", [.commit(source: nil, prefix: "1d1a8fe5d58")]),
    // Too short for a commit, or with a line range: a file.
    ("abc123", [.file(source: nil, path: "abc123", lines: nil), .symbol(name: "abc123")]),
    ("deadbeef1:4", [.file(source: nil, path: "deadbeef1", lines: 4...4)]),
    // Document sections and chat threads, as search and bundles name them.
    ("docs/auth.md#token-expiry", [.section(source: nil, path: "docs/auth.md", anchor: "token-expiry")]),
    ("doc:docs/auth.md#token-expiry", [.section(source: nil, path: "docs/auth.md", anchor: "token-expiry")]),
    ("doc:docs/auth.md", [.file(source: nil, path: "docs/auth.md", lines: nil)]),
    ("thread:general/1700000000.1", [.thread(channel: "general", ts: "1700000000.1")]),
    ("thread:team/dev/1700000000.1", [.thread(channel: "team/dev", ts: "1700000000.1")]),
    // Definitions, as annotations name them; a bare name that is no file is tried as one.
    ("symbol:Location.get_clearsky", [.symbol(name: "Location.get_clearsky")]),
    ("symbol:src/odd name", [.symbol(name: "src/odd name")]),
    ("get_clearsky", [.file(source: nil, path: "get_clearsky", lines: nil), .symbol(name: "get_clearsky")]),
    ("Location.get_clearsky", [.file(source: nil, path: "Location.get_clearsky", lines: nil), .symbol(name: "Location.get_clearsky")]),
    ("Path::convert", [.file(source: nil, path: "Path::convert", lines: nil), .symbol(name: "Path::convert")]),
    ("README.md", [.file(source: nil, path: "README.md", lines: nil)]),
    ("Makefile", [.file(source: nil, path: "Makefile", lines: nil), .symbol(name: "Makefile")]),
  ])
  func reads(_ text: String, _ expected: [ShowRef]) throws {
    #expect(try ShowRef.interpretations(of: text, sources: ShowRefTests.sources) == expected)
  }

  @Test(arguments: ["", "  ", "src/a.ts:40-10", "src/a.ts:0-3", "commit:xyz", "thread:general", "thread:/1700000000.1", "docs/a.md#", "#anchor", "doc:", "web:", "symbol:", "symbol: "])
  func rejects(_ text: String) {
    #expect(throws: CtxError.self) { try ShowRef.interpretations(of: text, sources: ShowRefTests.sources) }
  }
}

import CtxCore
@testable import CtxQuery
import CtxStore
import CtxTestSupport
import Foundation
import Testing

@Suite struct QueryAnalysisTests {
  @Test func findsPathsAndLinesInTracebacks() {
    let text = """
      Traceback (most recent call last):
        File "/srv/app/auth/session.py", line 42, in validate
      TypeError at Object.run (src/web/server.ts:10:5)
      panic: runtime error [recovered] at /go/src/pkg/store.go:88 +0x1d
      e.g. self.run() is not a file
      """
    let paths = QueryAnalysis(text).paths
    #expect(paths.contains(PathMention(path: "/srv/app/auth/session.py", name: "session.py", line: 42)))
    #expect(paths.contains(PathMention(path: "src/web/server.ts", name: "server.ts", line: 10)))
    #expect(paths.contains(PathMention(path: "/go/src/pkg/store.go", name: "store.go", line: 88)))
    #expect(!paths.contains { $0.name == "self.run" })
  }

  @Test func identifiersAndStopWords() {
    let query = QueryAnalysis("how does validateSession handle the parse_args flag")
    #expect(query.identifiers == ["validateSession", "parse_args"])
    #expect(query.terms.map(\.whole) == ["validatesession", "handle", "parseargs", "flag"])
    #expect(query.terms.first?.parts == ["validate", "session"])
  }

  /// Words outside ASCII are terms as unicode61 sees them, not dropped (or cut at the first
  /// accent: `café` used to search for `caf`).
  @Test func nonEnglishWordsAreTerms() {
    let query = QueryAnalysis("Сервер перезапускается: café naïveParser 再起動")
    #expect(query.terms.map(\.whole) == ["сервер", "перезапускается", "café", "naïveparser", "再起動"])
    #expect(query.terms.first { $0.whole == "naïveparser" }?.parts == ["naïve", "parser"])
    #expect(IdentifierParts.split("parseHTTPHeader2") == ["parse", "http", "header", "2"])
    #expect(IdentifierParts.split("été_2024") == ["été", "2024"])
  }

  /// `Type::method`, `Type.method`, `Type#method`, `a->b`: the last two links of a chain; not
  /// a path's file name, a file with its extension, a URL's host or "e.g".
  @Test func qualifiedNames() {
    let query = QueryAnalysis(
      "Sink::matched fails in Session.validate (see Router#route, self.inner.state->reset), crates/searcher/src/sink.rs, setup.py, e.g. https://github.com/x")
    #expect(
      query.qualifiedNames.map { "\($0.scope) \($0.name)" } == ["Sink matched", "Session validate", "Router route", "state reset"],
      "\(query.qualifiedNames)")
    #expect(QueryAnalysis("a::b::Core::sink_matched").qualifiedNames == [QualifiedName(scope: "Core", name: "sink_matched")])
    #expect(QueryAnalysis("matched sink").qualifiedNames.isEmpty)
  }

  /// Titles in a bundle are code spans that stay code spans whatever backticks they hold.
  @Test func inlineCodeSpansHoldBackticks() {
    #expect(CodeBundle.inline("Fix the pager") == "`Fix the pager`")
    #expect(CodeBundle.inline("`click.prompt` typing") == "`` `click.prompt` typing ``")
    #expect(CodeBundle.inline("use ``x`` here") == "```use ``x`` here```")
  }

  @Test func expressionsQuoteEverything() {
    let term = QueryTerm(whole: "a\"b", parts: [])
    #expect(FTSExpression.group(term) == "\"a\"\"b\"")
    #expect(FTSExpression.all(QueryAnalysis("validateSession").terms) == "(\"validatesession\" OR (\"validate\" AND \"session\"))")
  }
}

@Suite struct CodeSearchTests {
  /// A real store holding four spellings of one idea and some noise.
  func makeStore(_ scratch: ScratchDirectory) async throws -> IndexStore {
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let files: [(String, String, String)] = [
      ("auth/session.ts", "validateSession", "export function validateSession(token) {\n  return check(token);\n}"),
      ("auth/legacy.py", "validate_session", "def validate_session(token):\n    return True"),
      ("auth/Consts.java", "VALIDATE_SESSION", "static final int VALIDATE_SESSION = 1;"),
      ("auth/Api.cs", "ValidateSession", "public bool ValidateSession(string t) { return true; }"),
      ("auth/other.ts", "callers", "import { validateSession } from './session';\nvalidateSession(t); validateSession(u);"),
      ("tests/session_test.ts", "testValidate", "test('validateSession', () => validateSession(x));"),
    ]
    var changes: [FileChange] = []
    for (path, symbol, text) in files {
      let lines = text.split(separator: "\n").count
      let file = CodeFile(
        path: path, stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: path, language: nil, lineCount: lines,
        symbols: [Symbol(name: symbol, kind: "function", line: 1, endLine: lines)],
        chunks: [Chunk(startLine: 1, endLine: lines, symbol: symbol, kind: "function", text: text)])
      changes.append(.upsert(file, chunkParts: [IdentifierParts.expansion(of: symbol + " " + path + "\n" + text)]))
    }
    try await store.apply(changes, sourceID: source)
    return store
  }

  @Test(arguments: ["validate session", "validateSession", "ValidateSession", "validate_session", "VALIDATE_SESSION"])
  func everySpellingFindsEveryDefinition(query: String) async throws {
    let scratch = ScratchDirectory()
    let hits = try CodeSearch(store: try await makeStore(scratch)).search(query, limit: 10)
    let top4 = Set(hits.prefix(4).map(\.chunk.path))
    #expect(top4 == ["auth/session.ts", "auth/legacy.py", "auth/Consts.java", "auth/Api.cs"], "\(hits.map(\.chunk.path))")
  }

  @Test func exactIdentifierRanksItsDefinitionFirst() async throws {
    let scratch = ScratchDirectory()
    let hits = try CodeSearch(store: try await makeStore(scratch)).search("validate_session", limit: 10)
    #expect(hits.first?.chunk.path == "auth/legacy.py")
    #expect(hits.first?.reasons.contains { $0.contains("definition of `validate_session`") } == true)
  }

  /// `Sink::matched` is the method `matched` of `Sink`: above `sink_matched` (which the words
  /// "sink matched" spelled together name) and above `matched` in another scope. Found on
  /// BurntSushi/ripgrep, where `sink_matched` ranked first.
  @Test(arguments: ["Sink::matched", "Sink.matched", "crates::sink::Sink::matched", "Sink#matched"])
  func aScopedNameFindsTheDefinitionInThatScope(query: String) async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let files: [(String, Symbol, String)] = [
      ("src/sink.rs", Symbol(name: "matched", kind: "method", line: 1, endLine: 3, scope: "Sink"), "fn matched(&mut self) -> bool {\n    true\n}"),
      ("src/core.rs", Symbol(name: "sink_matched", kind: "method", line: 1, endLine: 3, scope: "Core"), "fn sink_matched(&mut self) -> bool {\n    self.sink.matched()\n}"),
      ("src/json.rs", Symbol(name: "matched", kind: "method", line: 1, endLine: 3, scope: "JSONSink"), "fn matched(&mut self) -> bool {\n    false\n}"),
    ]
    var changes: [FileChange] = []
    for (path, symbol, text) in files {
      let file = CodeFile(
        path: path, stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: path, language: "rust", lineCount: 3, symbols: [symbol],
        chunks: [Chunk(startLine: 1, endLine: 3, symbol: symbol.name, kind: symbol.kind, text: text)])
      changes.append(.upsert(file, chunkParts: [IdentifierParts.expansion(of: symbol.name + " " + path + "\n" + text)]))
    }
    try await store.apply(changes, sourceID: source)
    let hits = try CodeSearch(store: store).search(query, limit: 10)
    #expect(hits.first?.chunk.path == "src/sink.rs", "\(hits.map { ($0.chunk.path, $0.reasons) })")
    #expect(hits.first?.reasons.contains("definition of `Sink::matched` (method)") == true)
    var without = CodeSearch(store: store)
    without.weights.qualified = 0
    #expect(try without.search(query, limit: 10).first?.chunk.path == "src/core.rs")
  }

  /// Python `@overload` stubs rank below the implementation that follows them (found on
  /// pallets/click: `ctx search prompt` showed two stubs first).
  @Test func overloadStubsRankBelowTheImplementation() async throws {
    let stubs = "@t.overload\ndef prompt(text: str, type: None = None) -> str: ...\n\n@t.overload\ndef prompt(\n    text: str, type: int  # the type\n) -> int: ..."
    let implementation = "def prompt(text: str, type: t.Any = None) -> t.Any:\n    value = input(text)\n    while not value:\n        value = input(text)\n    if type is not None:\n        value = type(value)\n    return value"
    #expect(CodeSearch.isOverloadStubs(stubs))
    #expect(!CodeSearch.isOverloadStubs(implementation) && !CodeSearch.isOverloadStubs(stubs + "\n\n" + implementation))
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let file = CodeFile(
      path: "src/termui.py", stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: "t", language: "python", lineCount: 15,
      symbols: [Symbol(name: "prompt", kind: "function", line: 2, endLine: 2), Symbol(name: "prompt", kind: "function", line: 9, endLine: 15)],
      chunks: [
        Chunk(startLine: 1, endLine: 7, symbol: "prompt", kind: "function", text: stubs),
        Chunk(startLine: 9, endLine: 15, symbol: "prompt", kind: "function", text: implementation),
      ])
    try await store.apply([.upsert(file, chunkParts: [IdentifierParts.expansion(of: stubs), IdentifierParts.expansion(of: implementation)])], sourceID: source)
    let hits = try CodeSearch(store: store).search("prompt", limit: 5)
    #expect(hits.first?.chunk.startLine == 9, "\(hits.map { ($0.chunk.startLine, $0.score) })")
    var flat = CodeSearch(store: store)
    flat.weights.overloads = 1
    #expect(try flat.search("prompt", limit: 5).first?.chunk.startLine == 1, "without the weight the stubs lead (shorter, same words)")
  }

  @Test func pathInTheQueryIsAStrongSignal() async throws {
    let scratch = ScratchDirectory()
    let hits = try CodeSearch(store: try await makeStore(scratch)).search("TypeError at check (src/auth/other.ts:2:1)", limit: 10)
    #expect(hits.first?.chunk.path == "auth/other.ts")
  }

  @Test(arguments: ["перезапускается", "Сервер", "café", "cafe", "naïve", "再起動", "Ελληνικά"])
  func nonEnglishWordsFindTheirText(query: String) async throws {
    let scratch = ScratchDirectory()
    let store = try await makeStore(scratch)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let text = "// Сервер перезапускается после сбоя.\n// café naïve, Ελληνικά\n// 東京サーバー の 再起動\nrestart()"
    let file = CodeFile(
      path: "ops/restart.js", stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: "restart", language: nil, lineCount: 4,
      symbols: [], chunks: [Chunk(startLine: 1, endLine: 4, symbol: nil, kind: nil, text: text)])
    try await store.apply([.upsert(file, chunkParts: [IdentifierParts.expansion(of: "ops/restart.js\n" + text)])], sourceID: source)
    let hits = try CodeSearch(store: store).search(query, limit: 10)
    #expect(hits.first?.chunk.path == "ops/restart.js", "\(hits.map(\.chunk.path))")
  }

  /// Hostile and huge text never reaches FTS5 as syntax.
  @Test(arguments: [
    "\"unbalanced", "AND OR NOT", "NEAR(a b)", "col:value", "a*", "-minus", "^caret", "(((", "💥 émoji", "",
    String(repeating: "session token expired while refreshing ", count: 400),
  ])
  func freeTextNeverThrows(query: String) async throws {
    let scratch = ScratchDirectory()
    _ = try CodeSearch(store: try await makeStore(scratch)).search(query, limit: 10)
  }
}

@Suite struct UsageLineTests {
  @Test(arguments: [
    ("validateSession(token)", "validateSession", 0),
    ("// intro\n\n  return validateSession(t)\n", "validateSession", 2),
    ("let café = 1\nlet x = validateSession\n", "validateSession", 1),
    ("validate\nSession\n", "validateSession", -1),
    ("valid", "validateSession", -1),
    ("vvalidateSession", "validateSession", 0),
  ])
  func findsTheFirstLineSpellingTheName(text: String, name: String, line: Int) {
    #expect(QueryService.lineOffset(of: name, in: text) == (line < 0 ? nil : line))
  }
}

@Suite struct ReportCluesTests {
  @Test func readsABugReportLikeAnEngineer() {
    let report = """
      Make PersonName3 iterable
      ```python
      from pydicom.valuerep import PersonName3
      from pydicom import Dataset
      ds = Dataset()
      Matrix.col_insert(ds, 1)
      runner.invoke(cli)
      ```
      ```
      Traceback (most recent call last):
        File "app/main.py", line 3, in <module>
        File "app/lib/core.py", line 12, in run
      TypeError: argument of type 'PersonName3' is not iterable
      ```
      Calling `evolve()` or `attr.has` fails:
      E   ValueError: Unable to load file 'x.py' from disk
      """
    let clues = ReportClues(report)
    #expect(clues.modules == ["pydicom/valuerep"])
    #expect(clues.names.contains("PersonName3"))
    #expect(!clues.names.contains("Dataset"), "names imported from the package root are the public API, not clues")
    #expect(clues.names.contains("Matrix") && clues.names.contains("col_insert"))
    #expect(!clues.names.contains("invoke"))
    #expect(clues.names.contains("evolve") && clues.names.contains("has"))
    #expect(clues.errorNames.isSuperset(of: ["TypeError", "PersonName3", "ValueError"]))
    #expect(clues.phrases.contains(["is", "not", "iterable"]))
    #expect(clues.phrases.contains(["unable", "to", "load", "file"]))
    #expect(clues.deepestFrameLast)
    // Test mentions in the body of a report do not make it about tests; in its title they do.
    #expect(!QueryAnalysis("Crash on save\nI tested it with pytest and the test fails").mentionsTests)
    #expect(QueryAnalysis("Add a test for the parser\n\nbody").mentionsTests)
  }

  @Test func hostileTextStaysLinear() {
    let started = ContinuousClock.now
    let text = String(repeating: "`a.b(`'\"X: y ", count: 40_000) + String(repeating: "ValueError: ", count: 10_000)
    _ = ReportClues(text)
    #expect(ContinuousClock.now - started < .seconds(5))
  }
}

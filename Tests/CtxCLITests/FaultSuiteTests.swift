import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// The fault suite: seeded, bounded hostile input on every surface a user or an agent can
/// reach (connector files, chat exports, query text, `ctx serve --jsonl` requests), each case
/// under a deadline. A case passes when ctx ends within it with one of its documented exit
/// codes (never a signal, never `timeout`'s 124) and, where it refuses, says so on stderr.
@Suite struct FaultSuiteTests {
  /// Exit codes ctx documents (README, "Exit codes"); 64 is swift-argument-parser's usage error.
  static let documented: Set<Int32> = [0, 1, 2, 3, 4, 64, 75, 78]

  /// Runs ctx under `timeout` so that a hang is a failure (124), not a stuck suite.
  static func run(_ arguments: [String], in directory: String, stdin: String? = nil, seconds: Int = 30) throws -> ProcessResult {
    try Run.program("/usr/bin/timeout", ["-s", "KILL", String(seconds), CtxBinary.path] + arguments, in: directory, stdin: stdin)
  }

  static func random(_ generator: inout SeededGenerator, from pieces: [String], count: Int) -> String {
    (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
  }

  static let hostilePieces = [
    "\"", "'", "`", "```", "\\", "\n", "\r\n", "\t", "\u{0}", "\u{1B}[31m", "\u{7}", "\u{202E}", "\u{E0049}", "é", "🦀", "<@", "<", ">",
    "(", ")", "[", "]", "{", "}", "*", "-", "--", "NEAR", "AND", "OR", "NOT", ":", "^", "validateSession", "File \"x.py\", line 9",
    "TypeError: ", "from a.b import C", "`x`", "a.b(", " ", "NaN", "1e308", "-1", "0x", "../../", "%s", "{{", "}}", "$(rm)", "…",
  ]

  @Test(.timeLimit(.minutes(8))) func hostileInputOnEverySurface() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/a.py": "def validate_session(token):\n    raise ValueError('Unable to load file %s' % token)\n"], under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    var generator = SeededGenerator(seed: 2026)
    var cases = 0
    var failures: [String] = []
    func check(_ label: String, _ result: ProcessResult, allowed: Set<Int32> = FaultSuiteTests.documented) {
      cases += 1
      if result.status == 124 || result.status == 137 { failures.append("\(label): hung (killed at the deadline)") }
      else if !allowed.contains(result.status) { failures.append("\(label): exit \(result.status): \(result.stderr.prefix(300))") }
    }

    // 1. Query text: 60 random hostile texts, short and long, through search and query.
    for index in 0..<60 {
      let text = Self.random(&generator, from: Self.hostilePieces, count: index < 40 ? 1 + index : 400 + index * 50)
      check("search #\(index)", try Self.run(["search", "-", "--limit", "5"], in: workspace, stdin: text), allowed: [0, 1])
      if index % 3 == 0 {
        check("query #\(index)", try Self.run(["query", "-", "--budget", "1000"], in: workspace, stdin: text), allowed: [0, 1])
      }
    }

    // 2. Connector files: 40 broken or hostile ones, each alone in a workspace of its own.
    let connectorCases = [
      "", "kind: code", "path: .", "kind: code\npath: [", "kind: code\npath: .\ninclude: 5", "kind: code\npath: .\nexclude: {a: b}",
      "kind: code\npath: .\nmax_file_size: infMiB", "kind: code\npath: .\nmax_file_size: -1", "kind: code\npath: .\nmax_file_size: 1e400",
      "kind: code\npath: .\nmax_chunk_lines: 0", "kind: code\npath: .\nmax_chunk_lines: 99999999999999999999", "kind: code\npath: .\nctags_timeout: -5s",
      "kind: code\npath: .\nctags_timeout: nan", "kind: code\npath: .\nrevision: \"\"", "kind: code\npath: .\nrevision: no-such-ref",
      "kind: code\npath: /nonexistent/folder", "kind: code\npath: \"\\0\"", "kind: git\npath: ../repo\nrefs: []", "kind: git\npath: ../repo\nrefs: [nope]",
      "kind: git\npath: ../repo\nline_counts: -3", "kind: git\npath: /nonexistent", "kind: docs\npath: .\nmax_section_lines: 1",
      "kind: docs\npath: .\ntext_group_lines: abc", "kind: chat\npath: .", "kind: chat\nformat: slack-export\npath: /nonexistent",
      "kind: chat\nformat: carrier-pigeon\npath: .", "kind: chat\nformat: jsonl\npath: .\nmax_message_bytes: 1e300KiB",
      "kind: chat\nformat: jsonl\npath: .\nzip_max_entries: -1", "kind: code\npath: .\nredaction: {rules: {x: \"([\"}}",
      "kind: code\npath: .\nredaction: 7", "kind: [code]\npath: .", "kind: code\npath: .\nkind: git", "!!binary AAAA",
      "kind: code\npath: .\n" + String(repeating: "include: [\"a\"]\n", count: 2), "kind: code\npath: .\ninclude: [\"" + String(repeating: "*", count: 5000) + "\"]",
      "&a [*a]", "kind: &k code\npath: *k", String(repeating: "[", count: 500), "kind: code\npath: .\n\u{0}", "- - - -",
    ]
    for (index, text) in connectorCases.enumerated() {
      let folder = scratch.path + "/conn\(index)"
      try CtxBinary.run(["init", folder])
      try scratch.write(["conn\(index)/connectors/bad.yaml": text])
      let index1 = try Self.run(["index", "--quiet"], in: folder)
      check("connector #\(index) index", index1)
      check("connector #\(index) status", try Self.run(["status", "--json"], in: folder))
    }

    // 3. Chat exports: 25 JSON-lines files with hostile values.
    let chatLines = [
      #"{"channel": "c", "ts": "NaN", "author": "a", "text": "x"}"#, #"{"channel": "c", "ts": 1e308, "author": "a", "text": "x"}"#,
      #"{"channel": "c", "ts": 1704189600000000, "author": "a", "text": "micro"}"#, #"{"channel": "c", "ts": -1, "text": "x"}"#,
      #"{"channel": "c", "ts": "9223372036854775808", "text": "x"}"#, #"{"channel": 5, "ts": "1704189600", "text": "x"}"#,
      #"{"channel": "c", "ts": "1704189600", "text": {"nested": true}}"#, #"{"channel": "c", "ts": "1704189600", "text": null}"#,
      #"[1, 2, 3]"#, #"not json at all"#, #"{"channel": "c", "ts": "1704189600", "text": ""#, String(repeating: "[", count: 10_000),
      #"{"channel": "c", "ts": "1704189600", "text": ""# + String(repeating: "<@", count: 30_000) + #""}"#,
      #"{"channel": "\u0000", "ts": "1704189600", "text": "nul"}"#, #"{"channel": "c", "ts": "inf", "text": "x"}"#,
      #"{"channel": "c", "ts": true, "text": "x"}"#, #"{"channel": "c", "ts": "1704189600", "thread_ts": "NaN", "text": "x"}"#,
      #"{"channel": "c", "ts": "1704189600.000100", "author": "a", "text": "AKIAIOSFODNN7EXAMPLE hf_abcdefghijklmnopqrstuvwxyz12345678"}"#,
      #"{}"#, "", "\u{FEFF}" + #"{"channel": "c", "ts": "1704189600", "text": "bom"}"#, #"{"channel": "c", "ts": "1e19", "text": "x"}"#,
      #"{"channel": "c", "ts": "0", "text": "epoch"}"#, #"{"channel": "c", "ts": "99999999999999999999999", "text": "x"}"#,
      #"{"channel": "c", "ts": "1704189600", "text": "x", "extra": [[[[[[[[[[1]]]]]]]]]]}"#,
    ]
    for (index, line) in chatLines.enumerated() {
      let folder = scratch.path + "/chat\(index)"
      try CtxBinary.run(["init", folder])
      try scratch.write(["chat\(index)/export.jsonl": line + "\n", "chat\(index)/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: export.jsonl\n"])
      check("chat #\(index) index", try Self.run(["index", "--quiet"], in: folder))
      check("chat #\(index) search", try Self.run(["search", "x"], in: folder), allowed: [0, 1])
    }

    // 4. Agent requests: 40 hostile `--jsonl` lines in one session; each gets one reply.
    var requests = [
      "{", "[]", "null", "42", #""str""#, #"{"id": {"a": 1}, "tool": "search"}"#, #"{"id": 1}"#, #"{"id": 2, "tool": 7}"#,
      #"{"id": 3, "tool": "nope"}"#, #"{"id": 4, "tool": "search", "arguments": []}"#, #"{"id": 5, "tool": "search", "arguments": {"query": 5}}"#,
      #"{"id": 6, "tool": "search", "arguments": {"query": "x", "limit": -1}}"#, #"{"id": 7, "tool": "search", "arguments": {"query": "x", "limit": 1e309}}"#,
      #"{"id": 8, "tool": "context", "arguments": {"query": "x", "budget": 0}}"#, #"{"id": 9, "tool": "context", "arguments": {"query": "x", "layers": ["nope"]}}"#,
      #"{"id": 10, "tool": "show", "arguments": {"ref": "../../../../etc/passwd"}}"#, #"{"id": 11, "tool": "show", "arguments": {"ref": "src/a.py:999999999999999999999"}}"#,
      #"{"id": 12, "tool": "show", "arguments": {"ref": "src/a.py:5-1"}}"#, #"{"id": 13, "tool": "annotate", "arguments": {}}"#,
      #"{"id": 14, "tool": "correct", "arguments": {"target": "", "text": ""}}"#, #"{"id": 15, "tool": "search", "arguments": {"query": "x", "sources": ["nope"]}}"#,
      #"{"id": 16, "tool": "search", "arguments": {"query": "x", "paths": [5]}}"#, String(repeating: "[", count: 5_000),
      #"{"id": 17, "tool": "status", "arguments": {"x": 1}}"#, #"{"id": 1.5, "tool": "status"}"#, #"{"id": true, "tool": "status"}"#,
    ]
    for index in 0..<14 {
      let query = Self.random(&generator, from: Self.hostilePieces, count: 20 + index * 30)
      let encoded = String(decoding: try JSONSerialization.data(withJSONObject: ["id": 100 + index, "tool": index % 2 == 0 ? "search" : "context", "arguments": ["query": query]]), as: UTF8.self)
      requests.append(encoded)
    }
    let serve = try Self.run(["serve", "--jsonl"], in: workspace, stdin: requests.joined(separator: "\n") + "\n", seconds: 120)
    check("serve --jsonl", serve, allowed: [0])
    let replies = serve.stdout.split(separator: "\n")
    cases += requests.count - 1  // each request line is a case; the run above counted one
    if replies.count != requests.count { failures.append("serve --jsonl: \(requests.count) requests, \(replies.count) replies") }
    for (index, reply) in replies.enumerated() where (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) == nil {
      failures.append("serve --jsonl reply \(index) is not JSON: \(reply.prefix(200))")
    }

    #expect(cases >= 150, "only \(cases) cases")
    let report = "\(failures.count) of \(cases) cases failed:\n" + failures.prefix(20).joined(separator: "\n")
    #expect(failures.isEmpty, "\(report)")
    print("fault suite: \(cases) cases, \(failures.count) failures")
  }
}

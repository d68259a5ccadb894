import CtxTestSupport
import Foundation
import Testing

/// A running `ctx serve --jsonl`, spoken to one request at a time.
final class JSONLSession {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffer: [UInt8] = []
  let stderrPath: String

  init(workspace: String, stderrPath: String, extraArguments: [String] = []) throws {
    self.stderrPath = stderrPath
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: CtxBinary.path)
    process.arguments = ["serve", "--jsonl", "--workspace", workspace] + extraArguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    try process.run()
  }

  func send(_ line: String) {
    try? PipeIO.write(Array((line + "\n").utf8), to: input.fileHandleForWriting.fileDescriptor)
  }

  /// The next reply line (nil at end of output).
  func receiveLine() -> String? {
    while true {
      if let newline = buffer.firstIndex(of: 0x0A) {
        let line = String(decoding: buffer[..<newline], as: UTF8.self)
        buffer.removeFirst(newline + 1)
        return line
      }
      let data = PipeIO.readSome(output.fileHandleForReading.fileDescriptor)
      if data.isEmpty { return nil }
      buffer.append(contentsOf: data)
    }
  }

  func request(_ object: [String: Any]) throws -> [String: Any] {
    let data = try JSONSerialization.data(withJSONObject: object)
    send(String(decoding: data, as: UTF8.self))
    let line = try #require(receiveLine(), "no reply; stderr: \(stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "reply is not a JSON object: \(line)")
  }

  /// Closes stdin and waits for the exit status.
  func finish() -> Int32 {
    try? input.fileHandleForWriting.close()
    while receiveLine() != nil {}
    process.waitUntilExit()
    return process.terminationStatus
  }

  var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

  /// Resident memory of the server, from /proc (Linux).
  var residentKiB: Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
  }

  deinit {
    if process.isRunning { process.terminate() }
  }
}

/// `ctx serve`: JSON lines, memory over many requests, requests during indexing, and the
/// official MCP Python SDK as a client.
@Suite struct ServeTests {
  @Test func jsonlAnswersEveryLineInOrderAndEndsOnEOF() throws {
    let fixture = try IndexedWorkspace()
    let sha = try fixture.repo.sha()
    let lines = [
      #"{"id": 1, "tool": "search", "arguments": {"query": "validate session", "layer": "code", "limit": 3}}"#,
      #"this is not json"#,
      #""#,
      #"{"id": "two", "tool": "launch_rockets", "arguments": {}}"#,
      #"{"id": 3, "tool": "show", "arguments": {"ref": "src/auth/session.ts:1-2"}}"#,
      #"{"id": 4, "tool": "context", "arguments": {"query": "validateSession", "budget": 2000}, "timing": true}"#,
      #"[1, 2, 3]"#,
      #"{"id": 5, "tool": "search", "arguments": {"query": "x", "limit": "lots"}}"#,
      #"{"id": 6, "tool": "show", "arguments": {"ref": "\#(sha.prefix(10))"}}"#,
      #"{"id": 7, "tool": "show", "arguments": {"ref": "no/such/file.ts"}}"#,
      #"{"id": 8, "arguments": {}}"#,
      #"{"id": 9, "tool": "status"}"#,
    ]
    let run = try CtxBinary.run(["serve", "--jsonl"], in: fixture.workspace, stdin: lines.joined(separator: "\n") + "\n")
    #expect(run.status == 0, "\(run.stderr)")
    let replies = try run.stdout.split(separator: "\n").map { try fixture.json(String($0)) }
    // One reply per non-blank line, in order.
    #expect(replies.count == 11, "\(run.stdout)")
    guard replies.count == 11 else { return }
    let ids = replies.map { reply -> String in
      switch reply["id"] {
      case let number as Int: "\(number)"
      case let text as String: text
      default: "null"
      }
    }
    #expect(ids == ["1", "null", "two", "3", "4", "null", "5", "6", "7", "8", "9"])
    func error(_ index: Int) -> String? { ((replies[index]["error"] as? [String: Any])?["code"]) as? String }

    #expect(replies[0]["ok"] as? Bool == true)
    let search = try #require(replies[0]["result"] as? [String: Any])
    #expect(search["query"] as? String == "validate session")
    #expect(((search["hits"] as? [[String: Any]])?.first?["ref"]) as? String == "src/auth/session.ts:1-3")
    #expect(replies[1]["ok"] as? Bool == false && error(1) == "parse_error")
    #expect(error(2) == "unknown_tool")
    #expect((((replies[2]["error"] as? [String: Any])?["message"]) as? String)?.contains("context, search, show, annotate, correct, conflicts, review_list, review_show, status") == true)
    #expect(((replies[3]["result"] as? [String: Any])?["freshness"]) as? String == "unchanged")
    let context = try #require(replies[4]["result"] as? [String: Any])
    #expect((context["markdown"] as? String)?.contains("validateSession") == true)
    #expect(((context["bundle"] as? [String: Any])?["schema_version"]) as? Int == 1)
    #expect(replies[4]["elapsed_ms"] is Double)
    #expect(replies[3]["elapsed_ms"] == nil)
    #expect(error(5) == "invalid_request")
    #expect(error(6) == "invalid_arguments")
    #expect(((replies[7]["result"] as? [String: Any])?["summary"]) as? String == "Require longer session tokens")
    #expect(error(8) == "not_found")
    #expect(error(9) == "invalid_request")
    #expect(((replies[10]["result"] as? [String: Any])?["sources"] as? [Any])?.count == 2)
  }

  /// A client that writes its requests and closes stdin at once still gets every answer:
  /// the server waits for the requests in flight before it exits.
  @Test func mcpOverPipedStdinAnswersEveryRequestBeforeExiting() throws {
    let fixture = try IndexedWorkspace()
    let lines = [
      #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}"#,
      #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
      #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
      #"not json at all"#,
      #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"context","arguments":{"query":"validateSession"}}}"#,
      #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"query":7}}}"#,
      #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}"#,
      #"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"show","arguments":{"ref":"src/util.py:1-2"}}}"#,
    ]
    let run = try CtxBinary.run(["serve"], in: fixture.workspace, stdin: lines.joined(separator: "\n") + "\n")
    #expect(run.status == 0, "\(run.stderr)")
    var byID: [Int: [String: Any]] = [:]
    for line in run.stdout.split(separator: "\n") {
      let reply = try fixture.json(String(line))
      #expect(reply["jsonrpc"] as? String == "2.0")
      if let id = reply["id"] as? Int { byID[id] = reply }
    }
    #expect(run.stdout.split(separator: "\n").count == 7, "\(run.stdout)")  // 6 requests and the parse error
    #expect(Set(byID.keys).isSuperset(of: [1, 2, 3, 4, 5, 6]), "\(run.stdout)")
    let tools = ((byID[2]?["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
    #expect(tools == ["context", "search", "show", "annotate", "correct", "conflicts", "review_list", "review_show", "status"])
    let context = byID[3]?["result"] as? [String: Any]
    #expect(context?["isError"] as? Bool == false)
    #expect((((context?["content"] as? [[String: Any]])?.first)?["text"] as? String)?.contains("validateSession") == true)
    #expect(((context?["structuredContent"] as? [String: Any])?["schema_version"]) as? Int == 1)
    #expect(((byID[4]?["result"] as? [String: Any])?["isError"]) as? Bool == true)
    #expect(((byID[5]?["error"] as? [String: Any])?["code"]) as? Int == -32602)
    let shown = (((byID[6]?["result"] as? [String: Any])?["structuredContent"]) as? [String: Any])
    #expect(shown?["text"] as? String == "def parse_args(argv):\n    return argv[1:]")
  }

  @Test func agentsWriteProposalsAndReadConflicts() throws {
    let fixture = try IndexedWorkspace()
    let lines = [
      #"{"id": 1, "tool": "annotate", "arguments": {"target": "symbol:validateSession", "kind": "caveat", "text": "Only checks length.", "fact_key": "session.ttl", "fact_value": "60", "agent": "claude-code"}}"#,
      #"{"id": 2, "tool": "correct", "arguments": {"target": "symbol:validateSession", "text": "It also needs an expiry check.", "agent": "claude-code"}}"#,
      #"{"id": 3, "tool": "annotate", "arguments": {"target": "symbol:noSuchSymbol", "text": "x"}}"#,
      #"{"id": 4, "tool": "annotate", "arguments": {"target": "symbol:validateSession", "kind": "correction", "text": "x"}}"#,
      #"{"id": 5, "tool": "conflicts", "arguments": {}}"#,
      #"{"id": 6, "tool": "review_list", "arguments": {"kind": "proposal"}}"#,
      #"{"id": 7, "tool": "review_show", "arguments": {"id": "no-such-item"}}"#,
      #"{"id": 8, "tool": "review_list", "arguments": {"kind": "proposal", "evidence": false}}"#,
    ]
    let run = try CtxBinary.run(["serve", "--jsonl"], in: fixture.workspace, stdin: lines.joined(separator: "\n") + "\n")
    #expect(run.status == 0, "\(run.stderr)")
    let replies = try run.stdout.split(separator: "\n").map { try fixture.json(String($0)) }
    #expect(replies.count == 8)
    guard replies.count == 8 else { return }
    let first = try #require(replies[0]["result"] as? [String: Any])
    #expect(first["status"] as? String == "proposed" && first["author"] as? String == "claude-code")
    #expect((replies[1]["result"] as? [String: Any])?["kind"] as? String == "correction")
    #expect(replies[2]["ok"] as? Bool == false && ((replies[2]["error"] as? [String: Any])?["code"] as? String) == "not_found")
    #expect(replies[3]["ok"] as? Bool == false && ((replies[3]["error"] as? [String: Any])?["code"] as? String) == "invalid_arguments")
    #expect((replies[4]["result"] as? [String: Any])?["conflicts"] is [Any])
    // Agents see what awaits review, with evidence; they cannot decide (no write tool for it).
    let queue = (replies[5]["result"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
    #expect(queue.count == 2 && queue.allSatisfy { $0["kind"] as? String == "proposal" }, "\(replies[5])")
    let evidence = queue.first?["evidence"] as? [String: Any]
    #expect((evidence?["current"] as? String)?.contains("validateSession") == true, "\(queue)")
    #expect((evidence?["others"] as? [[String: Any]])?.count == 1)
    #expect(((replies[6]["error"] as? [String: Any])?["code"] as? String) == "not_found", "\(replies[6])")
    // Without evidence: the same items, a fraction of the tokens.
    let brief = (replies[7]["result"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
    #expect(brief.map { $0["id"] as? String } == queue.map { $0["id"] as? String } && brief.allSatisfy { $0["evidence"] == nil && $0["claims"] is [Any] }, "\(replies[7])")
    let sizes = [5, 7].map { (try? JSONSerialization.data(withJSONObject: replies[$0]).count) ?? 0 }
    #expect(sizes[1] * 4 < sizes[0] * 3, "\(sizes)")
    // The files are there, as proposals a person reviews.
    let review = try CtxBinary.run(["review", "list"], in: fixture.workspace)
    #expect(review.status == 1 && review.stdout.contains("claude-code"), "\(review.stdout)")
  }

  @Test func jsonlWithoutAnIndexAnswersNoIndex() throws {
    let scratch = ScratchDirectory()
    try CtxBinary.run(["init"], in: scratch.path)
    let run = try CtxBinary.run(["serve", "--jsonl"], in: scratch.path, stdin: #"{"id": 1, "tool": "search", "arguments": {"query": "x"}}"# + "\n")
    #expect(run.status == 0)
    #expect(run.stdout.contains(#""code":"no_index""#), "\(run.stdout)")
    #expect(run.stdout.contains("run `ctx index`"))
  }

  /// Growth of the server's resident memory between request 100 and request 1,000: flat
  /// (0-1 MiB) when nothing leaks, since the allocator and SQLite's page cache are warm by
  /// request 100. The bound is meaningful: a planted leak of 16 KiB per request (about one
  /// bundle's text) grew it by 14 MiB and failed the test; anything from about 10 KiB per
  /// request up fails it.
  @Test func memoryStaysFlatOverAThousandRequests() throws {
    var files: [String: String] = [:]
    for index in 0..<60 {
      files["src/pkg\(index % 6)/handler\(index).py"] = (0..<6).map { "def handle_\(index)_\($0)(request):\n    return request.session.get('token', \($0))\n" }.joined()
    }
    let fixture = try IndexedWorkspace(files: files)
    let session = try JSONLSession(workspace: fixture.workspace, stderrPath: fixture.scratch.path + "/serve.err")
    let requests: [[String: Any]] = [
      ["tool": "search", "arguments": ["query": "handle request session"]],
      ["tool": "context", "arguments": ["query": "validateSession token length", "budget": 4000]],
      ["tool": "show", "arguments": ["ref": "src/auth/session.ts:1-3"]],
      ["tool": "search", "arguments": ["query": "guessable tokens", "layer": "history"]],
      ["tool": "context", "arguments": ["query": "handle_17_3"]],
      ["tool": "show", "arguments": ["ref": "src/pkg1/handler7.py"]],
    ]
    var failures: [String] = []
    var warm: Int? = nil
    for number in 1...1000 {
      var request = requests[number % requests.count]
      request["id"] = number
      let reply = try session.request(request)
      if reply["ok"] as? Bool != true || reply["id"] as? Int != number { failures.append("\(number): \(reply)") }
      if number == 100 { warm = session.residentKiB }
    }
    let end = session.residentKiB
    #expect(session.finish() == 0)
    #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(3))")
    let before = try #require(warm)
    let after = try #require(end)
    let growth = after - before
    print("ctx serve --jsonl resident memory: \(before) KiB after 100 requests, \(after) KiB after 1000 (\(growth) KiB growth)")
    #expect(growth < 8 * 1024, "resident memory grew by \(growth) KiB over 900 requests (\(before) → \(after) KiB)")
  }

  /// A long-lived server keeps answering while `ctx index --full` rewrites every source in
  /// another process, sees what each run commits, and follows an index deleted and rebuilt.
  @Test func answersWhileIndexingAndSeesNewlyCommittedData() throws {
    var files: [String: String] = [:]
    for index in 0..<200 {
      files["src/m\(index % 10)/file\(index).py"] = (0..<8).map { "def handler_\(index)_\($0)(request):\n    return request.get('session', \($0))\n" }.joined()
    }
    let fixture = try IndexedWorkspace(files: files)
    let session = try JSONLSession(workspace: fixture.workspace, stderrPath: fixture.scratch.path + "/serve.err")
    let writer = WriterLoop(workspace: fixture.workspace, runs: 3)
    writer.start()
    var errors: [String] = []
    var requests = 0
    repeat {
      for request: [String: Any] in [
        ["id": requests, "tool": "search", "arguments": ["query": "handler session"]],
        ["id": requests, "tool": "context", "arguments": ["query": "handler_7_3", "budget": 1500]],
        ["id": requests, "tool": "show", "arguments": ["ref": "src/m3/file13.py:1-4"]],
      ] {
        let reply = try session.request(request)
        requests += 1
        if reply["ok"] as? Bool != true { errors.append("\(reply)") }
      }
    } while !writer.isFinished
    let (runs, writerErrors) = writer.result
    #expect(writerErrors.isEmpty, "\(writerErrors)")
    #expect(runs == 3)
    #expect(requests > 10)
    #expect(errors.isEmpty, "\(errors.count) of \(requests) requests failed during \(runs) index runs: \(errors.prefix(3))")

    // New data committed by another process is visible to the same server.
    func hits(_ query: String) throws -> [[String: Any]] {
      let reply = try session.request(["id": 0, "tool": "search", "arguments": ["query": query, "layer": "code"]])
      return ((reply["result"] as? [String: Any])?["hits"] as? [[String: Any]]) ?? []
    }
    #expect(try hits("freshlyAddedQuokka").isEmpty)
    try fixture.scratch.write(["repo/src/quokka.ts": "export function freshlyAddedQuokka() { return 1; }\n"])
    #expect(try CtxBinary.run(["index", "--quiet"], in: fixture.workspace).status == 0)
    #expect(try hits("freshlyAddedQuokka").first?["path"] as? String == "src/quokka.ts")

    // The index deleted and rebuilt under it (a new file): the server follows.
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.workspace + "/index/ctx.sqlite" + suffix) }
    let gone = try session.request(["id": 0, "tool": "search", "arguments": ["query": "quokka"]])
    #expect(((gone["error"] as? [String: Any])?["code"]) as? String == "no_index", "\(gone)")
    try fixture.scratch.write(["repo/src/wombat.ts": "export function rebuiltWombat() { return 2; }\n"])
    #expect(try CtxBinary.run(["index", "--quiet"], in: fixture.workspace).status == 0)
    #expect(try hits("rebuiltWombat").first?["path"] as? String == "src/wombat.ts")
    #expect(session.finish() == 0)
  }

  /// The official MCP Python SDK (PyPI `mcp`) drives `ctx serve` over stdio:
  /// scripts/mcp_client.py. scripts/test.sh installs the package; without it this fails.
  @Test func officialPythonClientEndToEnd() throws {
    let probe = try Run.program("/usr/bin/env", ["python3", "-c", "import mcp"])
    try #require(
      probe.status == 0,
      "the Python MCP SDK is missing: install it with `python3 -m pip install mcp` (scripts/test.sh does): \(probe.stderr)")
    let fixture = try IndexedWorkspace()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let script = root.appendingPathComponent("scripts/mcp_client.py").path
    let run = try Run.program(
      "/usr/bin/env",
      ["python3", script, "--ctx", CtxBinary.path, "--workspace", fixture.workspace, "--query", "validate session token", "--expect", "validateSession"])
    #expect(run.status == 0, "mcp_client.py failed:\n\(run.stdout)\n\(run.stderr.suffix(3000))")
    #expect(run.stdout.contains("all checks passed"), "\(run.stdout)")
  }
}

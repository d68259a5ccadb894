import CtxTestSupport
import Dispatch
import Foundation
import Testing

/// A running `ctx serve` (MCP or `--jsonl`) over real pipes, fed raw bytes from a writer
/// thread (so a large write never blocks the reading side), read with deadlines.
final class RawServeSession {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffer: [UInt8] = []
  private let writes = DispatchQueue(label: "raw-serve-session.writes")
  private let stderrPath: String

  init(workspace: String, arguments: [String] = []) throws {
    stderrPath = workspace + "/serve-\(UUID().uuidString).err"
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: CtxBinary.path)
    process.arguments = ["serve", "--workspace", workspace] + arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    try process.run()
  }

  static let initialize = Array(
    #"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"hostile","version":"1"}}}"#
      .utf8) + [0x0A]

  /// Queues bytes for the server's stdin, written in order by one thread.
  func send(_ bytes: [UInt8]) {
    let descriptor = input.fileHandleForWriting.fileDescriptor
    writes.async { try? PipeIO.write(bytes, to: descriptor) }
  }

  func send(_ line: String) { send(Array((line + "\n").utf8)) }

  /// Closes stdin once everything queued is written.
  func closeInput() {
    let handle = input.fileHandleForWriting
    writes.async { try? handle.close() }
  }

  /// The next reply line, or nil when none comes before `deadline` (or at end of output).
  func receiveLine(within seconds: Double = 3) -> String? {
    let deadline = Date().addingTimeInterval(seconds)
    let descriptor = output.fileHandleForReading.fileDescriptor
    while true {
      if let newline = buffer.firstIndex(of: 0x0A) {
        let line = String(decoding: buffer[..<newline], as: UTF8.self)
        buffer.removeFirst(newline + 1)
        return line
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else { return nil }
      var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&request, 1, Int32(left * 1000) + 1)
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0 else { return nil }
      let data = PipeIO.readSome(descriptor)
      if data.isEmpty { return nil }
      buffer.append(contentsOf: data)
    }
  }

  /// The next reply as a JSON object (a failed expectation when none comes in time).
  func receive(within seconds: Double = 3, _ what: String) throws -> [String: Any] {
    let started = Date()
    let line = try #require(receiveLine(within: seconds), "no reply to \(what) within \(seconds) s; stderr: \(stderr.suffix(2000))")
    let elapsed = Date().timeIntervalSince(started)
    #expect(elapsed < seconds, "\(what): \(elapsed) s")
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(what): not a JSON object: \(line.prefix(500))")
  }

  /// Waits for the exit status, at most `seconds` (then kills the server and returns nil).
  func exitStatus(within seconds: Double = 5) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    guard !process.isRunning else {
      process.terminate()
      return nil
    }
    return process.terminationStatus
  }

  var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

  deinit {
    if process.isRunning { process.terminate() }
  }
}

/// Hostile requests to `ctx serve` (the reliability issue "MCP mode reads a request line in
/// quadratic time, with no cap"): oversized, malformed, invalid JSON-RPC, deeply nested, huge,
/// non-UTF-8, unterminated, pipelined. Each gets a JSON-RPC error (or an answer) quickly and
/// the server keeps serving; never a crash, never a hang. The real binary over real pipes.
@Suite struct ServeHostileRequestTests {
  /// An initialized workspace without an index: tools answer `no_index` at once.
  static func workspace() throws -> (ScratchDirectory, String) {
    let scratch = ScratchDirectory()
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    return (scratch, workspace)
  }

  static func code(_ reply: [String: Any]) -> Int? { (reply["error"] as? [String: Any])?["code"] as? Int }

  /// The issue's figures: 1 MB took 2 s, 4 MB 31 s, and 20 MB got no answer in 120 s. Now a
  /// 4 MB request is answered, and a 20 MB one refused (over the 16 MiB cap), each within 3 s,
  /// and the next request is answered.
  @Test(.timeLimit(.minutes(1))) func mcpLongLinesAreReadInLinearTimeAndCapped() throws {
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    let session = try RawServeSession(workspace: workspace)
    session.send(RawServeSession.initialize)
    #expect(try session.receive("initialize")["id"] as? String == "init")

    let query = String(repeating: "validate session ", count: 4_000_000 / 17)
    session.send(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"query":"\#(query)"}}}"#)
    let answered = try session.receive("a 4 MB request")
    #expect(answered["id"] as? Int == 4 && answered["result"] != nil, "\(answered)")

    var huge = Array(#"{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"search","arguments":{"query":""#.utf8)
    huge += [UInt8](repeating: UInt8(ascii: "x"), count: 20_000_000)
    huge += Array(#""}}}"#.utf8) + [0x0A]
    session.send(huge)
    let refused = try session.receive("a 20 MB request")
    #expect(Self.code(refused) == -32600, "\(refused)")
    #expect(refused.keys.contains("id") && refused["id"] is NSNull, "\(refused)")
    #expect(((refused["error"] as? [String: Any])?["message"] as? String)?.contains("16777216 bytes") == true)

    session.send(#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#)
    #expect(try session.receive("the request after the 20 MB one")["id"] as? Int == 5)
    session.closeInput()
    #expect(session.exitStatus() == 0)
  }

  /// One hostile line and the error it must get (named by `what` in the test log).
  struct HostileLine: CustomTestStringConvertible, Sendable {
    var what: String
    var bytes: [UInt8]
    var code: Int
    /// The id the error must carry; nil for `"id": null`.
    var id: Int?

    init(_ what: String, _ line: String, _ code: Int, id: Int? = nil) {
      self.init(what, Array(line.utf8), code, id: id)
    }

    init(_ what: String, _ bytes: [UInt8], _ code: Int, id: Int? = nil) {
      self.what = what
      self.bytes = bytes + [0x0A]
      self.code = code
      self.id = id
    }

    var testDescription: String { what }

    static let all: [HostileLine] = [
      HostileLine("not json", "garbage", -32700),
      HostileLine("not UTF-8", Array(#"{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":""#.utf8) + [0xFF, 0xFE] + Array("\"}}".utf8), -32700),
      HostileLine("an object id", #"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#, -32600),
      HostileLine("a fractional id", #"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#, -32600),
      HostileLine("a null id", #"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#, -32600),
      HostileLine("a boolean id", #"{"jsonrpc":"2.0","id":true,"method":"tools/list"}"#, -32600),
      HostileLine("no jsonrpc", #"{"id":8,"method":"tools/list"}"#, -32600, id: 8),
      HostileLine("a number method", #"{"jsonrpc":"2.0","id":9,"method":5}"#, -32600, id: 9),
      HostileLine("a scalar", "5", -32600),
      HostileLine("an empty batch", "[]", -32600),
      HostileLine("a batch with a bad item", #"[{"jsonrpc":"2.0","id":1,"method":"ping"},7]"#, -32600),
      HostileLine("100,000 levels of nesting", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), -32600),
      HostileLine(
        "a 14 MB array",
        #"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"search","arguments":{"query":"x","layer":["# + String(repeating: "1,", count: 7_000_000) + "1]}}}",
        -32600),
      HostileLine("an unknown method", #"{"jsonrpc":"2.0","id":11,"method":"no/such"}"#, -32601, id: 11),
    ]
  }

  /// Every line gets an answer: a JSON-RPC error with the spec's code, `"id": null` when the
  /// id cannot be read, the request's id when it can; and the next request is answered.
  @Test(.timeLimit(.minutes(1)), arguments: HostileLine.all)
  func mcpMalformedMessagesGetJSONRPCErrors(_ hostile: HostileLine) throws {
    let (what, code, id) = (hostile.what, hostile.code, hostile.id)
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    let session = try RawServeSession(workspace: workspace)
    session.send(RawServeSession.initialize)
    _ = try session.receive("initialize")
    session.send(hostile.bytes)
    let reply = try session.receive(what)
    #expect(reply["jsonrpc"] as? String == "2.0")
    #expect(Self.code(reply) == code, "\(what): \(reply)")
    #expect(reply.keys.contains("id"), "\(what): \(reply)")
    if let id {
      #expect(reply["id"] as? Int == id, "\(what): \(reply)")
    } else {
      #expect(reply["id"] is NSNull, "\(what): \(reply)")
    }
    session.send(#"{"jsonrpc":"2.0","id":"after","method":"ping"}"#)
    #expect(try session.receive("a ping after \(what)")["id"] as? String == "after")
    session.closeInput()
    #expect(session.exitStatus() == 0, "\(session.stderr.suffix(2000))")
  }

  /// A tool call before `initialize` is refused with the request's id, not left unanswered;
  /// `ping` is allowed, and after `initialize` the same call works.
  @Test(.timeLimit(.minutes(1))) func mcpToolCallBeforeInitializeIsRefused() throws {
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    let session = try RawServeSession(workspace: workspace)
    let call = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"status","arguments":{}}}"#
    session.send(call)
    let refused = try session.receive("tools/call before initialize")
    #expect(refused["id"] as? Int == 7 && Self.code(refused) == -32600, "\(refused)")
    session.send(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
    #expect(try session.receive("ping before initialize")["result"] != nil)
    session.send(RawServeSession.initialize)
    _ = try session.receive("initialize")
    session.send(call)
    let answered = try session.receive("tools/call after initialize")
    #expect(answered["id"] as? Int == 7 && answered["result"] != nil, "\(answered)")
    session.closeInput()
    #expect(session.exitStatus() == 0)
  }

  /// A last request without a newline is answered at end of input; an unfinished one is a
  /// parse error; 1,000 requests in one write are all answered; the server then exits 0.
  @Test(.timeLimit(.minutes(1))) func mcpPipelinedAndUnterminatedInput() throws {
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    var requests = RawServeSession.initialize
    for id in 1...1000 {
      requests += Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"status","arguments":{}}}"#.utf8) + [0x0A]
    }
    requests += Array(#"{"jsonrpc":"2.0","id":1001,"method":"tools/list"}"#.utf8)  // no newline
    let session = try RawServeSession(workspace: workspace)
    session.send(requests)
    session.closeInput()
    var ids = Set<Int>()
    let started = Date()
    while let line = session.receiveLine(within: 20) {
      let reply = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      if let id = reply["id"] as? Int, reply["result"] != nil { ids.insert(id) }
    }
    #expect(ids == Set(1...1001), "\(1001 - ids.count) unanswered")
    #expect(Date().timeIntervalSince(started) < 20)
    #expect(session.exitStatus() == 0)

    let unfinished = try RawServeSession(workspace: workspace)
    unfinished.send(RawServeSession.initialize + Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/li"#.utf8))
    unfinished.closeInput()
    // The parse error may come before the answer to initialize (both are in flight at once).
    let replies = [try unfinished.receive("initialize"), try unfinished.receive("an unfinished last line")]
    #expect(replies.contains { $0["id"] as? String == "init" }, "\(replies)")
    #expect(replies.contains { Self.code($0) == -32700 && $0["id"] is NSNull }, "\(replies)")
    #expect(unfinished.exitStatus() == 0)
  }

  /// A client that stops reading (closes its end of stdout) and then closes stdin: the server
  /// neither crashes on the broken pipe nor waits for answers it cannot deliver.
  @Test(.timeLimit(.minutes(1)), arguments: [[], ["--jsonl"]])
  func serverSurvivesAClientThatStopsReading(_ arguments: [String]) throws {
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    let session = try RawServeSession(workspace: workspace, arguments: arguments)
    try session.process.standardOutput.flatMap { $0 as? Pipe }?.fileHandleForReading.close()
    session.send(RawServeSession.initialize)
    for id in 1...50 {
      session.send(
        arguments.isEmpty
          ? #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"status","arguments":{}}}"#
          : #"{"id":\#(id),"tool":"status"}"#)
    }
    session.closeInput()
    let status = session.exitStatus(within: 10)
    #expect(status != nil, "the server did not exit after its client went away")
    #expect(session.process.terminationReason == .exit, "the server died of a signal: \(session.process.terminationReason)")
  }

  /// `--jsonl` under the same abuse: capped lines (refused, then the next answered), non-UTF-8,
  /// deep nesting and huge arrays are `parse_error`/`invalid_request` with a null id.
  @Test(.timeLimit(.minutes(1))) func jsonlHostileLines() throws {
    let (scratch, workspace) = try Self.workspace()
    _ = scratch
    let session = try RawServeSession(workspace: workspace, arguments: ["--jsonl"])
    func error(_ reply: [String: Any]) -> String? { (reply["error"] as? [String: Any])?["code"] as? String }

    session.send(Array(#"{"id":1,"tool":"search","arguments":{"query":""#.utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: 20_000_000) + Array("\"}}\n".utf8))
    let long = try session.receive("a 20 MB line")
    #expect(error(long) == "invalid_request" && long["id"] is NSNull, "\(long)")
    session.send(Array(#"{"id":2,"tool":"status","x":""#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
    let bytes = try session.receive("non-UTF-8")
    #expect(error(bytes) == "parse_error" && bytes["id"] is NSNull, "\(bytes)")
    session.send(String(repeating: "[", count: 100_000))
    #expect(error(try session.receive("deep nesting")) == "invalid_request")
    session.send(#"{"id":3,"tool":"search","arguments":{"query":"x","layer":["# + String(repeating: "1,", count: 200_000) + "1]}}")
    #expect(error(try session.receive("a huge array")) == "invalid_request")
    session.send(#"{"id":{"a":1},"tool":"status"}"#)
    let objectID = try session.receive("an object id")
    #expect(objectID["ok"] as? Bool == true && (objectID["id"] as? [String: Any])?["a"] as? Int == 1, "ids are echoed as sent: \(objectID)")
    session.send(Array(#"{"id":4,"tool":"status"}"#.utf8))  // no newline, then EOF
    session.closeInput()
    #expect(try session.receive("a last line without a newline")["id"] as? Int == 4)
    #expect(session.exitStatus() == 0)
  }
}

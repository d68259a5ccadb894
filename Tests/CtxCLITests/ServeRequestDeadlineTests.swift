import CtxTestSupport
import Foundation
import Testing

/// Issue 16: every request has a deadline (`ctx serve --request-timeout`): a request still
/// running then has its index statements interrupted and is answered `timed_out`, and the
/// server goes on with the next line.
@Suite struct ServeRequestDeadlineTests {
  @Test func aRequestOverItsDeadlineIsAnsweredTimedOutAndTheServerGoesOn() throws {
    var files: [String: String] = [:]
    for number in 1...120 {
      files["src/mod\(number).py"] = (1...30).map { "def handler_\(number)_\($0)(request, session, token):\n    return request.session.token + \($0)\n" }.joined()
    }
    let fixture = try IndexedWorkspace(files: files)
    // A long bug report: thousands of words, many of them common, so the search runs for a
    // while (well over the 1 ms deadline below).
    let report = (1...400).map { "handler \($0) request session token fails returns wrong value" }.joined(separator: " ")
    let slow = try String(decoding: JSONSerialization.data(withJSONObject: ["id": 1, "tool": "search", "arguments": ["query": report]]), as: UTF8.self)
    let lines = [slow, #"{"id": 2, "tool": "bogus"}"#, slow.replacingOccurrences(of: #""id":1"#, with: #""id":3"#)]
    let run = try CtxBinary.run(["serve", "--jsonl", "--request-timeout", "1ms"], in: fixture.workspace, stdin: lines.joined(separator: "\n") + "\n")
    #expect(run.status == 0, "\(run.stderr)")
    let replies = try run.stdout.split(separator: "\n").map { try fixture.json(String($0)) }
    #expect(replies.count == 3, "\(run.stdout)")
    let first = try #require(replies.first)
    #expect(first["ok"] as? Bool == false)
    #expect((first["error"] as? [String: Any])?["code"] as? String == "timed_out", "\(first)")
    #expect(((first["error"] as? [String: Any])?["message"] as? String)?.contains("--request-timeout") == true)
    // The server answered the lines after it.
    #expect((replies[1]["error"] as? [String: Any])?["code"] as? String == "unknown_tool")
    #expect(replies.count < 3 || (replies[2]["error"] as? [String: Any])?["code"] as? String == "timed_out")

    // With the default deadline (30 s) the same request is answered.
    let normal = try CtxBinary.run(["serve", "--jsonl"], in: fixture.workspace, stdin: slow + "\n")
    #expect(try fixture.json(String(normal.stdout.split(separator: "\n").first ?? ""))["ok"] as? Bool == true, "\(normal.stdout.prefix(300))")
    let bad = try CtxBinary.run(["serve", "--jsonl", "--request-timeout", "soon"], in: fixture.workspace, stdin: "")
    #expect(bad.status == 2 && bad.stderr.contains("--request-timeout `soon`"), "\(bad.stderr)")
  }
}

import CtxTestSupport
import Foundation
import Testing

/// Annotations are in effect at once (docs/annotations.md, "In effect at once"): a correction,
/// a review or a supersession reaches `ctx query`, `ctx search` and an already-running
/// `ctx serve` at their next request, with no `ctx index`, even while the index lock is held.
@Suite struct AnnotationImmediateTests {
  typealias Fixture = AnnotationEndToEndTests.Fixture

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
  }

  func context(_ session: JSONLSession, _ query: String) throws -> String {
    let reply = try session.request(["id": 1, "tool": "context", "arguments": ["query": query, "budget": 3000]])
    #expect(reply["ok"] as? Bool == true, "\(reply)")
    return ((reply["result"] as? [String: Any])?["markdown"] as? String) ?? ""
  }

  @Test func correctionsReviewsAndSupersessionsReachEveryProcessWithinASecond() throws {
    let fixture = try Fixture()
    let session = try JSONLSession(workspace: fixture.workspace, stderrPath: fixture.scratch.path + "/serve.err")
    defer { _ = session.finish() }
    // The server has answered (and cached the annotation folder) before the change.
    #expect(!(try context(session, "validateSession")).contains("expiry"))

    let correct = try fixture.ctx(["correct", "symbol:validateSession", "Tokens must also be checked for expiry.", "--author", "Bo", "--json"])
    let written = Date()
    #expect(correct.status == 0, "\(correct.stderr)")
    let id = try #require(try json(correct.stdout)["id"] as? String)

    // The running server, at its next request.
    let served = try context(session, "validateSession")
    let serverLatency = Date().timeIntervalSince(written)
    #expect(served.contains("Tokens must also be checked for expiry."), "\(served)")
    #expect(serverLatency < 1, "the server saw the correction \(serverLatency) s after `ctx correct` returned")
    // A new `ctx query` process, started at once (no waiting, no `ctx index`); the bound
    // leaves room for a debug binary's start-up on a loaded machine.
    let queried = try fixture.ctx(["query", "validateSession", "--budget", "3000"])
    let queryLatency = Date().timeIntervalSince(written)
    #expect(queried.stdout.contains("### correction on `symbol:validateSession`"), "\(queried.stdout)")
    #expect(queryLatency < 3, "`ctx query` returned the correction \(queryLatency) s after `ctx correct` returned")
    print("visible in ctx serve after \(Int(serverLatency * 1000)) ms; ctx query process done after \(Int(queryLatency * 1000)) ms")
    // And in search, in both.
    let searched = try fixture.ctx(["search", "expiry", "--layer", "annotations", "--json"])
    #expect(searched.stdout.contains(id), "\(searched.stdout)")
    let servedSearch = try session.request(["id": 2, "tool": "search", "arguments": ["query": "expiry", "layer": "annotations"]])
    #expect("\(servedSearch)".contains(id))

    // Superseded: the new one replaces it at once.
    let newer = try fixture.ctx(["annotate", "symbol:validateSession", "--kind", "correction", "--text", "Expiry is checked by the gateway.", "--supersedes", id, "--json"])
    #expect(newer.status == 0, "\(newer.stderr)")
    let replaced = try context(session, "validateSession")
    #expect(replaced.contains("Expiry is checked by the gateway.") && !replaced.contains("Tokens must also be checked"), "\(replaced)")
    let newerID = try #require(try json(newer.stdout)["id"] as? String)

    // Rejected: gone at once, and the one it superseded is back.
    #expect(try fixture.ctx(["review", "reject", newerID]).status == 0)
    let rejected = try context(session, "validateSession")
    #expect(!rejected.contains("Expiry is checked by the gateway.") && rejected.contains("Tokens must also be checked"), "\(rejected)")
    let again = try fixture.ctx(["query", "validateSession", "--budget", "3000"]).stdout
    #expect(!again.contains("Expiry is checked by the gateway.") && again.contains("Tokens must also be checked"), "\(again)")

    // Edited by hand in place (same inode): seen too.
    let file = fixture.workspace + "/annotations/\(id).md"
    let text = try String(contentsOfFile: file, encoding: .utf8)
    let handle = try #require(FileHandle(forWritingAtPath: file))
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data(text.replacingOccurrences(of: "Tokens must also be checked", with: "Tokens are also checked").utf8))
    try handle.close()
    #expect(try context(session, "validateSession").contains("Tokens are also checked for expiry."))

    // A file that does not parse is skipped by queries, and reported by `ctx conflicts`.
    try fixture.scratch.write(["ws/annotations/broken.md": "---\ntarget: symbol:validateSession\nkind: rumour\n---\nNope.\n"])
    #expect(try context(session, "validateSession").contains("Tokens are also checked"))
    let conflicts = try fixture.ctx(["conflicts"])
    #expect(conflicts.stdout.contains("broken.md:3"), "\(conflicts.stdout)")
  }

  /// A `ctx index` holding the workspace lock does not delay a query, nor is needed by it.
  @Test func queriesDoNotWaitForARunningIndex() throws {
    let fixture = try Fixture()
    let descriptor = open(fixture.workspace, O_RDONLY | O_DIRECTORY)
    #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
    defer { close(descriptor) }
    #expect(try fixture.ctx(["index"]).status != 0, "the lock is held, as by a running `ctx index`")
    #expect(try fixture.ctx(["correct", "symbol:issueToken", "The token is random, not a constant."]).status == 0)
    let started = Date()
    let queried = try fixture.ctx(["query", "issueToken"])
    #expect(queried.stdout.contains("The token is random, not a constant."), "\(queried.stdout)")
    #expect(Date().timeIntervalSince(started) < 2)
  }

  /// The MCP `correct` tool supersedes by id (unknown ids are named), and
  /// `ctx annotations log` tells the target's story: what replaced what, when, what was rejected.
  @Test func supersedingThroughMCPAndTheTargetsLog() throws {
    let fixture = try Fixture()
    let first = try json(try fixture.ctx(["annotate", "symbol:validateSession", "--kind", "caveat", "--text", "Sessions last an hour.", "--author", "Ada", "--json"]).stdout)
    let firstID = try #require(first["id"] as? String)
    let session = try JSONLSession(workspace: fixture.workspace, stderrPath: fixture.scratch.path + "/serve.err")
    defer { _ = session.finish() }

    let unknown = try session.request([
      "id": 1, "tool": "correct",
      "arguments": ["target": "symbol:validateSession", "text": "They last a day.", "supersedes": [firstID, "no-such-id", "nor-this"], "agent": "bot"],
    ])
    let message = "\((unknown["error"] as? [String: Any])?["message"] ?? unknown)"
    #expect(unknown["ok"] as? Bool == false && message.contains("no-such-id") && message.contains("nor-this") && !message.contains(firstID), "\(unknown)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.workspace + "/annotations").filter { $0.hasSuffix(".md") }.count == 1)

    let corrected = try session.request([
      "id": 2, "tool": "correct", "arguments": ["target": "symbol:validateSession", "text": "They last a day.", "supersedes": [firstID], "agent": "bot"],
    ])
    #expect(corrected["ok"] as? Bool == true, "\(corrected)")
    let correctionID = try #require((corrected["result"] as? [String: Any])?["id"] as? String)
    let bundle = try context(session, "validateSession")
    #expect(bundle.contains("They last a day.") && !bundle.contains("Sessions last an hour."), "\(bundle)")

    // A later one (written by hand, spelled differently), rejected; and one on another
    // target, which is left out of this log.
    let thirdID = "later-note"
    try fixture.scratch.write(["ws/annotations/later-note.md": "---\ntarget: symbol:validate_session\nkind: note\nauthor: Cy\ndate: 2099-01-01\n---\nIgnore me.\n"])
    #expect(try fixture.ctx(["review", "reject", thirdID]).status == 0)
    #expect(try fixture.ctx(["annotate", "symbol:issueToken", "--text", "Elsewhere."]).status == 0)

    let log = try fixture.ctx(["annotations", "log", "symbol:validateSession", "--json"])
    #expect(log.status == 0, "\(log.stderr)")
    let entries = try #require(try json(log.stdout)["annotations"] as? [[String: Any]])
    #expect(entries.map { $0["id"] as? String } == [firstID, correctionID, thirdID], "\(log.stdout)")
    #expect(entries.map { $0["state"] as? String } == ["superseded", "live", "rejected"])
    let successor = try #require((entries[0]["superseded_by"] as? [[String: Any]])?.first)
    #expect(successor["id"] as? String == correctionID)
    #expect(entries[0]["true_until"] as? String == entries[1]["date"] as? String)
    #expect(entries[1]["true_until"] == nil)
    let text = try fixture.ctx(["annotations", "log", "symbol:validateSession"]).stdout
    #expect(text.contains("true until") && text.contains("superseded by \(correctionID)") && text.contains("rejected: kept on file"), "\(text)")
    #expect(try fixture.ctx(["annotations", "log", "symbol:nothingHere"]).status == 1)
  }
}

import CtxTestSupport
import Foundation
import Testing

/// Chat exports with times that are not times, through the built `ctx` binary: indexing names
/// the bad items, and every later search or query reaching those threads answers (exit 0 or
/// 1) instead of dying on a Double → Int64 conversion (the SIGILL of the reliability issue).
@Suite struct ChatHostileEndToEndTests {
  static let badTimes = ["NaN", "inf", "-inf", "1e19", "1e308", "9223372036854775808"]

  func json(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
  }

  func workspace(_ scratch: ScratchDirectory) throws -> String {
    var messages: [[String: Any]] = [
      ["type": "message", "ts": "1704186100.000100", "user": "U1", "text": "goodroot about zebrafish"],
      ["type": "message", "ts": "1704186200.000100", "thread_ts": "1704186100.000100", "user": "U1", "text": "goodreply zebrafish"],
    ]
    for (index, ts) in ChatHostileEndToEndTests.badTimes.enumerated() {
      messages.append(["type": "message", "ts": ts, "user": "U1", "text": "badroot\(index) zebrafish"])
      messages.append(["type": "message", "ts": "17041863\(index)0.000100", "thread_ts": ts, "user": "U1", "text": "badreply\(index) zebrafish"])
    }
    let jsonl = [
      #"{"channel": "support", "ts": 1704189600000000, "author": "ada", "text": "microword okapi"}"#,
      #"{"channel": "support", "ts": 1704189600123, "author": "ada", "text": "milliword okapi"}"#,
      #"{"channel": "support", "ts": 1e308, "author": "ada", "text": "hugeword okapi"}"#,
      #"{"channel": "support", "ts": "NaN", "thread_ts": "NaN", "author": "ada", "text": "nanword okapi"}"#,
      #"{"channel": "support", "ts": 1704189700, "thread": "NaN", "author": "ada", "text": "threadword okapi"}"#,
    ]
    try scratch.write([
      "slack/channels.json": #"[{"id": "C1", "name": "general"}]"#,
      "slack/users.json": #"[{"id": "U1", "name": "ada"}]"#,
      "slack/general/2024-01-02.json": try json(messages),
      "chat.jsonl": jsonl.joined(separator: "\n") + "\n",
    ])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write([
      "ws/connectors/slack.yaml": "kind: chat\nformat: slack-export\npath: ../slack\n",
      "ws/connectors/lines.yaml": "kind: chat\nformat: jsonl\npath: ../chat.jsonl\n",
    ])
    return workspace
  }

  func expectAnswers(_ workspace: String, _ words: [String]) throws {
    for word in words {
      for command in [["search", word], ["search", word, "--json"], ["query", word], ["query", word, "--format", "json"]] {
        let run = try CtxBinary.run(command, in: workspace)
        #expect(run.status == 0 || run.status == 1, "ctx \(command.joined(separator: " ")) exited \(run.status): \(run.stderr)")
      }
    }
  }

  @Test func badTimesAreNamedAndQueriesNeverCrash() throws {
    let scratch = ScratchDirectory()
    let workspace = try workspace(scratch)
    let index = try CtxBinary.run(["index"], in: workspace)
    // Problems, named, and everything else indexed: exit 3 (partial), not a crash.
    #expect(index.status == 3, "\(index.stdout)\(index.stderr)")
    #expect(index.stdout.contains("general/2024-01-02.json: message 3: `ts` \"NaN\" is not a time between 1970 and 9999"), "\(index.stdout)")
    #expect(index.stdout.contains("chat.jsonl: line 3: `ts`"), "\(index.stdout)")
    #expect(index.stdout.contains("\"1e19\""), "\(index.stdout)")

    let good = try CtxBinary.run(["search", "goodreply", "--json"], in: workspace)
    #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
    let micro = try CtxBinary.run(["search", "microword"], in: workspace)
    #expect(micro.status == 0 && micro.stdout.contains("2024-01-02"), "\(micro.stdout)\(micro.stderr)")
    #expect(try CtxBinary.run(["search", "badroot0"], in: workspace).status == 1)
    try expectAnswers(workspace, ["zebrafish", "okapi", "badreply0", "threadword", "nanword", "hugeword"])
    // Run again: the files are unchanged, so not read again; no crash.
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
  }

  /// An index written by an older ctx may already hold such times: the query side must cope.
  @Test func anOldIndexWithBadTimesIsStillQueryable() throws {
    let scratch = ScratchDirectory()
    let workspace = try workspace(scratch)
    _ = try CtxBinary.run(["index"], in: workspace)
    let script = """
      import sqlite3, sys
      con = sqlite3.connect(sys.argv[1])
      bad = ["NaN", "inf", "-inf", "1e19", "1e308", "9223372036854775808", "-1e300"]
      ids = [r[0] for r in con.execute("SELECT id FROM chat_thread ORDER BY id")]
      for value, id in zip(bad, ids):
          con.execute("UPDATE OR IGNORE chat_thread SET thread_ts = ?, first_ts = ?, last_ts = ? WHERE id = ?", (value, value, value, id))
      mids = [r[0] for r in con.execute("SELECT id FROM chat_message ORDER BY id")]
      for value, id in zip(bad, mids):
          con.execute("UPDATE OR IGNORE chat_message SET ts = ? WHERE id = ?", (value, id))
      con.commit()
      print(len(ids))
      """
    let patched = try Run.program("/usr/bin/env", ["python3", "-c", script, workspace + "/index/ctx.sqlite"])
    #expect(patched.status == 0, "\(patched.stdout)\(patched.stderr)")
    try expectAnswers(workspace, ["zebrafish", "okapi", "goodroot", "microword"])
  }
}

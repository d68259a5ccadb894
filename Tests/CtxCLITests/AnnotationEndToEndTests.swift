import CtxTestSupport
import Foundation
import Testing

/// The memory layer through the binary: writing, layering into bundles, conflicts with git
/// evidence, review, rebuilds, validation and crash safety.
@Suite struct AnnotationEndToEndTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  struct Fixture {
    let scratch = ScratchDirectory()
    let repo: GitRepoFixture
    let workspace: String

    init() throws {
      repo = try GitRepoFixture(at: scratch.path + "/repo")
      try scratch.write(
        [
          "src/auth/session.ts": "export function validateSession(token: string) {\n  return token.length > 0;\n}\n",
          "src/auth/token.ts": "export function issueToken() {\n  return 'abc';\n}\n",
          "docs/adr/0001-memory.md": "# 1. Sessions in memory\n\nStatus: Superseded by [ADR-2](0002-redis.md)\n\nKeep sessions in memory.\n",
          "docs/adr/0002-redis.md": "# 2. Sessions in Redis\n\nStatus: Accepted\n\nKeep sessions in Redis.\n",
          "docs/guide.md": "# Guide\n\nSession storage is described in docs/adr/0001-memory.md.\n",
        ], under: "repo")
      try repo.commitAll("initial", date: "2024-01-01T00:00:00Z")
      workspace = scratch.path + "/ws"
      try CtxBinary.run(["init", workspace])
      try scratch.write(
        [
          "ws/connectors/code.yaml": "kind: code\npath: ../repo\ninclude: [\"src/**\"]\n",
          "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
          "ws/connectors/docs.yaml": "kind: docs\npath: ../repo/docs\n",
        ])
      let index = try CtxBinary.run(["index"], in: workspace)
      guard index.status == 0 else { throw FixtureError(message: index.stdout + index.stderr) }
    }

    @discardableResult
    func ctx(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
      // No git identity (as under cron): the author falls back to $USER.
      try CtxBinary.run(arguments, in: workspace, environment: ["USER": "cron", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"], stdin: stdin)
    }
  }

  @Test func annotationsLayerIntoBundlesWithConflictsShownOpenly() throws {
    let fixture = try Fixture()
    let caveat = try fixture.ctx(["annotate", "symbol:validateSession", "--kind", "caveat", "--text", "Only checks length; see AUTH-17.", "--fact", "session.ttl=3600", "--author", "Ada", "--json"])
    #expect(caveat.status == 0, "\(caveat.stderr)")
    let written = try json(caveat.stdout)
    #expect((written["anchor"] as? [String: Any])?["location"] as? String == "src/auth/session.ts:1-3")
    #expect(try fixture.ctx(["annotate", "path:src/auth/**", "--kind", "owner", "--text", "Team Identity owns auth."]).status == 0)
    #expect(try fixture.ctx(["annotate", "term:\"session token\"", "--kind", "definition", "--text", "A signed, opaque string."]).status == 0)
    #expect(try fixture.ctx(["correct", "symbol:validateSession", "Tokens must also be checked for expiry.", "--author", "Bo"]).status == 0)
    #expect(try fixture.ctx(["annotate", "symbol:issueToken", "--text", "ttl is really 60", "--fact", "session.ttl=60", "--author", "Cy", "--proposed"]).status == 0)
    // The author defaults to git's user.name, else $USER.
    let unnamed = try json(try fixture.ctx(["annotate", "symbol:issueToken", "--text", "Fine.", "--json"]).stdout)
    #expect(unnamed["author"] as? String == "cron")
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)

    let bundle = try fixture.ctx(["query", "validateSession issueToken session token", "--budget", "4000"]).stdout
    let annotations = try #require(bundle.range(of: "## Annotations and corrections")).upperBound
    let code = try #require(bundle.range(of: "## Code")).lowerBound
    let section = String(bundle[annotations..<code])
    // Accepted corrections first; the symbol's caveat, the glob's owner and the term's definition attached.
    #expect(section.range(of: "### correction on `symbol:validateSession`")!.lowerBound < section.range(of: "### caveat")!.lowerBound, "\(section)")
    #expect(section.contains("### owner on `path:src/auth/**`"))
    #expect(section.contains("the query mentions \"session token\""))
    #expect(section.contains("Team Identity owns auth."))
    // A proposal is labeled; a disagreement shows both sides and picks none.
    #expect(section.contains("(proposed, not reviewed)"))
    #expect(section.contains("conflict: Cy"), "\(section)")

    let conflicts = try fixture.ctx(["conflicts", "--json"])
    #expect(conflicts.status == 1)
    let kinds = ((try json(conflicts.stdout))["conflicts"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    #expect(kinds.contains("fact-disagreement"))

    // Review: rejecting the proposal ends the disagreement.
    let proposals = try fixture.ctx(["review", "list", "--kind", "proposal", "--json"])
    #expect(proposals.status == 1 && proposals.stdout.contains("issuetoken"))
    let items = (try json(proposals.stdout))["items"] as? [[String: Any]] ?? []
    let id = try #require(items.compactMap { $0["id"] as? String }.first { $0.contains("issuetoken") })
    #expect(try fixture.ctx(["review", "reject", id]).status == 0)
    #expect(try fixture.ctx(["review", "list", "--kind", "proposal"]).status == 0)
    // The caveat and the correction on validateSession remain for a person to reconcile.
    #expect(try fixture.ctx(["review", "list"]).stdout.contains("competing-corrections:symbol:validateSession"))
    #expect(!(try fixture.ctx(["conflicts"]).stdout.contains("fact-disagreement")))

    // The files are the truth: a rebuilt index has every annotation back.
    try FileManager.default.removeItem(atPath: fixture.workspace + "/index")
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)
    let found = try json(try fixture.ctx(["search", "Team Identity", "--layer", "annotations", "--json"]).stdout)
    let hit = try #require((found["hits"] as? [[String: Any]])?.first)
    #expect(hit["layer"] as? String == "annotations" && hit["target"] as? String == "path:src/auth/**")
  }

  /// Deciding again never erases who decided first and why: the same decision leaves the
  /// file as it was, a different one keeps the earlier in its reason.
  @Test func aSecondDecisionNeverErasesTheFirst() throws {
    let fixture = try Fixture()
    let written = try json(try fixture.ctx(["annotate", "symbol:issueToken", "--text", "Tokens live for AUTH-99 days.", "--author", "Cy", "--proposed", "--json"]).stdout)
    let id = try #require(written["id"] as? String)
    let folder = fixture.workspace + "/annotations"
    func file() throws -> String { try String(contentsOfFile: folder + "/\(id).md", encoding: .utf8) }
    let first = try fixture.ctx(["review", "reject", id, "--reviewer", "Dee", "--reason", "no such ticket"])
    #expect(first.status == 0 && first.stdout.hasPrefix("rejected \(id)"), "\(first.stdout)\(first.stderr)")
    let recorded = try file()
    #expect(recorded.contains("reviewed_by: Dee") && recorded.contains("no such ticket"))

    let again = try fixture.ctx(["review", "reject", id])
    #expect(again.status == 0)
    #expect(again.stdout.contains("already rejected") && again.stdout.contains("Dee") && again.stdout.contains("no such ticket") && again.stdout.contains("nothing changed"), "\(again.stdout)")
    #expect(try file() == recorded, "the same decision again leaves the file as it was")

    let changed = try fixture.ctx(["review", "accept", id, "--reviewer", "Eve", "--reason", "ticket found"])
    #expect(changed.status == 0 && changed.stdout.hasPrefix("accepted \(id)"), "\(changed.stdout)\(changed.stderr)")
    let now = try file()
    #expect(now.contains("status: accepted") && now.contains("reviewed_by: Eve"), "\(now)")
    #expect(now.contains("ticket found") && now.contains("earlier rejected by Dee") && now.contains("no such ticket"), "\(now)")
    let shown = try fixture.ctx(["annotations", "show", id])
    #expect(shown.status == 0 && shown.stdout.contains("earlier rejected by Dee"), "the file still reads: \(shown.stdout)\(shown.stderr)")
  }

  /// One method of a class, named with its class (`Choice.convert`, `Choice::convert`): the
  /// annotation anchors to that method, not to another class's `convert`, and a bundle shows
  /// it with that method only (found on pallets/click, where it was "not in the index").
  @Test func aMethodIsAnnotatedByItsClassAndName() throws {
    let fixture = try Fixture()
    try fixture.scratch.write(
      [
        "src/types.py":
          "class Choice:\n    def convert(self, value):\n        return value.lower()\n\n\nclass Path:\n    def convert(self, value):\n        return value.strip()\n"
      ], under: "repo")
    try fixture.repo.commitAll("types", date: "2024-03-01T00:00:00Z")
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)
    let written = try fixture.ctx(["annotate", "symbol:Choice.convert", "--kind", "caveat", "--text", "Choices compare lower-cased.", "--author", "Ada", "--json"])
    #expect(written.status == 0, "\(written.stdout)\(written.stderr)")
    let anchor = try #require((try json(written.stdout))["anchor"] as? [String: Any])
    #expect(anchor["at"] as? String == "src/types.py:2-3" || (anchor["location"] as? String) == "src/types.py:2-3", "\(anchor)")
    #expect(!written.stderr.contains("defined 2 times"), "\(written.stderr)")
    let other = try fixture.ctx(["annotate", "symbol:Path::convert", "--kind", "note", "--text", "Strips only.", "--author", "Bo", "--json"])
    #expect(other.status == 0, "\(other.stderr)")
    let bundle = try fixture.ctx(["query", "convert value lower strip", "--budget", "4000"]).stdout
    #expect(bundle.contains("Choices compare lower-cased.") && bundle.contains("Strips only."), "\(bundle)")
    let conflicts = try fixture.ctx(["conflicts"]).stdout
    #expect(!conflicts.contains("Choice.convert") && !conflicts.contains("Path::convert"), "nothing stale or ambiguous: \(conflicts)")
    let missing = try fixture.ctx(["annotate", "symbol:Nope.convert", "--text", "x"])
    #expect(missing.status != 0 && missing.stderr.contains("not in the index"), "\(missing.stderr)")
  }

  /// `ctx query --layer` is `--layers` (as `ctx search` spells it): it used to be refused.
  @Test func queryTakesLayerAsWellAsLayers() throws {
    let fixture = try Fixture()
    let one = try fixture.ctx(["query", "validateSession", "--layer", "code", "--budget", "2000"])
    let other = try fixture.ctx(["query", "validateSession", "--layers", "code", "--budget", "2000"])
    #expect(one.status == 0 && !one.stdout.isEmpty, "\(one.stderr)")
    func items(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("#") } }
    #expect(items(one.stdout) == items(other.stdout) && !items(one.stdout).contains { $0.contains("Annotations") }, "\(one.stdout)")
  }

  /// Confirming a stale anchor keeps the decision before it (who, when, why), and a file a
  /// person wrote by hand keeps its `#` comments and gets no invented `date:` when ctx rewrites
  /// it. Found on pallets/click: Carol's accept and reason were replaced by Frank's confirmation,
  /// and a hand-written note came back without its comment and dated 1970.
  @Test func reviewRewritesKeepWhatPeopleWrote() throws {
    let fixture = try Fixture()
    let written = try json(try fixture.ctx(["annotate", "symbol:issueToken", "--text", "Tokens are opaque.", "--author", "Cy", "--json"]).stdout)
    let id = try #require(written["id"] as? String)
    let folder = fixture.workspace + "/annotations"
    #expect(try fixture.ctx(["review", "accept", id, "--reviewer", "Carol", "--reason", "checked token.ts"]).status == 0)
    try fixture.scratch.write(["src/auth/token.ts": "export function issueToken() {\n  return crypto.randomUUID();\n}\n"], under: "repo")
    try fixture.repo.commitAll("random tokens", date: "2024-02-01T00:00:00Z")
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)
    let confirmed = try fixture.ctx(["review", "accept", "stale-anchor:\(id)", "--reviewer", "Frank"])
    #expect(confirmed.status == 0, "\(confirmed.stdout)\(confirmed.stderr)")
    let file = try String(contentsOfFile: folder + "/\(id).md", encoding: .utf8)
    #expect(file.contains("reviewed_by: Frank") && file.contains("earlier accepted by Carol") && file.contains("checked token.ts"), "\(file)")

    let handWritten = "---\ntarget: symbol:validateSession\nkind: note\nauthor: Bo\n# owner confirmed at standup\nstatus: proposed\n---\nSessions are checked on every request.\n"
    try handWritten.write(toFile: folder + "/team-note.md", atomically: true, encoding: .utf8)
    #expect(try fixture.ctx(["review", "accept", "team-note", "--reviewer", "Dee"]).status == 0)
    let rewritten = try String(contentsOfFile: folder + "/team-note.md", encoding: .utf8)
    #expect(rewritten.contains("# owner confirmed at standup") && !rewritten.contains("date:") && rewritten.contains("reviewed_by: Dee"), "\(rewritten)")
    #expect(try fixture.ctx(["annotations", "show", "team-note"]).status == 0)
  }

  /// An anchor records the commit of the repository that holds its file, and none for a file
  /// outside every indexed repository (it used to get the first git source's, whatever the file).
  @Test func anAnchorRecordsTheCommitOfTheRepositoryThatHoldsIt() throws {
    let fixture = try Fixture()
    try fixture.scratch.write(["notes/runbook.md": "# Runbook\n\nRestart the gateway twice.\n"])
    try fixture.scratch.write(["ws/connectors/notes.yaml": "kind: docs\npath: ../notes\n"])
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)
    let inRepository = try json(try fixture.ctx(["annotate", "symbol:validateSession", "--text", "Checked.", "--json"]).stdout)
    let head = try fixture.repo.run(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect((inRepository["anchor"] as? [String: Any])?["commit"] as? String == String(head.prefix(12)), "\(inRepository)")
    // A commit does not drift: the note says so (it blamed a missing index or content).
    let onCommit = try fixture.ctx(["annotate", "commit:\(head.prefix(12))", "--text", "Reviewed by two people."])
    #expect(onCommit.status == 0 && onCommit.stdout.contains("note: a commit is not anchored: it does not drift"), "\(onCommit.stdout)\(onCommit.stderr)")
    let outside = try fixture.ctx(["annotate", "doc:runbook.md", "--kind", "decision", "--text", "Twice, not once.", "--json"])
    #expect(outside.status == 0, "\(outside.stderr)")
    let anchor = try #require((try json(outside.stdout))["anchor"] as? [String: Any])
    #expect(anchor["location"] != nil && anchor["commit"] == nil, "\(anchor)")
  }

  @Test func driftDanglingCorrectionsAndSupersededDocumentsAreConflicts() throws {
    let fixture = try Fixture()
    #expect(try fixture.ctx(["annotate", "symbol:validateSession", "--kind", "caveat", "--text", "Length only."]).status == 0)
    #expect(try fixture.ctx(["correct", "symbol:issueToken", "The token is random, not 'abc'."]).status == 0)
    #expect(try fixture.ctx(["annotate", "doc:adr/0001-memory.md", "--kind", "decision", "--text", "We keep this."]).status == 0)
    #expect(try fixture.ctx(["annotate", "path:src/auth/token.ts", "--kind", "note", "--text", "Tokens live here."]).status == 0)
    // The code moves on, in commits after the annotations.
    try fixture.scratch.write(["src/auth/session.ts": "export function validateSession(token: string) {\n  return token.length > 16 && !expired(token);\n}\n"], under: "repo")
    try fixture.repo.commitAll("Check expiry in validateSession", date: "2030-01-01T00:00:00Z", author: "Bo Reviewer")
    try fixture.scratch.write(["src/auth/tokens.ts": "export function issueToken() {\n  return random();\n}\n"], under: "repo")
    try fixture.scratch.remove("repo/src/auth/token.ts")
    try fixture.repo.commitAll("Move token issuing", date: "2030-01-02T00:00:00Z")
    #expect(try fixture.ctx(["index", "--quiet"]).status == 0)

    let run = try fixture.ctx(["conflicts", "--json"])
    #expect(run.status == 1)
    let conflicts = (try json(run.stdout))["conflicts"] as? [[String: Any]] ?? []
    func conflict(_ kind: String, _ target: String) -> [String: Any]? {
      conflicts.first { $0["kind"] as? String == kind && $0["target"] as? String == target }
    }
    let stale = try #require(conflict("stale-anchor", "symbol:validateSession"), "\(conflicts)")
    let evidence = (stale["evidence"] as? [String] ?? []).joined(separator: "\n")
    #expect(evidence.contains("Check expiry in validateSession (Bo Reviewer, 2030-01-01)"), "\(evidence)")
    #expect(evidence.contains("!expired(token)"))
    #expect(conflict("correction-recheck", "symbol:issueToken") != nil, "\(conflicts)")
    #expect(conflict("dangling", "path:src/auth/token.ts") != nil)
    #expect(conflict("superseded-document", "doc:adr/0001-memory.md") != nil)
    // The current guide still links to the superseded record.
    #expect(conflicts.contains { $0["kind"] as? String == "superseded-document" && ($0["summary"] as? String ?? "").contains("guide.md#guide still links to it") }, "\(conflicts)")

    // Re-anchoring says "still true": the stale conflict goes away.
    let list = try fixture.ctx(["annotations", "list"]).stdout
    let caveat = try #require(list.split(separator: "\n").first { $0.contains("caveat") }?.split(separator: " ").first.map(String.init))
    #expect(try fixture.ctx(["annotations", "reanchor", caveat]).status == 0)
    let after = (try json(try fixture.ctx(["conflicts", "--json"]).stdout))["conflicts"] as? [[String: Any]] ?? []
    #expect(!after.contains { $0["kind"] as? String == "stale-anchor" })
  }

  @Test func badFilesAreNamedAndEverythingElseIsIndexed() throws {
    let fixture = try Fixture()
    #expect(try fixture.ctx(["annotate", "symbol:validateSession", "--text", "Good one."]).status == 0)
    try fixture.scratch.write(["ws/annotations/broken.md": "---\ntarget: symbol:validateSession\nkind: gossip\n---\nbad\n"])
    let run = try fixture.ctx(["index"])
    #expect(run.status == 3)
    #expect(run.stdout.contains("broken.md:3: `kind: gossip` is not an annotation kind"), "\(run.stdout)")
    #expect(try fixture.ctx(["search", "Good one", "--layer", "annotations"]).status == 0)
    // Unknown targets are refused unless forced; secrets are redacted in what is written.
    let missing = try fixture.ctx(["annotate", "symbol:noSuchThing", "--text", "x"])
    #expect(missing.status == 2 && missing.stderr.contains("is not in the index"))
    let secret = try fixture.ctx(["annotate", "symbol:validateSession", "--text", "CI uses ghp_R8mVwK2xLq9sT4nB7cD1fG6hJ3kP0zY5aE2u for now"])
    #expect(secret.stdout.contains("redacted: 1 github-token"))
    let files = try FileManager.default.contentsOfDirectory(atPath: fixture.workspace + "/annotations")
    for file in files {
      let text = try String(contentsOfFile: fixture.workspace + "/annotations/" + file, encoding: .utf8)
      #expect(!text.contains("ghp_R8mV"))
    }
  }

  @Test func killedOrConcurrentWritersLeaveOnlyCompleteFiles() throws {
    let fixture = try Fixture()
    // Twenty writers at once: twenty files, none clobbered.
    let group = DispatchGroup()
    let statuses = LockedStatuses()
    for index in 0..<20 {
      group.enter()
      DispatchQueue.global().async {
        let result = try? fixture.ctx(["annotate", "symbol:validateSession", "--text", "writer \(index)"])
        statuses.add(result?.status ?? -1)
        group.leave()
      }
    }
    group.wait()
    #expect(statuses.all.allSatisfy { $0 == 0 }, "\(statuses.all)")
    // Writers killed at random moments leave no partial annotation.
    for attempt in 0..<12 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: CtxBinary.path)
      process.arguments = ["annotate", "symbol:issueToken", "--text", "killed \(attempt)", "--workspace", fixture.workspace]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(UInt32(attempt * 4_000))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    let list = try json(try fixture.ctx(["annotations", "list", "--json"]).stdout)
    #expect((list["errors"] as? [String])?.isEmpty == true, "\(list)")
    let bodies = (list["annotations"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
    #expect(Set(bodies.filter { $0.hasPrefix("writer") }).count == 20)
    #expect(bodies.filter { $0.hasPrefix("killed") }.allSatisfy { $0.range(of: #"^killed \d+$"#, options: .regularExpression) != nil })
  }
}

final class LockedStatuses: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Int32] = []
  func add(_ value: Int32) { lock.withLock { values.append(value) } }
  var all: [Int32] { lock.withLock { values } }
}

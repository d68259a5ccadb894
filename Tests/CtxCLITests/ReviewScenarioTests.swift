import CtxTestSupport
import Foundation
import Testing

/// Issue 17 as a replayed history: a small cache module, annotations written by people and an
/// agent, then commits that edit another method, rename a helper and rewrite the annotated
/// one; a reviewer works the queue. Every rule fires with its evidence, and nothing a person
/// wrote is lost.
@Suite struct ReviewScenarioTests {
  static let store = """
    import hashlib


    def _lazy_sha1(data):
        \"\"\"Hash lazily.\"\"\"
        return hashlib.sha1(data).hexdigest()


    def save(path, data):
        with open(path, "wb") as f:
            f.write(data)


    def load(path):
        with open(path, "rb") as f:
            return f.read()

    """

  struct Scenario {
    let scratch = ScratchDirectory()
    let repo: GitRepoFixture
    let workspace: String
    var initial = ""

    init() throws {
      repo = try GitRepoFixture(at: scratch.path + "/repo")
      try scratch.write(
        [
          "src/cache/store.py": ReviewScenarioTests.store,
          "src/cache/index.py": "def lookup(key):\n    return INDEX[key]\n",
          "src/cache/legacy.py": "def lookup(key):\n    return LEGACY.get(key)\n",
          "src/cache/evict.py": "def evict(cache, key):\n    cache.pop(key, None)\n",
        ], under: "repo")
      try repo.commitAll("Add the cache store", date: "2024-01-01T00:00:00Z")
      initial = try repo.sha()
      workspace = scratch.path + "/ws"
      try CtxBinary.run(["init", workspace])
      try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
      let index = try ctx(["index", "--quiet"])
      guard index.status == 0 else { throw FixtureError(message: index.stdout + index.stderr) }
    }

    @discardableResult
    func ctx(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
      try CtxBinary.run(arguments, in: workspace, environment: ["USER": "cron", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"], stdin: stdin)
    }

    func write(_ arguments: [String]) throws -> String {
      let run = try ctx(arguments + ["--json"])
      guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], let id = object["id"] as? String else {
        throw FixtureError(message: "\(arguments): \(run.stdout) \(run.stderr)")
      }
      return id
    }

    func edit(_ replacements: [(String, String)], message: String, date: String, author: String) throws {
      var text = try scratch.read("repo/src/cache/store.py")
      for (old, new) in replacements {
        guard text.contains(old) else { throw FixtureError(message: "no `\(old)` in store.py") }
        text = text.replacingOccurrences(of: old, with: new)
      }
      try scratch.write(["src/cache/store.py": text], under: "repo")
      try repo.commitAll(message, date: date, author: author)
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
      let run = try ctx(arguments)
      return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(arguments): \(run.stdout) \(run.stderr)")
    }

    /// Every annotation file's text, by file name.
    func files() throws -> [String: String] {
      let folder = workspace + "/annotations"
      var result: [String: String] = [:]
      for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".md") && name != "README.md" {
        result[name] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
      }
      return result
    }
  }

  static func body(_ file: String) -> String {
    let parts = file.components(separatedBy: "\n---\n")
    return parts.count > 1 ? parts[1...].joined(separator: "\n---\n") : ""
  }

  /// Lines added above a definition and not yet indexed do not make its annotation stale (the
  /// definition is found where it moved); a change to the definition itself does, and its diff
  /// holds exactly that change. Found on pallets/click, where such a diff also printed freed
  /// memory (the patch outlived its buffers).
  @Test func anEditAboveADefinitionNotYetIndexedIsNotDrift() throws {
    let scenario = try Scenario()
    let caveat = try scenario.write(["annotate", "symbol:load", "--kind", "caveat", "--text", "Reads the whole file into memory.", "--author", "Ada"])
    func staleDiff() throws -> String? {
      let conflicts = try scenario.json(["conflicts", "--json"])["conflicts"] as? [[String: Any]] ?? []
      guard let stale = conflicts.first(where: { $0["kind"] as? String == "stale-anchor" && (($0["claims"] as? [[String: Any]]) ?? []).contains { $0["annotation"] as? String == caveat } }) else { return nil }
      return stale["diff"] as? String ?? ""
    }
    var text = try scenario.scratch.read("repo/src/cache/store.py")
    text = "# Storage helpers.\n# (no index run since)\n\n" + text
    try scenario.scratch.write(["src/cache/store.py": text], under: "repo")
    let afterShift = try staleDiff()
    #expect(afterShift == nil, "lines added above `load` made it stale: \(afterShift ?? "")")
    text = text.replacingOccurrences(of: "        return f.read()\n", with: "        return f.read(1 << 20)\n")
    try scenario.scratch.write(["src/cache/store.py": text], under: "repo")
    let diff = try #require(try staleDiff(), "an edit of `load` itself is drift")
    #expect(diff.contains("-        return f.read()") && diff.contains("+        return f.read(1 << 20)") && !diff.contains("Storage helpers"), "\(diff)")
    #expect(!diff.contains("\u{FFFD}") && !diff.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }, "\(diff)")
  }

  /// An annotation written while its lines had uncommitted edits: the stale-anchor diff starts
  /// from the anchor commit, so it holds those edits too, and its header says so.
  @Test func aDiffFromCommittedTextSaysTheAnnotationWasWrittenOnEdits() throws {
    let scenario = try Scenario()
    var text = try scenario.scratch.read("repo/src/cache/store.py")
    text = text.replacingOccurrences(of: "        return f.read()\n", with: "        data = f.read()\n        return data\n")
    try scenario.scratch.write(["src/cache/store.py": text], under: "repo")
    #expect(try scenario.ctx(["index", "--quiet"]).status == 0)
    let caveat = try scenario.write(["annotate", "symbol:load", "--kind", "caveat", "--text", "Reads the whole file into memory.", "--author", "Ada"])
    let clean = try scenario.write(["annotate", "symbol:save", "--kind", "caveat", "--text", "Not atomic.", "--author", "Ada"])
    try scenario.edit(
      [("        data = f.read()\n        return data\n", "        while chunk := f.read(65536):\n            yield chunk\n"), ("f.write(data)", "f.write(bytes(data))")],
      message: "load: stream in chunks", date: "2030-01-03T00:00:00Z", author: "Bo")
    #expect(try scenario.ctx(["index", "--quiet"]).status == 0)
    let conflicts = try scenario.json(["conflicts", "--json"])["conflicts"] as? [[String: Any]] ?? []
    func diff(about id: String) -> String? {
      conflicts.first { $0["kind"] as? String == "stale-anchor" && (($0["claims"] as? [[String: Any]]) ?? []).contains { $0["annotation"] as? String == id } }?["diff"] as? String
    }
    let onEdits = try #require(diff(about: caveat), "\(conflicts)")
    #expect(onEdits.contains("the annotation was written on uncommitted edits") && onEdits.contains("-        return f.read()"), "\(onEdits)")
    let onCommitted = try #require(diff(about: clean), "\(conflicts)")
    #expect(!onCommitted.contains("uncommitted") && onCommitted.contains("+        f.write(bytes(data))"), "\(onCommitted)")
  }

  @Test func everyRuleFiresWithItsEvidenceAndNothingIsLost() throws {
    let scenario = try Scenario()
    let short = String(scenario.initial.prefix(10))
    let caveat = try scenario.write(["annotate", "symbol:load", "--kind", "caveat", "--text", "Reads the whole file into memory.", "--author", "Ada"])
    let human = try scenario.write(["correct", "symbol:load", "load must stream large files (since \(short)).", "--author", "Ada"])
    let helper = try scenario.write(["annotate", "symbol:_lazy_sha1", "--kind", "note", "--text", "sha1 is for cache keys only.", "--author", "Ada"])
    let owner = try scenario.write(["annotate", "symbol:save", "--kind", "owner", "--text", "The storage team owns saving.", "--author", "Ada"])
    let fileOwner = try scenario.write(["annotate", "path:src/cache/store.py", "--kind", "owner", "--text", "Storage team.", "--author", "Ada"])
    let twiceNoted = try scenario.ctx(["annotate", "symbol:lookup", "--kind", "caveat", "--text", "Raises on a miss.", "--author", "Ada", "--json"])
    #expect(twiceNoted.stderr.contains("symbol:lookup is defined 2 times (src/cache/index.py:1-2, src/cache/legacy.py:1-2)"), "\(twiceNoted.stderr)")
    let ambiguous = try #require((try JSONSerialization.jsonObject(with: Data(twiceNoted.stdout.utf8)) as? [String: Any])?["id"] as? String)
    let agent = try scenario.write(["correct", "symbol:load", "load is fine reading everything at once, as symbol:save writes it (see path:src/cache/gone.py).", "--author", "claude-code", "--proposed"])
    let evictOwner = try scenario.write(["annotate", "path:src/cache/evict.py", "--kind", "owner", "--text", "Bo owns eviction.", "--author", "Ada"])
    // Written by hand, long ago, with an anchor whose lines are unknown: drift falls back to
    // the file's commits after its date, but never the anchor commit itself.
    try scenario.scratch.write([
      "ws/annotations/2023-06-01-legacy-save-caveat.md":
        "---\ntarget: symbol:save\nkind: caveat\nauthor: Old Timer\ndate: 2023-06-01\nanchor:\n  fingerprint: blob:0000000000000000000000000000000000000000\n  at: somewhere\n  commit: \(short)\n---\nsave is not atomic.\n"
    ])
    let written = try scenario.files()
    #expect(written.count == 9)

    // The code moves on: another method, a rename, then the annotated method itself.
    try scenario.edit([("        f.write(data)\n", "        f.write(data)\n        f.flush()\n")], message: "save: flush after writing", date: "2030-01-01T00:00:00Z", author: "Bo")
    let flush = try scenario.repo.sha()
    try scenario.edit(
      [("_lazy_sha1", "_lazy_digest"), ("hashlib.sha1", "hashlib.sha256")], message: "Rename _lazy_sha1 to _lazy_digest (sha256)",
      date: "2030-01-02T00:00:00Z", author: "Cy")
    let rename = try scenario.repo.sha()
    try scenario.edit(
      [("        return f.read()\n", "        while chunk := f.read(65536):\n            yield chunk\n")], message: "load: stream in chunks",
      date: "2030-01-03T00:00:00Z", author: "Bo")
    let stream = try scenario.repo.sha()
    try scenario.repo.run(["mv", "src/cache/evict.py", "src/cache/eviction.py"])
    try scenario.repo.commitAll("Move eviction to eviction.py", date: "2030-01-04T00:00:00Z", author: "Bo")
    let move = try scenario.repo.sha()
    #expect(try scenario.ctx(["index", "--quiet"]).status == 0)

    let conflicts = try scenario.json(["conflicts", "--json"])["conflicts"] as? [[String: Any]] ?? []
    func conflict(_ kind: String, about id: String) -> [String: Any]? {
      conflicts.first { $0["kind"] as? String == kind && (($0["claims"] as? [[String: Any]]) ?? []).contains { $0["annotation"] as? String == id } }
    }
    func shas(_ conflict: [String: Any]?) -> [String] { ((conflict?["commits"] as? [[String: Any]]) ?? []).compactMap { $0["sha"] as? String } }

    // Per definition: only the commit that rewrote load, not the one that edited save, and
    // never the anchor commit itself; the diff shows exactly what changed in load.
    let stale = try #require(conflict("stale-anchor", about: caveat), "\(conflicts)")
    #expect(shas(stale) == [stream])
    let diff = try #require(stale["diff"] as? String)
    #expect(diff.contains("-        return f.read()") && diff.contains("+            yield chunk") && !diff.contains("flush"), "\(diff)")
    #expect(!diff.contains("uncommitted"), "written on committed text: \(diff)")
    let recheck = try #require(conflict("correction-recheck", about: human))
    #expect(shas(recheck) == [stream])
    // The rename is named with its commit, not reported as dangling.
    let renamed = try #require(conflict("renamed", about: helper), "\(conflicts)")
    #expect((renamed["summary"] as? String)?.contains("renamed to `_lazy_digest` in \(rename.prefix(12))") == true, "\(renamed)")
    #expect(conflict("dangling", about: helper) == nil)
    let legacy = try #require(conflict("stale-anchor", about: "2023-06-01-legacy-save-caveat"), "\(conflicts)")
    let legacyEvidence = (legacy["evidence"] as? [String] ?? []).joined(separator: "\n")
    #expect(legacyEvidence.contains("changed by \(flush.prefix(12)) save: flush after writing") && !legacyEvidence.contains(String(scenario.initial.prefix(12))), "\(legacyEvidence)")
    // A file that moved: renamed, with the commit, rather than dangling.
    let movedFile = try #require(conflict("renamed", about: evictOwner), "\(conflicts)")
    #expect((movedFile["summary"] as? String)?.contains("renamed to `src/cache/eviction.py` in \(move.prefix(12))") == true, "\(movedFile)")
    // Owners hold through edits.
    #expect(conflict("stale-anchor", about: owner) == nil && conflict("stale-anchor", about: fileOwner) == nil, "\(conflicts)")
    // A symbol defined twice is reported, with both places.
    let twice = try #require(conflict("ambiguous-anchor", about: ambiguous))
    #expect((twice["evidence"] as? [String])?.sorted() == ["defined at src/cache/index.py:1-2", "defined at src/cache/legacy.py:1-2"], "\(twice)")
    // A correction competing with another correction: a person's call.
    let competing = try #require(conflict("competing-corrections", about: agent))
    #expect(Set(((competing["claims"] as? [[String: Any]]) ?? []).compactMap { $0["annotation"] as? String }) == [caveat, human, agent])
    #expect(!shas(stale).contains(flush) && !shas(stale).contains(scenario.initial))

    // The review queue: the proposal first, with the code now, the diff, the commits, the other
    // claims and its citations resolved.
    let queue = try scenario.json(["review", "list", "--json"])["items"] as? [[String: Any]] ?? []
    let proposal = try #require(queue.first, "\(queue)")
    #expect(proposal["id"] as? String == agent && proposal["kind"] as? String == "proposal")
    let evidence = try #require(proposal["evidence"] as? [String: Any])
    #expect((evidence["current"] as? String)?.contains("yield chunk") == true)
    #expect((evidence["diff"] as? String)?.contains("+        while chunk := f.read(65536):") == true)
    #expect(((evidence["commits"] as? [[String: Any]]) ?? []).map { "\($0["author"] ?? "") \($0["summary"] ?? "")" } == ["Bo load: stream in chunks"])
    #expect(evidence["commits_are_precise"] as? Bool == true)
    #expect(Set(((evidence["others"] as? [[String: Any]]) ?? []).compactMap { $0["annotation"] as? String }) == [caveat, human])
    let proposalCites = (evidence["cited"] as? [[String: Any]]) ?? []
    #expect(proposalCites.contains { $0["ref"] as? String == "symbol:save" && ($0["resolved"] as? String)?.hasPrefix("src/cache/store.py:9-") == true }, "\(proposalCites)")
    #expect(proposalCites.contains { $0["ref"] as? String == "path:src/cache/gone.py" && $0["resolved"] is NSNull }, "\(proposalCites)")
    let cited = try scenario.json(["review", "show", "correction-recheck:\(human)", "--json"])["items"] as? [[String: Any]] ?? []
    let citations = ((cited.first?["evidence"] as? [String: Any])?["cited"] as? [[String: Any]]) ?? []
    #expect(citations.contains { $0["ref"] as? String == "commit:\(short)" && ($0["resolved"] as? String)?.contains("Add the cache store") == true }, "\(cited)")
    #expect(Set(queue.compactMap { $0["kind"] as? String }).isSuperset(of: ["proposal", "competing-corrections", "stale-anchor", "correction-recheck", "renamed", "ambiguous-anchor"]))
    let text = try scenario.ctx(["review", "list", "--evidence"])
    #expect(text.status == 1 && text.stdout.contains("commits that changed these lines since the anchor:\n    \(stream.prefix(12)) load: stream in chunks (Bo, 2030-01-03)"), "\(text.stdout)")
    // Without --evidence a long queue stays short: a few lines an item, the evidence one `show` away.
    let brief = try scenario.ctx(["review", "list"])
    #expect(brief.status == 1 && !brief.stdout.contains("commits that changed these lines") && brief.stdout.contains("`ctx review show ID` prints one with its evidence"), "\(brief.stdout)")
    #expect(brief.stdout.split(separator: "\n").count < text.stdout.split(separator: "\n").count / 2, "\(brief.stdout)")
    #expect(queue.allSatisfy { brief.stdout.contains(($0["id"] as? String) ?? "?") })

    // Accepting the agent's contradicting correction records who, when and why, and the
    // disagreement with the human correction stays open until a person settles it.
    let accepted = try scenario.ctx(["review", "accept", agent, "--reviewer", "Rita", "--reason", "measured: files are small"])
    #expect(accepted.status == 0 && accepted.stdout.contains("accepted \(agent)"), "\(accepted.stderr)")
    let agentFile = try scenario.files()["\(agent).md"] ?? ""
    #expect(agentFile.contains("status: accepted\nreviewed_by: Rita\nreviewed_at: ") && agentFile.contains("review_reason: \"measured: files are small\""), "\(agentFile)")
    #expect(try scenario.json(["conflicts", "--json"])["conflicts"].map { "\($0)" }?.contains("competing-corrections") == true)
    // Unknown ids are refused by name, and nothing is written.
    let unknown = try scenario.ctx(["review", "accept", human, "--supersedes", "\(agent),no-such-annotation"])
    #expect(unknown.status == 2 && unknown.stderr.contains("no annotation no-such-annotation to supersede"), "\(unknown.stderr)")
    #expect(try scenario.files()["\(human).md"] == written["\(human).md"])
    // The human correction supersedes the agent's: that disagreement is settled.
    let superseded = try scenario.ctx(["review", "supersede", agent, "--by", human, "--reviewer", "Rita"])
    #expect(superseded.status == 0, "\(superseded.stderr)")
    let humanFile = try scenario.files()["\(human).md"] ?? ""
    #expect(humanFile.contains("supersedes: [\(agent)]") && humanFile.contains("reviewed_by: Rita"))
    let settled = try scenario.json(["conflicts", "--json"])["conflicts"] as? [[String: Any]] ?? []
    #expect(!settled.contains { (($0["claims"] as? [[String: Any]]) ?? []).contains { $0["annotation"] as? String == agent } }, "\(settled)")
    // "Still true": confirming the stale caveat re-anchors it with the reviewer recorded.
    #expect(try scenario.ctx(["review", "accept", "stale-anchor:\(caveat)", "--reviewer", "Rita"]).status == 0)
    #expect(try scenario.files()["\(caveat).md"]?.contains("reviewed_by: Rita") == true)

    // Re-anchoring a renamed symbol offers the new name, and moves there when accepted: here
    // through the guided pass, answers piped on stdin.
    let offer = try scenario.ctx(["annotations", "reanchor", helper])
    #expect(offer.status == 2 && offer.stderr.contains("renamed to `_lazy_digest`") && offer.stderr.contains("--accept-rename"), "\(offer.stderr)")
    let guided = try scenario.ctx(["review", "--kind", "renamed", "--reviewer", "Rita"], stdin: "a\na\n")
    #expect(guided.status == 0 && guided.stdout.contains("re-anchored to symbol:_lazy_digest"), "\(guided.stdout) \(guided.stderr)")
    let helperFile = try scenario.files()["\(helper).md"] ?? ""
    #expect(helperFile.contains("target: \"symbol:_lazy_digest\"") && helperFile.contains("renamed to _lazy_digest in \(rename.prefix(12))"), "\(helperFile)")
    // Its history is found under either name.
    let oldNameLog = try scenario.ctx(["annotations", "log", "symbol:_lazy_sha1"])
    #expect(oldNameLog.status == 0 && oldNameLog.stdout.contains(helper) && oldNameLog.stdout.contains("  on symbol:_lazy_digest\n"), "\(oldNameLog.stdout)")
    #expect(try scenario.ctx(["annotations", "log", "symbol:_lazy_digest"]).stdout.contains(helper))
    #expect(try scenario.files()["\(evictOwner).md"]?.contains("target: \"path:src/cache/eviction.py\"") == true)
    // Editing the ambiguous caveat writes the reviewer's text as a new annotation that
    // supersedes it; skipping leaves the rest; the end of input ends the pass.
    let edit = try scenario.ctx(
      ["review", "next", "--kind", "ambiguous-anchor", "--reviewer", "Rita"], stdin: "e\nindex.lookup raises on a miss; legacy.lookup returns None.\n.\n")
    #expect(edit.status == 0 && edit.stdout.contains("superseding \(ambiguous)"), "\(edit.stdout) \(edit.stderr)")
    let nothing = try scenario.ctx(["review", "--kind", "dangling"], stdin: "")
    #expect(nothing.status == 1 && nothing.stdout.contains("nothing to review"), "\(nothing.stdout)")

    // Nothing a person wrote is lost: every file is still there with its text as written.
    let after = try scenario.files()
    #expect(after.count == written.count + 1)
    for (name, text) in written {
      #expect(ReviewScenarioTests.body(after[name] ?? "") == ReviewScenarioTests.body(text), "\(name)")
    }
  }
}

extension ReviewScenarioTests {
  /// A disagreement settled in the guided pass: a wrong answer is asked again, the kept claim
  /// supersedes the other, the reviewer is recorded, and the queue is then empty of it.
  @Test func aGuidedPassSettlesADisagreementByKeepingOneClaim() throws {
    let scenario = try Scenario()
    let first = try scenario.write(["annotate", "symbol:save", "--text", "Writes atomically.", "--fact", "save.atomic=yes", "--author", "Ada"])
    let second = try scenario.write(["annotate", "symbol:load", "--text", "Not atomic.", "--fact", "save.atomic=no", "--author", "agent", "--proposed"])
    // Accept the proposal first (it is item 1), then keep claim 2 (Ada's; claims are in id order) of the disagreement.
    let pass = try scenario.ctx(["review", "--reviewer", "Rita", "--reason", "checked the code"], stdin: "a\nmaybe\na\n7\n2\n")
    #expect(pass.status == 0, "\(pass.stdout) \(pass.stderr)")
    #expect(pass.stdout.contains("`maybe`: answer a (accept)") && pass.stdout.contains("`7`: a number from 1 to 2"), "\(pass.stdout)")
    #expect(pass.stdout.contains("accepted \(first), superseding \(second)"), "\(pass.stdout)")
    let kept = try scenario.files()["\(first).md"] ?? ""
    #expect(kept.contains("supersedes: [\(second)]") && kept.contains("reviewed_by: Rita") && kept.contains("review_reason: checked the code"), "\(kept)")
    #expect(try scenario.files()["\(second).md"]?.contains("reviewed_by: Rita") == true)
    let queue = try scenario.json(["review", "list", "--json"])["items"] as? [[String: Any]] ?? []
    #expect(!queue.contains { $0["kind"] as? String == "fact-disagreement" }, "\(queue)")
  }

  /// A symbol defined twice is anchored to one definition; a third added later in a file that
  /// sorts first is not the one the annotation meant, so it does not make it stale (ctx's own
  /// history: `match` in Glob.swift, then one in Sources/CtxAccess).
  @Test func aNewDefinitionElsewhereDoesNotMakeAnAmbiguousAnchorStale() throws {
    let scenario = try Scenario()
    let caveat = try scenario.write(["annotate", "symbol:lookup", "--kind", "caveat", "--text", "Raises on a miss.", "--author", "Ada"])
    #expect(try scenario.files()["\(caveat).md"]?.contains("at: \"src/cache/index.py:1-2\"") == true)
    try scenario.scratch.write(["repo/src/aaa/lookup.py": "def lookup(name):\n    return registry.find(name) or default(name)\n"])
    try scenario.repo.commitAll("Add a registry lookup", date: "2030-01-01T00:00:00Z", author: "Bo")
    #expect(try scenario.ctx(["index", "--quiet"]).status == 0)
    let conflicts = try scenario.json(["conflicts", "--json"])["conflicts"] as? [[String: Any]] ?? []
    let kinds = conflicts.filter { "\($0)".contains(caveat) }.compactMap { $0["kind"] as? String }
    #expect(kinds == ["ambiguous-anchor"], "\(conflicts)")
  }
}

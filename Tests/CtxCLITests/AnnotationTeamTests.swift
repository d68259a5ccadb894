import CtxTestSupport
import Foundation
import Testing

/// A team shares a workspace through git: annotations written in two clones and merged are
/// picked up at once (a pulled file is just a new file) and by `ctx index`; ids that clash
/// and names two machines both took are kept and reported, never dropped.
@Suite struct AnnotationTeamTests {
  func git(_ arguments: [String], in directory: String) throws -> ProcessResult {
    try Run.program("/usr/bin/git", ["-c", "commit.gpgsign=false"] + arguments, in: directory, environment: GitRepoFixture.environment)
  }

  func ctx(_ arguments: [String], in directory: String) throws -> ProcessResult {
    try CtxBinary.run(arguments, in: directory, environment: ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"])
  }

  @Test func annotationsMergedFromTwoClonesArePickedUpAndClashesKept() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(
      [
        "src/auth/session.ts": "export function validateSession(token: string) {\n  return token.length > 0;\n}\n",
        "src/auth/token.ts": "export function issueToken() {\n  return 'abc';\n}\n",
      ], under: "repo")
    try repo.commitAll("initial")
    // The team's workspace, shared through a bare repository.
    #expect(try ctx(["init", scratch.path + "/seed"], in: scratch.path).status == 0)
    try scratch.write(["seed/connectors/code.yaml": "kind: code\npath: \(repo.path)\n"])
    let seed = try GitRepoFixture(at: scratch.path + "/seed")
    try seed.commitAll("workspace")
    #expect(try git(["clone", "-q", "--bare", "seed", "origin.git"], in: scratch.path).status == 0)
    let a = scratch.path + "/a"
    let b = scratch.path + "/b"
    for clone in [a, b] {
      #expect(try git(["clone", "-q", "origin.git", clone], in: scratch.path).status == 0)
      #expect(try ctx(["index", "--quiet"], in: clone).status == 0)
    }

    // Machine A: a caveat, and a hand-written file; pushed.
    #expect(try ctx(["annotate", "symbol:validateSession", "--kind", "caveat", "--text", "Alpha says: only checks the length.", "--author", "Ada"], in: a).status == 0)
    try scratch.write(["a/annotations/Session-Owner.md": "---\ntarget: path:src/auth/**\nkind: owner\nauthor: Ada\n---\nAlpha team owns auth.\n"])
    #expect(try git(["add", "-A"], in: a).status == 0)
    #expect(try git(["commit", "-q", "-m", "A's annotations"], in: a).status == 0)
    #expect(try git(["push", "-q", "origin", "main"], in: a).status == 0)
    // Machine B: its own, one of them an id that differs from A's only in case.
    #expect(try ctx(["annotate", "symbol:issueToken", "--text", "Beta says: the token is random.", "--author", "Bo"], in: b).status == 0)
    try scratch.write(["b/annotations/session-owner.md": "---\ntarget: path:src/auth/**\nkind: owner\nauthor: Bo\n---\nBeta team owns auth.\n"])
    #expect(try git(["add", "-A"], in: b).status == 0)
    #expect(try git(["commit", "-q", "-m", "B's annotations"], in: b).status == 0)
    let pulled = try git(["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"], in: b)
    #expect(pulled.status == 0, "\(pulled.stderr)")

    // B sees A's annotation at once, without `ctx index`: in bundles and in search.
    let bundle = try ctx(["query", "validateSession issueToken", "--budget", "4000"], in: b).stdout
    #expect(bundle.contains("Alpha says: only checks the length."), "\(bundle)")
    #expect(bundle.contains("Beta says: the token is random."))
    #expect(try ctx(["search", "Alpha length", "--layer", "annotations"], in: b).stdout.contains("caveat"))
    // Both clashing files are kept (both in the bundle) and reported, by name.
    #expect(bundle.contains("Alpha team owns auth.") && bundle.contains("Beta team owns auth."), "\(bundle)")
    let conflicts = try ctx(["conflicts", "--json"], in: b)
    #expect(conflicts.status == 1)
    let clashes = (try JSONSerialization.jsonObject(with: Data(conflicts.stdout.utf8)) as? [String: Any])?["id_clashes"] as? [[String: Any]] ?? []
    #expect(clashes.count == 1, "\(conflicts.stdout)")
    #expect(clashes.first?["ids"] as? [String] == ["Session-Owner", "session-owner"])
    let index = try ctx(["index"], in: b)
    #expect(index.status == 0, "\(index.stderr)")
    let said = index.stdout + index.stderr
    #expect(said.contains("annotations/Session-Owner.md") && said.contains("annotations/session-owner.md"), "\(said)")
    #expect(said.contains("4 file(s)"), "\(said)")

    // A and B both took one name on the same day: git cannot merge them into one file. The
    // merged file keeps both sides; ctx names it and the line, and queries go on without it.
    #expect(try ctx(["annotate", "symbol:issueToken", "--text", "Alpha says: the token is a constant.", "--author", "Ada"], in: a).status == 0)
    #expect(try git(["add", "-A"], in: a).status == 0)
    #expect(try git(["commit", "-q", "-m", "A's second"], in: a).status == 0)
    #expect(try git(["push", "-q", "origin", "HEAD:refs/heads/other"], in: b).status == 0)
    let conflicted = try git(["pull", "-q", "--no-rebase", "--no-edit", "origin", "other"], in: a)
    #expect(conflicted.status != 0, "git merged the same name without a conflict?")
    let name = try #require(
      try FileManager.default.contentsOfDirectory(atPath: a + "/annotations").first { $0.hasSuffix("-symbol-issuetoken-note.md") })
    let merged = try String(contentsOfFile: a + "/annotations/" + name, encoding: .utf8)
    #expect(merged.contains("Alpha says: the token is a constant.") && merged.contains("Beta says: the token is random."))
    let report = try ctx(["index"], in: a)
    #expect(report.status == 3)
    #expect((report.stdout + report.stderr).contains("annotations/\(name):"), "\(report.stdout)\(report.stderr)")
    #expect((report.stdout + report.stderr).contains("git merge conflict markers"))
    let stillAnswers = try ctx(["query", "validateSession"], in: a)
    #expect(stillAnswers.status == 0 && stillAnswers.stdout.contains("Alpha says: only checks the length."))
  }
}

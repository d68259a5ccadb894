import CtxTestSupport
import Foundation
import Testing

/// Issue 17: "A reviewer accepted an agent's correction that contradicts an accepted human
/// correction; both then led every bundle, and `ctx conflicts` reported nothing." Now both are
/// shown side by side as a conflict in the bundle at once (no `ctx index`), and the review
/// that settles it takes effect at once too.
@Suite struct CompetingCorrectionsBundleTests {
  @Test func competingCorrectionsAreShownAsAConflictUntilOneSupersedes() throws {
    let fixture = try AnnotationEndToEndTests.Fixture()
    let human = try fixture.ctx(["correct", "symbol:issueToken", "The token is random per call, not a constant.", "--author", "Ada", "--json"])
    #expect(human.status == 0, "\(human.stderr)")
    let agent = try fixture.ctx(["correct", "symbol:issueToken", "issueToken returns the constant 'abc' by design.", "--author", "agent-7", "--proposed", "--json"])
    #expect(agent.status == 0, "\(agent.stderr)")
    let humanID = try #require((try JSONSerialization.jsonObject(with: Data(human.stdout.utf8)) as? [String: Any])?["id"] as? String)
    let agentID = try #require((try JSONSerialization.jsonObject(with: Data(agent.stdout.utf8)) as? [String: Any])?["id"] as? String)
    #expect(try fixture.ctx(["review", "accept", agentID, "--reviewer", "Bo"]).status == 0)

    let bundle = try fixture.ctx(["query", "issueToken constant"])
    #expect(bundle.status == 0, "\(bundle.stderr)")
    #expect(bundle.stdout.contains("also has a correction on this target"), "\(bundle.stdout)")
    #expect(bundle.stdout.contains("The token is random per call") && bundle.stdout.contains("returns the constant 'abc' by design"))
    let conflicts = try fixture.ctx(["conflicts", "--json"])
    #expect(conflicts.stdout.contains("competing-corrections"), "\(conflicts.stdout)")

    // A person settles it: the human correction supersedes the agent's; at once, the bundle
    // shows one correction and no conflict, and both files are still there.
    #expect(try fixture.ctx(["review", "supersede", agentID, "--by", humanID, "--reviewer", "Bo"]).status == 0)
    let settled = try fixture.ctx(["query", "issueToken constant"])
    #expect(settled.stdout.contains("The token is random per call") && !settled.stdout.contains("by design"), "\(settled.stdout)")
    #expect(!settled.stdout.contains("also has a correction on this target"))
    let files = try FileManager.default.contentsOfDirectory(atPath: fixture.workspace + "/annotations").filter { $0.hasSuffix(".md") }
    #expect(files.count == 2)
    // The target's history says who decided, when, and what was true until when.
    let log = try fixture.ctx(["annotations", "log", "symbol:issueToken"])
    #expect(log.stdout.contains("reviewed by Bo") && log.stdout.contains("superseded by \(humanID)") && log.stdout.contains("true until"), "\(log.stdout)")
  }
}

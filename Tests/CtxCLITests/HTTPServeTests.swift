import CtxTestSupport
import Foundation
import Testing

/// `ctx serve --http` end to end (issue 19): the built `ctx`, real HTTP on a loopback
/// ephemeral port, the official MCP Python client, `ctx token`, a private chat source whose
/// canary word must never reach a token scoped to the public sources, SIGTERM with a request
/// in flight. The checks are in scripts/http_e2e.py (one line each in the failure message).
@Suite struct HTTPServeTests {
  static let canary = "zebracanary"

  /// Code and history (public), and a private chat channel holding the canary.
  struct TeamWorkspace {
    let scratch = ScratchDirectory()
    let repo: GitRepoFixture
    let workspace: String

    init() throws {
      repo = try GitRepoFixture(at: scratch.path + "/repo")
      try scratch.write(
        [
          "src/auth/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 8;\n}\n",
          "src/auth/Login.swift": "struct Login {\n  func submit(user: String) -> Bool {\n    return !user.isEmpty\n  }\n}\n",
        ], under: "repo")
      try repo.commitAll("Add session validation", date: "2024-01-01T10:00:00Z")
      let messages = [
        ["channel": "incident-room", "channel_type": "private", "ts": "1704189600.000100", "author": "ada",
         "text": "The \(HTTPServeTests.canary) outage: validateSession accepted expired session keys; rotate keys now."],
        ["channel": "incident-room", "channel_type": "private", "ts": "1704189700.000100", "thread_ts": "1704189600.000100", "author": "bo",
         "text": "Postmortem for \(HTTPServeTests.canary): the session token check and login submit path both need the fix."],
      ]
      let lines = try messages.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
      try scratch.write(["chat/incident.jsonl": lines.joined(separator: "\n") + "\n"])
      workspace = scratch.path + "/ws"
      try CtxBinary.run(["init", workspace])
      try scratch.write([
        "ws/connectors/code.yaml": "kind: code\npath: ../repo\n",
        "ws/connectors/history.yaml": "kind: git\npath: ../repo\n",
        "ws/connectors/private-chat.yaml": "kind: chat\nformat: jsonl\npath: ../chat\ninclude_private: [incident-room]\n",
      ])
      let index = try CtxBinary.run(["index"], in: workspace)
      guard index.status == 0 else { throw FixtureError(message: "ctx index failed: \(index.stdout)\(index.stderr)") }
    }
  }

  @Test func tokensScopesLimitsMetricsAndGracefulShutdown() throws {
    let probe = try Run.program("/usr/bin/env", ["python3", "-c", "import mcp"])
    try #require(probe.status == 0, "the Python MCP SDK is missing: `python3 -m pip install mcp` (scripts/test.sh does): \(probe.stderr)")
    let fixture = try TeamWorkspace()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let run = try Run.program(
      "/usr/bin/timeout",
      [
        "300", "python3", root.appendingPathComponent("scripts/http_e2e.py").path, "--ctx", CtxBinary.path, "--workspace", fixture.workspace,
        "--canary", HTTPServeTests.canary, "--public", "code,history", "--private", "private-chat", "--expect", "validateSession",
        "--repo", fixture.repo.path, "--new-file", "src/auth/fresh.ts", "--deadline", "280",
      ])
    #expect(run.status == 0, "http_e2e.py failed:\n\(run.stdout)\n\(run.stderr.suffix(3000))")
    #expect(run.stdout.contains("all checks passed"), "\(run.stdout)")
  }

  /// The review page in headless Chromium (Debian's chromium and chromium-driver, driven by
  /// PyPI's selenium, JavaScript off): sign in, open a proposal, see its evidence, accept it;
  /// the next MCP `context` call shows it accepted. scripts/review_browser.py holds the steps.
  @Test func reviewerAcceptsAProposalInARealBrowser() throws {
    let probe = try Run.program("/usr/bin/env", ["python3", "-c", "import selenium"])
    try #require(probe.status == 0, "selenium is missing: `python3 -m pip install selenium` (scripts/test.sh does): \(probe.stderr)")
    try #require(
      FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
      "Chromium is missing: install Debian's chromium and chromium-driver (scripts/system-deps.sh does)")
    let fixture = try TeamWorkspace()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let run = try Run.program(
      "/usr/bin/timeout",
      [
        "240", "python3", root.appendingPathComponent("scripts/review_browser.py").path, "--ctx", CtxBinary.path, "--workspace", fixture.workspace,
        "--expect", "validateSession", "--deadline", "220",
      ])
    #expect(run.status == 0, "review_browser.py failed:\n\(run.stdout)\n\(run.stderr.suffix(3000))")
    #expect(run.stdout.contains("all checks passed"), "\(run.stdout)")
  }
}

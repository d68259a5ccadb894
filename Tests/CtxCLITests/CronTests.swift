import CtxTestSupport
import Foundation
import Testing

/// The crontab line and the systemd ExecStart in the README, run exactly as written (with the
/// binary and the workspace put in place), and the run log they leave.
@Suite struct CronTests {
  static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("README.md")

  /// The README's command lines: the crontab entry's command and systemd's ExecStart.
  func readmeCommands() throws -> [String] {
    let text = try String(contentsOf: CronTests.readme, encoding: .utf8)
    var commands: [String] = []
    var inCrontab = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```crontab") { inCrontab = true; continue }
      if line.hasPrefix("```") { inCrontab = false; continue }
      if inCrontab, !line.hasPrefix("#"), !line.isEmpty {
        commands.append(line.split(separator: " ", maxSplits: 5).last.map(String.init) ?? "")
      }
      if line.hasPrefix("ExecStart=") { commands.append(String(line.dropFirst("ExecStart=".count))) }
    }
    return commands
  }

  @Test func theReadmeCronAndSystemdCommandsRunAndLeaveALog() throws {
    let commands = try readmeCommands()
    #expect(commands.count == 2, "\(commands)")
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/a.py": "def a():\n    return 1\n"], under: "repo")
    try repo.commitAll("initial")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    for command in commands {
      #expect(command.hasPrefix("/usr/local/bin/ctx ") && command.contains("/srv/ctx"), "\(command)")
      let concrete = command.replacingOccurrences(of: "/usr/local/bin/ctx", with: CtxBinary.path).replacingOccurrences(of: "/srv/ctx", with: workspace)
      // cron runs commands with /bin/sh, in the home directory, with a minimal environment.
      let result = try Run.program("/bin/sh", ["-c", concrete], in: "/", environment: ["PATH": "/usr/bin:/bin"])
      #expect(result.status == 0, "\(concrete): \(result.stdout)\(result.stderr)")
      #expect(result.stdout.isEmpty, "--quiet prints nothing when all is well: \(result.stdout)")
    }
    // Each run left a plain-text log.
    let logs = try FileManager.default.contentsOfDirectory(atPath: workspace + "/index/logs").filter { $0.hasSuffix(".log") }
    #expect(logs.count == 2)
    // Named by the run's UTC start, `index-20261123T200000Z.log` (a suffix when two share a second).
    for name in logs {
      #expect(name.wholeMatch(of: /index-\d{8}T\d{6}Z(-\d+)?\.log/) != nil, "\(name)")
    }
    let log = try String(contentsOfFile: workspace + "/index/logs/" + logs.sorted()[0], encoding: .utf8)
    #expect(log.contains("INFO code: done (ok)"), "\(log)")
    #expect(log.contains("report {"))
    #expect(!log.contains("\u{1B}"))
    #expect(try CtxBinary.run(["status"], in: workspace).status == 0)
  }

  @Test func offATerminalProgressIsPlainTimestampedLinesAndLogsRotate() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["src/a.py": "def a():\n    return 1\n"])
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../src\nuse_git: false\n"])
    let run = try CtxBinary.run(["index"], in: workspace)
    #expect(run.status == 0)
    #expect(!run.stderr.contains("\u{1B}") && !run.stderr.contains("\r"))
    for line in run.stderr.split(separator: "\n") {
      #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR|DEBUG) "#, options: .regularExpression) != nil, "\(line)")
    }
    #expect(try CtxBinary.run(["index", "--quiet"], in: workspace).stderr.isEmpty)
    for _ in 0..<22 { _ = try CtxBinary.run(["index", "--quiet"], in: workspace) }
    let logs = try FileManager.default.contentsOfDirectory(atPath: workspace + "/index/logs").filter { $0.hasSuffix(".log") }
    #expect(logs.count == 20)
  }
}

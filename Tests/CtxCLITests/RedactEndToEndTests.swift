import CtxTestSupport
import Foundation
import Testing

/// `ctx redact` through the built binary. The values are fake, in the documented shapes.
@Suite struct RedactEndToEndTests {
  static let accessKey = "AKIAQ7RTXM2KVPZ4HB6N"
  static let password = "Zq8!vR2mKp4T"

  func files(_ scratch: ScratchDirectory) throws {
    try scratch.write([
      "repo/config/.env": "REGION=eu-west-1\nAWS_ACCESS_KEY_ID=\(Self.accessKey)\nDB_PASSWORD=\(Self.password)\n",
      "repo/src/app.py": "import os\npassword = os.getenv(\"DB_PASSWORD\")\n",
      "repo/docs/setup.md": "Connect with postgres://app:\(Self.password)@db.internal/app\n",
    ])
    try scratch.writeBytes("repo/logo.png", [0x89, 0x50, 0x4E, 0x47, 0, 0] + Array("AKIAZ3WBN7QKXR2MTP5V".utf8))
  }

  @Test func checkListsFindingsAndCountsButNeverValues() throws {
    let scratch = ScratchDirectory()
    try files(scratch)
    let run = try CtxBinary.run(["redact", "--check", "repo"], in: scratch.path)
    #expect(run.status == 1, "\(run.stderr)")
    #expect(run.stdout.contains("repo/config/.env:2:19  aws-access-key"), "\(run.stdout)")
    #expect(run.stdout.contains("repo/config/.env:3:13  generic-secret"))
    #expect(run.stdout.contains("repo/docs/setup.md:1:29  url-password"))
    #expect(run.stdout.contains("3 values would be redacted in 2 of 3 files:"))
    #expect(!run.stdout.contains(Self.accessKey) && !run.stdout.contains(Self.password))
    #expect(!run.stdout.contains("logo.png"))  // binary files in folders are skipped

    let json = try CtxBinary.run(["redact", "--check", "--json", "repo/config/.env", "repo/src/app.py"], in: scratch.path)
    #expect(json.status == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let files = try #require(object["files"] as? [[String: Any]])
    #expect(files.count == 1)
    #expect(files.first?["path"] as? String == "repo/config/.env")
    let findings = try #require(files.first?["findings"] as? [[String: Any]])
    #expect(findings.map { $0["rule"] as? String } == ["aws-access-key", "generic-secret"])
    #expect(findings.first?["line"] as? Int == 2)
    #expect(findings.first?["column"] as? Int == 19)
    #expect(object["counts"] as? [String: Int] == ["aws-access-key": 1, "generic-secret": 1])
    #expect(!json.stdout.contains(Self.accessKey))
  }

  @Test func cleanFilesExitZeroAndUnreadableFilesExitTwo() throws {
    let scratch = ScratchDirectory()
    try files(scratch)
    let clean = try CtxBinary.run(["redact", "--check", "repo/src/app.py"], in: scratch.path)
    #expect(clean.status == 0)
    #expect(clean.stdout == "nothing to redact in 1 file\n")

    let missing = try CtxBinary.run(["redact", "--check", "repo/src/app.py", "repo/nope.txt"], in: scratch.path)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("repo/nope.txt"), "\(missing.stderr)")

    let badPattern = try CtxBinary.run(["redact", "--check", "--allow", "(", "repo/src/app.py"], in: scratch.path)
    #expect(badPattern.status == 2)
    #expect(badPattern.stderr.contains("`(`"))
  }

  @Test func withoutCheckPrintsTheRedactedText() throws {
    let piped = try CtxBinary.run(["redact", "-"], stdin: "key \(Self.accessKey) ok\n")
    #expect(piped.status == 0)
    #expect(piped.stdout == "key [REDACTED:aws-access-key] ok\n")
    let allowed = try CtxBinary.run(["redact", "--allow", "^AKIAQ7", "--rule", "ticket=TICKET-[0-9]+", "-"], stdin: "\(Self.accessKey) TICKET-42\n")
    #expect(allowed.stdout == "\(Self.accessKey) [REDACTED:ticket]\n")
  }
}

import CtxTestSupport
import Foundation
import Testing

/// `ctx index --deadline`: a cron run ends by its deadline, and what it did not finish keeps
/// its previous index.
@Suite struct IndexDeadlineTests {
  @Test(.timeLimit(.minutes(3))) func theDeadlineEndsTheRunAndKeepsThePreviousIndex() throws {
    let scratch = ScratchDirectory()
    var files: [String: String] = ["b/only_b.py": "def only_in_b():\n    return 1\n"]
    for index in 0..<3 { files["a/mod\(index).py"] = "def first_version_\(index)():\n    return \(index)\n" }
    try scratch.write(files)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/a.yaml": "kind: code\npath: ../a\n", "ws/connectors/b.yaml": "kind: code\npath: ../b\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // A ctags that takes a second a file, and many new files: the run cannot finish in 3 s.
    let slow = scratch.path + "/slow-ctags"
    let script = """
      #!/usr/bin/env python3
      import json, sys, time
      print(json.dumps({"_type": "program", "name": "Universal Ctags"}), flush=True)
      for line in sys.stdin.buffer:
          request = json.loads(line)
          sys.stdin.buffer.read(request["size"])
          time.sleep(1)
          print(json.dumps({"_type": "completed", "command": "generate-tags"}), flush=True)
      """
    try Run.program("/bin/sh", ["-c", "cat > \"$0\" && chmod 755 \"$0\"", slow], stdin: script)
    var more: [String: String] = [:]
    for index in 0..<40 { more["a/new\(index).py"] = "def second_version_\(index)():\n    return \(index)\n" }
    try scratch.write(more)

    let started = Date()
    let run = try CtxBinary.run(["index", "--deadline", "3s", "--workers", "1"], in: workspace, environment: ["CTX_CTAGS": slow])
    let seconds = Date().timeIntervalSince(started)
    #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
    #expect(seconds < 30, "the run took \(seconds) s")
    #expect(run.stdout.contains("stopped at the run deadline") || run.stdout.contains("deadline"), "\(run.stdout)")
    // Source a was rolled back (its new files are not in), b was never started: both as before.
    #expect(try CtxBinary.run(["search", "second_version_1"], in: workspace).status == 1)
    #expect(try CtxBinary.run(["search", "first_version_1"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["search", "only_in_b"], in: workspace).status == 0)
    // The next run without a deadline finishes the job.
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)
    #expect(try CtxBinary.run(["search", "second_version_1"], in: workspace).status == 0)
  }

  @Test func aBadDeadlineIsAUsageError() throws {
    let scratch = ScratchDirectory()
    try CtxBinary.run(["init", scratch.path])
    let run = try CtxBinary.run(["index", "--deadline", "soon"], in: scratch.path)
    #expect(run.status == 64 || run.status == 2, "\(run.status)")
    #expect(run.stderr.contains("--deadline must be a duration"), "\(run.stderr)")
  }
}

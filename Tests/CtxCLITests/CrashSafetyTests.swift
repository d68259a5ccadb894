import CtxTestSupport
import Foundation
import Testing

/// Kills `ctx index` with SIGKILL at random moments (scripts/crash_harness.py) and checks that
/// every source is left in its previous or its new state, that the integrity checks pass, and
/// that the next run completes. CI runs a few kills; Benchmarks/crash_harness.sh runs many.
@Suite struct CrashSafetyTests {
  @Test func killedRunsLeaveOldOrNewStateNeverAMix() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/crash_harness.py").path
    let result = try Run.program(
      "/usr/bin/env", ["python3", script, "--ctx", CtxBinary.path, "--runs", "6", "--files", "200", "--seed", "7"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("ok: 6 kills"), "\(result.stdout)")
  }
}

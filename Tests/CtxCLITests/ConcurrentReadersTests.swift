import CtxTestSupport
import Foundation
import Testing

/// Readers keep answering while `ctx index` writes: WAL, a busy timeout, and one transaction
/// per source mean a reader sees the last committed state, never an error.
@Suite struct ConcurrentReadersTests {
  @Test func searchesAndQueriesDuringReindexingNeverFail() async throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    var files: [String: String] = [:]
    for index in 0..<300 {
      files["src/m\(index % 10)/file\(index).py"] = (0..<8).map { "def handler_\(index)_\($0)(request):\n    return request.get('session', \($0))\n" }.joined()
    }
    try scratch.write(files, under: "repo")
    try repo.commitAll("initial")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/history.yaml": "kind: git\npath: ../repo\n"])
    #expect(try CtxBinary.run(["index"], in: workspace).status == 0)

    // A writer rebuilding over and over, and readers in parallel, counting failures.
    let deadline = Date().addingTimeInterval(6)
    async let writes: Int = {
      var runs = 0
      while Date() < deadline {
        let result = try CtxBinary.run(["index", "--full", "--quiet"], in: workspace)
        if result.status != 0 { throw FixtureError(message: "ctx index failed: \(result.stderr)") }
        runs += 1
      }
      return runs
    }()
    var readerErrors: [String] = []
    var reads = 0
    while Date() < deadline {
      for arguments in [["search", "handler session", "--json"], ["query", "handler_7_3", "--budget", "1000"], ["search", "initial", "--layer", "history"]] {
        let result = try CtxBinary.run(arguments, in: workspace)
        reads += 1
        if result.status != 0 { readerErrors.append("\(arguments.joined(separator: " ")): \(result.status) \(result.stderr)") }
      }
    }
    let runs = try await writes
    #expect(runs >= 1)
    #expect(reads > 10)
    #expect(readerErrors.isEmpty, "\(readerErrors.count) of \(reads) reads failed during \(runs) index runs: \(readerErrors.prefix(3))")
  }
}

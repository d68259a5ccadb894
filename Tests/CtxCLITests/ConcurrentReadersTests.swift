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

    // A writer rebuilding six times on its own thread, and readers in parallel until it is
    // done, counting failures.
    let writer = WriterLoop(workspace: workspace, runs: 6)
    writer.start()
    var readerErrors: [String] = []
    var reads = 0
    repeat {
      for arguments in [["search", "handler session", "--json"], ["query", "handler_7_3", "--budget", "1000"], ["search", "initial", "--layer", "history"]] {
        let result = try CtxBinary.run(arguments, in: workspace)
        reads += 1
        if result.status != 0 { readerErrors.append("\(arguments.joined(separator: " ")): \(result.status) \(result.stderr)") }
      }
    } while !writer.isFinished
    let (runs, writerErrors) = writer.result
    #expect(writerErrors.isEmpty, "\(writerErrors)")
    #expect(runs == 6)
    #expect(reads >= 6)
    #expect(readerErrors.isEmpty, "\(readerErrors.count) of \(reads) reads failed during \(runs) index runs: \(readerErrors.prefix(3))")
  }
}

/// Runs `ctx index --full` a number of times on a thread of its own.
final class WriterLoop: @unchecked Sendable {
  private let workspace: String
  private let runs: Int
  private let lock = NSLock()
  private var finished = false
  private var completed = 0
  private var errors: [String] = []

  init(workspace: String, runs: Int) {
    self.workspace = workspace
    self.runs = runs
  }

  func start() {
    Thread.detachNewThread {
      for _ in 0..<self.runs {
        do {
          let result = try CtxBinary.run(["index", "--full", "--quiet"], in: self.workspace)
          self.lock.withLock {
            if result.status == 0 { self.completed += 1 } else { self.errors.append(result.stderr) }
          }
        } catch {
          self.lock.withLock { self.errors.append("\(error)") }
        }
      }
      self.lock.withLock { self.finished = true }
    }
  }

  var isFinished: Bool { lock.withLock { finished } }
  var result: (Int, [String]) { lock.withLock { (completed, errors) } }
}

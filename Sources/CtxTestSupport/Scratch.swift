import Foundation

/// A unique temporary folder for one test, removed afterwards unless
/// `CTX_KEEP_TEST_SCRATCH=1` is set.
package final class ScratchDirectory: @unchecked Sendable {
  package let path: String

  package init(_ name: String = #function) {
    let safe = name.filter { $0.isLetter || $0.isNumber }.prefix(40)
    let base = FileManager.default.temporaryDirectory.path + "/ctx-tests"
    try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    path = base + "/\(safe)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    if ProcessInfo.processInfo.environment["CTX_KEEP_TEST_SCRATCH"] != "1" {
      try? FileManager.default.removeItem(atPath: path)
    }
  }

  /// Writes `files` (relative path → contents) under `subdirectory`.
  package func write(_ files: [String: String], under subdirectory: String = "") throws {
    for (relative, contents) in files {
      try writeBytes(relative, Array(contents.utf8), under: subdirectory)
    }
  }

  package func writeBytes(_ relative: String, _ bytes: [UInt8], under subdirectory: String = "") throws {
    let full = [path, subdirectory, relative].filter { !$0.isEmpty }.joined(separator: "/")
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
  }

  package func remove(_ relative: String) throws {
    try FileManager.default.removeItem(atPath: path + "/" + relative)
  }

  package func read(_ relative: String) throws -> String {
    try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
  }
}

/// Runs a program and captures its output.
package struct ProcessResult: Sendable {
  package var status: Int32
  package var stdout: String
  package var stderr: String
}

package enum Run {
  @discardableResult
  package static func program(
    _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], stdin: String? = nil
  ) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { try PipeIO.write(Array(stdin.utf8), to: input.fileHandleForWriting.fileDescriptor) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    let errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData.set(PipeIO.readAll(err.fileHandleForReading.fileDescriptor))
      group.leave()
    }
    let outData = PipeIO.readAll(out.fileHandleForReading.fileDescriptor)
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.get(), as: UTF8.self))
  }
}

/// Pipe reads and writes that retry on EINTR. Foundation's `readDataToEndOfFile()` and
/// `write(_:)` crash the whole test process (`try!` inside) when a signal interrupts them, and
/// tests that kill child processes send plenty of SIGCHLDs.
package enum PipeIO {
  package static func readAll(_ descriptor: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        data.append(contentsOf: buffer[0..<count])
      } else if count == 0 || errno != EINTR {
        return data
      }
    }
  }

  /// What one read returns (empty at end of file), retried on EINTR.
  package static func readSome(_ descriptor: Int32) -> Data {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count >= 0 { return Data(buffer[0..<count]) }
      if errno != EINTR { return Data() }
    }
  }

  package static func write(_ bytes: [UInt8], to descriptor: Int32) throws {
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == EPIPE { return }  // the child exited without reading: its output tells why
        throw FixtureError(message: "writing to a child process failed: errno \(errno)")
      }
      offset += count
    }
  }
}

final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data = Data()
  func set(_ value: Data) { lock.withLock { data = value } }
  func get() -> Data { lock.withLock { data } }
}

/// A real git repository with fixed author, committer and dates, isolated from the user's
/// git configuration so commit ids are the same on every machine.
package struct GitRepoFixture: Sendable {
  package let path: String
  private static let git = "/usr/bin/git"

  package init(at path: String) throws {
    self.path = path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try run(["init", "-q", "-b", "main"])
  }

  package static var environment: [String: String] {
    [
      "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null", "GIT_AUTHOR_NAME": "Ada Tester",
      "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada Tester", "GIT_COMMITTER_EMAIL": "ada@example.com",
      "GIT_AUTHOR_DATE": "2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2024-01-02T03:04:05Z",
    ]
  }

  @discardableResult
  package func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> String {
    let environment = GitRepoFixture.environment.merging(extra) { _, new in new }
    let result = try Run.program(GitRepoFixture.git, ["-c", "commit.gpgsign=false"] + arguments, in: path, environment: environment)
    guard result.status == 0 else {
      throw FixtureError(message: "git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
    return result.stdout
  }

  package func commitAll(_ message: String) throws {
    try run(["add", "-A"])
    try run(["commit", "-q", "-m", message])
  }

  /// Commits everything with a given date (ISO 8601) and, optionally, another author.
  package func commitAll(_ message: String, date: String, author: String = "Ada Tester", email: String = "ada@example.com") throws {
    let environment = [
      "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
    ]
    try run(["add", "-A"], environment: environment)
    try run(["commit", "-q", "--allow-empty", "-m", message], environment: environment)
  }

  /// The commit id a revision names.
  package func sha(_ revision: String = "HEAD") throws -> String {
    try run(["rev-parse", revision]).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

package struct FixtureError: Error, CustomStringConvertible {
  package var message: String

  package init(message: String) {
    self.message = message
  }

  package var description: String { message }
}

/// The built `ctx` binary (`swift test` builds it beside the tests), or `CTX_BINARY`.
/// The start of most ranking tests: `files` committed to a git repository in `scratch/repo`,
/// and a workspace `scratch/ws` whose one `code` source is that repository, indexed.
package enum IndexedCodeWorkspace {
  /// - Returns: the workspace folder.
  package static func make(_ files: [String: String], in scratch: ScratchDirectory) throws -> String {
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(files, under: "repo")
    try repo.commitAll("Initial", date: "2024-01-01T00:00:00Z")
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])
    let index = try CtxBinary.run(["index"], in: workspace)
    guard index.status == 0 else { throw FixtureError(message: "ctx index failed: \(index.stdout)\(index.stderr)") }
    return workspace
  }
}

package enum CtxBinary {
  package static var path: String {
    if let explicit = ProcessInfo.processInfo.environment["CTX_BINARY"] { return explicit }
    // .../.build/<triple>/debug/ctxPackageTests.xctest → .../debug/ctx
    let testBundle = Bundle.main.bundleURL.path
    var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? testBundle).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("ctx").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/ctx").path
  }

  @discardableResult
  package static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], stdin: String? = nil) throws -> ProcessResult {
    try Run.program(path, arguments, in: directory, environment: environment, stdin: stdin)
  }
}

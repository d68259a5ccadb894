import CtxCore
import Dispatch
import Foundation

/// One long-lived `ctags --_interactive=sandbox` process.
///
/// File contents go to ctags over stdin (`"size"` requests), so ctags never opens files itself
/// (sandbox mode forbids it) and the same path works for files read from git objects. Replies
/// are JSON lines, one per tag, ended by a `completed` line.
///
/// A session is used by one crawl worker at a time. The blocking pipe IO runs on the session's
/// own dispatch queue so that it never holds a thread of Swift's cooperative pool.
public final class CtagsSession: @unchecked Sendable {
  // All mutable state below is only touched on `queue`.
  private let queue: DispatchQueue
  private let executable: String
  private var process: Process?
  private var input: FileHandle?
  private var output: Int32 = -1
  private var buffer: [UInt8] = []
  private var bufferStart = 0

  /// Options after `--_interactive`: JSON, no search patterns (large and unused), line, end line,
  /// kind names, signatures and scopes.
  static let arguments = [
    "--_interactive=sandbox", "--output-format=json", "--fields=-P+neKS", "--extras=-F",
    "--languages=-JSON",
  ]

  /// - Parameter executable: the ctags binary (a path or a name found on `PATH`).
  public init(executable: String = "ctags") {
    self.executable = executable
    queue = DispatchQueue(label: "ctx.ctags")
  }

  deinit {
    try? input?.close()
    if output >= 0 { close(output) }
    process?.terminate()
  }

  /// Finds universal-ctags on `PATH` and returns its version line, or nil when missing.
  public static func locate(executable: String = "ctags") -> (path: String, version: String)? {
    guard let path = resolveExecutable(executable) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["--version"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = Data(DescriptorReading.readAll(pipe.fileHandleForReading.fileDescriptor))
    process.waitUntilExit()
    let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    guard firstLine.contains("Universal Ctags") else { return nil }
    return (path, firstLine)
  }

  static func resolveExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    for directory in paths {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The tags of one file's content.
  ///
  /// - Parameters:
  ///   - path: the file's name as ctags should see it; its extension picks the parser.
  ///   - content: the file's bytes.
  /// - Throws: `.toolMissing` when ctags cannot be started, `.connectorFailed` when it dies or
  ///   answers something unreadable (the session restarts on the next call).
  public func symbols(path: String, content: [UInt8]) async throws -> [Symbol] {
    try await withCheckedThrowingContinuation { continuation in
      queue.async {
        do {
          continuation.resume(returning: try self.generate(path: path, content: content))
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
  }

  private func start() throws(CtxError) {
    guard let resolved = CtagsSession.resolveExecutable(executable) else {
      throw CtxError(.toolMissing, "universal-ctags (`\(executable)`) is not installed; install it with `apt-get install universal-ctags` to get symbols")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: resolved)
    process.arguments = CtagsSession.arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw CtxError(.toolMissing, "cannot start universal-ctags at \(resolved): \(error.localizedDescription)", cause: error)
    }
    self.process = process
    input = stdin.fileHandleForWriting
    output = dup(stdout.fileHandleForReading.fileDescriptor)
    try? stdout.fileHandleForReading.close()
    buffer.removeAll(keepingCapacity: true)
    bufferStart = 0
    // The first line announces the program; read it so replies line up.
    _ = try readLine()
  }

  private func stop() {
    try? input?.close()
    input = nil
    if output >= 0 { close(output) }
    output = -1
    process?.terminate()
    process?.waitUntilExit()
    process = nil
  }

  private func generate(path: String, content: [UInt8]) throws(CtxError) -> [Symbol] {
    if process == nil { try start() }
    guard let input else { throw CtxError(.toolMissing, "ctags is not running") }
    let safeName = path.replacingOccurrences(of: "\\", with: "/").replacingOccurrences(of: "\"", with: "_")
    let request = "{\"command\":\"generate-tags\",\"filename\":\"\(safeName)\",\"size\":\(content.count)}\n"
    do {
      try input.write(contentsOf: Array(request.utf8) + content)
    } catch {
      stop()
      throw CtxError(.connectorFailed, "ctags stopped reading input: \(error.localizedDescription)", path: path, cause: error)
    }
    var symbols: [Symbol] = []
    while true {
      guard let line = try readLine() else {
        stop()
        throw CtxError(.connectorFailed, "ctags exited while reading this file", path: path)
      }
      guard let object = FlatJSON.parseObject(line) else { continue }
      switch object["_type"]?.string {
      case "tag":
        guard let name = object["name"]?.string, let lineNumber = object["line"]?.int else { continue }
        symbols.append(
          Symbol(
            name: name, kind: object["kind"]?.string ?? "unknown", line: lineNumber, endLine: object["end"]?.int,
            scope: object["scope"]?.string, signature: object["signature"]?.string))
      case "completed":
        return symbols
      case "error":
        let message = object["message"]?.string ?? "unknown error"
        if object["fatal"] == .bool(true) { stop() }
        throw CtxError(.connectorFailed, "ctags: \(message)", path: path)
      default:
        continue
      }
    }
  }

  /// The next line from ctags' stdout (without the newline), or nil at end of file.
  private func readLine() throws(CtxError) -> ArraySlice<UInt8>? {
    while true {
      if let newline = buffer[bufferStart...].firstIndex(of: 0x0A) {
        let line = buffer[bufferStart..<newline]
        bufferStart = newline + 1
        return line
      }
      if bufferStart > 0 {
        buffer.removeFirst(bufferStart)
        bufferStart = 0
      }
      var chunk = [UInt8](repeating: 0, count: 65536)
      let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, 65536) }
      if count < 0 {
        if errno == EINTR { continue }
        throw CtxError(.connectorFailed, "cannot read from ctags: errno \(errno)")
      }
      if count == 0 { return nil }
      buffer.append(contentsOf: chunk[0..<count])
    }
  }
}

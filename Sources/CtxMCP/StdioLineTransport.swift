import Dispatch
import Foundation
import Logging
import MCP

/// MCP's stdio transport (one JSON-RPC message per line), read in linear time with a cap on a
/// line's length, answering what the SDK's `Server` would drop or answer wrongly.
///
/// It replaces the SDK's `StdioTransport`, which re-searched and copied the whole pending line
/// after every 4 KiB read (a 4 MB line took 31 s, 20 MB never got an answer), had no cap,
/// dropped a last line without a newline, and set the inherited descriptors non-blocking.
/// Here:
/// - a thread of its own reads stdin (blocking; it waits with `poll` when stdin came
///   non-blocking), so reading never holds one of the few cooperative threads;
/// - `LineFramer` splits lines, refusing one over `maxLineBytes` as soon as it passes the cap;
/// - `MessageCheck` refuses what is not a JSON-RPC 2.0 message with the error the spec asks
///   for (`"id": null` when the id cannot be read), and requests other than `initialize` and
///   `ping` before `initialize` are refused too;
/// - replies are written whole under a lock, so ctx's own errors never interleave with the
///   server's replies.
///
/// Related documentation: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio
actor StdioLineTransport: Transport {
  nonisolated let logger: Logger
  private let input: Int32
  private let output: LineWriter
  private let maxLineBytes: Int
  private let stream: AsyncThrowingStream<Data, any Swift.Error>
  private let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
  private var started = false

  /// The longest request line accepted by default: 16 MiB, as for `--jsonl`.
  static let defaultMaxLineBytes = 16 << 20

  init(input: Int32, output: Int32, logger: Logger, maxLineBytes: Int = StdioLineTransport.defaultMaxLineBytes) {
    self.input = input
    self.output = LineWriter(descriptor: output)
    self.logger = logger
    self.maxLineBytes = maxLineBytes
    (stream, continuation) = AsyncThrowingStream.makeStream()
  }

  func connect() async throws {
    guard !started else { return }
    started = true
    let reader = Reader(input: input, output: output, continuation: continuation, maxLineBytes: maxLineBytes, logger: logger)
    let thread = Thread { reader.run() }
    thread.name = "ctx-mcp stdin"
    thread.start()
  }

  func disconnect() async {
    continuation.finish()
  }

  func send(_ data: Data) async throws {
    let output = output
    let written = await withCheckedContinuation { done in
      DispatchQueue.global().async { done.resume(returning: output.write(data)) }
    }
    guard written else { throw MCPError.connectionClosed }
  }

  nonisolated func receive() -> AsyncThrowingStream<Data, any Swift.Error> {
    stream
  }

  /// The read loop, on its own thread: lines in, checked messages out to the server, errors
  /// straight back to the client.
  private struct Reader: Sendable {
    let input: Int32
    let output: LineWriter
    let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
    let maxLineBytes: Int
    let logger: Logger

    func run() {
      var framer = LineFramer(maxLineBytes: maxLineBytes)
      var initialized = false
      var buffer = [UInt8](repeating: 0, count: 64 << 10)
      while true {
        let count = buffer.withUnsafeMutableBytes { DescriptorIO.read(input, into: $0) }
        if count < 0 {
          logger.error("cannot read requests", metadata: ["errno": "\(errno)"])
          break
        }
        if count == 0 { break }
        let events = buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        for event in events { handle(event, initialized: &initialized) }
      }
      for event in framer.finish() { handle(event, initialized: &initialized) }
      continuation.finish()
    }

    private func handle(_ event: LineFramer.Event, initialized: inout Bool) {
      switch event {
      case .tooLong:
        logger.notice("request line over the cap skipped", metadata: ["max_bytes": "\(maxLineBytes)"])
        _ = output.write(MessageCheck.reply(id: nil, code: -32600, "invalid request: a message is longer than \(maxLineBytes) bytes; it was skipped"))
      case .line(let line):
        switch MessageCheck.check(line) {
        case .skip:
          break
        case .reject(let reply):
          logger.notice("malformed message answered with an error", metadata: ["bytes": "\(line.count)"])
          _ = output.write(reply)
        case .forward(let data, let requests):
          if !initialized, let early = requests.first(where: { $0.method != "initialize" && $0.method != "ping" }) {
            _ = output.write(
              MessageCheck.reply(
                id: requests.count == 1 ? early.id : nil, code: -32600,
                "invalid request: `\(early.method)` before `initialize`; initialize the session first"))
            return
          }
          if requests.contains(where: { $0.method == "initialize" }) { initialized = true }
          continuation.yield(data)
        }
      }
    }
  }
}

/// Writes whole lines to a descriptor, one writer at a time.
final class LineWriter: Sendable {
  private let descriptor: Int32
  private let lock = NSLock()

  init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  /// Writes `message` and a newline.
  ///
  /// - Returns: false when the reader has gone away.
  func write(_ message: Data) -> Bool {
    var line = message
    line.append(0x0A)
    return lock.withLock { line.withUnsafeBytes { DescriptorIO.writeAll(descriptor, $0) } }
  }
}

import Foundation
import Logging
import MCP

/// A transport that, when the client closes its end, waits for the answers to the requests
/// already received before reporting the end.
///
/// The SDK's `Server` handles each request in a task of its own and ends its receive loop at
/// end of input; a client that writes its requests and closes stdin at once (`printf ... |
/// ctx serve`) would otherwise lose the answers still being computed when the process exits.
actor DrainingTransport: Transport {
  private let inner: any Transport
  nonisolated let logger: Logger
  /// Ids of requests received and not yet answered.
  private var pending = Set<String>()
  private let drainTimeout: Duration

  init(_ inner: any Transport, logger: Logger, drainTimeout: Duration = .seconds(60)) {
    self.inner = inner
    self.logger = logger
    self.drainTimeout = drainTimeout
  }

  func connect() async throws {
    try await inner.connect()
  }

  func disconnect() async {
    await inner.disconnect()
  }

  func send(_ data: Data) async throws {
    // Answered even when the answer cannot be delivered (the client stopped reading): the
    // drain must not wait for it.
    defer { for id in DrainingTransport.ids(in: data, requests: false) { pending.remove(id) } }
    try await inner.send(data)
  }

  nonisolated func receive() -> AsyncThrowingStream<Data, any Swift.Error> {
    AsyncThrowingStream { continuation in
      let task = Task {
        do {
          for try await data in await self.inner.receive() {
            await self.noteRequests(in: data)
            continuation.yield(data)
          }
          await self.drain()
          continuation.finish()
        } catch {
          continuation.finish(throwing: error)
        }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  private func noteRequests(in data: Data) {
    for id in DrainingTransport.ids(in: data, requests: true) { pending.insert(id) }
  }

  private func drain() async {
    let deadline = ContinuousClock.now + drainTimeout
    while !pending.isEmpty && ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(5))
    }
    if !pending.isEmpty { logger.warning("input closed with requests still unanswered", metadata: ["count": "\(pending.count)"]) }
  }

  /// The ids of the requests (`method` and `id`) or of the responses (`id`, no `method`) in a
  /// message or a batch.
  static func ids(in data: Data, requests: Bool) -> [String] {
    guard let json = try? JSONSerialization.jsonObject(with: data) else { return [] }
    let messages = (json as? [Any]) ?? [json]
    return messages.compactMap { message -> String? in
      guard let object = message as? [String: Any], let id = object["id"], (object["method"] != nil) == requests else { return nil }
      switch id {
      case let text as String: return "s:" + text
      case let number as NSNumber: return "n:" + number.stringValue
      default: return nil
      }
    }
  }
}

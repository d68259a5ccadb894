import Synchronization

/// A cap on requests served at once. Over the cap a request is refused at once (503 with
/// Retry-After) rather than queued: a queue would only turn overload into timeouts.
final class RequestGate: Sendable {
  private let limit: Int
  private let count = Atomic<Int>(0)

  init(limit: Int) { self.limit = limit }

  func enter() -> Bool {
    let now = count.add(1, ordering: .relaxed).newValue
    if now > limit {
      count.subtract(1, ordering: .relaxed)
      return false
    }
    return true
  }

  func leave() { count.subtract(1, ordering: .relaxed) }
}

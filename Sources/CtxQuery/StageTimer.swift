import Foundation

/// With `CTX_DEBUG_TIMING=1`, prints how long each stage of a search or bundle took to stderr
/// (`[timing] code.fulltext 41.2 ms`): where a slow query spends its time, measured in place.
struct StageTimer {
  static let enabled = ProcessInfo.processInfo.environment["CTX_DEBUG_TIMING"] == "1"
  private var last = ContinuousClock.now

  mutating func mark(_ stage: @autoclosure () -> String) {
    guard StageTimer.enabled else { return }
    let now = ContinuousClock.now
    let elapsed = now - last
    last = now
    let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    FileHandle.standardError.write(Data("[timing] \(stage()) \(String(format: "%.1f", milliseconds)) ms\n".utf8))
  }
}

import Foundation

/// Polls `condition` until it holds or `seconds` pass; the time it took, or nil. Every wait in
/// a test goes through a deadline like this one, so a broken condition fails the test instead
/// of hanging the suite.
package func eventually(within seconds: Double, every interval: useconds_t = 50_000, _ condition: () throws -> Bool) rethrows -> Double? {
  let start = Date()
  while Date().timeIntervalSince(start) < seconds {
    if try condition() { return Date().timeIntervalSince(start) }
    usleep(interval)
  }
  return try condition() ? Date().timeIntervalSince(start) : nil
}

import Foundation

/// Splits a byte stream into lines in time linear in its length, and refuses a line longer
/// than a cap as soon as it passes the cap, without keeping the rest of it.
///
/// Each byte read is searched once: a chunk is searched for newlines from where the last
/// search ended, never from the start of the pending line. (The SDK's `StdioTransport`
/// searched and copied the whole pending line again after every 4 KiB read: quadratic in a
/// line's length, 31 s for a 4 MB line, and no cap.) Both `ctx serve` protocols frame with it.
struct LineFramer {
  enum Event: Equatable {
    /// A complete line, without its newline (possibly empty).
    case line([UInt8])
    /// A line passed `maxLineBytes`: what was read of it is dropped, and the rest of it, up to
    /// its newline, is skipped.
    case tooLong
  }

  /// The longest line passed on, in bytes (without the newline).
  let maxLineBytes: Int
  private var pending: [UInt8] = []
  private var skipping = false

  init(maxLineBytes: Int) {
    self.maxLineBytes = maxLineBytes
  }

  /// Feeds the next bytes read.
  ///
  /// - Returns: the events these bytes complete, in order.
  mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Event] {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return [] }
    var events: [Event] = []
    var start = 0
    while start < bytes.count {
      let found = memchr(base + start, 0x0A, bytes.count - start).map { base.distance(to: UnsafeRawPointer($0)) }
      let end = found ?? bytes.count
      if !skipping {
        if pending.count + (end - start) > maxLineBytes {
          pending = []
          skipping = true
          events.append(.tooLong)
        } else {
          pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
      }
      guard found != nil else { break }
      if !skipping { events.append(.line(pending)) }
      pending = []
      skipping = false
      start = end + 1
    }
    return events
  }

  /// Feeds the next bytes read.
  mutating func append(_ bytes: [UInt8]) -> [Event] {
    bytes.withUnsafeBytes { append($0) }
  }

  /// End of input: a last line without a newline is still a line.
  mutating func finish() -> [Event] {
    defer {
      pending = []
      skipping = false
    }
    return skipping || pending.isEmpty ? [] : [.line(pending)]
  }
}

/// Blocking reads and writes on a descriptor that may have been handed over non-blocking.
enum DescriptorIO {
  /// Reads what is there (waiting for something), retrying on EINTR.
  ///
  /// - Returns: the count read, 0 at end of input, or -1 on an error (`errno` says which).
  static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    while true {
      let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
      if count >= 0 { return count }
      if errno == EINTR { continue }
      guard errno == EAGAIN || errno == EWOULDBLOCK else { return -1 }
      // stdin was handed over non-blocking: wait for input rather than spin.
      var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      _ = poll(&request, 1, -1)
    }
  }

  /// Writes all of `bytes`.
  ///
  /// - Returns: false when the descriptor is closed or broken (EPIPE: the reader went away).
  static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var offset = 0
    while offset < bytes.count {
      let written = Foundation.write(descriptor, base + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        guard errno == EAGAIN || errno == EWOULDBLOCK else { return false }
        var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&request, 1, -1)
        continue
      }
      offset += written
    }
    return true
  }
}

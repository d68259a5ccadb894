import Foundation

/// Reads a file descriptor to its end, retrying when a signal interrupts the read.
/// Foundation's `readDataToEndOfFile()` traps (a `try!` inside) on EINTR.
public enum DescriptorReading {
  public static func readAll(_ descriptor: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        result.append(contentsOf: buffer[0..<count])
      } else if count == 0 || errno != EINTR {
        return result
      }
    }
  }
}

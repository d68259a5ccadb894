/// Bytes as lowercase hexadecimal, two digits per byte: object ids, digests, random tokens.
public enum Hex {
  public static func lowercase<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    if let text = bytes.withContiguousStorageIfAvailable({ lowercase(buffer: UnsafeRawBufferPointer($0)) }) { return text }
    return Array(bytes).withUnsafeBytes { lowercase(buffer: $0) }
  }

  /// Written straight into the string's storage: a history walk makes one per commit and
  /// parent, and building an array first (and the digit table per call) cost nearly three
  /// times this (callgrind on moby: 3,000 instructions a call, now about 1,100).
  static func lowercase(buffer: UnsafeRawBufferPointer) -> String {
    String(unsafeUninitializedCapacity: buffer.count * 2) { text in
      var offset = 0
      for byte in buffer {
        text[offset] = digit(byte >> 4)
        text[offset + 1] = digit(byte & 0x0F)
        offset += 2
      }
      return offset
    }
  }

  @inline(__always) private static func digit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 0x30 + nibble : 0x57 + nibble
  }
}

/// The git blob id of some bytes, in pure Swift: SHA-1 of `"blob <count>\0"` followed by the
/// bytes, as lowercase hex. It equals `git hash-object` and `CtxGit.ContentHash.blobID`, so
/// connectors that do not link libgit2 (docs, chat) produce the same content hashes as the
/// code connector.
public enum BlobHash {
  public static func id(of bytes: [UInt8]) -> String {
    var hasher = SHA1()
    hasher.update(Array("blob \(bytes.count)".utf8) + [0])
    hasher.update(bytes)
    return hasher.finalizeHex()
  }
}

/// A minimal SHA-1 (FIPS 180-4), enough for content identity. Not for security.
struct SHA1 {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  init() { pending.reserveCapacity(64) }

  mutating func update(_ bytes: [UInt8]) {
    length &+= UInt64(bytes.count)
    var index = 0
    if !pending.isEmpty {
      let take = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<take])
      index = take
      if pending.count == 64 {
        let block = pending
        pending.removeAll(keepingCapacity: true)
        block.withUnsafeBufferPointer { compress($0.baseAddress!) }
      }
    }
    bytes.withUnsafeBufferPointer { buffer in
      while index + 64 <= buffer.count {
        compress(buffer.baseAddress! + index)
        index += 64
      }
    }
    if index < bytes.count { pending.append(contentsOf: bytes[index...]) }
  }

  mutating func finalizeHex() -> String {
    let bitLength = length &* 8
    var tail: [UInt8] = [0x80]
    let used = (pending.count + 1) % 64
    tail += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
    let savedLength = length
    update(tail)
    length = savedLength
    let words = [state.0, state.1, state.2, state.3, state.4]
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(40)
    for word in words {
      for shift in stride(from: 28, through: 0, by: -4) { hex.append(digits[Int((word >> UInt32(shift)) & 0xF)]) }
    }
    return String(decoding: hex, as: UTF8.self)
  }

  private mutating func compress(_ block: UnsafePointer<UInt8>) {
    var w = [UInt32](repeating: 0, count: 80)
    for t in 0..<16 {
      w[t] = UInt32(block[t * 4]) << 24 | UInt32(block[t * 4 + 1]) << 16 | UInt32(block[t * 4 + 2]) << 8 | UInt32(block[t * 4 + 3])
    }
    for t in 16..<80 {
      let value = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
      w[t] = value << 1 | value >> 31
    }
    var (a, b, c, d, e) = state
    for t in 0..<80 {
      let f: UInt32
      let k: UInt32
      switch t {
      case 0..<20:
        f = (b & c) | (~b & d)
        k = 0x5A82_7999
      case 20..<40:
        f = b ^ c ^ d
        k = 0x6ED9_EBA1
      case 40..<60:
        f = (b & c) | (b & d) | (c & d)
        k = 0x8F1B_BCDC
      default:
        f = b ^ c ^ d
        k = 0xCA62_C1D6
      }
      let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[t]
      e = d
      d = c
      c = b << 30 | b >> 2
      b = a
      a = temp
    }
    state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
  }
}

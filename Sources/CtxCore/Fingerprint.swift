/// FNV-1a, 64 bits: fingerprints of paths and ignore files (`CtxGit`'s listing record), and
/// the hash of identifier parts (`IdentifierParts`). Not a defence against crafted collisions:
/// a collision can only make a listing miss a change of ignore rules, or cost a comparison.
/// Inlinable: both callers run it over every byte they read.
public struct Fingerprint: Sendable {
  public var value: UInt64 = 0xcbf2_9ce4_8422_2325

  @inlinable public init() {}

  @inlinable public mutating func add(_ byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 0x100_0000_01b3
  }

  @inlinable public mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    for byte in bytes { add(byte) }
  }

  @inlinable public mutating func add(_ number: UInt64) {
    withUnsafeBytes(of: number.littleEndian) { add($0) }
  }
}

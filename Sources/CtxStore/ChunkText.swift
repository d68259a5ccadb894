import CLZ4
import Foundation
import GRDB

/// How a chunk's text is stored (`chunk.body`, schema v11): as TEXT when compressing would not
/// make it smaller, otherwise as a BLOB holding the tag byte 1, the text's UTF-8 length as a
/// LEB128 varint, and the bytes in the LZ4 block format (byte-oriented LZ77: a token with
/// literal and match lengths, the literals, a 2-byte offset).
///
/// Why LZ4's format and not zlib: on moby (185,450 chunks of 555 bytes on average, 103 MB)
/// zlib level 1 saved 56 MB but cost 2.3 s of CPU per full index, more than the writes it
/// saved; LZ4's fast mode saves about 40 MB for a fraction of that, and decodes a chunk in
/// about a microsecond (docs/benchmarks.md, "Index size"). The system's liblz4 does both.
///
/// Every reader goes through `decode` (Swift) or the SQL function `ctx_text(body)` (the view
/// `chunk_content`, which FTS5 reads as `chunk_ft`'s external content when it deletes rows or
/// checks integrity); both return the text exactly as it was written.
public enum ChunkText {
  /// The tag of the one compressed form.
  static let lz4Tag: UInt8 = 1
  /// Shorter texts are stored as they are: there is little to find in them.
  static let minimumLength = 48

  /// What to write for `text`: the compressed bytes, or nil to store the text as it is.
  public static func encode(_ text: String) -> [UInt8]? {
    var text = text
    return text.withUTF8 { source -> [UInt8]? in
      guard source.count >= minimumLength else { return nil }
      var out: [UInt8] = []
      out.reserveCapacity(source.count / 2 + 16)
      out.append(lz4Tag)
      var length = source.count
      while length >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: length) | 0x80)
        length >>= 7
      }
      out.append(UInt8(length))
      LZ4Block.compress(source, into: &out)
      return out.count < source.count ? out : nil
    }
  }

  /// The text of a stored body: TEXT as it is, a BLOB decompressed. Nil for a BLOB that is not
  /// a valid compressed text (a damaged index).
  public static func decode(_ value: DatabaseValue) -> String? {
    switch value.storage {
    case .string(let text): return text
    case .blob(let data): return data.withUnsafeBytes { decode(blob: $0.bindMemory(to: UInt8.self)) }
    default: return nil
    }
  }

  /// The text of a compressed body's bytes, or nil when they are not a valid one.
  public static func decode(blob: UnsafeBufferPointer<UInt8>) -> String? {
    guard blob.count >= 2, blob[0] == lz4Tag else { return nil }
    var index = 1
    var length = 0
    var shift = 0
    while true {
      guard index < blob.count, shift <= 28 else { return nil }
      let byte = blob[index]
      index += 1
      length |= Int(byte & 0x7f) << shift
      if byte & 0x80 == 0 { break }
      shift += 7
    }
    guard length <= 1 << 30 else { return nil }
    let body = UnsafeBufferPointer(rebasing: blob[index...])
    var failed = false
    let text = String(unsafeUninitializedCapacity: length) { buffer in
      guard LZ4Block.decompress(body, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<length])) else {
        failed = true
        return 0
      }
      return length
    }
    return failed ? nil : text
  }

  /// `ctx_text(body)`: the text of a stored body, for SQL (the FTS5 content view).
  static let sqlFunction = DatabaseFunction("ctx_text", argumentCount: 1, pure: true) { values in
    decode(values[0])
  }
}

/// The LZ4 block format through the system's liblz4 (LZ4_compress_default, the fast mode, and
/// LZ4_decompress_safe, which checks every read and write).
enum LZ4Block {
  /// Appends the compressed form of `source` to `out`.
  static func compress(_ source: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    let capacity = Int(LZ4_compressBound(Int32(source.count)))
    let start = out.count
    out.append(contentsOf: repeatElement(0, count: capacity))
    let written = out.withUnsafeMutableBufferPointer { buffer in
      source.withMemoryRebound(to: CChar.self) { input in
        UnsafeMutableRawPointer(buffer.baseAddress! + start).withMemoryRebound(to: CChar.self, capacity: capacity) { output in
          LZ4_compress_default(input.baseAddress, output, Int32(source.count), Int32(capacity))
        }
      }
    }
    out.removeLast(capacity - max(0, Int(written)))
  }

  /// Decompresses `source` into exactly `output.count` bytes; false when `source` is not a
  /// valid block of that length.
  static func decompress(_ source: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
    guard let input = source.baseAddress, let target = output.baseAddress else { return output.isEmpty && source.isEmpty }
    let written = UnsafeRawPointer(input).withMemoryRebound(to: CChar.self, capacity: source.count) { compressed in
      UnsafeMutableRawPointer(target).withMemoryRebound(to: CChar.self, capacity: output.count) { decompressed in
        LZ4_decompress_safe(compressed, decompressed, Int32(source.count), Int32(output.count))
      }
    }
    return Int(written) == output.count
  }
}

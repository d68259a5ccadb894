import Foundation
import GRDB

/// How a chunk's text is stored (`chunk.body`, schema v11): as TEXT when compressing would not
/// make it smaller, otherwise as a BLOB holding the tag byte 1, the text's UTF-8 length as a
/// LEB128 varint, and the bytes in the LZ4 block format (byte-oriented LZ77: a token with
/// literal and match lengths, the literals, a 2-byte offset).
///
/// Why LZ4's format and not zlib: on moby (185,450 chunks of 555 bytes on average, 103 MB)
/// zlib level 1 saved 56 MB but cost 2.3 s of CPU per full index, more than the writes it
/// saved; this greedy LZ77 saves about 40 MB for a fraction of that, and decodes a chunk in
/// about a microsecond (docs/benchmarks.md, "Index size"). Pure Swift, no library.
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

/// The LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md), greedy
/// with one hash probe per position, as LZ4's fast mode.
enum LZ4Block {
  static let minMatch = 4
  /// The last match must start at least this far from the end, and the last 5 bytes are
  /// literals (rules of the format, which let decoders copy in words).
  static let matchFromEndLimit = 12
  static let lastLiterals = 5

  /// Appends the compressed form of `source` to `out`.
  static func compress(_ source: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    let count = source.count
    guard count > matchFromEndLimit, let base = source.baseAddress else {
      emitLastLiterals(source, from: 0, into: &out)
      return
    }
    // A table of 2^bits recent positions (+1; 0 is empty), sized to the input.
    var bits = 8
    while bits < 12 && (1 << bits) < count { bits += 1 }
    let shift = UInt32(32 - bits)
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 1 << bits) { table in
      table.initialize(repeating: 0)
      @inline(__always) func load32(_ position: Int) -> UInt32 {
        UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self)
      }
      @inline(__always) func hash(_ value: UInt32) -> Int {
        Int((value &* 2_654_435_761) >> shift)
      }
      let matchLimit = count - lastLiterals
      let inputLimit = count - matchFromEndLimit
      var anchor = 0
      var position = 0
      var misses = 0
      while position <= inputLimit {
        let sequence = load32(position)
        let slot = hash(sequence)
        let candidate = Int(table[slot]) - 1
        table[slot] = UInt32(position + 1)
        guard candidate >= 0, position - candidate <= 65535, load32(candidate) == sequence else {
          // Incompressible stretches are skipped faster, as LZ4 does.
          misses += 1
          position += 1 + (misses >> 6)
          continue
        }
        misses = 0
        var start = position
        var reference = candidate
        while start > anchor && reference > 0 && base[start - 1] == base[reference - 1] {
          start -= 1
          reference -= 1
        }
        var end = position + minMatch
        var referenceEnd = candidate + minMatch
        while end < matchLimit && base[end] == base[referenceEnd] {
          end += 1
          referenceEnd += 1
        }
        emitSequence(source, literalsFrom: anchor, to: start, offset: start - reference, matchLength: end - start, into: &out)
        anchor = end
        position = end
        // As LZ4: the position just before the next one joins the table too.
        if position - 2 <= inputLimit {
          table[hash(load32(position - 2))] = UInt32(position - 2 + 1)
        }
      }
      emitLastLiterals(source, from: anchor, into: &out)
    }
  }

  @inline(__always)
  private static func appendLength(_ length: Int, into out: inout [UInt8]) {
    var rest = length
    while rest >= 255 {
      out.append(255)
      rest -= 255
    }
    out.append(UInt8(rest))
  }

  private static func emitSequence(
    _ source: UnsafeBufferPointer<UInt8>, literalsFrom start: Int, to end: Int, offset: Int, matchLength: Int, into out: inout [UInt8]
  ) {
    let literals = end - start
    let match = matchLength - minMatch
    out.append(UInt8(min(literals, 15) << 4 | min(match, 15)))
    if literals >= 15 { appendLength(literals - 15, into: &out) }
    if literals > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<end])) }
    out.append(UInt8(truncatingIfNeeded: offset))
    out.append(UInt8(truncatingIfNeeded: offset >> 8))
    if match >= 15 { appendLength(match - 15, into: &out) }
  }

  private static func emitLastLiterals(_ source: UnsafeBufferPointer<UInt8>, from start: Int, into out: inout [UInt8]) {
    let literals = source.count - start
    out.append(UInt8(min(literals, 15) << 4))
    if literals >= 15 { appendLength(literals - 15, into: &out) }
    if literals > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[start...])) }
  }

  /// Decompresses `source` into exactly `output.count` bytes; false when `source` is not a
  /// valid block of that length (every read and write is checked).
  static func decompress(_ source: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
    let inputCount = source.count
    let outputCount = output.count
    var input = 0
    var written = 0
    @inline(__always) func readLength(_ initial: Int) -> Int? {
      var length = initial
      guard initial == 15 else { return length }
      while true {
        guard input < inputCount else { return nil }
        let byte = source[input]
        input += 1
        length += Int(byte)
        if byte != 255 { return length }
      }
    }
    while true {
      guard input < inputCount else { return false }
      let token = source[input]
      input += 1
      guard let literals = readLength(Int(token >> 4)) else { return false }
      guard literals <= inputCount - input, literals <= outputCount - written else { return false }
      if literals > 0 {
        UnsafeMutableRawPointer(output.baseAddress! + written).copyMemory(from: source.baseAddress! + input, byteCount: literals)
        input += literals
        written += literals
      }
      if input == inputCount { return written == outputCount }
      guard inputCount - input >= 2 else { return false }
      let offset = Int(source[input]) | Int(source[input + 1]) << 8
      input += 2
      guard let extra = readLength(Int(token & 15)) else { return false }
      let match = extra + minMatch
      guard offset > 0, offset <= written, match <= outputCount - written else { return false }
      let out = output.baseAddress!
      if offset >= match {
        UnsafeMutableRawPointer(out + written).copyMemory(from: out + written - offset, byteCount: match)
      } else {
        for index in 0..<match { out[written + index] = out[written - offset + index] }
      }
      written += match
    }
  }
}

// ASCII byte classes for the scanner. Comparisons rather than tables: the hot loop only reads
// the trigger table, and these run on the few bytes around a trigger.

enum ASCII {
  static let tab: UInt8 = 0x09
  static let newline: UInt8 = 0x0A
  static let carriageReturn: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let quote: UInt8 = 0x22  // "
  static let apostrophe: UInt8 = 0x27  // '
  static let backtick: UInt8 = 0x60
  static let backslash: UInt8 = 0x5C
  static let dash: UInt8 = 0x2D
  static let underscore: UInt8 = 0x5F
  static let dot: UInt8 = 0x2E
  static let slash: UInt8 = 0x2F
  static let colon: UInt8 = 0x3A
  static let equals: UInt8 = 0x3D
  static let at: UInt8 = 0x40
  static let plus: UInt8 = 0x2B
  static let dollar: UInt8 = 0x24
  static let openBracket: UInt8 = 0x5B
  static let closeBracket: UInt8 = 0x5D
  static let openParen: UInt8 = 0x28
  static let openBrace: UInt8 = 0x7B
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
@inline(__always) func isLower(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
@inline(__always) func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
@inline(__always) func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
@inline(__always) func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 0x61 < 6 }
/// base64url alphabet: letters, digits, `-`, `_`.
@inline(__always) func isBase64URL(_ b: UInt8) -> Bool { isAlnum(b) || b == ASCII.dash || b == ASCII.underscore }
/// Standard base64 alphabet without padding: letters, digits, `+`, `/`.
@inline(__always) func isBase64(_ b: UInt8) -> Bool { isAlnum(b) || b == ASCII.plus || b == ASCII.slash }
@inline(__always) func isSpaceOrTab(_ b: UInt8) -> Bool { b == ASCII.space || b == ASCII.tab }
@inline(__always) func isWhitespace(_ b: UInt8) -> Bool { b == ASCII.space || b &- 0x09 < 5 }
@inline(__always) func lowered(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
/// Characters of a name in `name = value`: identifiers, dotted and dashed keys.
@inline(__always) func isNameByte(_ b: UInt8) -> Bool { isAlnum(b) || b == ASCII.underscore || b == ASCII.dash || b == ASCII.dot }

/// A read-only window of UTF-8 bytes with the small comparisons matchers need. Every access is
/// bounds-checked against `count`, so matchers can probe freely near either end.
struct Bytes {
  let base: UnsafePointer<UInt8>
  let count: Int

  @inline(__always) subscript(_ i: Int) -> UInt8 { base[i] }

  /// The byte at `i`, or 0 outside the text (0 never matches any class above).
  @inline(__always) func at(_ i: Int) -> UInt8 { i >= 0 && i < count ? base[i] : 0 }

  /// Whether `literal` (ASCII) occurs at `i`, exactly.
  @inline(__always) func has(_ literal: StaticString, at i: Int) -> Bool {
    let length = literal.utf8CodeUnitCount
    guard i >= 0, i + length <= count else { return false }
    let pointer = literal.utf8Start
    for k in 0..<length where base[i + k] != pointer[k] { return false }
    return true
  }

  /// Whether `literal` (lowercase ASCII) occurs at `i`, ignoring ASCII case.
  @inline(__always) func hasIgnoringCase(_ literal: StaticString, at i: Int) -> Bool {
    let length = literal.utf8CodeUnitCount
    guard i >= 0, i + length <= count else { return false }
    let pointer = literal.utf8Start
    for k in 0..<length where lowered(base[i + k]) != pointer[k] { return false }
    return true
  }

  /// The end of the run starting at `i` of bytes in `predicate`, looking at most `limit` bytes.
  @inline(__always) func run(from i: Int, limit: Int, _ predicate: (UInt8) -> Bool) -> Int {
    var j = i
    let stop = min(count, i + limit)
    while j < stop, predicate(base[j]) { j += 1 }
    return j
  }

  /// The first index of `literal` in `from..<to`, or nil.
  func find(_ literal: StaticString, from: Int, to: Int) -> Int? {
    let length = literal.utf8CodeUnitCount
    let first = literal.utf8Start[0]
    var i = max(0, from)
    let last = min(to, count) - length
    while i <= last {
      if base[i] == first && has(literal, at: i) { return i }
      i += 1
    }
    return nil
  }

  func string(_ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
  }
}

/// A parser for the one-line, flat JSON objects universal-ctags prints.
///
/// ctags prints hundreds of thousands of tags for a large tree; Foundation's JSON decoders
/// allocate a dictionary of boxed values per object and dominated the crawl's CPU time. ctags'
/// objects are flat (string, number and boolean values only), so this reads them straight
/// from the bytes. Anything else (nested values) is skipped.
enum FlatJSON {
  enum Value: Equatable {
    case string(String)
    case number(Int)
    case bool(Bool)
    case null

    var string: String? {
      if case .string(let value) = self { return value }
      return nil
    }

    var int: Int? {
      if case .number(let value) = self { return value }
      return nil
    }
  }

  /// Parses `{"key": value, ...}`; nil when the line is not such an object.
  static func parseObject(_ bytes: ArraySlice<UInt8>) -> [String: Value]? {
    var index = bytes.startIndex
    let end = bytes.endIndex
    func skipSpace() {
      while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D || bytes[index] == 0x0A {
        index += 1
      }
    }
    skipSpace()
    guard index < end, bytes[index] == UInt8(ascii: "{") else { return nil }
    index += 1
    var result: [String: Value] = [:]
    while true {
      skipSpace()
      guard index < end else { return nil }
      if bytes[index] == UInt8(ascii: "}") { return result }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard let key = parseString(bytes, &index) else { return nil }
      skipSpace()
      guard index < end, bytes[index] == UInt8(ascii: ":") else { return nil }
      index += 1
      skipSpace()
      guard index < end else { return nil }
      let first = bytes[index]
      switch first {
      case UInt8(ascii: "\""):
        guard let value = parseString(bytes, &index) else { return nil }
        result[key] = .string(value)
      case UInt8(ascii: "t"):
        index += 4
        result[key] = .bool(true)
      case UInt8(ascii: "f"):
        index += 5
        result[key] = .bool(false)
      case UInt8(ascii: "n"):
        index += 4
        result[key] = .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        var negative = false
        if first == UInt8(ascii: "-") {
          negative = true
          index += 1
        }
        var value = 0
        while index < end, bytes[index] >= 48, bytes[index] <= 57 {
          value = value &* 10 &+ Int(bytes[index] - 48)
          index += 1
        }
        // Fractions and exponents do not occur in ctags output; skip them if they do.
        while index < end, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") || bytes[index] == UInt8(ascii: "+") || (bytes[index] >= 48 && bytes[index] <= 57) {
          index += 1
        }
        result[key] = .number(negative ? -value : value)
      default:
        return nil
      }
    }
  }

  private static func parseString(_ bytes: ArraySlice<UInt8>, _ index: inout Int) -> String? {
    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
    index += 1
    let start = index
    var hasEscape = false
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\\") {
        hasEscape = true
        index += 2
        continue
      }
      if byte == UInt8(ascii: "\"") { break }
      index += 1
    }
    guard index < bytes.endIndex else { return nil }
    let raw = bytes[start..<index]
    index += 1
    if !hasEscape { return String(decoding: raw, as: UTF8.self) }
    return unescape(raw)
  }

  private static func unescape(_ raw: ArraySlice<UInt8>) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(raw.count)
    var index = raw.startIndex
    var pendingHighSurrogate: UInt32? = nil
    while index < raw.endIndex {
      let byte = raw[index]
      guard byte == UInt8(ascii: "\\"), index + 1 < raw.endIndex else {
        output.append(byte)
        index += 1
        continue
      }
      let escaped = raw[index + 1]
      index += 2
      switch escaped {
      case UInt8(ascii: "n"): output.append(0x0A)
      case UInt8(ascii: "t"): output.append(0x09)
      case UInt8(ascii: "r"): output.append(0x0D)
      case UInt8(ascii: "b"): output.append(0x08)
      case UInt8(ascii: "f"): output.append(0x0C)
      case UInt8(ascii: "u"):
        guard index + 4 <= raw.endIndex, let code = UInt32(String(decoding: raw[index..<index + 4], as: UTF8.self), radix: 16) else {
          continue
        }
        index += 4
        var scalarValue = code
        if (0xD800...0xDBFF).contains(code) {
          pendingHighSurrogate = code
          continue
        }
        if (0xDC00...0xDFFF).contains(code), let high = pendingHighSurrogate {
          scalarValue = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
        }
        pendingHighSurrogate = nil
        if let scalar = Unicode.Scalar(scalarValue) {
          output.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
      default: output.append(escaped)
      }
    }
    return String(decoding: output, as: UTF8.self)
  }
}

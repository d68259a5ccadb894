/// A parser for the one-line, flat JSON objects universal-ctags prints.
///
/// ctags prints hundreds of thousands of tags for a large tree (379k for moby). Foundation's
/// JSON decoders allocate a dictionary of boxed values per object and dominated the crawl's
/// CPU time; a dictionary of our own per line still cost 1.2 s of CPU on moby. ctags' objects
/// are flat (string, number and boolean values only), so this hands each field to the caller
/// straight from the bytes, and a string becomes a `String` only when the caller asks for it.
/// Anything else (nested values) makes the line unreadable.
enum FlatJSON {
  /// A field's value, still in the line's bytes.
  enum Value: Equatable {
    /// The bytes between the quotes; `escaped` when they hold a backslash.
    case string(ArraySlice<UInt8>, escaped: Bool)
    case number(Int)
    case bool(Bool)
    case null

    var string: String? {
      guard case .string(let raw, let escaped) = self else { return nil }
      return escaped ? FlatJSON.unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    var int: Int? {
      if case .number(let value) = self { return value }
      return nil
    }

    /// True when this is a string whose unescaped bytes are `bytes`.
    func isString<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
      guard case .string(let raw, let escaped) = self else { return false }
      if escaped, let text = string { return text.utf8.elementsEqual(bytes) }
      return raw.elementsEqual(bytes)
    }
  }

  /// Calls `visit` with each key (its raw bytes: ctags' keys are plain ASCII) and value of
  /// `{"key": value, ...}`; false when the line is not such an object.
  static func forEachField(_ bytes: ArraySlice<UInt8>, _ visit: (ArraySlice<UInt8>, Value) -> Void) -> Bool {
    var index = bytes.startIndex
    let end = bytes.endIndex
    func skipSpace() {
      while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D || bytes[index] == 0x0A {
        index += 1
      }
    }
    skipSpace()
    guard index < end, bytes[index] == UInt8(ascii: "{") else { return false }
    index += 1
    while true {
      skipSpace()
      guard index < end else { return false }
      if bytes[index] == UInt8(ascii: "}") { return true }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard case .string(let key, _)? = scanString(bytes, &index) else { return false }
      skipSpace()
      guard index < end, bytes[index] == UInt8(ascii: ":") else { return false }
      index += 1
      skipSpace()
      guard index < end else { return false }
      let first = bytes[index]
      switch first {
      case UInt8(ascii: "\""):
        guard let value = scanString(bytes, &index) else { return false }
        visit(key, value)
      case UInt8(ascii: "t"):
        index += 4
        visit(key, .bool(true))
      case UInt8(ascii: "f"):
        index += 5
        visit(key, .bool(false))
      case UInt8(ascii: "n"):
        index += 4
        visit(key, .null)
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
        visit(key, .number(negative ? -value : value))
      default:
        return false
      }
    }
  }

  /// The whole object as a dictionary; nil when the line is not a flat object. Only tests read
  /// lines this way: the crawl reads fields with `forEachField` (`CtagsReply`).
  static func parseObject(_ bytes: ArraySlice<UInt8>) -> [String: Value]? {
    var result: [String: Value] = [:]
    let readable = forEachField(bytes) { key, value in result[String(decoding: key, as: UTF8.self)] = value }
    return readable ? result : nil
  }

  private static func scanString(_ bytes: ArraySlice<UInt8>, _ index: inout Int) -> Value? {
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
    return .string(raw, escaped: hasEscape)
  }

  static func unescape(_ raw: ArraySlice<UInt8>) -> String {
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

/// One line of ctags' interactive replies, with the fields ctx reads.
struct CtagsReply {
  enum LineType { case tag, completed, error, other }

  var type = LineType.other
  var name: String?
  /// The file name the tag is for, as ctags printed it (compared with the request's).
  var path: FlatJSON.Value?
  var line: Int?
  var end: Int?
  var kind: String?
  var scope: String?
  var signature: String?
  var warning = false
  var message: String?

  /// The reply on `line`; nil when it is not a flat JSON object.
  init?(_ line: ArraySlice<UInt8>) {
    var reply = CtagsReply()
    let readable = FlatJSON.forEachField(line) { key, value in
      // Keys by length first: a few byte comparisons per field instead of a hashed lookup.
      switch key.count {
      case 3 where key.elementsEqual("end".utf8): reply.end = value.int
      case 4 where key.elementsEqual("name".utf8): reply.name = value.string
      case 4 where key.elementsEqual("path".utf8): if case .string = value { reply.path = value }
      case 4 where key.elementsEqual("line".utf8): reply.line = value.int
      case 4 where key.elementsEqual("kind".utf8): reply.kind = value.string
      case 5 where key.elementsEqual("_type".utf8):
        reply.type =
          value.isString("tag".utf8) ? .tag : value.isString("completed".utf8) ? .completed : value.isString("error".utf8) ? .error : .other
      case 5 where key.elementsEqual("scope".utf8): reply.scope = value.string
      case 7 where key.elementsEqual("warning".utf8): reply.warning = value == .bool(true)
      case 7 where key.elementsEqual("message".utf8): reply.message = value.string
      case 9 where key.elementsEqual("signature".utf8): reply.signature = value.string
      default: break
      }
    }
    guard readable else { return nil }
    self = reply
  }

  private init() {}
}

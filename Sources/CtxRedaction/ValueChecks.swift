import Foundation

/// Tests on a candidate value: how random it looks, and whether it is a placeholder, a
/// template, an id or a path rather than a secret. All run only on candidates (rare), never on
/// the whole text.
enum ValueChecks {
  /// Shannon entropy in bits per byte.
  static func entropy(_ bytes: Bytes, _ range: Range<Int>) -> Double {
    guard range.count > 1 else { return 0 }
    var counts = [Int](repeating: 0, count: 256)
    for i in range { counts[Int(bytes[i])] += 1 }
    let total = Double(range.count)
    var bits = 0.0
    for count in counts where count > 0 {
      let p = Double(count) / total
      bits -= p * log2(p)
    }
    return bits
  }

  /// Structural signs of a documentation value, safe to apply to random payloads of any
  /// length: "example" (AWS's AKIAIOSFODNN7EXAMPLE), a run of four identical bytes (`xxxx`,
  /// `0000`, `****`), or an ascending run of five (`12345`, `abcde`). A random 40-byte base62
  /// value has about a 1 in 5,000 chance of such a run.
  static func isStructuralPlaceholder(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    contains(bytes, range, "example") || hasRun(bytes, range, same: 4, ascending: 5)
  }

  /// Whether `range` holds `same` identical bytes in a row, or `ascending` letters or digits
  /// each one above the last.
  static func hasRun(_ bytes: Bytes, _ range: Range<Int>, same sameLimit: Int, ascending ascendingLimit: Int) -> Bool {
    var same = 1
    var ascending = 1
    var i = range.lowerBound + 1
    while i < range.upperBound {
      let previous = bytes[i - 1]
      let current = bytes[i]
      same = current == previous ? same + 1 : 1
      ascending = isAlnum(current) && current == previous &+ 1 ? ascending + 1 : 1
      if same >= sameLimit || ascending >= ascendingLimit { return true }
      i += 1
    }
    return false
  }

  /// Words people put where a secret should go. Only for short human-chosen values (generic
  /// assignments, URL passwords): in a long random payload a 4-letter word turns up too often.
  static let placeholderWords: [StaticString] = [
    "example", "changeme", "change_me", "change-me", "changeit", "placeholder", "your_", "your-",
    "yourpass", "yoursecret", "yourtoken", "yourkey", "yourapikey", "redacted", "dummy", "sample",
    "fake", "mock", "test", "password", "passwd", "secret", "token", "apikey", "api_key", "foobar",
    "lorem", "qwerty", "letmein", "hunter2", "insert", "replace", "todo", "fixme", "...", "null",
    "undefined", "none", "admin",
  ]

  static func hasPlaceholderWord(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    if isStructuralPlaceholder(bytes, range) { return true }
    for word in placeholderWords where contains(bytes, range, word) { return true }
    // `<your-key>`, `<PASSWORD>`, `<api key>`: a name in angle brackets (or cut at a space,
    // as in an unquoted `pypi-<your token>`).
    for open in range where bytes[open] == UInt8(ascii: "<") {
      var close = open + 1
      while close < range.upperBound && (isAlpha(bytes[close]) || bytes[close] == ASCII.dash || bytes[close] == ASCII.underscore || bytes[close] == ASCII.space) {
        close += 1
      }
      if close - open > 2 && (close == range.upperBound || bytes[close] == UInt8(ascii: ">")) { return true }
    }
    // Leetspeak spellings of "password" (P@ssw0rd, Pa55word).
    var folded: [UInt8] = []
    folded.reserveCapacity(range.count)
    for i in range {
      switch lowered(bytes[i]) {
      case UInt8(ascii: "@"), UInt8(ascii: "4"): folded.append(UInt8(ascii: "a"))
      case UInt8(ascii: "$"), UInt8(ascii: "5"): folded.append(UInt8(ascii: "s"))
      case UInt8(ascii: "0"): folded.append(UInt8(ascii: "o"))
      case UInt8(ascii: "3"): folded.append(UInt8(ascii: "e"))
      case UInt8(ascii: "1"), UInt8(ascii: "!"): folded.append(UInt8(ascii: "i"))
      case let other: folded.append(other)
      }
    }
    return folded.withUnsafeBufferPointer { buffer in
      let view = Bytes(base: buffer.baseAddress!, count: buffer.count)
      return contains(view, 0..<buffer.count, "password") || contains(view, 0..<buffer.count, "secret")
    }
  }

  /// Templates and lookups: `${VAR}`, `$VAR`, `{{var}}`, `%VAR%`, `%s`, `#{x}`, `<value>`,
  /// `os.getenv(...)`, `process.env.X`, `ENV[...]`.
  static func isTemplateOrLookup(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    guard let firstIndex = range.first else { return false }
    let first = bytes[firstIndex]
    if first == ASCII.dollar || first == ASCII.openBrace || first == UInt8(ascii: "<") { return true }
    if first == UInt8(ascii: "%") {
      if bytes[range.upperBound - 1] == UInt8(ascii: "%") { return true }  // %VAR%
      // A printf verb (`"cannot fetch token: %v\n"`).
      let verb = bytes.at(firstIndex + 1)
      if "vsdqxXfgtTpwe".utf8.contains(verb) && (firstIndex + 2 == range.upperBound || !isAlnum(bytes.at(firstIndex + 2))) { return true }
    }
    // String concatenation in code: "`+expected+`", "'+ secret +'".
    for i in range where bytes[i] == ASCII.plus {
      for neighbour in [i - 1, i + 1] where range.contains(neighbour) {
        let b = bytes[neighbour]
        if b == ASCII.quote || b == ASCII.apostrophe || b == ASCII.backtick { return true }
      }
    }
    for marker: StaticString in ["${", "{{", "$(", "#{", "getenv", "environ", "process.env", "env[", "env:"]
    where contains(bytes, range, marker) {
      return true
    }
    // `%s` and `%(name)s` format slots; `%S` in a random value is not one.
    for i in range where bytes[i] == UInt8(ascii: "%") && i + 1 < range.upperBound {
      if bytes[i + 1] == UInt8(ascii: "s") || bytes[i + 1] == ASCII.openParen { return true }
    }
    return false
  }

  /// `8-4-4-4-12` hex with dashes.
  static func isUUID(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    guard range.count == 36 else { return false }
    for (offset, i) in range.enumerated() {
      let b = bytes[i]
      if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
        if b != ASCII.dash { return false }
      } else if !isHex(b) {
        return false
      }
    }
    return true
  }

  static func isAll(_ bytes: Bytes, _ range: Range<Int>, _ predicate: (UInt8) -> Bool) -> Bool {
    for i in range where !predicate(bytes[i]) { return false }
    return true
  }

  /// A file path: `/x`, `./x`, `../x`, `~/x`, `C:\x`, or slash-separated lowercase words ending
  /// in an extension (`secrets/prod/db.json`). Base64 can start with `/` too, so a rooted path
  /// must not hold `+` or `=` or a random-looking part.
  static func isPath(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    guard let first = range.first else { return false }
    let b0 = bytes[first]
    if b0 == ASCII.slash || bytes.has("~/", at: first) || bytes.has("./", at: first) || bytes.has("../", at: first) {
      var segmentStart = first
      for i in first...range.upperBound where i == range.upperBound || bytes[i] == ASCII.slash {
        if isRandomLooking(bytes, segmentStart..<i) { return false }
        segmentStart = i + 1
      }
      return !range.contains { bytes[$0] == ASCII.plus || bytes[$0] == ASCII.equals }
    }
    if range.count > 2 && isAlpha(b0) && bytes[first + 1] == ASCII.colon && (bytes[first + 2] == ASCII.backslash || bytes[first + 2] == ASCII.slash) {
      return true
    }
    var slashes = 0
    var lastDot = -1
    for i in range {
      let b = bytes[i]
      if b == ASCII.slash { slashes += 1; continue }
      if b == ASCII.dot { lastDot = i; continue }
      if !(isLower(b) || isDigit(b) || b == ASCII.dash || b == ASCII.underscore) { return false }
    }
    return slashes > 0 && lastDot > 0 && range.upperBound - lastDot - 1 >= 1 && range.upperBound - lastDot - 1 <= 5
  }

  /// Mixed case changing twice or more, with digits: `d3RmNwI6FFb6`, not `Keychains` or
  /// `python3.11`.
  static func isRandomLooking(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    var upperAfterLower = 0
    var digits = 0
    var previous: UInt8 = 0
    for i in range {
      let b = bytes[i]
      if isDigit(b) { digits += 1 }
      if isUpper(b) && isLower(previous) { upperAfterLower += 1 }
      previous = b
    }
    return upperAfterLower >= 2 && digits > 0
  }

  /// `name@host.tld`.
  static func isEmail(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    var at = -1
    for i in range where bytes[i] == ASCII.at {
      if at >= 0 { return false }
      at = i
    }
    guard at > range.lowerBound else { return false }
    var dot = false
    for i in (at + 1)..<range.upperBound {
      let b = bytes[i]
      if b == ASCII.dot { dot = true } else if !(isAlnum(b) || b == ASCII.dash) { return false }
    }
    return dot
  }

  /// An expression in code rather than a literal: a dotted identifier path (`config.password`,
  /// `settings.SECRET_KEY`, `process.env.TOKEN`).
  static func isDottedIdentifier(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    var segmentStart = true
    var dots = 0
    for i in range {
      let b = bytes[i]
      if b == ASCII.dot {
        if segmentStart { return false }
        dots += 1
        segmentStart = true
      } else if segmentStart {
        guard isAlpha(b) || b == ASCII.underscore else { return false }
        segmentStart = false
      } else if !(isAlnum(b) || b == ASCII.underscore) {
        return false
      }
    }
    return dots > 0 && !segmentStart
  }

  /// A dotted path of names people would write (`oauth2.google.serviceAccount`), as opposed to
  /// a random value that happens to hold a dot.
  static func isDottedWords(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    guard isDottedIdentifier(bytes, range) else { return false }
    var segmentStart = range.lowerBound
    for i in range.lowerBound...range.upperBound where i == range.upperBound || bytes[i] == ASCII.dot {
      if !isWordlikeIdentifier(bytes, segmentStart..<i) { return false }
      segmentStart = i + 1
    }
    return true
  }

  /// An identifier people would write (`userPassword`, `apiKeyV2`, `get_token`): letters and
  /// underscores with digits, if any, only at the end. A random token interleaves digits.
  static func isWordlikeIdentifier(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    guard let first = range.first, isAlpha(bytes[first]) || bytes[first] == ASCII.underscore else { return false }
    var seenDigit = false
    for i in range {
      let b = bytes[i]
      if isDigit(b) {
        seenDigit = true
      } else if isAlpha(b) || b == ASCII.underscore {
        if seenDigit { return false }
      } else {
        return false
      }
    }
    return true
  }

  /// Lowercase words joined by `_`, `-` or `.` with at most two digits
  /// (`s3_disable_express_session_auth`, `my-app-key-v2`): a setting's name, not a secret.
  static func isSnakeWords(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    var separators = 0
    var digits = 0
    for i in range {
      let b = bytes[i]
      if b == ASCII.underscore || b == ASCII.dash || b == ASCII.dot {
        separators += 1
      } else if isDigit(b) {
        digits += 1
      } else if !isLower(b) {
        return false
      }
    }
    return separators >= 2 && digits <= 2
  }

  /// How many of lower, upper, digit and other byte classes occur.
  static func classCount(_ bytes: Bytes, _ range: Range<Int>) -> (classes: Int, digits: Int, symbols: Int) {
    var lower = false, upper = false, digits = 0, symbols = 0
    for i in range {
      let b = bytes[i]
      if isLower(b) { lower = true } else if isUpper(b) { upper = true } else if isDigit(b) { digits += 1 } else { symbols += 1 }
    }
    let classes = (lower ? 1 : 0) + (upper ? 1 : 0) + (digits > 0 ? 1 : 0) + (symbols > 0 ? 1 : 0)
    return (classes, digits, symbols)
  }

  /// Whether `literal` (lowercase ASCII) occurs in `range`, ignoring ASCII case.
  static func contains(_ bytes: Bytes, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    let length = literal.utf8CodeUnitCount
    guard range.count >= length else { return false }
    let first = literal.utf8Start[0]
    var i = range.lowerBound
    while i + length <= range.upperBound {
      if lowered(bytes[i]) == first && bytes.hasIgnoringCase(literal, at: i) { return true }
      i += 1
    }
    return false
  }
}

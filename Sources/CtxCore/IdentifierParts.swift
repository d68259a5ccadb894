/// Splits identifiers into their words, so `validateSession`, `ValidateSession`,
/// `validate_session` and `VALIDATE_SESSION` are all found by "validate session".
///
/// SQLite's unicode61 tokenizer already splits at `_`, but keeps `validateSession` as the single
/// token `validatesession`. The index therefore stores, beside the text, the lower-cased parts of
/// every camel-case identifier it contains (see `IdentifierParts.expansion(of:)`), and queries
/// match either the whole identifier or all of its parts.
public enum IdentifierParts {
  /// The words of one identifier, lower-cased. `parseHTTPHeader2` gives
  /// `["parse", "http", "header", "2"]`; `snake_case` gives `["snake", "case"]`.
  ///
  /// Letters and digits outside ASCII belong to words (`café`, `перезапуск`, `再起動`), as
  /// they do for unicode61: dropping them made every non-English word unsearchable. Case
  /// changes split only between ASCII letters.
  public static func split(_ identifier: Substring) -> [String] {
    if !identifier.utf8.allSatisfy({ $0 < 0x80 }) { return splitUnicode(identifier) }
    var parts: [String] = []
    var current: [UInt8] = []
    let bytes = Array(identifier.utf8)
    func flush() {
      if !current.isEmpty {
        parts.append(String(decoding: current, as: UTF8.self).lowercased())
        current.removeAll(keepingCapacity: true)
      }
    }
    for (index, byte) in bytes.enumerated() {
      let isUpper = byte >= 65 && byte <= 90
      let isLower = byte >= 97 && byte <= 122
      let isDigit = byte >= 48 && byte <= 57
      if !(isUpper || isLower || isDigit) {
        flush()
        continue
      }
      if let last = current.last {
        let lastUpper = last >= 65 && last <= 90
        let lastLower = last >= 97 && last <= 122
        let lastDigit = last >= 48 && last <= 57
        if isUpper && (lastLower || lastDigit) {
          flush()  // fooBar, v2Beta
        } else if isUpper && lastUpper, index + 1 < bytes.count {
          let next = bytes[index + 1]
          if next >= 97 && next <= 122 { flush() }  // HTTPHeader: split before "Header"
        } else if isDigit && !lastDigit {
          flush()  // header2
        } else if !isDigit && lastDigit {
          flush()
        }
      }
      current.append(byte)
    }
    flush()
    return parts
  }

  /// `split` for text with non-ASCII characters: each run of ASCII letters and digits is
  /// split as before, and a non-ASCII letter or digit joins the word it touches.
  private static func splitUnicode(_ identifier: Substring) -> [String] {
    var parts: [String] = []
    var ascii = ""  // a run of ASCII letters and digits, split when the run ends
    var word = ""  // the word being built across non-ASCII letters
    func endWord() {
      if !word.isEmpty { parts.append(word.lowercased()) }
      word = ""
    }
    // The run ends; `continuing` when a non-ASCII letter follows, so its last piece goes on.
    func endRun(continuing: Bool) {
      var pieces = split(Substring(ascii))
      ascii = ""
      if !pieces.isEmpty {
        word += pieces.removeFirst()  // it touches the word before it
        if let last = pieces.popLast() {
          endWord()
          parts += pieces
          word = last
        }
      }
      if !continuing { endWord() }
    }
    for scalar in identifier.unicodeScalars {
      if scalar.isASCII {
        let byte = UInt8(scalar.value)
        if (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) {
          ascii.unicodeScalars.append(scalar)
        } else {
          endRun(continuing: false)
        }
      } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
        endRun(continuing: true)
        word.unicodeScalars.append(scalar)
      } else {
        endRun(continuing: false)
      }
    }
    endRun(continuing: false)
    return parts
  }

  /// True when `identifier` has a case change inside it, so unicode61 would keep it whole
  /// although it is made of several words.
  public static func isCamelCase(_ identifier: Substring) -> Bool {
    var sawLower = false
    var sawUpperAfterLower = false
    var previousUpper = false
    for byte in identifier.utf8 {
      let isUpper = byte >= 65 && byte <= 90
      let isLower = byte >= 97 && byte <= 122
      if isLower {
        if previousUpper && sawLower { sawUpperAfterLower = true }
        sawLower = true
      }
      if isUpper && sawLower { sawUpperAfterLower = true }
      previousUpper = isUpper
    }
    if sawUpperAfterLower { return true }
    // "HTTPServer": upper run followed by a capitalised word.
    let split = split(identifier)
    return split.count > 1 && !identifier.contains("_")
  }

  /// The words of every camel-case identifier in `text`, each distinct word once, space
  /// separated, in first-seen order. Words unicode61 already sees (snake_case parts) are not
  /// repeated. This is what the index stores in the `parts` column.
  ///
  /// Runs over every byte the index stores, so it works on UTF-8 bytes in place: a part is
  /// lower-cased and hashed straight from the text and copied only when it is new, and an
  /// identifier met before is skipped whole (its parts are already out). Code repeats its
  /// identifiers: on moby most camel-case occurrences in a chunk are repeats.
  public static func expansion(of text: String, limit: Int = 4096) -> String {
    var text = text
    return text.withUTF8 { bytes -> String in
      byteClasses.withUnsafeBufferPointer { classOf -> String in
        var written = WrittenWords()
        var expanded = WrittenWords()
        var output: [UInt8] = []
        var index = 0
        let count = bytes.count

        /// Appends the lower-cased bytes `bytes[from..<to]` unless they are already out.
        func emitPart(_ from: Int, _ to: Int) {
          guard to - from > 1 && output.count < limit else { return }
          var hash = Fingerprint()
          for position in from..<to { hash.add(lowercased(bytes[position])) }
          let isNew = !written.contains(hash: hash.value, count: to - from) { place in
            var position = from
            for byte in output[place] {
              if byte != lowercased(bytes[position]) { return false }
              position += 1
            }
            return true
          }
          guard isNew else { return }
          if !output.isEmpty { output.append(0x20) }
          written.remember(start: output.count, count: to - from, hash: hash.value)
          for position in from..<to { output.append(lowercased(bytes[position])) }
        }

        while index < count {
          guard classOf[Int(bytes[index])] & 3 != 0 || bytes[index] == 0x5F else {
            index += 1
            continue
          }
          let start = index
          // The classes in the identifier (1 upper, 2 lower), one table lookup per byte; an
          // upper-case first byte does not count (`Session` is one word).
          var classes: UInt8 = classOf[Int(bytes[index])] & 2
          index += 1
          while index < count {
            let kind = classOf[Int(bytes[index])]
            if kind == 0 { break }
            classes |= kind
            index += 1
          }
          guard classes & 3 == 3 else { continue }
          let end = index
          var hash = Fingerprint()
          for position in start..<end { hash.add(bytes[position]) }
          // Met before in this text: every part of it is already out.
          let seen = expanded.contains(hash: hash.value, count: end - start) { place in
            bytes[place].elementsEqual(bytes[start..<end])
          }
          if seen { continue }
          expanded.remember(start: start, count: end - start, hash: hash.value)
          // Split this identifier into lower-cased words (the rules of `split`).
          var partStart = start
          var previous: UInt8 = 0
          for position in start..<end {
            let current = bytes[position]
            if current == 0x5F {
              emitPart(partStart, position)
              partStart = position + 1
              previous = current
              continue
            }
            if position > partStart {
              let boundary =
                (isUpper(current) && (isLower(previous) || isDigit(previous)))
                || (isUpper(current) && isUpper(previous) && position + 1 < end && isLower(bytes[position + 1]))
                || (isDigit(current) != isDigit(previous))
              if boundary {
                emitPart(partStart, position)
                partStart = position
              }
            }
            previous = current
          }
          emitPart(partStart, end)
          if output.count >= limit { break }
        }
        return String(decoding: output, as: UTF8.self)
      }
    }
  }

  /// Byte ranges already met, found by hash: an open-addressing table of their places (in the
  /// output, for words; in the text, for whole identifiers). Swift's `Set` of byte slices (a
  /// seeded SipHash and a copy per insert) cost more than the splitting itself on a full index.
  struct WrittenWords {
    private var slots = [Int32](repeating: -1, count: 64)
    private var words: [(start: Int, count: Int, hash: UInt64)] = []

    /// Whether a range with this hash and length is known and `equals` its place.
    func contains(hash: UInt64, count: Int, equals: (Range<Int>) -> Bool) -> Bool {
      let mask = slots.count - 1
      var slot = Int(truncatingIfNeeded: hash) & mask
      while slots[slot] >= 0 {
        let known = words[Int(slots[slot])]
        if known.hash == hash && known.count == count && equals(known.start..<known.start + known.count) {
          return true
        }
        slot = (slot + 1) & mask
      }
      return false
    }

    mutating func remember(start: Int, count: Int, hash: UInt64) {
      words.append((start, count, hash))
      if words.count * 2 > slots.count {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        for index in words.indices { place(Int32(index)) }
      } else {
        place(Int32(words.count - 1))
      }
    }

    private mutating func place(_ index: Int32) {
      let mask = slots.count - 1
      var slot = Int(truncatingIfNeeded: words[Int(index)].hash) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = index
    }
  }

  /// `byteClass` of every byte value, for the scan's one lookup per byte.
  static let byteClasses: [UInt8] = (0...255).map { byteClass(UInt8($0)) }

  /// 1 upper, 2 lower, 4 digit or underscore, 0 anything else.
  @inline(__always) static func byteClass(_ byte: UInt8) -> UInt8 {
    if byte &- 65 < 26 { return 1 }
    if byte &- 97 < 26 { return 2 }
    if byte &- 48 < 10 || byte == 0x5F { return 4 }
    return 0
  }

  @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 32 : byte }
  @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte >= 65 && byte <= 90 }
  @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte >= 97 && byte <= 122 }
  @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

  /// Identifier-shaped runs (`[A-Za-z_][A-Za-z0-9_]*`) in `text`.
  public static func identifiers(in text: String) -> [Substring] {
    var result: [Substring] = []
    let utf8 = text.utf8
    var start: String.Index? = nil
    var index = utf8.startIndex
    while index != utf8.endIndex {
      let byte = utf8[index]
      let isAlpha = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95
      let isDigit = byte >= 48 && byte <= 57
      if start == nil {
        if isAlpha { start = index }
      } else if !(isAlpha || isDigit) {
        if let begin = start { result.append(text[begin..<index]) }
        start = nil
      }
      index = utf8.index(after: index)
    }
    if let begin = start { result.append(text[begin..<text.endIndex]) }
    return result
  }
}

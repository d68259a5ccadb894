import Foundation

/// The generic rule and the assignment-shaped rules (AWS secret keys, Azure account keys):
/// `name = "value"`, `name: value`, `"name": "value"`, `NAME=value`, `name := "value"`,
/// `'name' => 'value'`, `--name value`.
extension Scanner {
  enum Operator {
    case equals, colon, colonEquals, arrow, flag
  }

  struct Value {
    var range: Range<Int>
    var quoted: Bool
    /// The value is directly followed by `(`, `[` or `{`: a call, subscript or composite
    /// literal, so code.
    var followedByCode: Bool
  }

  mutating func colon(_ i: Int) -> Int {
    let next = bytes.at(i + 1)
    if next == ASCII.slash && bytes.at(i + 2) == ASCII.slash { return url(i) }
    if next == ASCII.colon || bytes.at(i - 1) == ASCII.colon { return i + 1 }  // C++ `::`, IPv6
    if next == ASCII.equals {
      assignment(nameEnd: i, valueStart: i + 2, op: .colonEquals)
      return i + 2
    }
    assignment(nameEnd: i, valueStart: i + 1, op: .colon)
    return i + 1
  }

  mutating func equals(_ i: Int) -> Int {
    let next = bytes.at(i + 1)
    if next == ASCII.equals || next == UInt8(ascii: "~") { return i + 2 }  // `==`, `=~`
    // `!=`, `<=`, `+=`, `:=` (handled at the colon) ...
    if isOperatorByte(bytes.at(i - 1)) { return i + 1 }
    if next == UInt8(ascii: ">") {
      assignment(nameEnd: i, valueStart: i + 2, op: .arrow)
      return i + 2
    }
    assignment(nameEnd: i, valueStart: i + 1, op: .equals)
    return i + 1
  }

  /// `--password value` (the `--password=value` form is found at the `=`).
  mutating func flag(_ i: Int) {
    let nameStart = i + 2
    let nameEnd = bytes.run(from: nameStart, limit: 65, { isAlnum($0) || $0 == ASCII.dash || $0 == ASCII.underscore })
    guard nameEnd - nameStart <= 64, bytes.at(nameEnd) == ASCII.space else { return }
    let kind = NameMatcher.classify(bytes, nameStart..<nameEnd)
    guard kind != .none, let value = value(from: nameEnd) else { return }
    consider(value, kind: kind, op: .flag, spaced: true)
  }

  /// The name just before an operator at `nameEnd`: `name`, `"name"`, `'name'`,
  /// `config["name"]`, `--name`.
  func name(before operatorIndex: Int) -> (range: Range<Int>, spaced: Bool)? {
    var k = operatorIndex - 1
    while k >= 0 && operatorIndex - k <= 8 && isSpaceOrTab(bytes[k]) { k -= 1 }
    let spaced = k < operatorIndex - 1
    if bytes.at(k) == ASCII.closeBracket { k -= 1 }
    if bytes.at(k) == ASCII.quote || bytes.at(k) == ASCII.apostrophe { k -= 1 }
    let end = k + 1
    // Names that classify as anything end (separators aside) in one of a few letters; most
    // `x = …` and `key: …` in code are rejected here, before the name is walked.
    var last = k
    while last >= 0 && end - last <= 65 && NameMatcher.isSeparator(bytes[last]) { last -= 1 }
    guard last >= 0, NameMatcher.isPossibleLastLetter(bytes[last]) else { return nil }
    while k >= 0 && end - k <= 65 && isNameByte(bytes[k]) { k -= 1 }
    let start = k + 1
    guard end > start, end - start <= 64 else { return nil }
    // A marker's rule id (`[REDACTED:generic-secret] = …`) is not a name; without this,
    // redacting twice would differ.
    if bytes.has("[REDACTED:", at: start - 10) { return nil }
    return (start..<end, spaced)
  }

  mutating func assignment(nameEnd operatorIndex: Int, valueStart: Int, op: Operator) {
    guard let (nameRange, spaced) = name(before: operatorIndex) else { return }
    let kind = NameMatcher.classify(bytes, nameRange)
    guard kind != .none, let value = value(from: valueStart) else { return }
    // `name:value` with nothing quoted and no space is not a YAML or JSON pair but text such
    // as `user:pass@host` or `name:password:UID:GID`.
    if op == .colon && !value.quoted && !isSpaceOrTab(bytes.at(valueStart)) && !isQuote(bytes.at(nameRange.upperBound)) { return }
    consider(value, kind: kind, op: op, spaced: spaced || isSpaceOrTab(bytes.at(valueStart)))
  }

  /// Routes a value by what its name says: AWS and Azure key formats first, then the generic
  /// rule.
  mutating func consider(_ value: Value, kind: NameKind, op: Operator, spaced: Bool) {
    var value = value
    switch kind {
    case .awsSecret:
      // Exactly 40 characters of base64 (with `/` and `+`).
      let r = value.range
      if r.count == 40 && ValueChecks.isAll(bytes, r, isBase64) {
        if isRandom(r, minimumEntropy: 4.0) { add(r, .awsSecretKey) }
        return
      }
    case .azureAccountKey:
      let r = value.range
      if (86...88).contains(r.count) && ValueChecks.isAll(bytes, r, { isBase64($0) || $0 == ASCII.equals }) {
        if isRandom(r, minimumEntropy: 4.5) { add(r, .azureStorageKey) }
        return
      }
    case .authorization:
      guard let credentials = afterScheme(value) else { break }
      value = credentials
    default:
      break
    }
    accept(value, kind: kind, op: op, spaced: spaced)
  }

  /// `Bearer x`, `Basic x`, `Token x`: the credentials after the scheme word.
  func afterScheme(_ value: Value) -> Value? {
    for scheme: StaticString in ["bearer", "basic", "token"] where bytes.hasIgnoringCase(scheme, at: value.range.lowerBound) {
      let afterWord = value.range.lowerBound + scheme.utf8CodeUnitCount
      if value.quoted {
        guard afterWord < value.range.upperBound, bytes[afterWord] == ASCII.space else { return nil }
        var start = afterWord
        while start < value.range.upperBound && bytes[start] == ASCII.space { start += 1 }
        return Value(range: start..<value.range.upperBound, quoted: true, followedByCode: false)
      }
      guard afterWord == value.range.upperBound, bytes.at(afterWord) == ASCII.space else { return nil }
      return self.value(from: afterWord)
    }
    return nil
  }

  /// The literal after an operator: a quoted string on one line, or an unquoted run up to
  /// whitespace or punctuation that ends values in config files and command lines.
  func value(from start: Int) -> Value? {
    var k = start
    while k < bytes.count && k - start < 16 && isSpaceOrTab(bytes[k]) { k += 1 }
    guard k < bytes.count else { return nil }
    var first = bytes[k]
    // String prefixes: r"…", b"…", u"…", @"…"; f"…" is a template only when it has braces,
    // which the template check sees.
    if "rbufRBUF@".utf8.contains(first), isQuote(bytes.at(k + 1)) {
      k += 1
      first = bytes[k]
    }
    if isQuote(first) {
      var j = k + 1
      while j < bytes.count && j - k <= 1024 {
        let b = bytes[j]
        if b == ASCII.backslash {
          j += 2
          continue
        }
        if b == first { return Value(range: k + 1..<j, quoted: true, followedByCode: false) }
        if b == ASCII.newline { return nil }
        j += 1
      }
      return nil
    }
    var j = k
    while j < bytes.count && j - k < 512 {
      let b = bytes[j]
      if isValueStop(b) { break }
      if b == ASCII.equals {
        // `=` only as trailing base64 padding; `a=b=c` is another assignment.
        var r = j
        while r < bytes.count && bytes[r] == ASCII.equals { r += 1 }
        if r < bytes.count && !isValueStop(bytes[r]) { break }
        j = r
        break
      }
      j += 1
    }
    guard j > k else { return nil }
    let after = bytes.at(j)
    return Value(range: k..<j, quoted: false, followedByCode: after == ASCII.openParen || after == ASCII.openBracket || after == ASCII.openBrace)
  }

  @inline(__always) func isQuote(_ b: UInt8) -> Bool {
    b == ASCII.quote || b == ASCII.apostrophe || b == ASCII.backtick
  }

  @inline(__always) func isValueStop(_ b: UInt8) -> Bool {
    isWhitespace(b) || isQuote(b) || b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == UInt8(ascii: ")")
      || b == ASCII.closeBracket || b == UInt8(ascii: "}") || b == ASCII.openParen || b == ASCII.openBracket
      || b == ASCII.openBrace || b == UInt8(ascii: "&")
  }

  /// The generic rule's verdict on a literal assigned to a secret name.
  mutating func accept(_ value: Value, kind: NameKind, op: Operator, spaced: Bool) {
    let r = value.range
    guard r.count >= 8, r.count <= 1024 else { return }
    for k in r where isWhitespace(bytes[k]) { return }
    guard !bytes.has("[REDACTED", at: r.lowerBound) else { return }
    guard !ValueChecks.isTemplateOrLookup(bytes, r), !ValueChecks.isUUID(bytes, r), !ValueChecks.isPath(bytes, r) else { return }
    guard !ValueChecks.isEmail(bytes, r), !ValueChecks.contains(bytes, r, "://") else { return }
    guard !ValueChecks.hasPlaceholderWord(bytes, r) else { return }
    let entropy = ValueChecks.entropy(bytes, r)
    // A string naming a setting (`"oauth2.google.serviceAccount"`).
    if ValueChecks.isDottedWords(bytes, r) { return }
    if !value.quoted {
      // Code, not a literal: `request.form["password"]`, `get_token()`, `config.secret`,
      // `Config{...}`.
      if value.followedByCode || ValueChecks.isDottedIdentifier(bytes, r) { return }
      // A YAML tag (`!!binary`, `!vault`, CloudFormation's `!GetAtt`); the value follows it.
      if bytes[r.lowerBound] == UInt8(ascii: "!") && isAlpha(bytes.at(r.lowerBound + 1)) || bytes.has("!!", at: r.lowerBound) { return }
      if ValueChecks.isWordlikeIdentifier(bytes, r) && !(r.count >= 24 && entropy >= 4.0) { return }
      // `password = pw2` in code: an unquoted identifier after a spaced `=`.
      if op == .equals && spaced && ValueChecks.isAll(bytes, r, { isAlnum($0) || $0 == ASCII.underscore }) && !ValueChecks.isAll(bytes, r, isHex) {
        let (_, digits, _) = ValueChecks.classCount(bytes, r)
        if digits == 0 { return }
      }
    }
    let (classes, digits, symbols) = ValueChecks.classCount(bytes, r)
    // Numbers, dates, versions, IP addresses.
    if digits + symbols == r.count { return }
    // Words and identifiers: letters with `-`, `_`, `.`, `:`, `=` only. Long random letters
    // pass, and so do shorter ones whose case is mixed the way random text is (about half
    // uppercase), unlike camelCase words.
    if digits == 0 && ValueChecks.isAll(bytes, r, { isAlpha($0) || "-_.:=".utf8.contains($0) }) {
      let upper = Double(r.filter { isUpper(bytes[$0]) }.count) / Double(r.count)
      let randomCase = r.count >= 12 && upper >= 0.3 && upper <= 0.7 && entropy >= 3.2
      guard (r.count >= 24 && entropy >= 4.0) || randomCase else { return }
    }
    if ValueChecks.isSnakeWords(bytes, r) { return }
    guard classes >= 2 || (r.count >= 16 && entropy >= 3.5) else { return }
    let hex = ValueChecks.isAll(bytes, r, isHex)
    // Short hex is an id or an abbreviated hash (docker image ids are 12).
    if hex && r.count < 16 { return }
    guard entropy >= Scanner.minimumEntropy(length: r.count, hex: hex) else { return }
    add(r, .genericSecret)
  }

  /// The entropy a value of this length needs. Short values cannot reach high entropy (8
  /// distinct bytes is 3 bits), so the bar rises with length up to a cap; hex tops out at 4
  /// bits, so it has a lower bar. Set so that about 9 in 10 random 8-character passwords and
  /// nearly all random values of 20 or more pass.
  static func minimumEntropy(length: Int, hex: Bool) -> Double {
    let bits = log2(Double(length))
    return hex ? min(3.0, 0.7 * bits) : min(3.5, 0.8 * bits)
  }
}

/// The bytes that make `=` part of another operator (`!=`, `<=`, `+=`, `:=`, ...).
@inline(__always) func isOperatorByte(_ b: UInt8) -> Bool {
  switch b {
  case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"), UInt8(ascii: "+"),
    UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "|"),
    UInt8(ascii: "^"), UInt8(ascii: "~"), UInt8(ascii: "?"):
    true
  default: false
  }
}

/// What the name in `name = value` says about the value.
enum NameKind: Equatable {
  case none
  /// password, secret, token, api key ...: the generic rule applies.
  case secret
  /// An AWS secret key name (`aws_secret_access_key`, `SecretAccessKey`).
  case awsSecret
  /// `AccountKey` in an Azure storage connection string.
  case azureAccountKey
  /// `Authorization`/`auth`: the value may start with a scheme (`Bearer x`).
  case authorization
}

/// Classifies names by their ending, ignoring case and the separators `_`, `-` and `.`, so
/// `db_password`, `dbPassword`, `DB-PASSWORD` and `config.db.password` all end in "password".
/// Only the ending counts: `password_file`, `token_url` and `secret_name` name something else.
enum NameMatcher {
  static func classify(_ bytes: Bytes, _ range: Range<Int>) -> NameKind {
    var last = range.upperBound - 1
    while last >= range.lowerBound && !isAlnum(bytes[last]) { last -= 1 }
    guard last >= range.lowerBound else { return .none }
    let name = range.lowerBound..<(last + 1)
    switch lowered(bytes[last]) {
    case UInt8(ascii: "d"):
      if ends(bytes, name, "password") || ends(bytes, name, "passwd") { return .secret }
      if let start = endIndex(bytes, name, "pwd"), isSegmentStart(bytes, name, start) { return .secret }
    case UInt8(ascii: "e"):
      if ends(bytes, name, "passphrase") || ends(bytes, name, "secretkeybase") { return .secret }
    case UInt8(ascii: "t"):
      if ends(bytes, name, "secret") { return isAWS(bytes, name) ? .awsSecret : .secret }
    case UInt8(ascii: "n"):
      if ends(bytes, name, "authorization") { return .authorization }
      if ends(bytes, name, "token") { return .secret }
    case UInt8(ascii: "h"):
      if let start = endIndex(bytes, name, "auth"), isSegmentStart(bytes, name, start) { return .authorization }
    case UInt8(ascii: "y"):
      // Only the connection-string key itself; `serviceAccountKey` names something else.
      if name.count == 10 && bytes.hasIgnoringCase("accountkey", at: name.lowerBound) { return .azureAccountKey }
      if ends(bytes, name, "apikey") { return .secret }
      for key: StaticString in ["accesskey", "privatekey", "secretkey", "signingkey", "encryptionkey", "masterkey", "authkey"]
      where ends(bytes, name, key) {
        return isAWS(bytes, name) ? .awsSecret : .secret
      }
    case UInt8(ascii: "s"):
      if ends(bytes, name, "credentials") { return .secret }
      if let start = endIndex(bytes, name, "pass"), isSegmentStart(bytes, name, start) { return .secret }
    case UInt8(ascii: "l"):
      if ends(bytes, name, "credential") { return .secret }
    default:
      break
    }
    return .none
  }

  /// Where `keyword` (lowercase, no separators) matches the end of the name, skipping
  /// separators, or nil.
  static func endIndex(_ bytes: Bytes, _ name: Range<Int>, _ keyword: StaticString) -> Int? {
    let pointer = keyword.utf8Start
    var w = keyword.utf8CodeUnitCount - 1
    var k = name.upperBound - 1
    while w >= 0 {
      while k >= name.lowerBound && isSeparator(bytes[k]) { k -= 1 }
      guard k >= name.lowerBound, lowered(bytes[k]) == pointer[w] else { return nil }
      k -= 1
      w -= 1
    }
    return k + 1
  }

  static func ends(_ bytes: Bytes, _ name: Range<Int>, _ keyword: StaticString) -> Bool {
    endIndex(bytes, name, keyword) != nil
  }

  /// A short keyword must be a whole word: `DB_PASS` and `dbPass`, not `bypass` or `BYPASS`.
  static func isSegmentStart(_ bytes: Bytes, _ name: Range<Int>, _ start: Int) -> Bool {
    guard start > name.lowerBound else { return true }
    let previous = bytes[start - 1]
    if isSeparator(previous) || !isAlnum(previous) { return true }
    return isUpper(bytes[start]) && isLower(previous)
  }

  static func isAWS(_ bytes: Bytes, _ name: Range<Int>) -> Bool {
    ValueChecks.contains(bytes, name, "aws") || ends(bytes, name, "secretaccesskey")
  }

  /// The last letters (either case) of every name `classify` recognises: `password`,
  /// `passphrase`, `secret`, `token`, `auth`, `apikey`, `pass`, `credential` ... Keep in step
  /// with `classify`'s switch.
  @inline(__always) static func isPossibleLastLetter(_ b: UInt8) -> Bool {
    switch b | 0x20 {
    case UInt8(ascii: "d"), UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "h"), UInt8(ascii: "y"),
      UInt8(ascii: "s"), UInt8(ascii: "l"):
      isAlpha(b)
    default: false
    }
  }

  @inline(__always) static func isSeparator(_ b: UInt8) -> Bool {
    b == ASCII.underscore || b == ASCII.dash || b == ASCII.dot
  }
}

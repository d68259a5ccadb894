import Foundation

/// A span the scanner wants redacted.
struct Candidate {
  var start: Int
  var end: Int
  /// Index into `Redactor.rules`.
  var rule: Int
  var priority: UInt8
}

/// What a byte in the trigger table asks the scanner to check. Bit 7 marks the first byte of a
/// custom rule's literal prefix; it combines with a built-in trigger.
enum Trigger {
  static let letterA: UInt8 = 1  // AKIA/ASIA/ABIA/ACCA, AIza
  static let underscore: UInt8 = 2  // ghp_, github_pat_, sk_live_, npm_, whsec_
  static let dash: UInt8 = 3  // -----BEGIN, --password, glpat-, xoxb-, xapp-, sk-ant-, sk-proj-, pypi-
  static let colon: UInt8 = 4  // ://, name: value, name := value
  static let equals: UInt8 = 5  // name = value, name => value
  static let letterJ: UInt8 = 6  // eyJ (JWT)
  static let letterG: UInt8 = 7  // SG. (SendGrid)
  static let dot: UInt8 = 8  // Discord bot tokens, Terraform Cloud tokens
  static let tilde: UInt8 = 9  // Azure AD client secrets
  /// The anchor byte of a table-described token format (`TokenFormats`): `_ - . ~ A K p`.
  static let format: UInt8 = 0x40
  static let custom: UInt8 = 0x80

  /// The table for the built-in rules: everything else is 0 and costs one load per byte.
  static func table(customFirstBytes: [UInt8]) -> [UInt8] {
    var table = [UInt8](repeating: 0, count: 256)
    table[Int(UInt8(ascii: "A"))] = letterA
    table[Int(ASCII.underscore)] = underscore
    table[Int(ASCII.dash)] = dash
    table[Int(ASCII.colon)] = colon
    table[Int(ASCII.equals)] = equals
    table[Int(UInt8(ascii: "J"))] = letterJ
    table[Int(UInt8(ascii: "G"))] = letterG
    table[Int(ASCII.dot)] = dot
    table[Int(UInt8(ascii: "~"))] = tilde
    for byte in TokenFormats.anchorBytes { table[Int(byte)] |= format }
    for byte in customFirstBytes { table[Int(byte)] |= custom }
    return table
  }
}

/// A custom rule whose matches all start with a literal: tried only where the literal occurs.
struct PrefixedRule: Sendable {
  var rule: Int
  var prefix: [UInt8]
  var regex: SharedRegex
}

/// One pass over the UTF-8 bytes. The loop reads one table entry per byte; the few bytes that
/// can start or anchor a secret (see `Trigger`) get a precise, hand-written check of the bytes
/// around them. Nothing allocates unless a candidate is found.
struct Scanner {
  let bytes: Bytes
  let prefixed: [PrefixedRule]
  let formatTables: FormatTables
  var found: [Candidate] = []

  init(bytes: Bytes, prefixed: [PrefixedRule], formatTables: FormatTables) {
    self.bytes = bytes
    self.prefixed = prefixed
    self.formatTables = formatTables
  }

  mutating func scan(triggers: UnsafePointer<UInt8>) {
    let base = bytes.base
    let count = bytes.count
    var i = 0
    while i < count {
      let trigger = triggers[Int(base[i])]
      if _fastPath(trigger == 0) {
        i &+= 1
        continue
      }
      // Inline rejections for the two most frequent trigger bytes in code (moby: `p` 1.75% and
      // `.` 1.41% of all bytes), before the out-of-line check: `p` anchors only `dapi`, and
      // most dots have no token format around them. (Testing eight bytes at a time was slower:
      // about 40% of 8-byte blocks in code hold a trigger.)
      if trigger == Trigger.format && !formatNeighbourFits(i) {
        i &+= 1
        continue
      }
      if trigger & 0x3F == Trigger.dot && trigger & Trigger.custom == 0 && !mayStartAtDot(i) {
        i &+= 1
        continue
      }
      i = max(i + 1, handle(trigger, at: i))
    }
  }

  /// Checks one trigger byte; returns where scanning continues (past a found token, so its
  /// bytes are not re-examined).
  mutating func handle(_ trigger: UInt8, at i: Int) -> Int {
    var next = i + 1
    if trigger & Trigger.custom != 0 { next = max(next, customAt(i)) }
    if trigger & 0x3F == Trigger.dot && !mayStartAtDot(i) { return next }
    if trigger & Trigger.format != 0, let end = tokenFormat(i) { return max(next, end) }
    switch trigger & 0x3F {
    case Trigger.letterA: next = max(next, letterA(i))
    case Trigger.underscore: next = max(next, underscore(i))
    case Trigger.dash: next = max(next, dash(i))
    case Trigger.colon: next = max(next, telegramBotToken(i) ?? colon(i))
    case Trigger.equals: next = max(next, equals(i))
    case Trigger.letterJ: next = max(next, jwt(i))
    case Trigger.letterG: next = max(next, sendgrid(i))
    case Trigger.dot: next = max(next, dotToken(i) ?? i + 1)
    case Trigger.tilde: next = max(next, azureADClientSecret(i) ?? i + 1)
    default: break
    }
    return next
  }

  mutating func add(_ range: Range<Int>, _ rule: Builtin) {
    found.append(Candidate(start: range.lowerBound, end: range.upperBound, rule: rule.rawValue, priority: rule.priority))
  }

  /// A random-looking payload: no documentation pattern, and at least `minimumEntropy` bits.
  func isRandom(_ range: Range<Int>, minimumEntropy: Double) -> Bool {
    !ValueChecks.isStructuralPlaceholder(bytes, range) && ValueChecks.entropy(bytes, range) >= minimumEntropy
  }

  // MARK: Prefixed tokens

  /// `AKIA…` (and ASIA/ABIA/ACCA) AWS key ids, `AIza…` Google API keys.
  mutating func letterA(_ i: Int) -> Int {
    guard !isAlnum(bytes.at(i - 1)) else { return i + 1 }
    let b1 = bytes.at(i + 1), b2 = bytes.at(i + 2), b3 = bytes.at(i + 3)
    if b3 == UInt8(ascii: "A") && (b2 == UInt8(ascii: "I") && (b1 == UInt8(ascii: "K") || b1 == UInt8(ascii: "S") || b1 == UInt8(ascii: "B")) || b1 == UInt8(ascii: "C") && b2 == UInt8(ascii: "C")) {
      // 20 characters: the 4-letter prefix and 16 uppercase letters or digits.
      let end = i + 20
      guard bytes.run(from: i + 4, limit: 16, { isUpper($0) || isDigit($0) }) == end, !isAlnum(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 4..<end, minimumEntropy: 2.8) else { return end }
      add(i..<end, .awsAccessKey)
      return end
    }
    if b1 == UInt8(ascii: "I") && b2 == UInt8(ascii: "z") && b3 == UInt8(ascii: "a") {
      // 39 characters: AIza and 35 base64url.
      let end = i + 39
      guard bytes.run(from: i + 4, limit: 35, isBase64URL) == end, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 4..<end, minimumEntropy: 3.5) else { return end }
      add(i..<end, .googleAPIKey)
      return end
    }
    return i + 1
  }

  /// The letters and digits just before `i`, if they are a whole word of 2-6 bytes.
  func wordBefore(_ i: Int) -> Int? {
    var start = i
    while start > 0 && i - start < 7 && isAlnum(bytes[start - 1]) { start -= 1 }
    let length = i - start
    guard length >= 2, length <= 6 else { return nil }
    let before = bytes.at(start - 1)
    guard !isAlnum(before), before != ASCII.underscore else { return nil }
    return start
  }

  /// `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`, `github_pat_`, Stripe `sk_live_`…, `npm_`, `whsec_`.
  mutating func underscore(_ i: Int) -> Int {
    guard let start = wordBefore(i) else { return i + 1 }
    let length = i - start
    let b0 = bytes[start], b1 = bytes[start + 1]
    switch length {
    case 3 where b0 == UInt8(ascii: "g") && b1 == UInt8(ascii: "h"):
      guard "pousr".utf8.contains(bytes[start + 2]) else { return i + 1 }
      // 36 base62 today; GitHub allows the length to grow.
      let end = bytes.run(from: i + 1, limit: 251, isAlnum)
      guard end - i - 1 >= 36, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 1..<end, minimumEntropy: 3.5) else { return end }
      add(start..<end, .githubToken)
      return end
    case 6 where bytes.has("github", at: start) && bytes.has("pat_", at: i + 1):
      // Fine-grained: 22 base62, `_`, 59 base62.
      let end = bytes.run(from: i + 5, limit: 250, { isAlnum($0) || $0 == ASCII.underscore })
      guard end - i - 5 >= 50, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 5..<end, minimumEntropy: 3.5) else { return end }
      add(start..<end, .githubToken)
      return end
    case 2 where (b0 == UInt8(ascii: "s") || b0 == UInt8(ascii: "r")) && b1 == UInt8(ascii: "k"):
      guard bytes.has("live_", at: i + 1) || bytes.has("test_", at: i + 1) else { return i + 1 }
      let end = bytes.run(from: i + 6, limit: 247, isAlnum)
      guard end - i - 6 >= 20, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 6..<end, minimumEntropy: 3.5) else { return end }
      add(start..<end, .stripeKey)
      return end
    case 3 where bytes.has("npm", at: start):
      let end = bytes.run(from: i + 1, limit: 37, isAlnum)
      guard end - i - 1 == 36, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 1..<end, minimumEntropy: 3.5) else { return end }
      add(start..<end, .npmToken)
      return end
    case 5 where bytes.has("whsec", at: start):
      var end = bytes.run(from: i + 1, limit: 100, isBase64)
      while bytes.at(end) == ASCII.equals { end += 1 }
      guard end - i - 1 >= 24, !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard isRandom(i + 1..<end, minimumEntropy: 3.5) else { return end }
      add(start..<end, .stripeWebhookSecret)
      return end
    default:
      return i + 1
    }
  }

  /// PEM blocks and `--name value` at a run of dashes; GitLab, Slack, OpenAI, Anthropic and
  /// PyPI tokens at a single dash after their prefix.
  mutating func dash(_ i: Int) -> Int {
    if let end = mailchimpKey(i) { return end }
    if bytes.at(i + 1) == ASCII.dash {
      let previous = bytes.at(i - 1)
      guard previous != ASCII.dash else { return i + 1 }
      if bytes.has("-----BEGIN ", at: i) { return privateKey(i) }
      if i == 0 || isWhitespace(previous) || previous == ASCII.quote || previous == ASCII.apostrophe || previous == ASCII.openParen || previous == ASCII.openBracket {
        if isAlpha(bytes.at(i + 2)) { flag(i) }
      }
      return i + 2
    }
    guard let start = wordBefore(i) else { return i + 1 }
    let length = i - start
    let b0 = bytes[start], b1 = bytes[start + 1]
    if b0 == UInt8(ascii: "g") && b1 == UInt8(ascii: "l") && length >= 4 {
      return gitlab(start, i)
    }
    if b0 == UInt8(ascii: "x") && length == 4 {
      let slack = bytes.has("xox", at: start) && "bpaorse".utf8.contains(bytes[start + 3]) || bytes.has("xapp", at: start)
      guard slack else { return i + 1 }
      // xoxb-<team digits>-<bot digits>-<secret>; every Slack token's body starts with a digit.
      var end = bytes.run(from: i + 1, limit: 300, { isAlnum($0) || $0 == ASCII.dash })
      while end > i + 1 && bytes[end - 1] == ASCII.dash { end -= 1 }
      guard end - i - 1 >= 20, isDigit(bytes[i + 1]), !isBase64URL(bytes.at(end)) else { return i + 1 }
      guard ValueChecks.contains(bytes, i + 1..<end, "-"), isRandom(i + 1..<end, minimumEntropy: 3.0) else { return end }
      add(start..<end, .slackToken)
      return end
    }
    if length == 2 && b0 == UInt8(ascii: "s") && b1 == UInt8(ascii: "k") {
      return openAIOrAnthropic(start, i)
    }
    if length == 4 && bytes.has("pypi", at: start) && bytes.has("AgEIcHlwaS5vcmc", at: i + 1) {
      // A macaroon whose serialised location is "pypi.org".
      let end = bytes.run(from: i + 1, limit: 600, isBase64URL)
      guard end - i - 1 >= 60, !isBase64URL(bytes.at(end)) else { return i + 1 }
      add(start..<end, .pypiToken)
      return end
    }
    return i + 1
  }

  mutating func gitlab(_ start: Int, _ i: Int) -> Int {
    let prefixes: [StaticString] = ["glpat", "gldt", "glrt", "glptt", "gloas", "glft", "glsoat", "glcbt", "glimt"]
    guard prefixes.contains(where: { bytes.has($0, at: start) && start + $0.utf8CodeUnitCount == i }) else { return i + 1 }
    // 20 base64url today; newer routable tokens add dot-separated parts.
    var end = bytes.run(from: i + 1, limit: 300, { isBase64URL($0) || $0 == ASCII.dot })
    while end > i + 1 && (bytes[end - 1] == ASCII.dot || bytes[end - 1] == ASCII.dash) { end -= 1 }
    guard end - i - 1 >= 20, !isAlnum(bytes.at(end)) else { return i + 1 }
    guard isRandom(i + 1..<end, minimumEntropy: 3.3) else { return end }
    add(start..<end, .gitlabToken)
    return end
  }

  mutating func openAIOrAnthropic(_ start: Int, _ i: Int) -> Int {
    if bytes.has("ant-", at: i + 1) {
      let end = bytes.run(from: i + 5, limit: 300, isBase64URL)
      guard end - i - 5 >= 32, isRandom(i + 5..<end, minimumEntropy: 3.5) else { return i + 1 }
      add(start..<end, .anthropicKey)
      return end
    }
    for project: StaticString in ["proj-", "svcacct-", "admin-"] where bytes.has(project, at: i + 1) {
      let bodyStart = i + 1 + project.utf8CodeUnitCount
      let end = bytes.run(from: bodyStart, limit: 300, isBase64URL)
      guard end - bodyStart >= 32, isRandom(bodyStart..<end, minimumEntropy: 3.5) else { return i + 1 }
      add(start..<end, .openAIKey)
      return end
    }
    // Legacy keys: 48 base62 with "T3BlbkFJ" (base64 of "OpenAI") in the middle.
    let end = bytes.run(from: i + 1, limit: 200, isAlnum)
    guard end - i - 1 >= 40, !isBase64URL(bytes.at(end)), ValueChecks.contains(bytes, i + 1..<end, "t3blbkfj") else { return i + 1 }
    add(start..<end, .openAIKey)
    return end
  }

  /// `SG.` + 22 + `.` + 43 base64url.
  mutating func sendgrid(_ i: Int) -> Int {
    guard bytes.at(i - 1) == UInt8(ascii: "S"), bytes.at(i + 1) == ASCII.dot, !isBase64URL(bytes.at(i - 2)) else { return i + 1 }
    guard bytes.run(from: i + 2, limit: 22, isBase64URL) == i + 24, bytes.at(i + 24) == ASCII.dot else { return i + 1 }
    let end = i + 68
    guard bytes.run(from: i + 25, limit: 43, isBase64URL) == end, !isBase64URL(bytes.at(end)) else { return i + 1 }
    guard isRandom(i + 2..<i + 24, minimumEntropy: 3.0), isRandom(i + 25..<end, minimumEntropy: 3.5) else { return end }
    add(i - 1..<end, .sendgridKey)
    return end
  }

  /// `eyJ…` header `.` payload `.` signature, whose header decodes to a JSON object with "alg".
  mutating func jwt(_ i: Int) -> Int {
    guard bytes.at(i - 1) == UInt8(ascii: "y"), bytes.at(i - 2) == UInt8(ascii: "e") else { return i + 1 }
    let start = i - 2
    let before = bytes.at(start - 1)
    guard !isBase64URL(before), before != ASCII.dot else { return i + 1 }
    let headerEnd = bytes.run(from: start, limit: 2048, isBase64URL)
    guard bytes.at(headerEnd) == ASCII.dot else { return i + 1 }
    let payloadEnd = bytes.run(from: headerEnd + 1, limit: 65536, isBase64URL)
    guard payloadEnd - headerEnd - 1 >= 2, bytes.at(payloadEnd) == ASCII.dot else { return i + 1 }
    var end = bytes.run(from: payloadEnd + 1, limit: 8192, isBase64URL)
    guard end - payloadEnd - 1 >= 16 else { return i + 1 }
    // JWE has five segments; take them all.
    var segments = 3
    while segments < 5 && bytes.at(end) == ASCII.dot && isBase64URL(bytes.at(end + 1)) {
      end = bytes.run(from: end + 1, limit: 65536, isBase64URL)
      segments += 1
    }
    guard !isBase64URL(bytes.at(end)), Base64URL.headerHasAlg(bytes, start..<headerEnd) else { return i + 1 }
    add(start..<end, .jwt)
    return end
  }

  // MARK: PEM private keys

  /// `-----BEGIN <label> PRIVATE KEY-----` (or `PRIVATE KEY BLOCK`): redacts the body up to
  /// `-----END`, keeping both armour lines. Works with real newlines and with `\n` escapes
  /// (keys inside JSON strings). Without an END line, takes the base64 lines that follow.
  mutating func privateKey(_ i: Int) -> Int {
    let labelStart = i + 11
    var j = labelStart
    while j < bytes.count && j - labelStart < 80 && bytes[j] != ASCII.dash && bytes[j] != ASCII.newline { j += 1 }
    guard bytes.has("-----", at: j) else { return i + 1 }
    let label = labelStart..<j
    guard endsWith(label, "PRIVATE KEY") || endsWith(label, "PRIVATE KEY BLOCK") else { return j }
    var bodyStart = j + 5
    if bytes.at(bodyStart) == ASCII.carriageReturn { bodyStart += 1 }
    if bytes.at(bodyStart) == ASCII.newline {
      bodyStart += 1
    } else if bytes.at(bodyStart) == ASCII.backslash && bytes.at(bodyStart + 1) == UInt8(ascii: "n") {
      bodyStart += 2
    }
    var bodyEnd: Int
    var next: Int
    if let endMarker = bytes.find("-----END", from: bodyStart, to: bodyStart + 65536) {
      bodyEnd = endMarker
      next = endMarker + 8
      if bodyEnd > bodyStart && bytes[bodyEnd - 1] == ASCII.newline {
        bodyEnd -= 1
        if bodyEnd > bodyStart && bytes[bodyEnd - 1] == ASCII.carriageReturn { bodyEnd -= 1 }
      } else if bodyEnd - 2 >= bodyStart && bytes[bodyEnd - 2] == ASCII.backslash && bytes[bodyEnd - 1] == UInt8(ascii: "n") {
        bodyEnd -= 2
      }
    } else {
      bodyEnd = base64Lines(from: bodyStart)
      next = bodyEnd
    }
    guard bodyEnd > bodyStart, isKeyBody(bodyStart..<bodyEnd) else { return max(next, j) }
    add(bodyStart..<bodyEnd, .privateKey)
    return max(next, bodyEnd)
  }

  func endsWith(_ range: Range<Int>, _ literal: StaticString) -> Bool {
    let length = literal.utf8CodeUnitCount
    return range.count >= length && bytes.has(literal, at: range.upperBound - length)
  }

  /// A real key body is base64 lines, maybe armour headers (`Proc-Type:`, `Version: GnuPG
  /// v2 (GNU/Linux)`), maybe `\n` escapes or string quotes from source code. `...`, `<key>`,
  /// `***`, `${KEY}` or a run of x's mean a placeholder. Runs of `A` are normal (zero bytes).
  func isKeyBody(_ range: Range<Int>) -> Bool {
    var base64 = 0
    var lineStart = range.lowerBound
    while lineStart < range.upperBound {
      var lineEnd = lineStart
      while lineEnd < range.upperBound && bytes[lineEnd] != ASCII.newline { lineEnd += 1 }
      var first = lineStart
      while first < lineEnd && isWhitespace(bytes[first]) { first += 1 }
      let isHeader = first < lineEnd && isAlpha(bytes[first]) && ValueChecks.contains(bytes, first..<lineEnd, ": ")
      if !isHeader {
        for k in first..<lineEnd {
          let b = bytes[k]
          if isBase64(b) || b == ASCII.equals {
            base64 += 1
          } else if !(isWhitespace(b) || b == ASCII.backslash || b == ASCII.quote || b == ASCII.apostrophe || b == UInt8(ascii: ",")) {
            return false
          }
        }
      }
      lineStart = lineEnd + 1
    }
    return base64 >= 64 && !ValueChecks.contains(bytes, range, "xxxxxxxx")
  }

  /// The end of the lines after `start` that are base64 (or `Name: value` headers).
  func base64Lines(from start: Int) -> Int {
    var end = start
    var lineStart = start
    while lineStart < bytes.count && lineStart - start < 65536 {
      var lineEnd = lineStart
      while lineEnd < bytes.count && bytes[lineEnd] != ASCII.newline { lineEnd += 1 }
      var contentStart = lineStart
      while contentStart < lineEnd && isSpaceOrTab(bytes[contentStart]) { contentStart += 1 }
      var contentEnd = lineEnd
      while contentEnd > contentStart && isWhitespace(bytes[contentEnd - 1]) { contentEnd -= 1 }
      guard contentEnd > contentStart else { break }
      let isBase64Line = ValueChecks.isAll(bytes, contentStart..<contentEnd) { isBase64($0) || $0 == ASCII.equals }
      let isHeader = isAlpha(bytes[contentStart]) && ValueChecks.contains(bytes, contentStart..<contentEnd, ": ")
      guard isBase64Line || isHeader else { break }
      end = contentEnd
      lineStart = lineEnd + 1
    }
    return end
  }

  // MARK: URLs

  /// `scheme://user:password@host` and Slack webhook URLs.
  mutating func url(_ i: Int) -> Int {
    var schemeStart = i
    while schemeStart > 0 && i - schemeStart < 32 {
      let b = bytes[schemeStart - 1]
      guard isAlnum(b) || b == ASCII.plus || b == ASCII.dot || b == ASCII.dash else { break }
      schemeStart -= 1
    }
    guard i - schemeStart >= 2, isAlpha(bytes[schemeStart]) else { return i + 3 }
    let authorityStart = i + 3
    var j = authorityStart
    var lastAt = -1
    while j < bytes.count && j - authorityStart < 512 {
      let b = bytes[j]
      // `#` does not end the authority here: people leave it unescaped in passwords.
      if b == ASCII.slash || b == UInt8(ascii: "?") || isWhitespace(b) || b == ASCII.quote || b == ASCII.apostrophe || b == ASCII.backtick || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == ASCII.backslash {
        break
      }
      if b == ASCII.at { lastAt = j }
      j += 1
    }
    if lastAt < 0 {
      if j - authorityStart == 15 && bytes.hasIgnoringCase("hooks.slack.com", at: authorityStart) && bytes.has("/services/", at: j) {
        slackWebhook(j + 10)
      }
      return i + 3
    }
    var colon = -1
    for k in authorityStart..<lastAt where bytes[k] == ASCII.colon {
      colon = k
      break
    }
    guard colon >= 0, colon + 1 < lastAt else { return i + 3 }
    let user = authorityStart..<colon
    let password = colon + 1..<lastAt
    guard !bytes.has("[REDACTED", at: password.lowerBound), !isPlaceholderPassword(password, user: user) else { return i + 3 }
    add(password, .urlPassword)
    // Keep scanning inside: a token used as the password (x-access-token:ghs_…) is found
    // again by its own rule, which wins.
    return i + 3
  }

  func isPlaceholderPassword(_ password: Range<Int>, user: Range<Int>) -> Bool {
    if password.count == user.count && zip(password, user).allSatisfy({ lowered(bytes[$0]) == lowered(bytes[$1]) }) {
      return true  // root:root, guest:guest: defaults in examples
    }
    let first = bytes[password.lowerBound]
    if ValueChecks.isAll(bytes, password, { $0 == first }) { return true }  // ***, xxx
    if ValueChecks.isTemplateOrLookup(bytes, password) || ValueChecks.hasPlaceholderWord(bytes, password) { return true }
    for word: StaticString in ["pass", "pwd", "pw", "foo", "bar", "baz", "user", "root", "guest", "x", "p"]
    where password.count == word.utf8CodeUnitCount && bytes.hasIgnoringCase(word, at: password.lowerBound) {
      return true
    }
    return false
  }

  /// `T<team>/B<bot>/<secret>` after `hooks.slack.com/services/`.
  mutating func slackWebhook(_ start: Int) {
    guard bytes.at(start) == UInt8(ascii: "T") else { return }
    let teamEnd = bytes.run(from: start + 1, limit: 20, { isUpper($0) || isDigit($0) })
    guard teamEnd - start >= 9, bytes.at(teamEnd) == ASCII.slash, bytes.at(teamEnd + 1) == UInt8(ascii: "B") else { return }
    let botEnd = bytes.run(from: teamEnd + 2, limit: 20, { isUpper($0) || isDigit($0) })
    guard botEnd - teamEnd - 1 >= 9, bytes.at(botEnd) == ASCII.slash else { return }
    let end = bytes.run(from: botEnd + 1, limit: 64, isAlnum)
    guard end - botEnd - 1 >= 24, !isAlnum(bytes.at(end)) else { return }
    guard isRandom(start..<end, minimumEntropy: 3.5) else { return }
    add(start..<end, .slackWebhook)
  }

  // MARK: Custom rules

  mutating func customAt(_ i: Int) -> Int {
    var next = i + 1
    for rule in prefixed where rule.prefix[0] == bytes[i] {
      guard i + rule.prefix.count <= bytes.count else { continue }
      var same = true
      for (k, b) in rule.prefix.enumerated() where bytes[i + k] != b {
        same = false
        break
      }
      guard same else { continue }
      // A match is expected to be short; look at most 4 KiB ahead.
      let window = bytes.string(i..<min(bytes.count, i + 4096))
      let whole = NSRange(window.startIndex..., in: window)
      guard let match = rule.regex.regex.firstMatch(in: window, options: [.anchored], range: whole) else { continue }
      guard let range = CustomMatch.utf8Range(of: match, in: window) else { continue }
      found.append(Candidate(start: i + range.lowerBound, end: i + range.upperBound, rule: rule.rule, priority: 2))
      next = max(next, i + range.upperBound)
    }
    return next
  }
}

enum CustomMatch {
  /// The UTF-8 offsets of group 1 if the pattern has one and it matched, else of the match.
  static func utf8Range(of match: NSTextCheckingResult, in text: String) -> Range<Int>? {
    var range = match.range
    if match.numberOfRanges > 1 && match.range(at: 1).location != NSNotFound { range = match.range(at: 1) }
    guard range.length > 0, let found = Range(range, in: text) else { return nil }
    let lower = text.utf8.distance(from: text.startIndex, to: found.lowerBound)
    let upper = lower + text.utf8.distance(from: found.lowerBound, to: found.upperBound)
    return lower..<upper
  }
}

/// Just enough base64url decoding to look at a JWT header.
enum Base64URL {
  static func value(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): b - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): b - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0") + 52
    case ASCII.dash, ASCII.plus: 62
    case ASCII.underscore, ASCII.slash: 63
    default: nil
    }
  }

  static func decode(_ bytes: Bytes, _ range: Range<Int>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(range.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    for i in range {
      guard let v = value(bytes[i]) else { break }
      accumulator = accumulator << 6 | UInt32(v)
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    return out
  }

  /// Whether the segment decodes to a JSON object naming "alg".
  static func headerHasAlg(_ bytes: Bytes, _ range: Range<Int>) -> Bool {
    let decoded = decode(bytes, range.lowerBound..<min(range.upperBound, range.lowerBound + 1024))
    return decoded.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return false }
      let view = Bytes(base: base, count: buffer.count)
      var first = 0
      while first < view.count && isWhitespace(view[first]) { first += 1 }
      return view.at(first) == ASCII.openBrace && view.find("\"alg\"", from: first, to: view.count) != nil
    }
  }
}

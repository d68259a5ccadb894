// Prefixed vendor tokens described as data: a literal prefix, then parts of a given alphabet
// and length separated by single bytes. Formats follow the vendors' documented token shapes
// (gitleaks' rule list was the checklist); the matcher is this file's own.
//
// Each format is anchored at one byte of its prefix that the trigger table marks (`_`, `-`,
// `.`, `~`, else `A`, `K` or `p`), and filed under the byte next to the anchor, so a trigger
// byte costs one table lookup and at most a few prefix comparisons.

/// The characters a part of a token may hold.
enum Alphabet: Sendable {
  case hex, lowerHex, digits, letters, alnum, upperAlnum, lowerAlnum, lowerAlnumDash, bech32Upper
  /// standard base64 with padding: letters, digits, `+`, `/`, `=`.
  case base64Padded
  /// letters, digits, `-`, `_`.
  case base64URL
  /// base64url and `=`.
  case base64URLPadded
  /// letters, digits, `+`, `/`, `-`, `_`, `=`: standard or url-safe base64 with padding.
  case base64Any
  /// letters, digits, `_`, `~`, `.`, `-` (Azure AD client secrets).
  case azure

  @inline(__always) func contains(_ b: UInt8) -> Bool {
    switch self {
    case .hex: isHex(b)
    case .lowerHex: isDigit(b) || b &- 0x61 < 6
    case .digits: isDigit(b)
    case .letters: isAlpha(b)
    case .alnum: isAlnum(b)
    case .upperAlnum: isUpper(b) || isDigit(b)
    case .lowerAlnum: isLower(b) || isDigit(b)
    case .lowerAlnumDash: isLower(b) || isDigit(b) || b == ASCII.dash
    // The bech32 alphabet: digits and upper letters except 1, B, I, O.
    case .bech32Upper: (isUpper(b) || isDigit(b)) && b != UInt8(ascii: "1") && b != UInt8(ascii: "B") && b != UInt8(ascii: "I") && b != UInt8(ascii: "O")
    case .base64Padded: isBase64(b) || b == ASCII.equals
    case .base64URL: isBase64URL(b)
    case .base64URLPadded: isBase64URL(b) || b == ASCII.equals
    case .base64Any: isBase64URL(b) || b == ASCII.plus || b == ASCII.slash || b == ASCII.equals
    case .azure: isBase64URL(b) || b == UInt8(ascii: "~") || b == ASCII.dot
    }
  }

  /// Small alphabets repeat bytes more often by chance, so their placeholder runs are longer.
  var isSmall: Bool {
    switch self {
    case .hex, .lowerHex, .digits: true
    default: false
    }
  }
}

/// One part of a token body: `length` bytes of `alphabet`, then `separator` (0 for the last).
struct TokenPart: Sendable {
  var alphabet: Alphabet
  var length: ClosedRange<Int>
  var separator: UInt8 = 0
}

/// A prefixed token format.
struct TokenFormat: Sendable {
  var rule: Builtin
  var prefix: [UInt8]
  var parts: [TokenPart]
  /// Offset in `prefix` of the trigger byte the format is found at.
  var anchor: Int
  var minimumEntropy: Double

  init(_ rule: Builtin, _ prefix: String, _ parts: [TokenPart], entropy: Double? = nil) {
    self.rule = rule
    self.prefix = Array(prefix.utf8)
    self.parts = parts
    let separators: [UInt8] = [ASCII.underscore, ASCII.dash, ASCII.dot, UInt8(ascii: "~")]
    let letters: [UInt8] = [UInt8(ascii: "A"), UInt8(ascii: "K"), UInt8(ascii: "p")]
    anchor = self.prefix.firstIndex(where: separators.contains) ?? self.prefix.firstIndex(where: letters.contains)!
    minimumEntropy = entropy ?? (parts[0].alphabet.isSmall ? 3.0 : 3.5)
  }
}

/// Shorthands for the table below.
private func p(_ alphabet: Alphabet, _ length: ClosedRange<Int>, then separator: Character? = nil) -> TokenPart {
  TokenPart(alphabet: alphabet, length: length, separator: separator.map { $0.asciiValue! } ?? 0)
}
private func p(_ alphabet: Alphabet, _ length: Int, then separator: Character? = nil) -> TokenPart {
  p(alphabet, length...length, then: separator)
}

enum TokenFormats {
  static let all: [TokenFormat] = [
    .init(.huggingfaceToken, "hf_", [p(.letters, 34)]),
    .init(.huggingfaceToken, "api_org_", [p(.letters, 34)]),
    .init(.vaultToken, "hvs.", [p(.base64URL, 90...120)]),
    .init(.vaultToken, "hvb.", [p(.base64URL, 138...300)]),
    .init(.databricksToken, "dapi", [p(.lowerHex, 32)]),
    .init(.digitaloceanToken, "dop_v1_", [p(.lowerHex, 64)]),
    .init(.digitaloceanToken, "doo_v1_", [p(.lowerHex, 64)]),
    .init(.digitaloceanToken, "dor_v1_", [p(.lowerHex, 64)]),
    .init(.mailgunKey, "key-", [p(.lowerHex, 32)]),
    .init(.grafanaServiceAccountToken, "glsa_", [p(.alnum, 32, then: "_"), p(.hex, 8)]),
    .init(.grafanaCloudToken, "glc_", [p(.base64Padded, 32...400)]),
    .init(.atlassianToken, "ATATT3", [p(.base64URLPadded, 150...250)]),
    .init(.atlassianToken, "ATCTT3", [p(.base64URLPadded, 150...250)]),
    .init(.bitbucketAppPassword, "ATBB", [p(.alnum, 32)]),
    .init(.linearKey, "lin_api_", [p(.alnum, 40)]),
    .init(.dopplerToken, "dp.pt.", [p(.alnum, 40...44)]),
    .init(.dopplerToken, "dp.st.", [p(.alnum, 40...44)]),
    .init(.dopplerToken, "dp.ct.", [p(.alnum, 40...44)]),
    .init(.dopplerToken, "dp.sa.", [p(.alnum, 40...44)]),
    .init(.dopplerToken, "dp.scim.", [p(.alnum, 40...44)]),
    .init(.dopplerToken, "dp.audit.", [p(.alnum, 40...44)]),
    .init(.postmanKey, "PMAK-", [p(.hex, 24, then: "-"), p(.hex, 34)]),
    .init(.newRelicKey, "NRAK-", [p(.upperAlnum, 27)]),
    .init(.newRelicKey, "NRII-", [p(.lowerAlnumDash, 32)]),
    .init(.ageSecretKey, "AGE-SECRET-KEY-1", [p(.bech32Upper, 58)]),
    .init(.shopifyToken, "shpat_", [p(.hex, 32)]),
    .init(.shopifyToken, "shpca_", [p(.hex, 32)]),
    .init(.shopifyToken, "shppa_", [p(.hex, 32)]),
    .init(.shopifyToken, "shpss_", [p(.hex, 32)]),
    .init(.sentryToken, "sntrys_", [p(.base64Any, 80...2000)]),
    .init(.sentryToken, "sntryu_", [p(.lowerHex, 64)]),
    .init(.squareToken, "sq0atp-", [p(.base64URL, 22)]),
    .init(.squareToken, "sq0csp-", [p(.base64URL, 43)]),
    .init(.squareToken, "EAAA", [p(.base64URL, 60)]),
    .init(.twilioKey, "SK", [p(.hex, 32)]),
    .init(.dynatraceToken, "dt0c01.", [p(.upperAlnum, 24, then: "."), p(.upperAlnum, 64)]),
    .init(.pulumiToken, "pul-", [p(.lowerHex, 40)]),
    .init(.planetscaleToken, "pscale_tkn_", [p(.base64URL, 32...64)]),
    .init(.planetscaleToken, "pscale_pw_", [p(.base64URL, 32...64)]),
    .init(.planetscaleToken, "pscale_oauth_", [p(.base64URL, 32...64)]),
    .init(.flyioToken, "fo1_", [p(.base64URL, 43)]),
    .init(.flyioToken, "fm1a_", [p(.base64Any, 100...8000)]),
    .init(.flyioToken, "fm1r_", [p(.base64Any, 100...8000)]),
    .init(.flyioToken, "fm2_", [p(.base64Any, 100...8000)]),
    .init(.googleOAuthToken, "ya29.", [p(.base64URL, 50...2048)]),
    .init(.googleOAuthClientSecret, "GOCSPX-", [p(.base64URL, 28)]),
    .init(.cloudflareOriginKey, "v1.0-", [p(.lowerHex, 24, then: "-"), p(.lowerHex, 146)]),
    .init(.dockerHubToken, "dckr_pat_", [p(.base64URL, 27)]),
    .init(.dockerHubToken, "dckr_oat_", [p(.base64URL, 32)]),
    .init(.herokuKey, "HRKU-AA", [p(.base64URL, 58)]),
    .init(.contentfulToken, "CFPAT-", [p(.base64URL, 43)]),
    .init(.brevoKey, "xkeysib-", [p(.lowerHex, 64, then: "-"), p(.alnum, 16)]),
    .init(.rubygemsToken, "rubygems_", [p(.lowerHex, 48)]),
    .init(.clojarsToken, "CLOJARS_", [p(.lowerAlnum, 60)]),
    .init(.alibabaAccessKey, "LTAI", [p(.alnum, 20)]),
    .init(.adobeClientSecret, "p8e-", [p(.alnum, 32)]),
    .init(.duffelToken, "duffel_test_", [p(.base64URLPadded, 43)]),
    .init(.duffelToken, "duffel_live_", [p(.base64URLPadded, 43)]),
    .init(.dropboxToken, "sl.", [p(.base64URL, 130...2000)]),
    .init(.easypostKey, "EZAK", [p(.alnum, 54)]),
    .init(.easypostKey, "EZTK", [p(.alnum, 54)]),
    .init(.flutterwaveKey, "FLWSECK-", [p(.lowerHex, 32, then: "-"), p(.upperAlnum, 1)]),
    .init(.flutterwaveKey, "FLWSECK_TEST-", [p(.lowerHex, 32, then: "-"), p(.upperAlnum, 1)]),
    .init(.frameioToken, "fio-u-", [p(.base64URLPadded, 64)]),
    .init(.infracostKey, "ico-", [p(.alnum, 32)]),
    .init(.notionToken, "ntn_", [p(.alnum, 46)]),
    .init(.notionToken, "secret_", [p(.alnum, 43)]),
    .init(.octopusDeployKey, "API-", [p(.upperAlnum, 26)]),
    .init(.openshiftToken, "sha256~", [p(.base64URL, 43)]),
    .init(.prefectKey, "pnu_", [p(.alnum, 36)]),
    .init(.readmeKey, "rdme_", [p(.lowerAlnum, 70)]),
    .init(.sourcegraphToken, "sgp_", [p(.lowerHex, 40)]),
    .init(.sourcegraphToken, "sgp_", [p(.lowerHex, 16, then: "_"), p(.lowerHex, 40)]),
    .init(.sourcegraphToken, "sgp_local_", [p(.lowerHex, 40)]),
    .init(.typeformToken, "tfp_", [p(.base64URLPadded, 59)]),
    .init(.replicateToken, "r8_", [p(.alnum, 37)]),
    .init(.groqKey, "gsk_", [p(.alnum, 52)]),
    .init(.perplexityKey, "pplx-", [p(.alnum, 48)]),
    .init(.xaiKey, "xai-", [p(.alnum, 80)]),
    .init(.nvidiaKey, "nvapi-", [p(.base64URL, 64)]),
    .init(.langsmithKey, "lsv2_pt_", [p(.lowerHex, 32, then: "_"), p(.lowerHex, 10)]),
    .init(.langsmithKey, "lsv2_sk_", [p(.lowerHex, 32, then: "_"), p(.lowerHex, 10)]),
    .init(.supabaseToken, "sbp_", [p(.lowerHex, 40)]),
    .init(.netlifyToken, "nfp_", [p(.alnum, 36)]),
    .init(.buildkiteToken, "bkua_", [p(.lowerHex, 40)]),
    .init(.circleciToken, "CCIPAT_", [p(.alnum, 22, then: "_"), p(.lowerHex, 40)]),
    .init(.figmaToken, "figd_", [p(.base64URL, 40)]),
    .init(.posthogKey, "phx_", [p(.alnum, 43)]),
    .init(.harnessToken, "pat.", [p(.base64URL, 22, then: "."), p(.lowerHex, 24, then: "."), p(.alnum, 20)]),
    .init(.jfrogKey, "AKCp", [p(.alnum, 69)]),
    .init(.onePasswordToken, "ops_eyJ", [p(.base64Any, 250...8000)]),
    .init(.shippoToken, "shippo_live_", [p(.lowerHex, 40)]),
    .init(.shippoToken, "shippo_test_", [p(.lowerHex, 40)]),
    .init(.mapboxToken, "sk.eyJ", [p(.base64URL, 50...400, then: "."), p(.base64URL, 20...30)]),
    .init(.hubspotToken, "pat-na1-", [p(.lowerHex, 8, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 12)]),
    .init(.hubspotToken, "pat-eu1-", [p(.lowerHex, 8, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 4, then: "-"), p(.lowerHex, 12)]),
  ]

  /// The bytes formats are anchored at; the trigger table marks them with `Trigger.format`.
  static let anchorBytes: [UInt8] = Array(Set(all.map { $0.prefix[$0.anchor] })).sorted()

  /// Anchor byte → its slot (1-based; 0: not an anchor).
  static let anchorSlot: [UInt8] = {
    var slots = [UInt8](repeating: 0, count: 256)
    for (index, byte) in anchorBytes.enumerated() { slots[Int(byte)] = UInt8(index + 1) }
    return slots
  }()

  /// Format indices grouped by anchor and neighbour: the byte before the anchor (anchor > 0)
  /// or after it. `buckets[(slot - 1) × 512 + (0 before | 256 after) + neighbour]` holds
  /// `start << 8 | count` into `order`. Small enough (a few KiB) to stay in cache.
  static let (buckets, order): ([UInt32], [UInt16]) = {
    var groups = [[UInt16]](repeating: [], count: anchorBytes.count * 512)
    for (index, format) in all.enumerated() {
      let slot = Int(anchorSlot[Int(format.prefix[format.anchor])]) - 1
      let key = format.anchor > 0 ? Int(format.prefix[format.anchor - 1]) : 256 + Int(format.prefix[format.anchor + 1])
      groups[slot * 512 + key].append(UInt16(index))
    }
    var buckets = [UInt32](repeating: 0, count: groups.count)
    var order: [UInt16] = []
    for (key, group) in groups.enumerated() where !group.isEmpty {
      buckets[key] = UInt32(order.count) << 8 | UInt32(group.count)
      order += group
    }
    return (buckets, order)
  }()

  /// Each format's first (up to) 8 prefix bytes as a little-endian word, its mask, and its
  /// anchor offset: a trigger compares one word per candidate format before looking further.
  static let heads: [UInt64] = all.map { format in
    var word: UInt64 = 0
    for (k, b) in format.prefix.prefix(8).enumerated() { word |= UInt64(b) << (8 * UInt64(k)) }
    return word
  }
  static let masks: [UInt64] = all.map { $0.prefix.count >= 8 ? ~0 : (1 << (8 * UInt64($0.prefix.count))) - 1 }
  static let anchors: [UInt8] = all.map { UInt8($0.anchor) }
  /// Bytes that come before the dot of a dot-anchored format (`hvs.`, `ya29.`, `dp.pt.`).
  static let dotKeys: [UInt8] = {
    var keys = [UInt8](repeating: 0, count: 256)
    for format in all where format.prefix[format.anchor] == ASCII.dot && format.anchor > 0 { keys[Int(format.prefix[format.anchor - 1])] = 1 }
    return keys
  }()

  /// Documentation values: `xxxx`, `0000`, `example`, `abcdef`, `123456`. Runs must be longer
  /// in small alphabets, where they happen by chance.
  static func isPlaceholder(_ bytes: Bytes, _ range: Range<Int>, small: Bool) -> Bool {
    ValueChecks.contains(bytes, range, "example") || ValueChecks.hasRun(bytes, range, same: small ? 6 : 4, ascending: 6)
  }
}

extension Bytes {
  /// The 8 bytes at `i` as a little-endian word, zeros outside the text.
  @inline(__always) func word(at i: Int) -> UInt64 {
    if i >= 0 && i + 8 <= count { return UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) }
    var word: UInt64 = 0
    for k in 0..<8 { word |= UInt64(at(i + k)) << (8 * UInt64(k)) }
    return word
  }

  @inline(__always) func has(_ literal: [UInt8], at i: Int) -> Bool {
    guard i >= 0, i + literal.count <= count else { return false }
    for k in 0..<literal.count where base[i + k] != literal[k] { return false }
    return true
  }
}

/// The lookup tables as raw pointers for the duration of one scan.
struct FormatTables {
  var slots: UnsafePointer<UInt8>
  var buckets: UnsafePointer<UInt32>
  var order: UnsafePointer<UInt16>
  var heads: UnsafePointer<UInt64>
  var masks: UnsafePointer<UInt64>
  var anchors: UnsafePointer<UInt8>
  var dotKeys: UnsafePointer<UInt8>

  static func with<R>(_ body: (FormatTables) -> R) -> R {
    TokenFormats.anchorSlot.withUnsafeBufferPointer { slots in
      TokenFormats.buckets.withUnsafeBufferPointer { buckets in
        TokenFormats.order.withUnsafeBufferPointer { order in
          TokenFormats.heads.withUnsafeBufferPointer { heads in
            TokenFormats.masks.withUnsafeBufferPointer { masks in
              TokenFormats.anchors.withUnsafeBufferPointer { anchors in
                TokenFormats.dotKeys.withUnsafeBufferPointer { dotKeys in
                  body(FormatTables(slots: slots.baseAddress!, buckets: buckets.baseAddress!, order: order.baseAddress!,
                                    heads: heads.baseAddress!, masks: masks.baseAddress!, anchors: anchors.baseAddress!, dotKeys: dotKeys.baseAddress!))
                }
              }
            }
          }
        }
      }
    }
  }
}

extension Scanner {
  /// A table-described token anchored at `i`: where scanning continues, or nil.
  mutating func tokenFormat(_ i: Int) -> Int? {
    let slot = Int(formatTables.slots[Int(bytes[i])])
    guard slot > 0 else { return nil }
    let base = (slot - 1) * 512
    for side in 0..<2 {
      let key = side == 0 ? base + Int(bytes.at(i - 1)) : base + 256 + Int(bytes.at(i + 1))
      let bucket = formatTables.buckets[key]
      guard bucket != 0 else { continue }
      let start = Int(bucket >> 8)
      for k in start..<start + Int(bucket & 0xFF) {
        let index = Int(formatTables.order[k])
        guard bytes.word(at: i - Int(formatTables.anchors[index])) & formatTables.masks[index] == formatTables.heads[index] else { continue }
        if let end = match(TokenFormats.all[index], anchoredAt: i) { return end }
      }
    }
    return nil
  }

  mutating func match(_ format: TokenFormat, anchoredAt i: Int) -> Int? {
    let start = i - format.anchor
    guard bytes.has(format.prefix, at: start) else { return nil }
    let before = bytes.at(start - 1)
    guard !isAlnum(before), before != ASCII.underscore else { return nil }
    let bodyStart = start + format.prefix.count
    var j = bodyStart
    for part in format.parts {
      let end = bytes.run(from: j, limit: part.length.upperBound, part.alphabet.contains)
      guard end - j >= part.length.lowerBound else { return nil }
      j = end
      if part.separator != 0 {
        guard bytes.at(j) == part.separator else { return nil }
        j += 1
      } else {
        let next = bytes.at(j)
        guard !part.alphabet.contains(next), !isAlnum(next) else { return nil }
      }
    }
    let body = bodyStart..<j
    guard !TokenFormats.isPlaceholder(bytes, body, small: format.parts[0].alphabet.isSmall),
      ValueChecks.entropy(bytes, body) >= format.minimumEntropy
    else { return j }
    add(start..<j, format.rule)
    return j
  }

  /// Dots are common in code (`a.b`): rule most out with three loads before any call.
  /// Whether some token format anchored at byte `i` files under its neighbour (the byte before
  /// or after): the same first test `tokenFormat` makes, cheap enough for the scan loop.
  @inline(__always) func formatNeighbourFits(_ i: Int) -> Bool {
    let base = (Int(formatTables.slots[Int(bytes[i])]) - 1) * 512
    return formatTables.buckets[base + Int(bytes.at(i - 1))] != 0 || formatTables.buckets[base + 256 + Int(bytes.at(i + 1))] != 0
  }

  @inline(__always) func mayStartAtDot(_ i: Int) -> Bool {
    bytes.at(i + 7) == ASCII.dot || bytes.at(i + 1) == UInt8(ascii: "a")
      || formatTables.dotKeys[Int(bytes.at(i - 1))] != 0
  }

  /// Telegram bot tokens at the colon: 8-10 digit bot id `:` `AA` + 33 base64url.
  mutating func telegramBotToken(_ i: Int) -> Int? {
    guard bytes.at(i + 1) == UInt8(ascii: "A"), bytes.at(i + 2) == UInt8(ascii: "A"), isDigit(bytes.at(i - 1)) else { return nil }
    var start = i
    while start > 0 && i - start < 11 && isDigit(bytes[start - 1]) { start -= 1 }
    guard (8...10).contains(i - start), !isAlnum(bytes.at(start - 1)), bytes.at(start - 1) != ASCII.colon else { return nil }
    let end = bytes.run(from: i + 3, limit: 34, isBase64URL)
    guard end - i - 3 == 33, !isBase64URL(bytes.at(end)) else { return nil }
    guard isRandom(i + 1..<end, minimumEntropy: 3.5) else { return end }
    add(start..<end, .telegramBotToken)
    return end
  }

  /// Azure AD (Entra ID) client secrets at the `~` of `<3 chars><digit>Q~<31-34 chars>`.
  mutating func azureADClientSecret(_ i: Int) -> Int? {
    guard bytes.at(i - 1) == UInt8(ascii: "Q"), isDigit(bytes.at(i - 2)), i >= 5 else { return nil }
    let start = i - 5
    guard ValueChecks.isAll(bytes, start..<i - 2, Alphabet.azure.contains) else { return nil }
    let before = bytes.at(start - 1)
    guard !Alphabet.azure.contains(before) else { return nil }
    var end = bytes.run(from: i + 1, limit: 41, Alphabet.azure.contains)
    if end - i - 1 > 34 {
      // In a file name the extension follows: `<secret>.json`.
      var dot = end - 1
      while dot > i + 32 && bytes[dot] != ASCII.dot { dot -= 1 }
      guard bytes[dot] == ASCII.dot, end - dot <= 6, ValueChecks.isAll(bytes, dot + 1..<end, isAlpha) else { return nil }
      end = dot
    }
    guard (31...34).contains(end - i - 1), !isAlnum(bytes.at(end)) else { return nil }
    guard !TokenFormats.isPlaceholder(bytes, start..<end, small: false), ValueChecks.entropy(bytes, start..<end) >= 3.5 else { return end }
    add(start..<end, .azureADClientSecret)
    return end
  }

  /// At a dot: Discord bot tokens (`<base64 of the bot's numeric id>.<6>.<27-38>`) and
  /// Terraform Cloud tokens (`<14>.atlasv1.<60-70>`).
  mutating func dotToken(_ i: Int) -> Int? {
    if bytes.at(i + 7) == ASCII.dot { return discordBotToken(i) }
    if bytes.at(i + 1) == UInt8(ascii: "a") && bytes.has("atlasv1.", at: i + 1) { return terraformCloudToken(i) }
    return nil
  }

  mutating func discordBotToken(_ i: Int) -> Int? {
    var start = i
    while start > 0 && i - start < 27 && isBase64URL(bytes[start - 1]) { start -= 1 }
    guard (24...26).contains(i - start), "MNO".utf8.contains(bytes[start]) else { return nil }
    let before = bytes.at(start - 1)
    guard !isBase64URL(before), before != ASCII.dot else { return nil }
    guard bytes.run(from: i + 1, limit: 6, isBase64URL) == i + 7 else { return nil }
    let end = bytes.run(from: i + 8, limit: 39, isBase64URL)
    guard (27...38).contains(end - i - 8), !isBase64URL(bytes.at(end)) else { return nil }
    // The first part is the bot's snowflake id (17-20 digits) in base64.
    let id = Base64URL.decode(bytes, start..<i)
    guard id.count >= 17, id.allSatisfy(isDigit) else { return nil }
    guard isRandom(i + 8..<end, minimumEntropy: 3.5) else { return end }
    add(start..<end, .discordBotToken)
    return end
  }

  mutating func terraformCloudToken(_ i: Int) -> Int? {
    let start = i - 14
    guard start >= 0, ValueChecks.isAll(bytes, start..<i, { isLower($0) || isDigit($0) }), !isAlnum(bytes.at(start - 1)) else { return nil }
    let bodyStart = i + 9
    let end = bytes.run(from: bodyStart, limit: 71, Alphabet.base64URLPadded.contains)
    guard (60...70).contains(end - bodyStart), !isAlnum(bytes.at(end)) else { return nil }
    guard isRandom(bodyStart..<end, minimumEntropy: 3.5) else { return end }
    add(start..<end, .terraformCloudToken)
    return end
  }

  /// Mailchimp API keys at the dash of `<32 hex>-us<1-2 digits>`.
  mutating func mailchimpKey(_ i: Int) -> Int? {
    guard bytes.at(i + 1) == UInt8(ascii: "u"), bytes.at(i + 2) == UInt8(ascii: "s"), isDigit(bytes.at(i + 3)), i >= 32 else { return nil }
    let start = i - 32
    guard ValueChecks.isAll(bytes, start..<i, Alphabet.lowerHex.contains), !isAlnum(bytes.at(start - 1)) else { return nil }
    let end = bytes.run(from: i + 3, limit: 3, isDigit)
    guard end - i - 3 <= 2, !isAlnum(bytes.at(end)) else { return nil }
    guard !TokenFormats.isPlaceholder(bytes, start..<i, small: true), ValueChecks.entropy(bytes, start..<i) >= 3.0 else { return end }
    add(start..<end, .mailchimpKey)
    return end
  }
}

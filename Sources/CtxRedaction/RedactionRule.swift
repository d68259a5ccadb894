import CtxCore
import Foundation

/// One kind of secret the redactor knows: a built-in matcher, or a regular expression a
/// connector configured. `id` names the rule in markers (`[REDACTED:<id>]`), counts and
/// findings.
public struct RedactionRule: Sendable, Hashable {
  public let id: String
  /// What the rule matches, in a few words (for `docs/redaction.md` and `--help` text).
  public let summary: String
  let kind: Kind

  enum Kind: Sendable, Hashable {
    case builtin(Builtin)
    case custom(CustomPattern)
  }

  public var isBuiltin: Bool {
    if case .builtin = kind { return true }
    return false
  }

  /// Every built-in rule, in the order documented in `docs/redaction.md`.
  public static let builtin: [RedactionRule] = Builtin.allCases.map {
    RedactionRule(id: $0.id, summary: $0.summary, kind: .builtin($0))
  }

  /// A rule from a regular expression (ICU syntax, as NSRegularExpression). When the pattern
  /// has a capture group, only group 1 is redacted, so `password=(\S+)` keeps the name.
  ///
  /// Patterns that start with a literal of three or more characters are only tried where that
  /// literal occurs; others run over the whole text, which is far slower on large inputs.
  public static func custom(id: String, pattern: String) throws(CtxError) -> RedactionRule {
    try validate(id: id)
    let regex: NSRegularExpression
    do {
      regex = try NSRegularExpression(pattern: pattern)
    } catch {
      throw CtxError(.invalidConfig, "redaction rule `\(id)`: the pattern `\(pattern)` is not a valid regular expression", cause: error)
    }
    let custom = CustomPattern(pattern: pattern, regex: SharedRegex(regex), prefix: literalPrefix(of: pattern))
    return RedactionRule(id: id, summary: "custom pattern `\(pattern)`", kind: .custom(custom))
  }

  /// Rule ids become part of the redacted text, so they are kept to `[a-z0-9-]` and can never
  /// carry secret bytes or break the marker.
  static func validate(id: String) throws(CtxError) {
    let valid = !id.isEmpty && id.utf8.count <= 64
      && id.utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == ASCII.dash }
      && id.utf8.first != ASCII.dash
    guard valid else {
      throw CtxError(.invalidConfig, "redaction rule id `\(id)` must be 1-64 characters of a-z, 0-9 and `-`, starting with a letter or digit")
    }
  }

  /// The literal text every match starts with, if the pattern begins with one of at least
  /// three characters (`glsa_[0-9a-f]{32}` → `glsa_`). Escaped punctuation counts as literal;
  /// a character followed by a quantifier does not. Patterns with inline flags get none.
  static func literalPrefix(of pattern: String) -> [UInt8]? {
    var bytes = Array(pattern.utf8)
    // A leading \b is zero-width.
    if bytes.starts(with: Array(#"\b"#.utf8)) { bytes.removeFirst(2) }
    var prefix: [UInt8] = []
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      var literal: UInt8
      var width = 1
      if b == ASCII.backslash {
        guard i + 1 < bytes.count else { break }
        let next = bytes[i + 1]
        // \d, \w, \s, \b ... are classes, not literals.
        guard !isAlnum(next) else { break }
        literal = next
        width = 2
      } else if isAlnum(b) || "_-:/=@# ,;!%&'\"<>~`".utf8.contains(b) {
        literal = b
      } else {
        break
      }
      let after = i + width < bytes.count ? bytes[i + width] : 0
      if after == UInt8(ascii: "?") || after == UInt8(ascii: "*") || after == UInt8(ascii: "{") { break }
      prefix.append(literal)
      i += width
    }
    return prefix.count >= 3 && prefix.allSatisfy({ $0 < 0x80 }) ? prefix : nil
  }
}

/// A connector-configured pattern, compiled once.
struct CustomPattern: Sendable, Hashable {
  var pattern: String
  var regex: SharedRegex
  var prefix: [UInt8]?

  static func == (a: CustomPattern, b: CustomPattern) -> Bool { a.pattern == b.pattern }
  func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}

/// NSRegularExpression is immutable once built and documented as safe to use from many
/// threads; Foundation on Linux does not mark it Sendable.
struct SharedRegex: @unchecked Sendable {
  let regex: NSRegularExpression
  init(_ regex: NSRegularExpression) { self.regex = regex }
}

/// The built-in rules. Order is priority when two rules claim the same start: specific token
/// formats first, then URL passwords, then the generic assignment rule.
enum Builtin: Int, CaseIterable, Sendable {
  case awsAccessKey
  case awsSecretKey
  case githubToken
  case gitlabToken
  case slackToken
  case slackWebhook
  case stripeKey
  case stripeWebhookSecret
  case googleAPIKey
  case npmToken
  case pypiToken
  case sendgridKey
  case openAIKey
  case anthropicKey
  case azureStorageKey
  case jwt
  case privateKey
  case urlPassword
  case genericSecret

  var id: String {
    switch self {
    case .awsAccessKey: "aws-access-key"
    case .awsSecretKey: "aws-secret-key"
    case .githubToken: "github-token"
    case .gitlabToken: "gitlab-token"
    case .slackToken: "slack-token"
    case .slackWebhook: "slack-webhook"
    case .stripeKey: "stripe-key"
    case .stripeWebhookSecret: "stripe-webhook-secret"
    case .googleAPIKey: "google-api-key"
    case .npmToken: "npm-token"
    case .pypiToken: "pypi-token"
    case .sendgridKey: "sendgrid-key"
    case .openAIKey: "openai-key"
    case .anthropicKey: "anthropic-key"
    case .azureStorageKey: "azure-storage-key"
    case .jwt: "jwt"
    case .privateKey: "private-key"
    case .urlPassword: "url-password"
    case .genericSecret: "generic-secret"
    }
  }

  var summary: String {
    switch self {
    case .awsAccessKey: "AWS access key id: AKIA/ASIA/ABIA/ACCA + 16 uppercase letters or digits"
    case .awsSecretKey: "AWS secret access key: 40 base64 characters assigned to an aws secret name"
    case .githubToken: "GitHub token: ghp_/gho_/ghu_/ghs_/ghr_ + 36 base62; github_pat_ + 22 + _ + 59"
    case .gitlabToken: "GitLab token: glpat-/gldt-/glrt-/glptt-/gloas-/glft-/glsoat-/glcbt- + 20 or more"
    case .slackToken: "Slack token: xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe-/xapp- + numeric segments"
    case .slackWebhook: "Slack incoming webhook: hooks.slack.com/services/T…/B…/secret"
    case .stripeKey: "Stripe secret or restricted key: sk_live_/rk_live_/sk_test_/rk_test_ + 20 or more base62"
    case .stripeWebhookSecret: "Stripe webhook signing secret: whsec_ + 24 or more base62"
    case .googleAPIKey: "Google API key: AIza + 35 base64url"
    case .npmToken: "npm access token: npm_ + 36 base62"
    case .pypiToken: "PyPI API token: pypi-AgEIcHlwaS5vcmc + macaroon"
    case .sendgridKey: "SendGrid API key: SG. + 22 + . + 43 base64url"
    case .openAIKey: "OpenAI API key: sk-proj-/sk-svcacct-/sk-admin- + 32 or more, or sk-…T3BlbkFJ…"
    case .anthropicKey: "Anthropic API key: sk-ant- + 32 or more base64url"
    case .azureStorageKey: "Azure storage account key: AccountKey= + 86-88 base64"
    case .jwt: "JSON Web Token: three base64url segments whose header decodes to JSON with \"alg\""
    case .privateKey: "PEM private key block body: -----BEGIN … PRIVATE KEY----- to -----END"
    case .urlPassword: "password in a URL: scheme://user:password@host"
    case .genericSecret: "high-entropy literal assigned to a password/secret/token/api key name"
    }
  }

  /// Higher wins when two candidates start at the same byte.
  var priority: UInt8 {
    switch self {
    case .genericSecret: 0
    case .urlPassword: 1
    default: 3
    }
  }
}

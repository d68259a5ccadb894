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
  case huggingfaceToken
  case vaultToken
  case databricksToken
  case digitaloceanToken
  case mailgunKey
  case grafanaServiceAccountToken
  case grafanaCloudToken
  case atlassianToken
  case bitbucketAppPassword
  case linearKey
  case dopplerToken
  case postmanKey
  case newRelicKey
  case ageSecretKey
  case telegramBotToken
  case azureADClientSecret
  case shopifyToken
  case sentryToken
  case squareToken
  case twilioKey
  case dynatraceToken
  case pulumiToken
  case planetscaleToken
  case flyioToken
  case googleOAuthToken
  case googleOAuthClientSecret
  case discordBotToken
  case cloudflareOriginKey
  case dockerHubToken
  case herokuKey
  case contentfulToken
  case brevoKey
  case rubygemsToken
  case clojarsToken
  case alibabaAccessKey
  case adobeClientSecret
  case duffelToken
  case dropboxToken
  case easypostKey
  case flutterwaveKey
  case frameioToken
  case terraformCloudToken
  case infracostKey
  case mailchimpKey
  case notionToken
  case octopusDeployKey
  case openshiftToken
  case prefectKey
  case readmeKey
  case sourcegraphToken
  case typeformToken
  case replicateToken
  case groqKey
  case perplexityKey
  case xaiKey
  case nvidiaKey
  case langsmithKey
  case supabaseToken
  case netlifyToken
  case buildkiteToken
  case circleciToken
  case figmaToken
  case posthogKey
  case harnessToken
  case jfrogKey
  case onePasswordToken
  case shippoToken
  case mapboxToken
  case hubspotToken
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
    case .huggingfaceToken: "huggingface-token"
    case .vaultToken: "vault-token"
    case .databricksToken: "databricks-token"
    case .digitaloceanToken: "digitalocean-token"
    case .mailgunKey: "mailgun-key"
    case .grafanaServiceAccountToken: "grafana-service-account-token"
    case .grafanaCloudToken: "grafana-cloud-token"
    case .atlassianToken: "atlassian-token"
    case .bitbucketAppPassword: "bitbucket-app-password"
    case .linearKey: "linear-api-key"
    case .dopplerToken: "doppler-token"
    case .postmanKey: "postman-api-key"
    case .newRelicKey: "newrelic-key"
    case .ageSecretKey: "age-secret-key"
    case .telegramBotToken: "telegram-bot-token"
    case .azureADClientSecret: "azure-ad-client-secret"
    case .shopifyToken: "shopify-token"
    case .sentryToken: "sentry-token"
    case .squareToken: "square-token"
    case .twilioKey: "twilio-api-key"
    case .dynatraceToken: "dynatrace-token"
    case .pulumiToken: "pulumi-token"
    case .planetscaleToken: "planetscale-token"
    case .flyioToken: "flyio-token"
    case .googleOAuthToken: "google-oauth-token"
    case .googleOAuthClientSecret: "google-oauth-client-secret"
    case .discordBotToken: "discord-bot-token"
    case .cloudflareOriginKey: "cloudflare-origin-ca-key"
    case .dockerHubToken: "dockerhub-token"
    case .herokuKey: "heroku-token"
    case .contentfulToken: "contentful-token"
    case .brevoKey: "brevo-key"
    case .rubygemsToken: "rubygems-token"
    case .clojarsToken: "clojars-token"
    case .alibabaAccessKey: "alibaba-access-key"
    case .adobeClientSecret: "adobe-client-secret"
    case .duffelToken: "duffel-token"
    case .dropboxToken: "dropbox-token"
    case .easypostKey: "easypost-key"
    case .flutterwaveKey: "flutterwave-key"
    case .frameioToken: "frameio-token"
    case .terraformCloudToken: "terraform-cloud-token"
    case .infracostKey: "infracost-key"
    case .mailchimpKey: "mailchimp-key"
    case .notionToken: "notion-token"
    case .octopusDeployKey: "octopus-deploy-key"
    case .openshiftToken: "openshift-token"
    case .prefectKey: "prefect-key"
    case .readmeKey: "readme-key"
    case .sourcegraphToken: "sourcegraph-token"
    case .typeformToken: "typeform-token"
    case .replicateToken: "replicate-token"
    case .groqKey: "groq-key"
    case .perplexityKey: "perplexity-key"
    case .xaiKey: "xai-key"
    case .nvidiaKey: "nvidia-key"
    case .langsmithKey: "langsmith-key"
    case .supabaseToken: "supabase-token"
    case .netlifyToken: "netlify-token"
    case .buildkiteToken: "buildkite-token"
    case .circleciToken: "circleci-token"
    case .figmaToken: "figma-token"
    case .posthogKey: "posthog-key"
    case .harnessToken: "harness-token"
    case .jfrogKey: "jfrog-key"
    case .onePasswordToken: "1password-token"
    case .shippoToken: "shippo-token"
    case .mapboxToken: "mapbox-secret-token"
    case .hubspotToken: "hubspot-token"
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
    case .huggingfaceToken: "Hugging Face token: hf_ or api_org_ + 34 letters"
    case .vaultToken: "HashiCorp Vault token: hvs. + 90-120 or hvb. + 138-300 base64url"
    case .databricksToken: "Databricks token: dapi + 32 hex"
    case .digitaloceanToken: "DigitalOcean token: dop_v1_/doo_v1_/dor_v1_ + 64 hex"
    case .mailgunKey: "Mailgun API key: key- + 32 hex"
    case .grafanaServiceAccountToken: "Grafana service account token: glsa_ + 32 + _ + 8 hex"
    case .grafanaCloudToken: "Grafana Cloud token: glc_ + 32-400 base64"
    case .atlassianToken: "Atlassian API token: ATATT3/ATCTT3 + 150-250"
    case .bitbucketAppPassword: "Bitbucket app password: ATBB + 32"
    case .linearKey: "Linear API key: lin_api_ + 40"
    case .dopplerToken: "Doppler token: dp.pt./dp.st./dp.ct./dp.sa./dp.scim./dp.audit. + 40-44"
    case .postmanKey: "Postman API key: PMAK- + 24 hex + - + 34 hex"
    case .newRelicKey: "New Relic key: NRAK- + 27, NRII- + 32"
    case .ageSecretKey: "age secret key: AGE-SECRET-KEY-1 + 58 bech32"
    case .telegramBotToken: "Telegram bot token: 8-10 digit id + :AA + 33 base64url"
    case .azureADClientSecret: "Azure AD client secret: 3 + digit + Q~ + 31-34"
    case .shopifyToken: "Shopify token: shpat_/shpca_/shppa_/shpss_ + 32 hex"
    case .sentryToken: "Sentry token: sntrys_ + base64, sntryu_ + 64 hex"
    case .squareToken: "Square token: sq0atp- + 22, sq0csp- + 43, EAAA + 60"
    case .twilioKey: "Twilio API key: SK + 32 hex"
    case .dynatraceToken: "Dynatrace token: dt0c01. + 24 + . + 64"
    case .pulumiToken: "Pulumi access token: pul- + 40 hex"
    case .planetscaleToken: "PlanetScale token: pscale_tkn_/pscale_pw_/pscale_oauth_ + 32-64"
    case .flyioToken: "Fly.io token: fo1_ + 43, fm1a_/fm1r_/fm2_ + 100 or more base64"
    case .googleOAuthToken: "Google OAuth access token: ya29. + 50 or more base64url"
    case .googleOAuthClientSecret: "Google OAuth client secret: GOCSPX- + 28"
    case .discordBotToken: "Discord bot token: base64 bot id + . + 6 + . + 27-38"
    case .cloudflareOriginKey: "Cloudflare origin CA key: v1.0- + 24 hex + - + 146 hex"
    case .dockerHubToken: "Docker Hub token: dckr_pat_ + 27, dckr_oat_ + 32"
    case .herokuKey: "Heroku API key: HRKU-AA + 58"
    case .contentfulToken: "Contentful token: CFPAT- + 43"
    case .brevoKey: "Brevo (Sendinblue) key: xkeysib- + 64 hex + - + 16"
    case .rubygemsToken: "RubyGems API key: rubygems_ + 48 hex"
    case .clojarsToken: "Clojars deploy token: CLOJARS_ + 60"
    case .alibabaAccessKey: "Alibaba Cloud AccessKey id: LTAI + 20"
    case .adobeClientSecret: "Adobe client secret: p8e- + 32"
    case .duffelToken: "Duffel token: duffel_test_/duffel_live_ + 43"
    case .dropboxToken: "Dropbox short-lived token: sl. + 130 or more base64url"
    case .easypostKey: "EasyPost key: EZAK/EZTK + 54"
    case .flutterwaveKey: "Flutterwave secret key: FLWSECK-/FLWSECK_TEST- + 32 hex + -X"
    case .frameioToken: "Frame.io token: fio-u- + 64"
    case .terraformCloudToken: "Terraform Cloud token: 14 + .atlasv1. + 60-70"
    case .infracostKey: "Infracost API key: ico- + 32"
    case .mailchimpKey: "Mailchimp API key: 32 hex + -us + data center"
    case .notionToken: "Notion token: ntn_ + 46, secret_ + 43"
    case .octopusDeployKey: "Octopus Deploy API key: API- + 26"
    case .openshiftToken: "OpenShift token: sha256~ + 43"
    case .prefectKey: "Prefect API key: pnu_ + 36"
    case .readmeKey: "ReadMe API key: rdme_ + 70"
    case .sourcegraphToken: "Sourcegraph token: sgp_ + 40 hex (or 16 hex + _ + 40 hex)"
    case .typeformToken: "Typeform token: tfp_ + 59"
    case .replicateToken: "Replicate API token: r8_ + 37"
    case .groqKey: "Groq API key: gsk_ + 52"
    case .perplexityKey: "Perplexity API key: pplx- + 48"
    case .xaiKey: "xAI API key: xai- + 80"
    case .nvidiaKey: "NVIDIA API key: nvapi- + 64"
    case .langsmithKey: "LangSmith key: lsv2_pt_/lsv2_sk_ + 32 hex + _ + 10 hex"
    case .supabaseToken: "Supabase access token: sbp_ + 40 hex"
    case .netlifyToken: "Netlify token: nfp_ + 36"
    case .buildkiteToken: "Buildkite token: bkua_ + 40 hex"
    case .circleciToken: "CircleCI personal token: CCIPAT_ + 22 + _ + 40 hex"
    case .figmaToken: "Figma token: figd_ + 40"
    case .posthogKey: "PostHog personal key: phx_ + 43"
    case .harnessToken: "Harness token: pat. + 22 + . + 24 hex + . + 20"
    case .jfrogKey: "JFrog API key: AKCp + 69"
    case .onePasswordToken: "1Password service account token: ops_eyJ + 250 or more base64"
    case .shippoToken: "Shippo token: shippo_live_/shippo_test_ + 40 hex"
    case .mapboxToken: "Mapbox secret token: sk.eyJ… + . + 20-30"
    case .hubspotToken: "HubSpot private app token: pat-na1-/pat-eu1- + UUID"
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

import CtxCore
import CtxRedaction
import Testing

// Fake values below are random characters in the documented shapes, not real credentials.

@Suite struct RedactorTests {
  let redactor = Redactor()

  struct Case: CustomTestStringConvertible, Sendable {
    var input: String
    var output: String
    var testDescription: String { output }
  }

  /// Exact outputs: the value becomes the marker and everything around it stays.
  @Test(arguments: [
    Case(input: #"aws_secret_access_key = "h4Kq9ZtV2mR7pLxW1sNc8bJf3GyD6uEo0aTiQeXk""#, output: #"aws_secret_access_key = "[REDACTED:aws-secret-key]""#),
    Case(input: "AWS_ACCESS_KEY_ID=AKIAQ7RTXM2KVPZ4HB6N\n", output: "AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key]\n"),
    Case(input: "https://user:Zq8!vR2mKp@host/", output: "https://user:[REDACTED:url-password]@host/"),
    Case(input: "redis://:b7Gk2pQz9XwL@cache:6379/0", output: "redis://:[REDACTED:url-password]@cache:6379/0"),
    Case(input: "token: ghp_R4nD0mV4lu3sAr3N0tR34lT0k3nZq8Wx2Yk7", output: "token: [REDACTED:github-token]"),
    Case(input: "glpat-9fKq2ZxW7mRtYb4N1cVs more", output: "[REDACTED:gitlab-token] more"),
    Case(input: "SLACK=xoxb-482913745012-6618204957731-Jq8ZkP2mXw7RtV4bN9cL1sHd", output: "SLACK=[REDACTED:slack-token]"),
    Case(
      input: "url: https://hooks.slack.com/services/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",
      output: "url: https://hooks.slack.com/services/[REDACTED:slack-webhook]"),
    Case(input: "Stripe('sk_live_4fQ9zK2mX7pR1tW8vN3bY6cL')", output: "Stripe('[REDACTED:stripe-key]')"),
    Case(input: "key=AIzaSyD4fQ9zK2mX7pR1tW8vN3bY6cL0hJ5gT2e", output: "key=[REDACTED:google-api-key]"),
    Case(
      input: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
      output: "Authorization: Bearer [REDACTED:jwt]"),
    Case(input: #"db_password = "k9#Tq2!vZr8Lm""#, output: #"db_password = "[REDACTED:generic-secret]""#),
    Case(input: "  --password Xq7!mK2pZr9v build", output: "  --password [REDACTED:generic-secret] build"),
    Case(input: #"{"client_secret": "hT3kQ9zX2mW7pR1vN8bY4cL6"}"#, output: #"{"client_secret": "[REDACTED:generic-secret]"}"#),
    // Base64 may start with `/`; it is not a path.
    Case(input: #"secret = "/d3RmNwI6FFb6wH9ufvio/qDa8hvEeBD/Unspsb5""#, output: #"secret = "[REDACTED:generic-secret]""#),
    // `#` left unescaped in a URL password.
    Case(input: "postgres://app:-y#eFr0lojKUr3@10.0.3.7/orders", output: "postgres://app:[REDACTED:url-password]@10.0.3.7/orders"),
  ])
  func redactsTheValueOnly(_ example: Case) {
    let result = redactor.redact(example.input)
    #expect(result.text == example.output)
    #expect(result.didRedact)
  }

  @Test func privateKeyBodyIsRedactedAndTheArmourKept() throws {
    let body = (0..<12).map { _ in "MIIEpAIBAAKCAQEAx7Zq2KpR9mVtW4bN8cL1sHdJf3GyD6uEo0aTiQeXkPZr" }.joined(separator: "\n")
    let text = "key:\n-----BEGIN RSA PRIVATE KEY-----\n\(body)\n-----END RSA PRIVATE KEY-----\ndone\n"
    let result = redactor.redact(text)
    // The body's line breaks stay, so every later line keeps its number.
    #expect(result.text == "key:\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:private-key]" + String(repeating: "\n", count: 11) + "\n-----END RSA PRIVATE KEY-----\ndone\n")
    #expect(result.text.split(separator: "\n", omittingEmptySubsequences: false).count == text.split(separator: "\n", omittingEmptySubsequences: false).count)
    let finding = try #require(result.findings.first)
    #expect(finding.line == 3)
    #expect(finding.column == 1)
    #expect(finding.endLine == 14)
  }

  @Test func privateKeyInsideAJSONString() {
    let body = String(repeating: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", count: 4)
    let text = #"{"private_key": "-----BEGIN PRIVATE KEY-----\n"# + body + #"\n-----END PRIVATE KEY-----\n"}"#
    #expect(redactor.redact(text).text == #"{"private_key": "-----BEGIN PRIVATE KEY-----\n[REDACTED:private-key]\n-----END PRIVATE KEY-----\n"}"#)
  }

  @Test func nothingToRedactReturnsTheSameTextAndNoCounts() {
    let text = "func main() {\n\tx := map[string]int{\"a\": 1}\n\tfmt.Println(x == nil)\n}\n"
    let result = redactor.redact(text)
    #expect(result.text == text)
    #expect(result.counts.isEmpty)
    #expect(result.findings.isEmpty)
    #expect(!result.didRedact)
  }

  @Test func countsAndFindingsNameTheRuleAndPlaceNeverTheValue() {
    let text = "a = 1\nAKIAQ7RTXM2KVPZ4HB6N and AKIAZ3WBN7QKXR2MTP5V\n  pwd: \"Zq8!vR2mKp4T\"\n"
    let result = redactor.redact(text)
    #expect(result.counts == ["aws-access-key": 2, "generic-secret": 1])
    #expect(result.findings.map(\.rule) == ["aws-access-key", "aws-access-key", "generic-secret"])
    #expect(result.findings.map(\.line) == [2, 2, 3])
    #expect(result.findings.map(\.column) == [1, 26, 9])
    #expect(result.findings[0].endColumn == 21)
    #expect(!String(describing: result.findings).contains("AKIAQ7RTXM2KVPZ4HB6N"))
  }

  @Test func allowPatternsKeepMatchingValues() throws {
    let text = "AKIAQ7RTXM2KVPZ4HB6N AKIAZ3WBN7QKXR2MTP5V"
    let byRegex = try Redactor(allowPatterns: ["^AKIAQ7"])
    #expect(byRegex.redact(text).text == "AKIAQ7RTXM2KVPZ4HB6N [REDACTED:aws-access-key]")
    let byLiteral = try Redactor(allowPatterns: ["AKIAZ3WBN7QKXR2MTP5V"])
    #expect(byLiteral.redact(text).text == "[REDACTED:aws-access-key] AKIAZ3WBN7QKXR2MTP5V")
  }

  @Test func badAllowPatternIsAConfigErrorNamingIt() {
    #expect {
      try Redactor(allowPatterns: ["ok", "(unclosed"])
    } throws: { error in
      let error = error as? CtxError
      return error?.code == .invalidConfig && error?.message.contains("`(unclosed`") == true
    }
  }

  @Test func customRulesWithAndWithoutLiteralPrefix() throws {
    let prefixed = try RedactionRule.custom(id: "acme-token", pattern: #"acme_[0-9a-f]{16}"#)
    let grouped = try RedactionRule.custom(id: "pin", pattern: #"(?i)pin code: (\d{4,8})"#)
    let redactor = try Redactor(extraRules: [prefixed, grouped])
    let result = redactor.redact("x acme_0123456789abcdef y\nPIN code: 48213\n")
    #expect(result.text == "x [REDACTED:acme-token] y\nPIN code: [REDACTED:pin]\n")
    #expect(redactor.rules.suffix(2).map(\.id) == ["acme-token", "pin"])
    #expect(!redactor.rules.suffix(2).contains { $0.isBuiltin })
  }

  @Test func customRuleErrors() {
    #expect(throws: CtxError.self) { try RedactionRule.custom(id: "Bad Id", pattern: "x+") }
    #expect(throws: CtxError.self) { try RedactionRule.custom(id: "ok", pattern: "[") }
    #expect {
      try Redactor(extraRules: [try RedactionRule.custom(id: "jwt", pattern: "abc")])
    } throws: { ($0 as? CtxError)?.code == .invalidConfig }
  }

  @Test func builtinRuleIdsAreUniqueAndMarkerSafe() {
    let ids = RedactionRule.builtin.map(\.id)
    #expect(Set(ids).count == ids.count)
    #expect(ids.allSatisfy { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } })
    #expect(RedactionRule.builtin.allSatisfy { $0.isBuiltin && !$0.summary.isEmpty })
  }

  /// Values that are code, templates or documentation, not secrets.
  @Test(arguments: [
    #"password = request.form["password"]"#,
    "token = get_token()",
    "auth := registry.AuthConfig{",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "password: ${DB_PASSWORD}",
    #"secret = "{{ .Values.secret }}""#,
    "token: process.env.TOKEN",
    #"api_key = os.getenv("API_KEY")"#,
    #"password: "*****""#,
    #"password = "changeme""#,
    #"session_token = "123e4567-e89b-42d3-a456-426614174000""#,
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "PWD=/home/ci/build",
    "//  name:password:UID:GID:GECOS:directory:shell",
    #"oauth2ServiceAccountKey = "oauth2.google.serviceAccount""#,
    "private_key: /etc/ssl/private/server.key",
    #"return fmt.Errorf("cannot fetch token: %v\nResponse: %s", err, body)"#,
    #"RUN sh -c "[ "$PWD" = "`+expected+`" ]""#,
    "secret_key: !!binary |",
    "  apiKey: apiKeyV2,",
    "ssh://git@github.com:22/acme/app.git",
  ])
  func leavesLookAlikesAlone(_ text: String) {
    #expect(redactor.redact(text).text == text)
  }
}

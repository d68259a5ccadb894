import CtxCore
import CtxRedaction
import Foundation
import Testing

/// Properties every redaction must have, checked on the labeled set and on generated text.
@Suite struct RedactionPropertyTests {
  let redactor = Redactor()

  /// The labeled texts, plus deterministic noise gluing labeled texts, pieces that trigger
  /// matchers and random base64 together (secrets next to secrets, markers next to names).
  static func corpus() throws -> [String] {
    let labeled = try LabeledSet.load(LabeledSetTests.fixture).map(\.text)
    var texts = labeled + [
      // A token glued to the value after it: its boundary only appears once that value is
      // redacted, which the settle pass must catch.
      "whsec_q02lBfZbHspSyUIuvaQ0wt3yqF2JUcu1SECRET=pKrcrptcsnsWEcN0yCvky5updnDn3XJ7QmCPoGZA",
      "[REDACTED:generic-secret] = \"Zq8!vR2mKp4T\"",
    ]
    var generator = SeededGenerator(seed: 7)
    let pieces = [
      "AKIA", "ASIA", "AIza", "ghp_", "github_pat_", "glpat-", "xoxb-", "sk_live_", "sk-ant-", "npm_", "SG.", "eyJ", "eyJhbGciOiJIUzI1NiJ9",
      ".", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "://", ":", "=", "==", "@", "\"", "'", " ", "\n", "\\n",
      "password", "token", "secret", "--password ", "api_key", "Bearer ", "é", "日本", "[REDACTED:jwt]", "hooks.slack.com/services/",
    ]
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
    for _ in 0..<1500 {
      var text = ""
      for _ in 0..<(generator.next() % 24) {
        let choice = generator.next() % 10
        if choice < 3 {
          text += labeled[Int(generator.next() % UInt64(labeled.count))]
        } else if choice < 7 {
          text += pieces[Int(generator.next() % UInt64(pieces.count))]
        } else {
          text += String((0..<(8 + generator.next() % 40)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
      }
      texts.append(text)
    }
    return texts
  }

  @Test func redactingTwiceChangesNothing() throws {
    for text in try Self.corpus() {
      let once = redactor.redact(text)
      let twice = redactor.redact(once.text)
      #expect(twice.text == once.text, "\(once.text.debugDescription)")
      #expect(twice.findings.isEmpty)
    }
  }

  /// Rebuilding the input with each finding's range replaced by its marker (and the range's
  /// line breaks, which are kept) gives the output: nothing outside a redacted span moved or
  /// changed, and no line moved.
  @Test func outputDiffersOnlyInsideRedactedSpans() throws {
    for text in try Self.corpus() {
      let result = redactor.redact(text)
      let input = Array(text.utf8)
      var rebuilt: [UInt8] = []
      var position = 0
      for finding in result.findings {
        #expect(finding.utf8Range.lowerBound >= position)
        rebuilt += input[position..<finding.utf8Range.lowerBound]
        rebuilt += Array("[REDACTED:\(finding.rule)]".utf8)
        rebuilt += input[finding.utf8Range].filter { $0 == 0x0A }
        position = finding.utf8Range.upperBound
      }
      rebuilt += input[position...]
      #expect(rebuilt == Array(result.text.utf8))
    }
  }

  /// No redacted value survives, and markers are built from rule ids alone.
  @Test func markersNeverCarrySecretBytes() throws {
    for example in try LabeledSet.load(LabeledSetTests.fixture) where example.rule != nil {
      let result = redactor.redact(example.text)
      let input = Array(example.text.utf8)
      for finding in result.findings where finding.utf8Range.count >= 8 {
        let value = String(decoding: input[finding.utf8Range], as: UTF8.self)
        #expect(!result.text.contains(value), "line \(example.line)")
      }
    }
    let ids = Set(redactor.rules.map(\.id))
    let markers = try Regex(#"\[REDACTED:([a-z0-9-]+)\]"#)
    let sample = redactor.redact("a AKIAQ7RTXM2KVPZ4HB6N b postgres://u:Zq8!vR2mKp@h/ c").text
    #expect(sample.matches(of: markers).allSatisfy { ids.contains(String($0.output[1].substring ?? "")) })
  }

  @Test func emptyInvalidAndHugeInputsNeverCrash() {
    #expect(redactor.redact("").text == "")
    // Invalid UTF-8 arrives as replacement characters; bytes around them still scan.
    let broken = String(decoding: [0xFF, 0xFE, 0x41, 0x4B, 0x49, 0x41] + Array("Q7RTXM2KVPZ4HB6N".utf8) + [0xC3], as: UTF8.self)
    #expect(redactor.redact(broken).text == "\u{FFFD}\u{FFFD}[REDACTED:aws-access-key]\u{FFFD}")
    // Unterminated constructs at the very end of the text.
    for tail in ["-----BEGIN RSA PRIVATE KEY-----", "eyJ", "eyJhbGciOiJIUzI1NiJ9.", "https://u:", "password = \"", "password=", "--password", "AKIA", "sk-", "SG.", ":"] {
      _ = redactor.redact(tail)
      _ = redactor.redact("x " + tail)
    }
    // Long runs of trigger bytes and one enormous line.
    _ = redactor.redact(String(repeating: "=", count: 100_000))
    _ = redactor.redact(String(repeating: "password=", count: 20_000))
    _ = redactor.redact(String(repeating: "-", count: 100_000))
    _ = redactor.redact("password: \"" + String(repeating: "a1", count: 200_000))
  }

  /// Ten megabytes of ordinary source code: completes, and finds nothing. (Not timed; the
  /// benchmark executable measures speed.)
  @Test func tenMegabytesWithoutSecrets() {
    let chunk = """
      func (s *Server) handle(w http.ResponseWriter, r *http.Request) error {
      \tif r.Method != http.MethodPost { return errNotAllowed }
      \tctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
      \tdefer cancel()
      \tvar body = map[string]string{"name": r.FormValue("name"), "kind": "A"}
      \tlog.Printf("handled %s in %v: %d bytes", r.URL.Path, time.Since(start), n) // see https://example.com/docs
      \treturn json.NewEncoder(w).Encode(body)
      }

      """
    let text = String(repeating: chunk, count: 10_000_000 / chunk.utf8.count + 1)
    let result = redactor.redact(text)
    #expect(result.findings.isEmpty)
    #expect(result.text.utf8.count == text.utf8.count)
  }
}

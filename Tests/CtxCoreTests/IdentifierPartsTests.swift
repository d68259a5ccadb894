import CtxCore
import Testing

@Suite struct IdentifierPartsTests {
  @Test(arguments: [
    ("validateSession", ["validate", "session"]),
    ("ValidateSession", ["validate", "session"]),
    ("validate_session", ["validate", "session"]),
    ("VALIDATE_SESSION", ["validate", "session"]),
    ("parseHTTPHeader2", ["parse", "http", "header", "2"]),
    ("HTTPServer", ["http", "server"]),
    ("x", ["x"]),
  ])
  func splitsIdentifiers(input: String, expected: [String]) {
    #expect(IdentifierParts.split(input[...]) == expected)
  }

  @Test func expansionListsCamelCasePartsOnce() {
    let text = "func validateSession(token: SessionToken) { validateSession(x); snake_case }"
    #expect(IdentifierParts.expansion(of: text) == "validate session token")
  }

  @Test func findsIdentifiers() {
    #expect(IdentifierParts.identifiers(in: "a.b_c(1x2) + _d").map(String.init) == ["a", "b_c", "x2", "_d"])
  }
}

@Suite struct GlobTests {
  @Test(arguments: [
    ("**/vendor/**", "vendor/a.go", true),
    ("**/vendor/**", "x/vendor/y/z.go", true),
    ("**/vendor/**", "vendors/a.go", false),
    ("src/**", "src/a/b.ts", true),
    ("src/**", "lib/src/a.ts", false),
    ("*.min.js", "web/app.min.js", true),
    ("*.md", "README.md", true),
    ("docs/*.md", "docs/a/b.md", false),
    ("docs/*.md", "docs/b.md", true),
    ("vendor/", "vendor/x/y.c", true),
    ("**/*.{js,ts}", "a/b/c.ts", true),
    ("**/*.{js,ts}", "a/b/c.go", false),
    ("file[0-9].txt", "file7.txt", true),
    ("file[!0-9].txt", "file7.txt", false),
    ("**", "anything/at/all", true),
    ("a?c", "abc", true),
    ("a?c", "a/c", false),
  ])
  func matches(pattern: String, path: String, expected: Bool) {
    #expect(Glob(pattern).matches(path) == expected, "\(pattern) vs \(path)")
  }

  @Test func filterNeedsIncludeAndNoExclude() {
    let filter = PathFilter(include: [Glob("src/**")], exclude: [Glob("**/gen/**")])
    #expect(filter.admits("src/a.swift"))
    #expect(!filter.admits("src/gen/a.swift"))
    #expect(!filter.admits("other/a.swift"))
  }
}

@Suite struct LanguageTests {
  @Test func detectsByExtensionAndName() {
    #expect(Language.detect(path: "Sources/a/b.swift") == "swift")
    #expect(Language.detect(path: "x/Makefile") == "make")
    #expect(Language.detect(path: "a.TS") == "typescript")
    #expect(Language.detect(path: ".gitignore") == nil)
  }
}

@Suite struct ExpansionTests {
  @Test(arguments: [
    ("parseHTTPHeader2 fooBar", "parse http header foo bar"),
    ("snake_case SCREAMING_CASE plain Word", ""),
    ("é validateSession(ünïcode) x.getUserID", "validate session get user id"),
    ("XMLHttpRequest xmlHTTP", "xml http request"),
    // Repeats are skipped whole; a new spelling or a longer identifier still adds its parts.
    ("fooBar fooBar FooBar fooBarBaz fooBar_qux fooBar", "foo bar baz qux"),
  ])
  func expandsOnlyCamelCase(text: String, expected: String) {
    #expect(IdentifierParts.expansion(of: text) == expected)
  }

  /// Hundreds of distinct words (the table of words already written grows several times),
  /// each repeated: every word once, in first-seen order, and the limit still holds.
  @Test func listsManyWordsOnceInOrder() {
    func word(_ number: Int) -> String {
      var letters = ""
      var rest = number
      repeat {
        letters.append(Character(Unicode.Scalar(UInt8(97 + rest % 26))))
        rest /= 26
      } while rest > 0
      return "k" + letters
    }
    let identifiers = (0..<300).map { "get" + word($0).prefix(1).uppercased() + word($0).dropFirst() + "Value" }
    let text = (identifiers + identifiers.reversed()).joined(separator: " ")
    let expected = (["get", word(0), "value"] + (1..<300).map(word)).joined(separator: " ")
    #expect(IdentifierParts.expansion(of: text) == expected)
    let limited = IdentifierParts.expansion(of: text, limit: 100)
    #expect(limited.utf8.count < 100 + 8 && expected.hasPrefix(limited))
  }
}

@Suite struct HexTests {
  /// Every byte value, from contiguous storage and from a sequence without it, against the
  /// standard library's own formatting.
  @Test func everyByteAsTwoLowercaseDigits() {
    let bytes = (0...255).map(UInt8.init)
    let expected = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    #expect(Hex.lowercase(bytes) == expected)
    #expect(Hex.lowercase(bytes.lazy.map { $0 }) == expected)
    #expect(Hex.lowercase(stride(from: 0, through: 255, by: 1).lazy.map(UInt8.init)) == expected)
    #expect(Hex.lowercase([UInt8]()) == "")
  }
}

import CtxCore
import CtxConnectors
import CtxGit
import Testing

@Suite struct MentionsTests {
  @Test(arguments: [
    // Code spans are trusted.
    ("Call `validateSession` first", [], ["validateSession"], [], []),
    ("Edit `auth/session.ts`", ["auth/session.ts"], [], [], []),
    ("See `README.md`", ["README.md"], [], [], []),
    ("Use `IndexStore.write()` here", [], ["IndexStore.write"], [], []),
    ("Run `ctx index --full`", [], [], [], []),
    ("Reverted in `9fceb02`", [], [], ["9fceb02"], []),
    ("`true` and `nil` are not names", [], [], [], []),
    // Prose needs a code shape.
    ("The validateSession helper and validate_session too", [], ["validateSession", "validate_session"], [], []),
    ("Plain English words like Session or session do not count", [], [], [], []),
    ("ADRs and APIs and OK are not identifiers", [], [], [], []),
    ("Call parse() then Config::load", [], ["parse", "Config::load"], [], []),
    ("It lives in src/auth/session.ts and Package.swift", ["src/auth/session.ts", "Package.swift"], [], [], []),
    ("Either client/server or and/or is prose", [], [], [], []),
    ("Read [the guide](docs/guide/auth.md#expiry) or https://example.com/a/b.md", ["docs/guide/auth.md"], [], [], []),
    // Commits: after "commit", in backticks, in URLs, or 40 characters.
    ("Fixed in commit 4f2a9c1 yesterday", [], [], ["4f2a9c1"], []),
    ("The number 1234567 and deadbee are not commits", [], [], [], []),
    ("See https://github.com/o/r/commit/4f2a9c1e0b and https://github.com/o/r/issues/77", [], [], ["4f2a9c1e0b"], ["#77"]),
    ("Full id 0123456789abcdef0123456789abcdef01234567 works anywhere", [], [], ["0123456789abcdef0123456789abcdef01234567"], []),
    // Issues.
    ("Tracked in #123, GH-45 and PROJ-9", [], [], [], ["#123", "GH-45", "PROJ-9"]),
    ("UTF-8, SHA-1, ISO-8601, ADR-012 and RFC-2119 are not issues; nor is &#123; or #0", [], [], [], []),
  ] as [(String, [String], [String], [String], [String])])
  func extraction(text: String, paths: [String], identifiers: [String], commits: [String], issues: [String]) {
    let mentions = DocumentMentions.extract(from: text)
    #expect(mentions.paths == paths)
    #expect(mentions.identifiers == identifiers)
    #expect(mentions.commits == commits)
    #expect(mentions.issues == issues)
  }

  @Test func fencedCodeIsNotMentions() {
    let text = "Intro `alpha_beta`\n```swift\nlet fooBar = baz_qux()\n```\nafter gammaDelta"
    #expect(DocumentMentions.extract(from: text).identifiers == ["alpha_beta", "gammaDelta"])
  }

  @Test func listsAreDeduplicatedAndBounded() {
    let text = (0..<200).map { "`name\($0)Value` `name0Value`" }.joined(separator: " ")
    let mentions = DocumentMentions.extract(from: text)
    #expect(mentions.identifiers.count == Mentions.limit)
    #expect(Set(mentions.identifiers).count == Mentions.limit)
  }
}

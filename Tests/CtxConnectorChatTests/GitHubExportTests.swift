@testable import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// Pull requests and issues from a `gh api --paginate` export (fixtures written for these
/// tests in the REST API's shape: concatenated pages, a deleted user, a bot, a fork's head, an
/// outdated review comment with a suggestion, a locked issue, a comment on an issue the export
/// does not hold).
@Suite struct GitHubExportTests {
  @Test func pullRequestsAndIssuesBecomeThreads() async throws {
    let result = try await ChatExportReader.read(config: ChatOptions(format: .github, path: Fixture.path("github")))
    #expect(result.issues.isEmpty, "\(result.issues)")
    #expect(result.conversations.map(\.name) == ["pallets/flaskdemo"])
    let threads = result.threads
    #expect(threads.count == 3)  // #12, #4691, #4692; the comment on #9999 has no thread

    let pull = try #require(threads.first { $0.messages.first?.text.hasPrefix("Pull request #4692") == true })
    let root = try #require(pull.messages.first)
    #expect(root.author == "davidism")
    #expect(root.text.hasPrefix("Pull request #4692: add json provider interface\nmerged 2022-07-14; merge commit 9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c; head commit 0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d; labels: feature\n\nThe `JSONProvider` interface"), "\(root.text)")
    #expect(!root.text.contains("Before opening a PR"), "template comments are dropped")
    #expect(root.mentions.identifiers.contains("JSONProvider"))
    #expect(root.mentions.commits == ["9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c", "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d"], "\(root.mentions.commits)")
    // Comments, review comments and reviews follow in time order; the bot and the empty
    // COMMENTED review are left out.
    #expect(pull.messages.map(\.author) == ["davidism", "pgjones", "pgjones", "pgjones", "pgjones"], "\(pull.messages.map(\.text))")
    #expect(pull.messages[1].text == "Review comment on `src/flask/json/provider.py`:15:\n`sort_keys` should default to True here, as before.")
    #expect(pull.messages[1].mentions.paths == ["src/flask/json/provider.py"])
    #expect(pull.messages[2].text.hasPrefix("Review comment on `src/flask/json/__init__.py`:3 (outdated):\n```suggestion"))
    #expect(pull.messages[3].text.hasPrefix("Why a provider rather than a setting?") && pull.messages[3].edited)
    #expect(pull.messages[4].text == "Review (approved):\nLooks good once sort_keys is restored.")
    #expect(!pull.messages.contains { $0.text.contains("Bumps orjson") })

    let issue = try #require(threads.first { $0.messages.first?.text.hasPrefix("Issue #4691") == true })
    #expect(issue.messages.map(\.author) == ["ghost", "ghost"])
    #expect(issue.messages[0].text == "Issue #4691: Setting a custom JSONEncoder is awkward\nclosed; locked (resolved)")
    // Threads keep their time: the root's ts is its creation time.
    #expect(issue.threadTS.hasPrefix("1657620000."))
  }

  @Test func botsAreKeptWhenAskedAndBadFilesAreNamed() async throws {
    let scratch = ScratchDirectory()
    let export = try Fixture.copy("github", into: scratch)
    var options = ChatOptions(format: .github, path: export)
    options.includeBots = true
    let withBots = try await ChatExportReader.read(config: options)
    #expect(withBots.messages(in: "pallets/flaskdemo").contains { $0.author == "dependabot[bot]" })

    try "[{\"number\": 1, \"title\": \"x\", \"created_at\": \"2022-01-01T00:00:00Z\"}] [ {\"number\": 2,".write(
      toFile: export + "/pallets+flaskdemo/issues.json", atomically: true, encoding: .utf8)
    try "{\"message\": \"API rate limit exceeded\", \"documentation_url\": \"https://docs.github.com\"}".write(
      toFile: export + "/pallets+flaskdemo/pulls.json", atomically: true, encoding: .utf8)
    let damaged = try await ChatExportReader.read(config: ChatOptions(format: .github, path: export))
    let messages = damaged.issues.map { "\($0.path ?? ""): \($0.message)" }
    #expect(messages.contains { $0.hasPrefix("pallets+flaskdemo/issues.json: ") && $0.contains("not valid JSON") }, "\(messages)")
    #expect(messages.contains { $0.hasPrefix("pallets+flaskdemo/pulls.json: ") && $0.contains("API rate limit exceeded") }, "\(messages)")
  }

  @Test func pagesAreSplitLinearly() {
    let text = #"[{"a": "]["}] [{"b": "\"}"}]"# + "\n[]\n"
    let bytes = Array(text.utf8)
    let ranges = GitHubJSON.topLevelValues(bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    #expect(ranges == [#"[{"a": "]["}]"#, #"[{"b": "\"}"}]"#, "[]"])
  }
}

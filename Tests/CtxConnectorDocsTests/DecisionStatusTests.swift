import CtxCore
import CtxConnectorDocs
import CtxConnectors
import Testing

@Suite struct DecisionStatusTests {
  @Test func adrFixturesInSeveralStyles() throws {
    let first = try #require(try Fixture.parse("docs/adr/0001-use-sqlite.md").status)
    #expect(first.state == .accepted)
    #expect(first.line == 7)
    #expect(first.supersededBy == nil)

    let second = try #require(try Fixture.parse("docs/adr/0002-use-trigram-index.md").status)
    #expect(second.state == .superseded)
    #expect(second.supersededBy == "docs/adr/0003-use-fts5.md")
    #expect(second.line == 3)

    let third = try #require(try Fixture.parse("docs/adr/0003-use-fts5.md").status)
    #expect(third.state == .accepted)
    #expect(third.line == 2)
    #expect(third.supersedes == ["docs/adr/0002-use-trigram-index.md"])

    let fourth = try #require(try Fixture.parse("docs/adr/0004-cache-sessions.md").status)
    #expect(fourth.state == .other("In review"))
    #expect(fourth.state.description == "In review")
  }

  @Test(arguments: [
    ("Status: Accepted", "accepted", nil),
    ("**Status:** Proposed", "proposed", nil),
    ("**Status**: rejected", "rejected", nil),
    ("* Status: deprecated", "deprecated", nil),
    ("- Status: Draft (2024-01-01)", "draft", nil),
    (":Status: Accepted", "accepted", nil),
    ("| Status | Accepted |", "accepted", nil),
    ("Status: Superseded by ADR-012", "superseded", "ADR-012"),
    ("Status: Superseded by [ADR 12](../decisions/0012-foo.md#top)", "superseded", "docs/decisions/0012-foo.md"),
    ("Status: superseded", "superseded", nil),
    ("Status: Parked until Q3", "Parked until Q3", nil),
    ("## Status\n\nAccepted", "accepted", nil),
    ("## Status\n\n~~Proposed~~ Accepted", "accepted", nil),
    ("## Status\n\n* Superseded by [ADR-0009](0009-new.md)", "superseded", "docs/adr/0009-new.md"),
    ("# Title\n\nSuperseded by ADR-7.", "superseded", "ADR-7"),
    ("---\nstatus: deprecated\nsuperseded_by: ADR-020\n---\n# T", "deprecated", "ADR-020"),
    ("---\nstatus: Accepted\n---\n# T\nStatus: rejected", "accepted", nil),
  ])
  func statusForms(text: String, state: String, supersededBy: String?) throws {
    let document = try DocumentParser.parse(path: "docs/adr/0005-x.md", bytes: Array(text.utf8))
    let status = try #require(document.status)
    #expect(status.state.description == state)
    #expect(status.supersededBy == supersededBy)
  }

  @Test func supersedesListsEveryReference() throws {
    let text = "---\nsupersedes: [ADR-001, ADR-002]\nstatus: accepted\n---\n# T\n\nSupersedes [ADR-3](0003-old.md) and ADR-004.\n"
    let status = try #require(try DocumentParser.parse(path: "adr/0009-x.md", bytes: Array(text.utf8)).status)
    #expect(status.supersedes == ["ADR-001", "ADR-002", "adr/0003-old.md", "ADR-004"])
  }

  @Test(arguments: [
    "# Notes\n\nThe HTTP status: 200 means fine.",
    "# Notes\n\n```\nStatus: Accepted\n```",
    "# Notes\n\nNo status here at all.",
  ])
  func noStatus(text: String) throws {
    #expect(try DocumentParser.parse(path: "notes.md", bytes: Array(text.utf8)).status == nil)
  }

  @Test func htmlStatusSection() throws {
    let status = try #require(try Fixture.parse("docs/wiki/confluence-page.html").status)
    #expect(status.state == .accepted)
  }
}

import CtxCore
import CtxConnectorDocs
import CtxConnectors
import CtxTestSupport
import Foundation
import Testing

enum Fixture {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

  static func bytes(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative)))
  }

  static func parse(_ relative: String, options: DocParseOptions = DocParseOptions()) throws -> ParsedDocument {
    try DocumentParser.parse(path: relative, bytes: bytes(relative), options: options)
  }

  /// The original file's lines `start...end`, as a section's text should read.
  static func lines(_ relative: String, _ start: Int, _ end: Int) throws -> String {
    let text = String(decoding: try bytes(relative), as: UTF8.self)
    let all = text.split(separator: "\n", omittingEmptySubsequences: false)
    return all[(start - 1)...(end - 1)].joined(separator: "\n")
  }
}

@Suite struct MarkdownTests {
  let path = "docs/guide/auth.md"

  @Test func sectionsFollowHeadingsWithExactLines() throws {
    let document = try Fixture.parse(path)
    #expect(document.format == .markdown)
    #expect(document.title == "Authentication guide")
    let summary = document.sections.map { "\($0.headingPath.joined(separator: " > "))#\($0.anchor) L\($0.level) \($0.startLine)-\($0.endLine)" }
    #expect(
      summary == [
        "Authentication guide# L0 12-12",
        "Auth#auth L1 14-16",
        "Auth > Sessions#sessions L2 18-31",
        "Auth > Sessions > Expiry#expiry L3 33-41",
        "Auth > Refresh tokens#refresh-tokens L2 43-46",
        "Auth > Sessions#sessions-1 L2 48-50",
        "Troubleshooting#troubleshooting L1 52-55",
      ])
    for section in document.sections {
      #expect(section.text == (try Fixture.lines(path, section.startLine, section.endLine)))
      #expect(section.part == 1)
    }
    // Code blocks stay in their section's text.
    #expect(document.sections[2].text.contains("# this is a comment, not a heading"))
    #expect(document.sections[2].text.contains("# Not a heading either"))
    #expect(document.sections[3].text.contains("    # indented code, not a heading"))
  }

  /// MyST targets (`(label)=` before a heading) are markup: never a section of their own,
  /// never the end of the section before (found on pallets/click's docs).
  @Test func mystTargetsAreNotText() throws {
    let text = "(exit-codes)=\n\n# Exit codes\n\nSome text.\n\n(parameter-names)=\n\n## Parameter names\n\nMore text.\n(inline)=\nstays\n"
    let document = try DocumentParser.parse(path: "docs/exceptions.md", bytes: Array(text.utf8))
    let summary = document.sections.map { "\($0.anchor) \($0.startLine)-\($0.endLine): \($0.text)" }
    #expect(summary == ["exit-codes 3-5: # Exit codes\n\nSome text.", "parameter-names 9-13: ## Parameter names\n\nMore text.\n(inline)=\nstays"], "\(summary)")
  }

  @Test func frontMatterIsFlattened() throws {
    let document = try Fixture.parse(path)
    #expect(
      document.frontMatter == [
        "title": "Authentication guide", "owner": "platform-team", "tags": "auth, sessions", "author.name": "Ada Lovelace",
        "author.team": "platform", "reviewed": "2024-01-05", "draft": "false",
      ])
    #expect(document.status == nil)
  }

  @Test func sectionsCarryTheirMentions() throws {
    let document = try Fixture.parse(path)
    #expect(document.sections[0].mentions.paths == ["CODEOWNERS"] || document.sections[0].mentions.identifiers == ["CODEOWNERS"])
    #expect(document.sections[1].mentions.identifiers == ["validateSession"])
    #expect(document.sections[1].mentions.paths == ["src/auth/session.ts"])
    #expect(document.sections[3].mentions.commits == ["4f2a9c1e"])
    #expect(document.sections[3].mentions.issues == ["AUTH-17", "#42"])
    #expect(document.sections[6].mentions.identifiers == ["IndexStore.write"])
    // Code blocks are not mentions.
    #expect(!document.sections[2].mentions.identifiers.contains("SESSION_TTL"))
  }

  @Test func titleFallsBackToTheFirstH1ThenTheFileName() throws {
    let withH1 = try DocumentParser.parse(path: "a/readme.md", bytes: Array("intro\n\n## Setup\ntext\n# Real Title\nmore\n".utf8))
    #expect(withH1.title == "Real Title")
    #expect(withH1.sections.first?.headingPath == ["Real Title"])
    let plain = try DocumentParser.parse(path: "a/notes.md", bytes: Array("just text\n".utf8))
    #expect(plain.title == nil)
    #expect(plain.sections.map(\.headingPath) == [["notes.md"]])
    #expect(plain.sections.map(\.anchor) == [""])
  }

  @Test(arguments: [
    ("# Title", ["Title"]),
    ("## Title ##", ["Title"]),
    ("### Title #not-closing", ["Title #not-closing"]),
    ("   # Three spaces", ["Three spaces"]),
    ("    # Four spaces is code", []),
    ("#hashtag", []),
    ("####### seven", []),
    ("# **Bold** and `code` and [link](x.md)", ["Bold and code and link"]),
    ("Setext\n===", ["Setext"]),
    ("Two line\nsetext\n---", ["Two line setext"]),
    ("- list item\n---", []),
    ("> quote\n---", []),
    ("text\n\n---", []),
    ("```\n# in fence\n```\n# after", ["after"]),
    ("````\n```\n# still fenced\n```\n````\n# out", ["out"]),
    ("~~~\n# tilde fence\n~~~", []),
    ("```\nunclosed fence\n# never a heading", []),
    ("<!-- one line --> \n# visible", ["visible"]),
  ])
  func headingRules(input: String, headings: [String]) throws {
    let document = try DocumentParser.parse(path: "x.md", bytes: Array(input.utf8))
    #expect(document.sections.filter { $0.level > 0 }.map { $0.headingPath.last ?? "" } == headings)
  }

  @Test(arguments: [
    ("Token Expiry", "token-expiry"),
    ("Why `ctx`?", "why-ctx"),
    ("A -- B", "a----b"),
    ("Über Café", "über-café"),
    ("snake_case_name", "snake_case_name"),
    ("100% sure!", "100-sure"),
    ("🚀 Launch", "-launch"),
  ])
  func anchorsAreGitHubSlugs(heading: String, anchor: String) throws {
    let document = try DocumentParser.parse(path: "x.md", bytes: Array("# \(heading)\n".utf8))
    #expect(document.sections.first?.anchor == anchor)
  }

  @Test func repeatedHeadingsGetNumberedAnchors() throws {
    let text = "# A\n## Notes\n## Notes\n## Notes-1\n## Notes\n"
    let document = try DocumentParser.parse(path: "x.md", bytes: Array(text.utf8))
    #expect(document.sections.map(\.anchor) == ["a", "notes", "notes-1", "notes-1-1", "notes-2"])
  }

  @Test func longSectionsAreSplitIntoParts() throws {
    var lines = ["# Big", ""]
    for paragraph in 0..<60 {
      lines += ["Paragraph \(paragraph) line one", "line two", "line three", "line four", ""]
    }
    lines += ["```", String(repeating: "code\n", count: 250), "```"]
    let text = lines.joined(separator: "\n")
    let document = try DocumentParser.parse(path: "big.md", bytes: Array(text.utf8))
    let parts = document.sections
    #expect(parts.count >= 3)
    #expect(parts.allSatisfy { $0.headingPath == ["Big"] && $0.anchor == "big" })
    #expect(parts.map(\.part) == Array(1...parts.count))
    #expect(parts.allSatisfy { $0.endLine - $0.startLine + 1 <= 200 })
    let all = text.split(separator: "\n", omittingEmptySubsequences: false)
    for (index, part) in parts.enumerated() {
      #expect(part.text == all[(part.startLine - 1)...(part.endLine - 1)].joined(separator: "\n"))
      if index > 0 {
        // Consecutive: only blank lines between parts.
        let gap = all[parts[index - 1].endLine..<(part.startLine - 1)]
        #expect(gap.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty })
        #expect(part.startLine > parts[index - 1].endLine)
      }
    }
    // Prose parts end at paragraph breaks, not mid-paragraph.
    #expect(all[parts[0].endLine - 1] == "line four")
  }

  @Test func malformedFrontMatterNamesTheLine() throws {
    #expect {
      try Fixture.parse("docs/broken/bad-front-matter.md")
    } throws: { error in
      guard let error = error as? DocParseError else { return false }
      return error.kind == .malformedFrontMatter && error.line == 4 && error.path == "docs/broken/bad-front-matter.md"
    }
  }

  @Test func frontMatterEdgeCases() throws {
    // Unclosed but YAML-looking: an error at line 1.
    #expect(throws: DocParseError.self) { try DocumentParser.parse(path: "x.md", bytes: Array("---\ntitle: x\n\n# Body\n".utf8)) }
    // A lone thematic break at the top is not front matter.
    let rule = try DocumentParser.parse(path: "x.md", bytes: Array("---\n\n# Body\ntext\n".utf8))
    #expect(rule.frontMatter.isEmpty)
    #expect(rule.sections.map(\.startLine) == [1, 3])
    // Not a mapping.
    #expect(throws: DocParseError.self) { try DocumentParser.parse(path: "x.md", bytes: Array("---\n- a\n- b\n---\n# Body\n".utf8)) }
    // Empty front matter and `...` as the closing line.
    let empty = try DocumentParser.parse(path: "x.md", bytes: Array("---\n---\n# Body\n".utf8))
    #expect(empty.frontMatter.isEmpty)
    #expect(empty.sections.first?.startLine == 3)
    let dots = try DocumentParser.parse(path: "x.md", bytes: Array("---\ntitle: T\n...\nbody\n".utf8))
    #expect(dots.title == "T")
    #expect(dots.sections.first?.startLine == 4)
  }

  @Test func crlfBomAndInvalidUTF8() throws {
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    bytes += Array("# Title\r\n\r\ncaf".utf8) + [0xE9] + Array("\r\n## Next\r\nend\r\n".utf8)
    let document = try DocumentParser.parse(path: "x.md", bytes: bytes)
    #expect(document.sections.map(\.headingPath) == [["Title"], ["Title", "Next"]])
    #expect(document.sections[0].text == "# Title\n\ncaf\u{FFFD}")
    #expect(document.sections[1].startLine == 4)
  }

  /// Random and hostile input never crashes, and sections stay ordered and in range.
  @Test func arbitraryInputKeepsTheInvariants() throws {
    var generator = SeededGenerator(seed: 42)
    let pieces = ["# ", "## ", "```", "~~~", "---", "===", "\n", "\n\n", "    ", "text ", "<!--", "-->", "- ", "> ", "\r", "#", "[", "](", "`"]
    for _ in 0..<300 {
      var text = ""
      for _ in 0..<Int.random(in: 0..<80, using: &generator) { text += pieces.randomElement(using: &generator)! }
      let bytes = Array(text.utf8)
      let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
      guard let document = try? DocumentParser.parse(path: "fuzz.md", bytes: bytes, options: DocParseOptions(maxSectionLines: 10)) else { continue }
      var last = 0
      for section in document.sections {
        #expect(section.startLine > last)
        #expect(section.endLine >= section.startLine)
        #expect(section.endLine <= lineCount)
        last = section.endLine
      }
    }
    let pathological = String(repeating: "# [[[[", count: 20000) + "\n" + String(repeating: "`", count: 50000)
    _ = try DocumentParser.parse(path: "p.md", bytes: Array(pathological.utf8))
  }
}

import CtxCore
import CtxGit
import CtxTestSupport
import Foundation
import Testing

@Suite struct GitLineHistoryTests {
  typealias Hunk = GitLineHistory.Hunk

  @Test func editsAboveMoveTheRangeAndEditsInsideTouchIt() {
    // Two lines inserted after line 1: lines 5-7 move to 7-9, untouched.
    #expect(GitLineHistory.map(5...7, through: [Hunk(oldStart: 1, oldLines: 0, newStart: 2, newLines: 2)]) == (7...9, false))
    // A line below the range changed: nothing happens to it.
    #expect(GitLineHistory.map(5...7, through: [Hunk(oldStart: 9, oldLines: 1, newStart: 9, newLines: 1)]) == (5...7, false))
    // Line 6 replaced by three lines: touched, and one line longer at the end.
    #expect(GitLineHistory.map(5...7, through: [Hunk(oldStart: 6, oldLines: 1, newStart: 6, newLines: 3)]) == (5...9, true))
    // The whole range deleted.
    #expect(GitLineHistory.map(5...7, through: [Hunk(oldStart: 4, oldLines: 5, newStart: 3, newLines: 0)]) == (nil, true))
  }

  @Test func tracesOneDefinitionThroughCommitsThatEditOthers() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    let original = "def save(p):\n    write(p)\n\n\ndef load(p):\n    return read(p)\n"
    try scratch.write(["m.py": original], under: "repo")
    try repo.commitAll("initial", date: "2024-01-01T00:00:00Z")
    let anchor = try repo.sha()
    try scratch.write(["m.py": "def save(p):\n    write(p)\n    flush(p)\n\n\ndef load(p):\n    return read(p)\n"], under: "repo")
    try repo.commitAll("save: flush", date: "2024-01-02T00:00:00Z", author: "Bo")
    try scratch.write(["m.py": "def save(p):\n    write(p)\n    flush(p)\n\n\ndef load_all(p):\n    return stream(p)\n"], under: "repo")
    try repo.commitAll("Rename load to load_all, streaming", date: "2024-01-03T00:00:00Z", author: "Cy")
    let history = try GitLineHistory(path: repo.path)
    let trace = try #require(history.trace(path: "m.py", lines: 5...6, from: String(anchor.prefix(12)), watch: "load"))
    #expect(trace.anchoredText == "def load(p):\n    return read(p)")
    #expect(trace.commits.map(\.summary) == ["Rename load to load_all, streaming"])
    #expect(trace.lines == 6...7)
    #expect(trace.watchLostIn?.author == "Cy")
    #expect(trace.tipText == "def load_all(p):\n    return stream(p)")
    let diff = try #require(GitLineHistory.unifiedDiff(old: trace.anchoredText, new: trace.tipText!, oldLabel: "a/m.py", newLabel: "b/m.py"))
    #expect(diff.hasPrefix("--- a/m.py\n+++ b/m.py\n@@ "))
    #expect(diff.contains("-def load(p):\n") && diff.contains("+def load_all(p):"))
    #expect(GitLineHistory.unifiedDiff(old: "same", new: "same\n", oldLabel: "a", newLabel: "b") == nil)
    // The anchor commit itself is never a change since.
    #expect(history.trace(path: "m.py", lines: 1...2, from: anchor)?.commits.map(\.summary) == ["save: flush"])
  }
}

extension GitLineHistoryTests {
  @Test func aStatementAppendedToAnIndentedBodyIsAChangeOfIt() {
    let appended = Hunk(oldStart: 7, oldLines: 0, newStart: 8, newLines: 1, continuesRange: true)
    #expect(GitLineHistory.map(5...7, through: [appended]) == (5...8, true))
    #expect(GitLineHistory.map(5...7, through: [Hunk(oldStart: 7, oldLines: 0, newStart: 8, newLines: 1)]) == (5...7, false))
  }
}

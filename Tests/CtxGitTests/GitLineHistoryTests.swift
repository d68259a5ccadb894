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

extension GitLineHistoryTests {
  /// ctx's own history: `annotationStamps` was added on a branch, anchored there, renamed on
  /// that branch, and the branch merged. The tip's first-parent line passes a sibling commit
  /// without the function, which made it look deleted by a commit that never saw it.
  @Test func anAnchorOnAMergedBranchIsTracedThroughTheMerge() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["m.py": "def base():\n    pass\n", "other.py": "x = 1\n"], under: "repo")
    try repo.commitAll("base", date: "2024-01-01T00:00:00Z")
    try repo.run(["checkout", "-q", "-b", "side"])
    try scratch.write(["m.py": "def base():\n    pass\n\n\ndef stamps():\n    return read()\n"], under: "repo")
    try repo.commitAll("side: add stamps", date: "2024-01-02T00:00:00Z")
    let anchor = try repo.sha()
    try repo.run(["checkout", "-q", "main"])
    try scratch.write(["other.py": "x = 2\n"], under: "repo")
    try repo.commitAll("main: other work", date: "2024-01-03T00:00:00Z", author: "Bo")
    try repo.run(["checkout", "-q", "side"])
    try scratch.write(["m.py": "def base():\n    pass\n\n\ndef states():\n    return read_all()\n"], under: "repo")
    try repo.commitAll("side: stamps become states", date: "2024-01-04T00:00:00Z", author: "Cy")
    try repo.run(["checkout", "-q", "main"])
    try repo.run(["merge", "-q", "--no-ff", "-m", "Merge side", "side"], environment: ["GIT_AUTHOR_DATE": "2024-01-05T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-05T00:00:00Z"])
    try scratch.write(["m.py": "# header\ndef base():\n    pass\n\n\ndef states():\n    return read_all()\n"], under: "repo")
    try repo.commitAll("main: a header line", date: "2024-01-06T00:00:00Z")

    let history = try GitLineHistory(path: repo.path)
    let trace = try #require(history.trace(path: "m.py", lines: 5...6, from: anchor, watch: "stamps"))
    #expect(trace.fileRemovedIn == nil)
    #expect(trace.commits.map(\.summary) == ["side: stamps become states"])
    #expect(trace.watchLostIn?.author == "Cy")
    #expect(trace.lines == 6...7)
    #expect(trace.tipText == "def states():\n    return read_all()")
    // An anchor on the tip's first-parent line is traced along it, as before: the merge
    // added lines below, the header moved it down.
    let onMain = try #require(history.trace(path: "m.py", lines: 1...2, from: try repo.sha("HEAD~2")))
    #expect(onMain.commits.isEmpty && onMain.lines == 2...3)
  }
}

extension GitLineHistoryTests {
  /// A definition edited on a branch and merged: the change is the branch's commit that made
  /// it, then the merge that brought it; a commit of the branch that edited another
  /// definition is not named.
  @Test func aChangeMergedFromABranchNamesTheCommitThatMadeIt() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["m.py": "def save(p):\n    write(p)\n\n\ndef load(p):\n    return read(p)\n", "other.py": "x = 1\n"], under: "repo")
    try repo.commitAll("base", date: "2024-01-01T00:00:00Z")
    let anchor = try repo.sha()
    try repo.run(["checkout", "-q", "-b", "feature"])
    try scratch.write(["m.py": "def save(p):\n    write(p)\n    fsync(p)\n\n\ndef load(p):\n    return read(p)\n"], under: "repo")
    try repo.commitAll("save: fsync after write", date: "2024-01-02T00:00:00Z", author: "Bo")
    try scratch.write(["m.py": "def save(p):\n    write(p)\n    fsync(p)\n\n\ndef load(p):\n    return read_cached(p)\n"], under: "repo")
    try repo.commitAll("load: cached reads", date: "2024-01-03T00:00:00Z", author: "Cy")
    try repo.run(["checkout", "-q", "main"])
    try scratch.write(["other.py": "x = 2\n"], under: "repo")
    try repo.commitAll("main: other work", date: "2024-01-04T00:00:00Z")
    try repo.run(["merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature"], environment: ["GIT_AUTHOR_DATE": "2024-01-05T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-05T00:00:00Z"])

    let history = try GitLineHistory(path: repo.path)
    let save = try #require(history.trace(path: "m.py", lines: 1...2, from: anchor))
    #expect(save.commits.map(\.summary) == ["save: fsync after write", "Merge branch 'feature'"])
    #expect(save.lines == 1...3)
    let load = try #require(history.trace(path: "m.py", lines: 5...6, from: anchor))
    #expect(load.commits.map(\.summary) == ["load: cached reads", "Merge branch 'feature'"])
  }
}

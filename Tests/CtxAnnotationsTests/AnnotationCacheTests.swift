import CtxAnnotations
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// The per-process cache readers use: it notices new, changed (even in place, same size),
/// replaced and removed files, re-reads only those, and recomputes liveness.
@Suite struct AnnotationCacheTests {
  func file(_ target: String, _ body: String, extra: String = "") -> String {
    "---\ntarget: \(target)\nkind: note\nauthor: Ada\ndate: 2026-01-01\n\(extra)---\n\(body)\n"
  }

  @Test func seesEveryChangeAndReparsesOnlyChangedFiles() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["annotations/a.md": file("symbol:alpha", "one"), "annotations/team/b.md": file("symbol:beta", "two"), "annotations/README.md": "# notes\n"])
    let cache = AnnotationCache(folder: scratch.path + "/annotations")
    let first = cache.snapshot()
    #expect(first.annotations.map(\.id) == ["a", "team/b"])
    #expect(first.live == ["a", "team/b"])
    // Nothing changed: the same snapshot, not a new one.
    #expect(cache.snapshot().generation == first.generation)

    // Rewritten (in place, or replaced): the size, time or inode tells.
    try scratch.write(["annotations/a.md": file("symbol:alpha", "one, really")])
    #expect(cache.snapshot().annotations.first?.body == "one, really")
    // A new file superseding another: both read, liveness recomputed.
    try scratch.write(["annotations/c.md": file("symbol:alpha", "three", extra: "supersedes: [a]\n")])
    let superseded = cache.snapshot()
    #expect(superseded.annotations.count == 3 && superseded.live == ["c", "team/b"])
    // Rejected by replacing the file (a new inode, as `ctx review` writes it).
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    var c = try #require(folder.load().annotations.first { $0.id == "c" })
    c.status = .rejected
    try folder.replace(c)
    #expect(cache.snapshot().live == ["a", "team/b"])
    // Removed; and a file that does not parse is left out and reported.
    try scratch.remove("annotations/team/b.md")
    try scratch.write(["annotations/bad.md": "---\ntarget: symbol:x\nkind: rumour\n---\nno\n"])
    let last = cache.snapshot()
    #expect(last.annotations.map(\.id) == ["a", "c"])
    #expect(last.errors.map { $0.line } == [3])
    #expect(last.generation > superseded.generation)
  }

  @Test func idsThatDifferOnlyInCaseOrNormalizationClashAndAreBothKept() throws {
    let scratch = ScratchDirectory()
    try scratch.write([
      "annotations/Owner.md": file("path:src/**", "Alpha"), "annotations/owner.md": file("path:src/**", "Beta"),
      "annotations/other.md": file("term:x", "alone"),
    ])
    // Two calls: as dictionary keys, Swift would take the two spellings of "café" for one.
    try scratch.write(["annotations/caf\u{E9}.md": file("term:cafe", "one")])
    try scratch.write(["annotations/cafe\u{301}.md": file("term:cafe", "two")])
    let loaded = AnnotationFolder(path: scratch.path + "/annotations").load()
    #expect(loaded.annotations.count == 5)
    #expect(loaded.clashes.count == 2)
    #expect(loaded.clashes.contains { $0.ids == ["Owner", "owner"] })
    // Swift calls the two spellings of "café" equal; they are two files all the same.
    #expect(loaded.clashes.allSatisfy { Set($0.files.map { Array($0.utf8) }).count == 2 && $0.message.contains(" and ") })
    #expect(AnnotationCache(folder: scratch.path + "/annotations").snapshot().clashes == loaded.clashes)
  }

  @Test func gitMergeConflictMarkersAreNamedWithTheirLine() throws {
    let text = "---\ntarget: symbol:x\nkind: note\n<<<<<<< HEAD\nauthor: Ada\n=======\nauthor: Bo\n>>>>>>> other\n---\nBody\n"
    #expect {
      try Annotation.parse(text, id: "x", path: "annotations/x.md")
    } throws: { error in
      let error = error as? CtxError
      return error?.line == 4 && error?.message.contains("git merge conflict markers") == true
    }
  }

  @Test func theLogOfATargetIsInTimeOrderWithSuccessors() throws {
    func note(_ id: String, _ day: Int, target: AnnotationTarget = .symbol("validateSession"), status: Annotation.Status = .accepted, supersedes: [String] = []) -> Annotation {
      Annotation(id: id, target: target, kind: .note, author: "A", date: Date(timeIntervalSince1970: Double(day) * 86400), status: status, supersedes: supersedes, body: id)
    }
    let all = [
      note("c", 3, supersedes: ["a"]), note("a", 1), note("b", 2, target: .symbol("validate_session"), status: .rejected),
      note("d", 4, target: .symbol("other"), supersedes: ["c"]), note("e", 5, status: .rejected, supersedes: ["d"]),
    ]
    let log = AnnotationHistory.log(of: .symbol("ValidateSession"), in: all)
    #expect(log.map(\.id) == ["a", "b", "c", "e"])
    #expect(log.map(\.state) == ["superseded", "rejected", "superseded", "rejected"])
    #expect(log[0].supersededBy.map(\.id) == ["c"] && log[0].trueUntil == Date(timeIntervalSince1970: 3 * 86400))
    #expect(log[2].supersededBy.first?.target == "symbol:other")
  }
}

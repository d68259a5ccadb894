import CtxAnnotations
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// What a team sharing annotations through git needs: clashing ids kept and named, merge
/// conflicts named with their line, a target's history, one liveness rule for files and rows.
@Suite struct AnnotationTeamRulesTests {
  func file(_ target: String, _ body: String, extra: String = "") -> String {
    "---\ntarget: \(target)\nkind: note\nauthor: Ada\ndate: 2026-01-01\n\(extra)---\n\(body)\n"
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

  /// A target's log follows its renames both ways and through a chain of them: asked under
  /// the old name it shows what was moved to the new one, and under the new name what stayed
  /// on the old (the move is the note `reanchor --accept-rename` records).
  @Test func theLogFollowsRecordedRenames() {
    func note(_ id: String, _ day: Int, _ target: AnnotationTarget, movedFrom: [AnnotationTarget] = [], supersedes: [String] = []) -> Annotation {
      var annotation = Annotation(
        id: id, target: target, kind: .note, author: "A", date: Date(timeIntervalSince1970: Double(day) * 86400), supersedes: supersedes, body: id)
      if !movedFrom.isEmpty {
        // A second rename keeps the first decision's note inside the new reason.
        let reason = movedFrom.reversed().enumerated().map { index, old in
          AnnotationHistory.renameNote(from: old, to: "x", commit: " in abc123") + (index == 0 ? "" : " (earlier)")
        }.joined(separator: "; earlier accepted by B: ")
        annotation.review = Annotation.Review(by: "B", at: Date(timeIntervalSince1970: Double(day + 10) * 86400), reason: reason)
      }
      return annotation
    }
    let all = [
      note("old-caveat", 1, .symbol("sha1_key")),
      note("moved", 2, .symbol("digest_key"), movedFrom: [.symbol("sha1_key"), .symbol("lazy_sha1")]),
      note("later", 3, .symbol("digest_key"), supersedes: ["moved"]),
      note("unrelated", 4, .symbol("other"), movedFrom: [.symbol("elsewhere")]),
    ]
    for name in ["sha1_key", "lazySha1", "digest_key"] {
      let log = AnnotationHistory.log(of: .symbol(name), in: all)
      #expect(log.map(\.id) == ["old-caveat", "moved", "later"], "\(name)")
      #expect(log.map(\.target) == ["symbol:sha1_key", "symbol:digest_key", "symbol:digest_key"], "\(name)")
    }
    #expect(AnnotationHistory.log(of: .symbol("elsewhere"), in: all).map(\.id) == ["unrelated"])
    // A bare name holds what was written with its class; a qualified name not a bare one's
    // other classes.
    let methods = [note("qualified", 1, .symbol("Location.get_clearsky")), note("rust", 2, .symbol("Path::get_clearsky")), note("bare", 3, .symbol("get_clearsky"))]
    #expect(AnnotationHistory.log(of: .symbol("get_clearsky"), in: methods).map(\.id) == ["qualified", "rust", "bare"])
    #expect(AnnotationHistory.log(of: .symbol("Location.get_clearsky"), in: methods).map(\.id) == ["qualified"])
    #expect(AnnotationHistory.log(of: .symbol("nothing"), in: all).isEmpty)
  }

  /// A successor written before the annotation it supersedes (a reviewer accepted it later
  /// with `--supersedes`) took over when that was decided, not when it was written: the log
  /// said "true until" a time before the annotation existed (found on pallets/click).
  @Test func trueUntilIsNeverBeforeTheAnnotationWasWritten() {
    let day = 86400.0
    let bob = Annotation(id: "bob", target: .symbol("run"), kind: .note, author: "Bob", date: Date(timeIntervalSince1970: 2 * day), body: "b")
    var earlier = Annotation(
      id: "ada", target: .symbol("run"), kind: .note, author: "Ada", date: Date(timeIntervalSince1970: 1 * day), supersedes: ["bob"], body: "a")
    earlier.review = Annotation.Review(by: "Cy", at: Date(timeIntervalSince1970: 5 * day), reason: nil)
    #expect(AnnotationHistory.log(of: .symbol("run"), in: [bob, earlier]).first { $0.id == "bob" }?.trueUntil == Date(timeIntervalSince1970: 5 * day))
    earlier.review = nil
    #expect(AnnotationHistory.log(of: .symbol("run"), in: [bob, earlier]).first { $0.id == "bob" }?.trueUntil == Date(timeIntervalSince1970: 2 * day))
  }

  @Test func livenessOnRowsAgreesWithTheConflictRules() {
    var generator = SeededGenerator(seed: 17)
    for _ in 0..<200 {
      let annotations = (0..<8).map { index in
        Annotation(
          id: "a\(index)", target: .term("t"), kind: .note, author: "A", date: Date(timeIntervalSince1970: 0),
          status: Annotation.Status.allCases.randomElement(using: &generator)!,
          supersedes: (0..<Int.random(in: 0...2, using: &generator)).map { _ in "a\(Int.random(in: 0..<9, using: &generator))" }, body: "x")
      }
      let rule = Set(ConflictDetector.live(annotations).map(\.id))
      #expect(Liveness.live(annotations, id: \.id, rejected: { $0.status == .rejected }, supersedes: \.supersedes) == rule)
    }
  }

  /// The listing stats big folders in parallel: every file, with its own stamp.
  @Test func listingFindsEveryFileWithItsStamp() throws {
    let scratch = ScratchDirectory()
    var files: [String: String] = ["annotations/README.md": "x", "annotations/.tmp-1-x": "x", "annotations/notes.txt": "x"]
    for index in 0..<700 { files["annotations/\(index % 2 == 0 ? "" : "team/")n\(index).md"] = String(repeating: "x", count: index) }
    try scratch.write(files)
    let entries = AnnotationListing.list(scratch.path + "/annotations")
    #expect(entries.count == 700)
    #expect(Set(entries.map(\.id)).contains("team/n1") && Set(entries.map(\.id)).contains("n0"))
    #expect(entries.allSatisfy { Int($0.stamp.size) == Int($0.id.split(separator: "n").last!)! })
    #expect(Set(entries.map(\.stamp.inode)).count == 700)
  }
}

import CtxAnnotations
import CtxCore
import Foundation
import Testing

@Suite struct ReviewFieldTests {
  @Test func reviewDecisionsRoundTripAndOlderFilesStillParse() throws {
    var annotation = Annotation(
      id: "x", target: .symbol("load"), kind: .correction, author: "agent", date: Date(timeIntervalSince1970: 1_700_000_000), status: .accepted,
      body: "load streams")
    annotation.review = .init(by: "Rita \"R\" Q.", at: Date(timeIntervalSince1970: 1_700_100_000), reason: "checked: see 3eb02da")
    let text = annotation.rendered()
    #expect(text.contains("reviewed_by: ") && text.contains("reviewed_at: 2023-11-16T") && text.contains("review_reason: "))
    #expect(try Annotation.parse(text, id: "x", path: "x.md") == annotation)
    let older = "---\ntarget: symbol:load\nkind: note\nstatus: accepted\n---\nbody\n"
    #expect(try Annotation.parse(older, id: "y", path: "y.md").review == nil)
  }

  @Test func aReviewTimeWithoutAReviewerNamesTheLine() {
    #expect {
      _ = try Annotation.parse("---\ntarget: symbol:a\nkind: note\nreviewed_at: 2026-01-01\n---\nb\n", id: "x", path: "annotations/x.md")
    } throws: { error in
      (error as? CtxError)?.line == 4 && (error as? CtxError)?.message.contains("need `reviewed_by`") == true
    }
  }
}

@Suite struct ReviewConflictRuleTests {
  func note(_ id: String, _ target: AnnotationTarget, _ kind: Annotation.Kind, status: Annotation.Status = .accepted, anchor: String? = "blob:old", at: String = "src/a.py:3-5")
    -> Annotation
  {
    Annotation(
      id: id, target: target, kind: kind, author: "Ada", date: Date(timeIntervalSince1970: 1_700_000_000), status: status,
      anchor: anchor.map { .init(fingerprint: $0, location: at, commit: "1234567") }, body: "\(id) says so")
  }

  @Test func aCorrectionBesideAnotherAnnotationOnOneTargetIsAConflictFactKeyOrNot() {
    let annotations = [
      note("human", .symbol("load"), .correction), note("agent", .symbol("load"), .correction, status: .proposed), note("other", .symbol("save"), .caveat),
    ]
    let conflicts = ConflictDetector.detect(annotations, states: [:])
    let competing = conflicts.filter { $0.kind == .competingCorrections }
    #expect(competing.count == 1)
    #expect(Set(competing.first?.claims.map(\.annotation) ?? []) == ["human", "agent"])
    // Two plain notes on one target agree by default: no conflict.
    #expect(ConflictDetector.detect([note("a", .symbol("x"), .note), note("b", .symbol("x"), .caveat)], states: [:]).isEmpty)
    // Superseding settles it.
    var settled = annotations
    settled[0].supersedes = ["agent"]
    #expect(!ConflictDetector.detect(settled, states: [:]).contains { $0.kind == .competingCorrections })
  }

  @Test func ownersAndDecisionsGoStaleOnlyWhenTheirTargetMovesOrVanishes() {
    let owner = note("owner", .symbol("save"), .owner)
    let caveat = note("caveat", .symbol("save"), .caveat)
    let edited = TargetState(exists: true, fingerprint: "blob:new", location: "src/a.py:3-6")
    let states = ["owner": edited, "caveat": edited]
    let conflicts = ConflictDetector.detect([owner, caveat], states: states)
    #expect(conflicts.filter { $0.kind == .staleAnchor }.map { $0.claims[0].annotation } == ["caveat"])
    let moved = TargetState(exists: true, fingerprint: "blob:new", location: "src/b.py:1-4")
    let afterMove = ConflictDetector.detect([owner], states: ["owner": moved])
    #expect(afterMove.count == 1 && afterMove[0].kind == .staleAnchor && afterMove[0].summary.contains("moved from src/a.py to src/b.py"), "\(afterMove)")
    #expect(ConflictDetector.detect([owner], states: ["owner": TargetState(exists: false)]).map(\.kind) == [.dangling])
  }

  @Test func renamedAndAmbiguousTargetsAreNamed() {
    let renamedIn = ChangeCommit(sha: "3eb02da98947aa", author: "Cy", date: Date(timeIntervalSince1970: 1_800_000_000), summary: "Rename _lazy_sha1")
    let renamed = TargetState(exists: false, location: "src/a.py:4-6", commits: [renamedIn], changesArePrecise: true, renamedTo: "_lazy_digest", renamedIn: renamedIn)
    let found = ConflictDetector.detect([note("n", .symbol("_lazy_sha1"), .note)], states: ["n": renamed])
    #expect(found.map(\.kind) == [.renamed])
    #expect(found.first?.summary.contains("renamed to `_lazy_digest` in 3eb02da98947 Rename _lazy_sha1 (Cy,") == true, "\(found)")
    #expect(found.first?.commits == [renamedIn])
    let twice = TargetState(exists: true, fingerprint: "blob:old", location: "src/a.py:3-5", definitions: ["src/a.py:3-5", "src/b.py:9-12"])
    let ambiguous = ConflictDetector.detect([note("n", .symbol("lookup"), .note)], states: ["n": twice])
    #expect(ambiguous.map(\.kind) == [.ambiguousAnchor])
    #expect(ambiguous.first?.evidence == ["defined at src/a.py:3-5", "defined at src/b.py:9-12"])
  }
}

extension ReviewConflictRuleTests {
  @Test func aSymbolInAnotherSpellingIsTheSameTarget() {
    let conflicts = ConflictDetector.detect([note("a", .symbol("validate_session"), .correction), note("b", .symbol("validateSession"), .caveat)], states: [:])
    #expect(conflicts.map(\.kind) == [.competingCorrections])
  }
}

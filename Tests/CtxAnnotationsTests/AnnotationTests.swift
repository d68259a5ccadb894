import CtxAnnotations
import CtxCore
import CtxTestSupport
import Foundation
import Testing

@Suite struct AnnotationTargetTests {
  @Test(arguments: [
    "path:src/auth/**", "symbol:validateSession", "doc:docs/auth.md#token-expiry", "doc:docs/auth.md", "commit:4f2a9c1e",
    "thread:general/1704186100.000200", "term:\"session token\"", "term:ttl",
  ])
  func targetsParseAndPrintBack(_ text: String) throws {
    let target = try AnnotationTarget(parsing: text)
    #expect(target.description == text)
    #expect(try AnnotationTarget(parsing: target.description) == target)
  }

  @Test(arguments: ["validateSession", "symbol:", "file:x.c", "commit:xyz", "thread:general", "symbol:two words"])
  func badTargetsSayWhatIsAccepted(_ text: String) {
    #expect(throws: CtxError.self) { try AnnotationTarget(parsing: text) }
  }

  @Test func globsAreGlobs() throws {
    #expect(try AnnotationTarget(parsing: "path:src/**").isGlob)
    #expect(try !AnnotationTarget(parsing: "path:src/a.c").isGlob)
  }
}

@Suite struct AnnotationFileTests {
  let sample = Annotation(
    id: "x", target: .symbol("validateSession"), kind: .caveat, author: "Ada \"Countess\" L.", date: Date(timeIntervalSince1970: 1_700_000_000),
    status: .proposed, factKey: "session.ttl", factValue: "3600", supersedes: ["2024-01-01-old"],
    anchor: .init(fingerprint: "blob:abc", location: "src/a.ts:1-3", commit: "1234567"), body: "Line one\n\n- a list: with colons")

  @Test func renderedFilesParseBackToTheSameAnnotation() throws {
    let parsed = try Annotation.parse(sample.rendered(), id: "x", path: "x.md")
    #expect(parsed == sample)
  }

  @Test(arguments: [
    ("no front matter\n", 1, "starts with YAML front matter"),
    ("---\ntarget: symbol:a\nkind: note\n", 1, "not closed"),
    ("---\ntarget: symbol:a\nkind: note\ncolour: red\n---\nbody\n", 4, "unknown key `colour`"),
    ("---\ntarget: symbol:a\nkind: gossip\n---\nbody\n", 3, "not an annotation kind"),
    ("---\ntarget: nonsense\nkind: note\n---\nbody\n", 2, "not an annotation target"),
    ("---\ntarget: symbol:a\nkind: note\nstatus: maybe\n---\n", 4, "proposed, accepted or rejected"),
    ("---\ntarget: [symbol:a\nkind: note\n---\n", 3, "not valid YAML"),
  ])
  func badFilesNameTheLine(_ text: String, _ line: Int, _ message: String) {
    #expect {
      _ = try Annotation.parse(text, id: "x", path: "annotations/x.md")
    } throws: { error in
      guard let error = error as? CtxError else { return false }
      return error.line == line && error.message.contains(message) && error.path == "annotations/x.md"
    }
  }
}

@Suite struct AnnotationFolderTests {
  func draft(_ index: Int) -> Annotation {
    Annotation(id: "", target: .symbol("validateSession"), kind: .note, author: "Ada", date: Date(timeIntervalSince1970: 1_700_000_000), body: "note \(index)")
  }

  @Test func namesAreStableReadableAndNeverReused() throws {
    let scratch = ScratchDirectory()
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    let first = try folder.create(draft(1))
    let second = try folder.create(draft(2))
    #expect(first.id == "2023-11-14-symbol-validatesession-note")
    #expect(second.id == "2023-11-14-symbol-validatesession-note-2")
    #expect(folder.load().annotations.map(\.body) == ["note 1", "note 2"])
  }

  @Test func concurrentWritersNeverClobberEachOther() async throws {
    let scratch = ScratchDirectory()
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    try await withThrowingTaskGroup(of: Void.self) { group in
      for index in 0..<40 { group.addTask { _ = try folder.create(self.draft(index)) } }
      try await group.waitForAll()
    }
    let loaded = folder.load()
    #expect(loaded.errors.isEmpty)
    #expect(Set(loaded.annotations.map(\.body)) == Set((0..<40).map { "note \($0)" }))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".tmp-") }
    #expect(leftovers.isEmpty)
  }

  @Test func replacingRewritesInPlace() throws {
    let scratch = ScratchDirectory()
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    var written = try folder.create(draft(1))
    written.status = .rejected
    try folder.replace(written)
    #expect(folder.load().annotations.first?.status == .rejected)
    #expect(folder.load().annotations.count == 1)
  }
}

@Suite struct ConflictRuleTests {
  func annotation(_ id: String, _ target: AnnotationTarget, kind: Annotation.Kind = .note, fact: (String, String)? = nil, anchor: String? = nil,
    status: Annotation.Status = .accepted, supersedes: [String] = []) -> Annotation
  {
    Annotation(
      id: id, target: target, kind: kind, author: id.uppercased(), date: Date(timeIntervalSince1970: 1_700_000_000), status: status,
      factKey: fact?.0, factValue: fact?.1, supersedes: supersedes, anchor: anchor.map { .init(fingerprint: $0, location: "a.c:1-2") }, body: "says \(id)")
  }

  @Test func everyRuleFiresWithItsEvidence() {
    let annotations = [
      annotation("a", .symbol("ttl"), fact: ("session.ttl", "3600")),
      annotation("b", .doc(path: "docs/auth.md", anchor: nil), fact: ("session.ttl", "60")),
      annotation("c", .symbol("validateSession"), anchor: "blob:old"),
      annotation("d", .path("src/gone.c")),
      annotation("e", .symbol("parse"), kind: .correction, anchor: "blob:old"),
      annotation("f", .doc(path: "adr/0001.md", anchor: nil)),
    ]
    let states: [String: TargetState] = [
      "a": TargetState(exists: true), "b": TargetState(exists: true),
      "c": TargetState(exists: true, fingerprint: "blob:new", location: "a.c:3-4", changedBy: ["abc1234 Tighten checks (Bo, 2024-02-01)"]),
      "d": TargetState(exists: false), "e": TargetState(exists: true, fingerprint: "blob:new"),
      "f": TargetState(exists: true, documentStatus: "superseded", supersededBy: "adr/0002.md"),
    ]
    let links = [SupersededLink(superseded: "adr/0001.md", supersededBy: "adr/0002.md", linkedFrom: "docs/guide.md#storage")]
    let conflicts = ConflictDetector.detect(annotations, states: states, links: links)
    let kinds = conflicts.map(\.kind)
    #expect(kinds.filter { $0 == .factDisagreement }.count == 1)
    #expect(kinds.contains(.staleAnchor) && kinds.contains(.dangling) && kinds.contains(.correctionRecheck))
    #expect(kinds.filter { $0 == .supersededDocument }.count == 2)
    let disagreement = conflicts.first { $0.kind == .factDisagreement }!
    #expect(Set(disagreement.claims.map(\.value)) == ["3600", "60"] && Set(disagreement.claims.map(\.author)) == ["A", "B"])
    #expect(conflicts.first { $0.kind == .staleAnchor }!.evidence.contains("changed by abc1234 Tighten checks (Bo, 2024-02-01)"))
    #expect(conflicts.allSatisfy { !$0.resolutions.isEmpty })
  }

  @Test func supersededAndRejectedAnnotationsAreNotLive() {
    let annotations = [
      annotation("old", .symbol("ttl"), fact: ("session.ttl", "3600")),
      annotation("new", .symbol("ttl"), fact: ("session.ttl", "60"), supersedes: ["old"]),
      annotation("no", .symbol("ttl"), fact: ("session.ttl", "1"), status: .rejected),
    ]
    #expect(ConflictDetector.live(annotations).map(\.id) == ["new"])
    #expect(ConflictDetector.detect(annotations, states: [:]).isEmpty)
  }
}

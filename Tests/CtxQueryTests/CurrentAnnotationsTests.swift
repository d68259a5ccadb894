import CtxAnnotations
import CtxCore
@testable import CtxQuery
import CtxStore
import CtxTestSupport
import Foundation
import Testing

/// The annotations a query sees: the folder as it is now, re-reading only files whose stamp is
/// new, and taking the rest from the index's mirror.
@Suite struct CurrentAnnotationsTests {
  func file(_ target: String, _ body: String, extra: String = "") -> String {
    "---\ntarget: \(target)\nkind: note\nauthor: Ada\ndate: 2026-01-01\n\(extra)---\n\(body)\n"
  }

  @Test func seesEveryChangeAtTheNextCall() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["annotations/a.md": file("symbol:alpha", "one"), "annotations/team/b.md": file("symbol:beta", "two"), "annotations/README.md": "# notes\n"])
    let current = CurrentAnnotations(folder: scratch.path + "/annotations")
    func state() -> [String: String] {
      guard case .rows(let rows, _) = current.snapshot(store: nil) else { return [:] }
      return Dictionary(uniqueKeysWithValues: rows.map { ($0.name, "\($0.body)\($0.live ? "" : " (not live)")") })
    }
    #expect(state() == ["a": "one", "team/b": "two"])

    // Rewritten, superseded, rejected by replacement (a new inode), removed, broken.
    try scratch.write(["annotations/a.md": file("symbol:alpha", "one, really")])
    #expect(state() == ["a": "one, really", "team/b": "two"])
    try scratch.write(["annotations/c.md": file("symbol:alpha", "three", extra: "supersedes: [a]\n")])
    #expect(state() == ["a": "one, really (not live)", "team/b": "two", "c": "three"])
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    var c = try #require(folder.load().annotations.first { $0.id == "c" })
    c.status = .rejected
    try folder.replace(c)
    #expect(state() == ["a": "one, really", "team/b": "two", "c": "three (not live)"])
    try scratch.remove("annotations/team/b.md")
    try scratch.write(["annotations/bad.md": "---\ntarget: symbol:x\nkind: rumour\n---\nno\n"])
    #expect(state() == ["a": "one, really", "c": "three (not live)"])
  }

  /// While the files are as mirrored, the mirror answers; after a change, unchanged files come
  /// from the mirror (by their stamp) and only the changed one is read; search follows.
  @Test func unchangedFilesComeFromTheMirror() async throws {
    let scratch = ScratchDirectory()
    var files: [String: String] = [:]
    for index in 0..<40 { files["annotations/n\(index).md"] = file("term:topic\(index)", "Note \(index) about quokkas.") }
    try scratch.write(files)
    let folder = AnnotationFolder(path: scratch.path + "/annotations")
    let loaded = folder.load()
    let live = Set(ConflictDetector.live(loaded.annotations).map(\.id))
    // The mirror says something the files do not: proof that it stands in for them.
    let rows = loaded.annotations.map { annotation in
      var row = annotation.row(live: live.contains(annotation.id), stamp: loaded.stamps[annotation.id]?.text)
      row.body = "Mirrored: " + row.body
      return row
    }
    let store = try IndexStore(path: scratch.path + "/index/ctx.sqlite", mode: .readWrite)
    try await store.replaceAnnotations(rows)

    func view() -> AnnotationView { AnnotationView(folder: scratch.path + "/annotations", store: store) }
    // As mirrored: the mirror answers (no row is built).
    guard case .mirror = view().snapshot else { Issue.record("expected the mirror to answer"); return }
    #expect(try view().match("\"quokkas\"", limit: 100).count == 40)

    // One file changes: it alone is read, on top of the mirror; search follows.
    try scratch.write(["annotations/n7.md": file("term:topic7", "Note 7 about wombats now.")])
    guard case .overlay = view().snapshot else { Issue.record("expected an overlay"); return }
    let after = try view().allRows()
    #expect(after.count == 40)
    #expect(after.filter { !$0.body.hasPrefix("Mirrored: ") }.map(\.name) == ["n7"])
    #expect(try view().match("\"wombats\"", limit: 100).map(\.name) == ["n7"])
    #expect(try view().match("\"quokkas\"", limit: 100).count == 39)
    #expect(try view().rows(symbols: [], kinds: ["term"]).count == 40)

    // Removed, and superseded by a new file: liveness over the whole folder.
    try scratch.remove("annotations/n3.md")
    try scratch.write(["annotations/z.md": file("term:topic5", "Replaces note 5.", extra: "supersedes: [n5]\n")])
    let now = try view().allRows()
    #expect(now.count == 40 && !now.contains { $0.name == "n3" })
    #expect(now.first { $0.name == "n5" }?.live == false && now.first { $0.name == "z" }?.live == true)
    #expect(try view().rows(symbols: [], kinds: ["term"]).filter(\.live).count == 39)
  }
}

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
      Dictionary(uniqueKeysWithValues: (current.snapshot(store: nil).rows ?? []).map { ($0.name, "\($0.body)\($0.live ? "" : " (not live)")") })
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

    let current = CurrentAnnotations(folder: scratch.path + "/annotations")
    // As mirrored: the mirror answers (no rows built).
    #expect(current.snapshot(store: store).rows == nil)
    #expect(try AnnotationView(folder: scratch.path + "/annotations", store: store).match("\"quokkas\"", limit: 100).count == 40)
    // One file changes: it alone is read from disk; search follows it.
    try scratch.write(["annotations/n7.md": file("term:topic7", "Note 7 about wombats now.")])
    let after = current.snapshot(store: store).rows ?? []
    #expect(after.count == 40)
    #expect(after.filter { !$0.body.hasPrefix("Mirrored: ") }.map(\.name) == ["n7"])
    #expect(try AnnotationView(folder: scratch.path + "/annotations", store: store).match("\"wombats\"", limit: 100).map(\.name) == ["n7"])
    #expect(try AnnotationView(folder: scratch.path + "/annotations", store: store).match("\"quokkas\"", limit: 100).count == 39)
    // A mirror row whose stamp no longer matches is not used, even in a fresh process.
    let fresh = CurrentAnnotations(folder: scratch.path + "/annotations")
    #expect(fresh.snapshot(store: store).rows?.first { $0.name == "n7" }?.body == "Note 7 about wombats now.")
  }
}

import CtxCore
import CtxStore
import CtxTestSupport
import Foundation
import Testing

/// The `vocabulary` copy gives searches the same counts `fts5vocab` does (so ranking is
/// unchanged), and follows the index when it is refreshed.
@Suite struct VocabularyTests {
  func file(_ path: String, _ text: String) -> CodeFile {
    CodeFile(
      path: path, stamp: FileStamp(size: Int64(text.utf8.count), mtimeNanos: 1), contentHash: "h-\(path)-\(text.count)", language: "c",
      lineCount: 1, symbols: [], chunks: [Chunk(startLine: 1, endLine: 1, symbol: nil, kind: nil, text: text)])
  }

  @Test func countsMatchTheFullTextIndexBeforeAndAfterARefresh() async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    try await store.apply(
      [
        .upsert(file("a.c", "session token expires"), chunkParts: [""]),
        .upsert(file("b.c", "session cookie"), chunkParts: [""]),
        .upsert(file("c.c", "token bucket"), chunkParts: [""]),
      ], sourceID: source)
    let words = ["session", "token", "cookie", "absent", "bucket"]
    // No copy yet: counted from fts5vocab.
    #expect(try store.vocabularyMissing() == IndexStore.vocabularyTables)
    let live = try store.documentFrequencies(words)
    // Terms as the index stores them: Porter stems ("cookie" is stored as "cooki").
    #expect(live == ["session": 2, "token": 2, "cookie": 0, "absent": 0, "bucket": 1])

    try await store.refreshVocabulary(IndexStore.vocabularyTables)
    #expect(try store.vocabularyMissing().isEmpty)
    #expect(try store.termStatistics(words: words).documentFrequency["session"] == 2)

    // The index changes; after a refresh the copy follows (a new run is a new generation
    // for the in-process memo too).
    try await store.apply([.upsert(file("d.c", "session session zebrafish"), chunkParts: [""])], sourceID: source)
    try await store.recordRun(sourceID: source, started: Date(), finished: Date(), status: "ok", reportJSON: "{}")
    try await store.refreshVocabulary(["chunk_ft"])
    let refreshed = try store.documentFrequencies(words + ["zebrafish"])
    #expect(refreshed == ["session": 3, "token": 2, "cookie": 0, "absent": 0, "bucket": 1, "zebrafish": 1])
    #expect(try store.termStatistics(words: ["cookie"]).documentFrequency == ["cooki": 1])
    #expect(try store.termStatistics(words: ["sessions", "zebrafish"]).documentFrequency == ["session": 3, "zebrafish": 1])
  }

  /// A run killed after a source's transaction committed but before the copy was refreshed:
  /// the copy was marked out of date in that transaction, so searches count from the index
  /// itself and the next run refreshes it (CrashSafetyTests found answers that differed).
  @Test func aChangeMarksTheCopyOutOfDateInItsOwnTransaction() async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    try await store.apply([.upsert(file("a.c", "session token"), chunkParts: [""])], sourceID: source)
    try await store.refreshVocabulary(IndexStore.vocabularyTables)
    #expect(try store.documentFrequencies(["session"]) == ["session": 1])

    try await store.beginSource()
    try await store.apply([.upsert(file("b.c", "session cookie"), chunkParts: [""])], sourceID: source)
    try await store.invalidateVocabulary(["chunk_ft"])
    try await store.commitSource()
    try await store.recordRun(sourceID: source, started: Date(), finished: Date(), status: "ok", reportJSON: "{}")
    // "Killed" here: no refresh. The stale copy is not used.
    #expect(try store.vocabularyMissing() == ["chunk_ft"])
    #expect(try store.documentFrequencies(["session"]) == ["session": 2])
  }
}

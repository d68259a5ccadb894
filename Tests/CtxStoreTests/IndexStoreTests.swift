import CtxCore
import CtxStore
import CtxTestSupport
import Foundation
import GRDB
import Testing

@Suite struct IndexStoreTests {
  func sampleFile(_ path: String, _ text: String) -> CodeFile {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
    return CodeFile(
      path: path, stamp: FileStamp(size: Int64(text.utf8.count), mtimeNanos: 1), contentHash: "h-\(text.hashValue)", language: "c",
      lineCount: lines, symbols: [Symbol(name: "validateSession", kind: "function", line: 1, endLine: lines)],
      chunks: [Chunk(startLine: 1, endLine: lines, symbol: "validateSession", kind: "function", text: text)])
  }

  @Test func writesReplacesAndDeletesWithConsistentFullText() async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/index/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    try await store.apply([.upsert(sampleFile("a.c", "int validateSession() { return 1; }"), chunkParts: ["validate session"])], sourceID: source)
    #expect(try store.matchChunks("\"session\"", limit: 10).count == 1)
    // Replacing the file replaces its text in the index.
    try await store.apply([.upsert(sampleFile("a.c", "int other() { return 2; }"), chunkParts: [""])], sourceID: source)
    #expect(try store.matchChunks("\"session\"", limit: 10).isEmpty)
    #expect(try store.matchChunks("\"other\"", limit: 10).count == 1)
    try await store.apply([.delete(path: "a.c")], sourceID: source)
    #expect(try store.matchChunks("\"other\"", limit: 10).isEmpty)
    #expect(try store.integrityProblems().isEmpty)
    #expect(try store.indexedFiles(sourceID: source).isEmpty)
  }

  @Test func refusesAnIndexFromANewerCtxUntilRebuilt() async throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/ctx.sqlite"
    _ = try IndexStore(path: path, mode: .readWrite)
    let queue = try DatabaseQueue(path: path)
    try await queue.write { db in try db.execute(sql: "PRAGMA user_version = 999") }
    try queue.close()
    #expect {
      try IndexStore(path: path, mode: .readWrite)
    } throws: { error in
      guard let error = error as? CtxError else { return false }
      return error.code == .schemaTooNew && error.message.contains("--full")
    }
    let rebuilt = try IndexStore(path: path, mode: .readWrite, rebuild: true)
    #expect(try rebuilt.chunkCount() == 0)
  }

  @Test func readOnlyOpenOfAMissingIndexSaysRunIndex() {
    #expect {
      try IndexStore(path: "/nonexistent/ctx.sqlite", mode: .readOnly)
    } throws: { error in
      (error as? CtxError)?.code == .notFound
    }
  }
}

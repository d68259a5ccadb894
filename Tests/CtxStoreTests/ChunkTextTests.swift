import CtxCore
import CtxTestSupport
import Foundation
import GRDB
import Testing

@testable import CtxStore

/// How chunk text is stored (schema v11): compressed when that is smaller, read back exactly.
@Suite struct ChunkTextTests {
  /// Texts of every shape the codec meets: short, long, repetitive, without any repeat,
  /// non-ASCII, matches at the largest offset and beyond it, long literal and match runs.
  static func samples() -> [String] {
    var generator = SeededGenerator(seed: 2026)
    let words = ["func", "return", "err", "nil", "if", " ", "\n", "\t", "{", "}", "(", ")", "ctx", "container", "naïve", "日本語", "☕️", "👩‍👩‍👧"]
    var samples = [
      "", "a", "short text", String(repeating: "x", count: 47), String(repeating: "x", count: 48), String(repeating: "ab", count: 5_000),
      "func main() {\n\tfmt.Println(\"hello\")\n}\n",
      String(repeating: "\tif err != nil {\n\t\treturn nil, err\n\t}\n", count: 40),
      String(repeating: "é", count: 300) + String(repeating: "日本語", count: 100),
    ]
    // Pseudo-random words: some repeats at every distance.
    for length in [60, 500, 5_000, 70_000, 200_000] {
      var text = ""
      while text.utf8.count < length { text += words[Int(generator.next() % UInt64(words.count))] }
      samples.append(text)
    }
    // No repeats of four bytes at all (incompressible), then the same block again 65,535 and
    // 65,536 bytes later (the largest offset the format has, and one past it).
    var bytes: [UInt8] = []
    for _ in 0..<20_000 { bytes.append(UInt8(0x21 + generator.next() % 94)) }
    let noise = String(decoding: bytes, as: UTF8.self)
    samples.append(noise)
    samples.append(noise + String(repeating: " ", count: 65_535 - noise.utf8.count) + noise)
    samples.append(noise + String(repeating: " ", count: 65_536 - noise.utf8.count) + noise)
    return samples
  }

  @Test func everyTextComesBackExactly() throws {
    for text in Self.samples() {
      guard let encoded = ChunkText.encode(text) else {
        #expect(text.utf8.count < ChunkText.minimumLength || text.utf8.count > 1_000, "a compressible text was stored plain: \(text.prefix(40))")
        #expect(ChunkText.decode(.init(value: text) ?? .null) == text)
        continue
      }
      #expect(encoded.count < text.utf8.count)
      #expect(ChunkText.decode(DatabaseValue(value: Data(encoded)) ?? .null) == text, "\(text.prefix(40))")
    }
  }

  @Test func sourceCodeShrinksByAboutAThird() throws {
    let code = String(repeating: "\tif err := daemon.ContainerStart(ctx, name, config); err != nil {\n\t\treturn errors.Wrap(err, \"start\")\n\t}\n", count: 8)
    let encoded = try #require(ChunkText.encode(code))
    #expect(encoded.count * 3 < code.utf8.count)
  }

  /// A damaged blob is nil, never a crash or a read past its end: truncations, flipped bytes,
  /// and random bytes after a valid header.
  @Test func damagedBodiesAreNilNotACrash() throws {
    let text = String(repeating: "func validateSession(token string) error { return nil }\n", count: 30)
    let encoded = try #require(ChunkText.encode(text))
    for cut in stride(from: 0, to: encoded.count - 1, by: 3) {
      #expect(ChunkText.decode(DatabaseValue(value: Data(encoded[0..<cut])) ?? .null) == nil)
    }
    var generator = SeededGenerator(seed: 7)
    for _ in 0..<2_000 {
      var damaged = encoded
      for _ in 0..<3 { damaged[1 + Int(generator.next() % UInt64(damaged.count - 1))] = UInt8(truncatingIfNeeded: generator.next()) }
      _ = ChunkText.decode(DatabaseValue(value: Data(damaged)) ?? .null)
      let random = [UInt8(1), UInt8(truncatingIfNeeded: generator.next() % 200)] + (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      _ = ChunkText.decode(DatabaseValue(value: Data(random)) ?? .null)
    }
    #expect(ChunkText.decode(DatabaseValue(value: Data([2, 4, 0x40, 1, 2, 3, 4])) ?? .null) == nil)  // unknown tag
  }

  @Test func longChunksAreStoredCompressedAndReadBackThroughEveryReader() async throws {
    let scratch = ScratchDirectory()
    let store = try IndexStore(path: scratch.path + "/index/ctx.sqlite", mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let long = String(repeating: "func validateSession(token string) error {\n\treturn checkToken(token)\n}\n", count: 20)
    let file = CodeFile(
      path: "auth/session.go", stamp: FileStamp(size: 1, mtimeNanos: 1), contentHash: "h1", language: "go", lineCount: 62, symbols: [],
      chunks: [
        Chunk(startLine: 1, endLine: 60, symbol: "validateSession", kind: "func", text: long),
        Chunk(startLine: 61, endLine: 62, text: "// short"),
      ])
    // Once with the bodies encoded by the caller (as the indexer does), once by the writer.
    try await store.apply([.upsert(file, chunkParts: ["validate session", ""], chunkBodies: file.chunks.map { ChunkText.encode($0.text) })], sourceID: source)
    let queue = try DatabaseQueue(path: scratch.path + "/index/ctx.sqlite")
    let types = try await queue.read { db in try String.fetchAll(db, sql: "SELECT typeof(body) FROM chunk ORDER BY id") }
    #expect(types == ["blob", "text"])
    let ids = try store.matchChunks("\"validate\"", limit: 10).map(\.id)
    let chunks = try store.chunks(ids: ids)
    #expect(chunks.map(\.text) == [long] && chunks.first?.path == "auth/session.go")
    #expect(try store.chunkTexts(fileIDs: [chunks[0].fileID]).map(\.text) == [long, "// short"])
    #expect(try store.matchChunks("\"checktoken\"", source: "code", folder: "auth", limit: 5).map(\.id) == ids)
    #expect(try store.integrityProblems().isEmpty)
    // Replacing and deleting remove the old full-text rows (FTS5 gets the old text, decoded).
    var changed = file
    changed.chunks[0].text = long.replacingOccurrences(of: "checkToken", with: "verifyToken")
    try await store.apply([.upsert(changed, chunkParts: ["validate session", ""])], sourceID: source)
    #expect(try store.matchChunks("\"checktoken\"", limit: 10).isEmpty)
    #expect(try store.chunks(ids: store.matchChunks("\"verifytoken\"", limit: 10).map(\.id)).map(\.text) == [changed.chunks[0].text])
    #expect(try store.integrityProblems().isEmpty)
    try await store.apply([.delete(path: "auth/session.go")], sourceID: source)
    #expect(try store.matchChunks("\"verifytoken\" OR \"short\"", limit: 10).isEmpty)
    #expect(try store.integrityProblems().isEmpty)
  }
}

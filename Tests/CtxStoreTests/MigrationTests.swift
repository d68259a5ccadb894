import CtxCore
import CtxTestSupport
import Foundation
import GRDB
import Testing

@testable import CtxStore

/// An index written by the previous release (schema v1, ctx 0.1.0 at 1d1a8fe: code only) is
/// migrated in place, keeping what it held.
@Suite struct MigrationTests {
  func copyFixture(to scratch: ScratchDirectory) throws -> String {
    let fixture = try #require(Bundle.module.path(forResource: "index-schema-v1", ofType: "sqlite", inDirectory: "Fixtures"))
    let path = scratch.path + "/index/ctx.sqlite"
    try FileManager.default.createDirectory(atPath: scratch.path + "/index", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: fixture, toPath: path)
    return path
  }

  @Test func schemaV1IsMigratedAndKeepsItsContent() async throws {
    let scratch = ScratchDirectory()
    let path = try copyFixture(to: scratch)
    // Read-only opens refuse to migrate and say how to.
    #expect {
      _ = try IndexStore(path: path, mode: .readOnly)
    } throws: { error in
      (error as? CtxError)?.message.contains("run `ctx index` to upgrade it") == true
    }
    let store = try IndexStore(path: path, mode: .readWrite)
    #expect(try store.matchChunks("\"validatesession\" OR \"session\"", limit: 10).count == 1)
    #expect(try store.gitSources().isEmpty)
    let queue = try DatabaseQueue(path: path)
    let (version, migrations) = try await queue.read { db in
      (try Int.fetchOne(db, sql: "PRAGMA user_version"), try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"))
    }
    #expect(version == IndexStore.currentSchemaVersion)
    #expect(migrations.count == IndexStore.currentSchemaVersion && Set(migrations).isSuperset(of: ["v1-code", "v2-history", "v10-rechunk-code"]))
    #expect(try store.integrityProblems().isEmpty)
    // v10: every code file is marked for a new cut (the chunker changed), content kept until then.
    let hashes = try await queue.read { db in try String.fetchAll(db, sql: "SELECT content_hash FROM file") }
    #expect(!hashes.isEmpty && hashes.allSatisfy(\.isEmpty))
    // The new tables work.
    let source = try await store.ensureSource(name: "history", kind: "git", root: scratch.path)
    #expect(try store.commitCount(sourceID: source) == 0)
  }

  /// v11 on an index written by v10: chunks keep their ids, texts and paths; long texts are
  /// compressed; searches rank and score exactly as before; the full-text index is consistent.
  @Test func v10ChunksAreCompactedInPlaceWithIdenticalSearches() async throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/ctx.sqlite"
    let queue = try DatabaseQueue(path: path)
    try Schema.migrator.migrate(queue, upTo: "v10-rechunk-code")
    let body = "func validateSession(token string) error {\n\tif token == \"\" {\n\t\treturn errMissing\n\t}\n\treturn nil\n}\n"
    let expected = try await queue.write { db -> [Int64: (path: String, text: String)] in
      var expected: [Int64: (path: String, text: String)] = [:]
      try db.execute(sql: "INSERT INTO source(id, name, kind, root) VALUES (1, 'code', 'code', '/src')")
      for file in 1...30 {
        let filePath = "pkg\(file % 4)/file\(file).go"
        try db.execute(
          sql: "INSERT INTO file(id, source_id, path, name, size, mtime_ns, content_hash, language, line_count, indexed_at) VALUES (?, 1, ?, ?, 1, 1, 'h', 'go', 9, 0)",
          arguments: [file, filePath, "file\(file).go"])
        for part in 0..<3 {
          let text = part == 2 ? "// end \(file)" : String(repeating: body, count: 1 + (file + part) % 5) + "// file \(file) part \(part) session"
          let symbol = part == 0 ? "validateSession\(file)" : nil
          let parts = part == 0 ? "validate session \(file)" : ""
          try db.execute(
            sql: "INSERT INTO chunk(file_id, start_line, end_line, path, symbol, kind, text, parts) VALUES (?, ?, ?, ?, ?, 'func', ?, ?)",
            arguments: [file, part * 3 + 1, part * 3 + 3, filePath, symbol, text, parts])
          let id = db.lastInsertedRowID
          try db.execute(sql: "INSERT INTO chunk_ft(rowid, path, symbol, text, parts) VALUES (?, ?, ?, ?, ?)", arguments: [id, filePath, symbol, text, parts])
          expected[id] = (filePath, text)
        }
      }
      try db.execute(sql: "PRAGMA user_version = 10")
      return expected
    }
    let queries = ["\"session\"", "\"validate\" OR \"errmissing\"", "\"file\" AND \"pkg1\"", "path : \"pkg2\"", "\"end\""]
    let before = try await queue.read { db in
      try queries.map { query in
        try Row.fetchAll(db, sql: "SELECT rowid, bm25(chunk_ft, \(Schema.chunkWeights)) FROM chunk_ft WHERE chunk_ft MATCH ? ORDER BY 2, 1", arguments: [query])
          .map { "\($0[0] as Int64) \($0[1] as Double)" }
      }
    }
    try queue.close()

    let store = try IndexStore(path: path, mode: .readWrite)
    let after = try queries.map { query in try store.matchChunks(query, limit: 1_000).sorted { ($0.score, $0.id) < ($1.score, $1.id) }.map { "\($0.id) \($0.score)" } }
    #expect(after == before)
    #expect(before.allSatisfy { !$0.isEmpty })
    let chunks = try store.chunks(ids: Array(expected.keys))
    #expect(chunks.count == expected.count)
    for chunk in chunks {
      #expect(chunk.text == expected[chunk.id]?.text && chunk.path == expected[chunk.id]?.path, "chunk \(chunk.id)")
    }
    #expect(try store.chunkCount() == 90)
    #expect(try store.integrityProblems().isEmpty)
    let reopened = try DatabaseQueue(path: path)
    let (types, columns, free) = try await reopened.read { db in
      (
        try String.fetchAll(db, sql: "SELECT DISTINCT typeof(body) FROM chunk ORDER BY 1"),
        try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('chunk')"),
        try Int.fetchOne(db, sql: "PRAGMA freelist_count")
      )
    }
    #expect(types == ["blob", "text"])
    #expect(free == 0)  // vacuumed after the migration
    #expect(!columns.contains("path") && !columns.contains("text"))
    // Changes after the migration keep the full-text index consistent.
    let file = CodeFile(
      path: "pkg1/file1.go", stamp: FileStamp(size: 2, mtimeNanos: 2), contentHash: "h2", language: "go", lineCount: 3, symbols: [],
      chunks: [Chunk(startLine: 1, endLine: 3, text: String(repeating: "return replaced\n", count: 10))])
    try await store.apply([.upsert(file, chunkParts: [""]), .delete(path: "pkg2/file2.go")], sourceID: 1)
    #expect(try store.integrityProblems().isEmpty)
    #expect(try store.matchChunks("\"replaced\"", limit: 10).count == 1)
  }

  /// Each file's "mtime content_hash" after opening an index written up to `migration`
  /// (schema `version`) holding `files` (source 1 is code, source 2 docs), which runs the
  /// migrations after it.
  func stampsAfterMigrating(from migration: String, version: Int, files: [(Int, String, String?)]) async throws -> [String: String] {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/ctx.sqlite"
    var configuration = Configuration()
    configuration.prepareDatabase { db in IndexStore.addFunctions(db) }  // v11's view reads `ctx_text`
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    try Schema.migrator.migrate(queue, upTo: migration)
    try await queue.write { db in
      try db.execute(sql: "INSERT INTO source(id, name, kind, root) VALUES (1, 'code', 'code', '/src'), (2, 'docs', 'docs', '/docs')")
      for (source, name, language) in files {
        try db.execute(
          sql: "INSERT INTO file(source_id, path, name, size, mtime_ns, content_hash, language, line_count, indexed_at) VALUES (?, ?, ?, 1, 7, 'h', ?, 9, 0)",
          arguments: [source, name, name, language])
      }
      try db.execute(sql: "PRAGMA user_version = \(version)")
    }
    try queue.close()
    _ = try IndexStore(path: path, mode: .readWrite)
    let reopened = try DatabaseQueue(path: path)
    return try await reopened.read { db in
      try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT path, mtime_ns, content_hash FROM file").map { row in
        (row[0] as String, "\(row[1] as Int64) \(row[2] as String)")
      })
    }
  }

  /// v13 on an index written by v12: the code files of languages with file-scoped tags (and of
  /// unknown ones) lose their stamps, so the next run tags them again; the others, and the
  /// files of docs sources, keep theirs.
  @Test func v13MarksFilesWithFileScopedTagsForANewRead() async throws {
    let stamps = try await stampsAfterMigrating(
      from: "v12-source-revision", version: 12,
      files: [
        (1, "lib.c", "c"), (1, "Main.java", "java"), (1, "App.cs", "c#"), (1, "w.cpp", "c++"), (1, "core.d", nil),
        (1, "main.go", "go"), (1, "app.py", "python"), (2, "guide.c", "c"),
      ])
    // v14 to v17 run too; of these, v17 marks app.py (Python is cut again for its decorators).
    #expect(stamps == [
      "lib.c": "-1 ", "Main.java": "-1 ", "App.cs": "-1 ", "w.cpp": "-1 ", "core.d": "-1 ",
      "main.go": "7 h", "app.py": "-1 ", "guide.c": "7 h",
    ])
  }

  /// v14 on an index written by v13: JavaScript, TypeScript and Rust code files are cut again.
  @Test func v14MarksJavaScriptTypeScriptAndRustFilesForANewCut() async throws {
    let stamps = try await stampsAfterMigrating(
      from: "v13-retag-file-scope", version: 13,
      files: [
        (1, "app.js", "javascript"), (1, "w.ts", "typescript"), (1, "lib.rs", "rust"), (1, "main.go", "go"), (1, "core.d", nil),
        (1, "app.py", "python"), (2, "guide.js", "javascript"),
      ])
    #expect(stamps == ["app.js": "-1 ", "w.ts": "-1 ", "lib.rs": "-1 ", "main.go": "7 h", "core.d": "7 h", "app.py": "-1 ", "guide.js": "7 h"])
  }

  /// v15 on an index written by v14: JavaScript, TypeScript and Rust code files are read
  /// again, for the definitions ctags does not tag.
  @Test func v15MarksFilesWithUntaggedDefinitionsForANewRead() async throws {
    let stamps = try await stampsAfterMigrating(
      from: "v14-rechunk-brace-ends", version: 14,
      files: [(1, "lib.rs", "rust"), (1, "app.js", "javascript"), (1, "w.ts", "typescript"), (1, "main.go", "go"), (2, "notes.js", "javascript")])
    #expect(stamps == ["lib.rs": "-1 ", "app.js": "-1 ", "w.ts": "-1 ", "main.go": "7 h", "notes.js": "7 h"])
  }

  /// v16 on an index written by v15: the Markdown files of docs sources are read again.
  @Test func v16MarksMarkdownDocumentsForANewRead() async throws {
    let stamps = try await stampsAfterMigrating(
      from: "v15-untagged-definitions", version: 15,
      files: [(2, "guide.md", nil), (2, "page.html", nil), (1, "README.md", nil), (1, "lib.rs", "rust")])
    #expect(stamps == ["guide.md": "-1 ", "page.html": "7 h", "README.md": "7 h", "lib.rs": "7 h"])
  }

  /// v17 on an index written by v16: code files of languages with `@` decorators are cut again.
  @Test func v17MarksDecoratedLanguagesForANewCut() async throws {
    let stamps = try await stampsAfterMigrating(
      from: "v16-myst-targets", version: 16,
      files: [(1, "app.py", "python"), (1, "Main.java", "java"), (1, "w.ts", "typescript"), (1, "lib.rs", "rust"), (1, "main.go", "go"), (2, "notes.py", "python")])
    #expect(stamps == ["app.py": "-1 ", "Main.java": "-1 ", "w.ts": "-1 ", "lib.rs": "7 h", "main.go": "7 h", "notes.py": "7 h"])
  }

  /// v18 on an index written by v17, and a new index: the commits' full-text table flushes its
  /// pending terms every 4 MiB (a first history run then writes its segments during the crawl,
  /// not all at its commit).
  @Test func v18GivesTheCommitTextASmallerPendingHash() async throws {
    let scratch = ScratchDirectory()
    let old = scratch.path + "/old.sqlite"
    var configuration = Configuration()
    configuration.prepareDatabase { db in IndexStore.addFunctions(db) }  // v11's view reads `ctx_text`
    let queue = try DatabaseQueue(path: old, configuration: configuration)
    try Schema.migrator.migrate(queue, upTo: "v17-long-decorators")
    try await queue.write { db in try db.execute(sql: "PRAGMA user_version = 17") }
    let before = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT v FROM commit_ft_config WHERE k = 'hashsize'") }
    try queue.close()
    #expect(before == 16_777_216)
    for path in [old, scratch.path + "/new.sqlite"] {
      _ = try IndexStore(path: path, mode: .readWrite)
      let reopened = try DatabaseQueue(path: path)
      let hashsize = try await reopened.read { db in try Int.fetchOne(db, sql: "SELECT v FROM commit_ft_config WHERE k = 'hashsize'") }
      #expect(hashsize == 4_194_304, "\(path)")
      try reopened.close()
    }
  }
}

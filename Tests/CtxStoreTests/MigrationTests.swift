import CtxCore
import CtxStore
import CtxTestSupport
import Foundation
import GRDB
import Testing

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
}

import CtxCore
@testable import CtxStore
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

  /// A reader that opens the index while the first writer is still making it (a server's
  /// search racing `ctx serve --watch`'s first run) never sees a half-made file, and the
  /// writer is never refused: the file appears whole, or not at all.
  @Test func aNewIndexAppearsWholeToAReaderRacingItsCreation() throws {
    for round in 0..<20 {
      let scratch = ScratchDirectory()
      let path = scratch.path + "/index/ctx.sqlite"
      let stop = LockedFlag()
      let sawPartial = LockedFlag()
      let reader = Thread {
        while !stop.value {
          guard FileManager.default.fileExists(atPath: path) else { continue }
          // What a read-only open does first (the schema version), with the readers' busy
          // timeout: any error, or an older version, is a file that is not yet an index.
          do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            if version != Schema.version { sawPartial.set("user_version \(version)") }
            try queue.close()
          } catch {
            sawPartial.set("\(error)")
          }
        }
      }
      reader.start()
      defer { stop.set() }
      #expect(throws: Never.self, "round \(round)") { _ = try IndexStore(path: path, mode: .readWrite) }
      stop.set()
      try #require(eventually(within: 30, every: 1_000) { reader.isFinished } != nil, "round \(round): the reader did not end")
      #expect(!sawPartial.value, "round \(round): a reader saw the index before it was whole: \(sawPartial.detail)")
    }
  }

  /// A creation killed midway leaves `ctx.sqlite.new-PID`: the next creation removes it
  /// when that process is gone, and leaves a running process's file alone.
  @Test func aKilledCreationsFilesAreRemovedByTheNext() throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/index/ctx.sqlite"
    let gone = Int32.max  // above any pid_max: no such process
    let leftovers = ["ctx.sqlite.new-\(gone)", "ctx.sqlite.new-\(gone)-wal", "ctx.sqlite.new-\(gone)-shm"]
    let running = "ctx.sqlite.new-1"  // init: always running
    for name in leftovers + [running, "ctx.sqlite.newer", "other.new-5"] { try scratch.write(["index/" + name: "x"]) }
    _ = try IndexStore(path: path, mode: .readWrite)
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/index"))
    for name in leftovers { #expect(!left.contains(name), "\(name) was left") }
    for name in [running, "ctx.sqlite.newer", "other.new-5"] { #expect(left.contains(name), "\(name) was removed") }
    #expect(!left.contains { $0.hasPrefix("ctx.sqlite.new-\(getpid())") })
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

  /// Names of the code tables' secondary indexes present in the file.
  func codeIndexNames(_ path: String) throws -> [String] {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    return try queue.read { db in
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('symbol', 'chunk') AND sql IS NOT NULL ORDER BY name")
    }
  }

  /// A write that fails leaves nothing of itself: on its own it is its own transaction; inside
  /// a source's transaction (no savepoint there) the source's rollback takes it back with the
  /// rest of the source.
  @Test func aFailedWriteLeavesNothingOfItself() async throws {
    struct Failure: Error {}
    let scratch = ScratchDirectory()
    let path = scratch.path + "/index/ctx.sqlite"
    let store = try IndexStore(path: path, mode: .readWrite)
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    let insertSkipped = "INSERT INTO skipped_file (source_id, path, size, mtime_ns, reason) VALUES (?, 'big.bin', 1, 1, 'binary')"
    func counts() throws -> [Int] {
      try store.read { db in
        try ["file", "chunk", "symbol", "skipped_file"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
      }
    }

    await #expect(throws: (any Error).self) {
      try await store.write { db in
        try db.execute(sql: insertSkipped, arguments: [source])
        throw Failure()
      }
    }
    #expect(try counts() == [0, 0, 0, 0])

    try await store.beginSource()
    try await store.apply([.upsert(sampleFile("a.c", "int validateSession() { return 1; }"), chunkParts: ["validate session"])], sourceID: source)
    await #expect(throws: (any Error).self) {
      try await store.write { db in
        try db.execute(sql: insertSkipped, arguments: [source])
        throw Failure()
      }
    }
    await store.rollbackSource()
    #expect(try counts() == [0, 0, 0, 0])
    #expect(try store.integrityProblems().isEmpty)
  }

  /// Each source keeps its newest `runsKept` runs, whether a run was recorded or copied from
  /// the index a `--full` rebuilt beside (`copyRunHistory`); other sources' runs stay.
  @Test func eachSourceKeepsItsNewestRuns() async throws {
    let scratch = ScratchDirectory()
    let old = try IndexStore(path: scratch.path + "/old/ctx.sqlite", mode: .readWrite)
    let busy = try await old.ensureSource(name: "busy", kind: "code", root: scratch.path)
    let quiet = try await old.ensureSource(name: "quiet", kind: "git", root: scratch.path)
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    for run in 0..<(IndexStore.runsKept + 5) {
      let finished = start.addingTimeInterval(Double(run) * 60)
      try await old.recordRun(sourceID: busy, started: finished, finished: finished, status: "ok", reportJSON: "{\"run\":\(run)}")
    }
    try await old.recordRun(sourceID: quiet, started: start, finished: start, status: "ok", reportJSON: "{}")
    func runs(_ store: IndexStore, _ name: String) throws -> [String] {
      try store.read { db in
        try String.fetchAll(
          db, sql: "SELECT report FROM source_run JOIN source ON source.id = source_run.source_id WHERE source.name = ? ORDER BY finished", arguments: [name])
      }
    }
    let newest = (5..<(IndexStore.runsKept + 5)).map { "{\"run\":\($0)}" }
    #expect(try runs(old, "busy") == newest)
    #expect(try runs(old, "quiet") == ["{}"])
    try old.close()

    let new = try IndexStore(path: scratch.path + "/new/ctx.sqlite", mode: .readWrite)
    let busyAgain = try await new.ensureSource(name: "busy", kind: "code", root: scratch.path)
    let latest = start.addingTimeInterval(86_400)
    try await new.recordRun(sourceID: busyAgain, started: latest, finished: latest, status: "ok", reportJSON: "{\"run\":\"new\"}")
    #expect(try await new.copyRunHistory(from: scratch.path + "/old/ctx.sqlite") == ["quiet"])
    #expect(try runs(new, "busy") == Array(newest.dropFirst()) + ["{\"run\":\"new\"}"])
  }

  /// A source's commit leaves its pages in the log. `LogCopier` copies them into the file on
  /// a connection of its own (SQLite's automatic copy, inside the COMMIT, starts only at 1,000
  /// pages, and would hold up the writer), without waiting for a reader that still reads an
  /// older state; the run's last checkpoint then empties the log, with every row kept.
  @Test func aSourcesLogIsCopiedIntoTheFileOnAConnectionOfItsOwn() async throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/index/ctx.sqlite"
    let store = try IndexStore(path: path, mode: .readWrite)
    func size(_ file: String) -> Int64 { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? -1 }
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)
    func commitSource(files: Range<Int>) async throws {
      try await store.beginSource()
      let changes = files.map { FileChange.upsert(sampleFile("f\($0).c", "int validateSession\($0)() { return \($0); }\n" + String(repeating: "// padding line \($0)\n", count: 40)), chunkParts: ["validate session"]) }
      try await store.apply(changes, sourceID: source)
      try await store.commitSource()
    }
    let before = size(path)
    try await commitSource(files: 0..<200)
    store.logCopier.wait()
    #expect(size(path) > before, "the committed pages are still only in the log")
    #expect(try store.indexedFiles(sourceID: source).count == 200)

    // A reader in the middle of reading an older state: the copy does not wait for it.
    let reader = try DatabaseQueue(path: path)
    let readerInside = LockedFlag()
    let readerMayEnd = LockedFlag()
    let readerThread = Thread {
      try? reader.inDatabase { db in
        try db.execute(sql: "BEGIN")  // holds its snapshot until the COMMIT
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM file")
        readerInside.set()
        _ = eventually(within: 30, every: 1_000) { readerMayEnd.value }
        try db.execute(sql: "COMMIT")
      }
    }
    readerThread.start()
    try #require(eventually(within: 10, every: 1_000) { readerInside.value } != nil, "the reader never started reading")
    try await commitSource(files: 200..<400)
    let started = ContinuousClock.now
    store.logCopier.wait()
    #expect(ContinuousClock.now - started < .seconds(5), "the copy waited for the reader")
    readerMayEnd.set()
    try #require(eventually(within: 10, every: 1_000) { readerThread.isFinished } != nil, "the reader did not end")
    try reader.close()

    try store.checkpoint()
    #expect(size(path + "-wal") == 0)
    #expect(try store.indexedFiles(sourceID: source).count == 400)
    #expect(try store.integrityProblems().isEmpty)
  }

  /// A first run builds the code indexes once at the end; a run that fails after dropping them
  /// is rolled back with them in place; tables with rows keep them throughout.
  @Test func codeIndexesAreSuspendedOnlyOnEmptyTablesAndAlwaysComeBack() async throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/index/ctx.sqlite"
    let store = try IndexStore(path: path, mode: .readWrite)
    let all = ["chunk_file", "symbol_file", "symbol_norm"]
    let source = try await store.ensureSource(name: "code", kind: "code", root: scratch.path)

    // Dropped, then the source's transaction fails: the rollback restores them.
    try await store.beginSource()
    #expect(try await store.suspendCodeIndexes())
    try await store.apply([.upsert(sampleFile("a.c", "int validateSession() { return 1; }"), chunkParts: ["validate session"])], sourceID: source)
    await store.rollbackSource()
    #expect(try codeIndexNames(path) == all)

    // Dropped, filled, built again, committed.
    try await store.beginSource()
    #expect(try await store.suspendCodeIndexes())
    try await store.apply([.upsert(sampleFile("a.c", "int validateSession() { return 1; }"), chunkParts: ["validate session"])], sourceID: source)
    try await store.restoreCodeIndexes()
    try await store.commitSource()
    #expect(try codeIndexNames(path) == all)
    #expect(try store.integrityProblems().isEmpty)

    // With rows in the tables they are left alone.
    try await store.beginSource()
    #expect(try await store.suspendCodeIndexes() == false)
    try await store.commitSource()
    #expect(try codeIndexNames(path) == all)
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

/// A first run keeps each path's signal in memory as it writes; later runs recompute touched
/// paths from the change rows. Both must give the same rows.
@Suite struct HistorySignalTests {
  func commit(_ sha: String, time: Int64, _ paths: [String]) -> HistoryWriter.Prepared {
    let person = GitSignature(name: "Ada", email: "ada@example.com", time: time, offsetMinutes: 0)
    return HistoryWriter.prepare(
      GitCommitRecord(
        sha: sha, parents: [], author: person, committer: person, summary: "change \(sha)", body: "",
        changes: paths.map { GitFileChange(path: $0, status: .modified) }))
  }

  /// What the recomputing query gives for every path of the source: path, last sha, time, count.
  func recomputed(_ path: String, sourceID: Int64) throws -> [[String]] {
    try DatabaseQueue(path: path).read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.path, g.sha, max(g.commit_time), count(*) FROM git_change c JOIN git_commit g ON g.id = c.commit_id
          JOIN git_path p ON p.id = c.path_id WHERE g.source_id = ? GROUP BY c.path_id ORDER BY p.path
          """, arguments: [sourceID]
      ).map { row in [row[0], row[1], String(row[2] as Int64), String(row[3] as Int64)] }
    }
  }

  func stored(_ path: String, sourceID: Int64) throws -> [[String]] {
    try DatabaseQueue(path: path).read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.path, g.sha, f.last_time, f.changes FROM file_signal f JOIN git_path p ON p.id = f.path_id
          JOIN git_commit g ON g.id = f.last_commit_id WHERE f.source_id = ? ORDER BY p.path
          """, arguments: [sourceID]
      ).map { row in [row[0], row[1], String(row[2] as Int64), String(row[3] as Int64)] }
    }
  }

  @Test func signalsKeptWhileWritingEqualTheRecomputedOnes() async throws {
    let scratch = ScratchDirectory()
    let path = scratch.path + "/index/ctx.sqlite"
    let store = try IndexStore(path: path, mode: .readWrite)
    let source = try await store.ensureSource(name: "history", kind: "git", root: scratch.path)

    // First run: an empty source. Two commits at the same time touch `a` (the first written
    // is the one recorded), and a commit with an older time comes last (clock skew).
    try await store.beginSource()
    let first = try HistoryWriter(store: store, sourceID: source)
    try await first.add([commit("c1", time: 100, ["a", "b"]), commit("c2", time: 200, ["a"])])
    try await first.add([commit("c3", time: 200, ["a", "c"]), commit("c4", time: 50, ["b", "c", "d"])])
    try await first.finish(refs: ["HEAD": "c1"])
    try await store.commitSource()
    let kept = try stored(path, sourceID: source)
    #expect(kept.count == 4)
    #expect(kept.first == ["a", "c2", "200", "3"])
    #expect(kept == (try recomputed(path, sourceID: source)))

    // A later run recomputes what it touched from the rows.
    try await store.beginSource()
    let second = try HistoryWriter(store: store, sourceID: source)
    try await second.add([commit("c5", time: 300, ["b"])])
    try await second.finish(refs: ["HEAD": "c5"])
    try await store.commitSource()
    let after = try stored(path, sourceID: source)
    #expect(after.first { $0[0] == "b" } == ["b", "c5", "300", "3"])
    #expect(after == (try recomputed(path, sourceID: source)))

    // A batch still queued when its source's transaction ended (a failed or stopped crawl,
    // rolled back) is refused, not committed on its own.
    try await store.beginSource()
    let late = try HistoryWriter(store: store, sourceID: source)
    await store.rollbackSource()
    await #expect(throws: CtxError.self) { try await late.add([commit("c6", time: 400, ["e"])]) }
    await #expect(throws: CtxError.self) { try await late.finish(refs: ["HEAD": "c6"]) }
    #expect(try stored(path, sourceID: source) == after)
    let commits = try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM git_commit") }
    #expect(commits == 5)
  }
}

/// A flag one thread sets and another reads.
final class LockedFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var raised = false
  private var what = ""
  var value: Bool { lock.withLock { raised } }
  var detail: String { lock.withLock { what } }
  func set(_ detail: String = "") {
    lock.withLock {
      if !raised { what = detail }
      raised = true
    }
  }
}

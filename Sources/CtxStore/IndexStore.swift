import CtxCore
import Foundation
import GRDB

/// The index database of one workspace: one `DatabasePool` per process, opened once.
///
/// WAL mode: readers (`ctx search`, `ctx serve`) run while `ctx index` writes. Writes are
/// serialized by GRDB. Every GRDB error leaves this type as a `CtxError`.
public final class IndexStore: Sendable {
  public enum Mode: Sendable {
    /// Create or migrate the database as needed.
    case readWrite
    /// Open an existing index for queries; never creates or migrates; read-only connections.
    case readOnly
    /// Like `readOnly`, but with a connection that may run FTS5's integrity checks (which are
    /// issued as INSERT commands): `ctx doctor`.
    case inspect
  }

  let pool: DatabasePool
  public let path: String
  /// Copies the log into the file after a source's commit, beside what the run does next.
  let logCopier: LogCopier
  /// Term document frequencies looked up by searches, until the index changes.
  let frequencyMemo = FrequencyMemo()

  /// Opens (and for `.readWrite`, creates or migrates) the index at `path`.
  ///
  /// - Parameter rebuild: erase everything first, the way out of an index written by a newer
  ///   ctx (`ctx index --full`). With a current schema nothing is erased here: a full run
  ///   replaces each source inside that source's own transaction, so a reader (or a crash)
  ///   never sees it half rebuilt.
  /// - Throws: `.notFound` for a missing read-only index, `.schemaTooNew`, `.storeBusy`,
  ///   `.storeFailed`.
  /// Page cache of each read-only connection, KiB (`CTX_READER_CACHE_KIB` overrides, for
  /// measuring). A server keeps up to five readers, each filling its cache over time: with
  /// 64 MiB each, `ctx serve --http` under 32 clients grew to 384 MiB; with 8 MiB it peaked at
  /// 165 MiB and served 19% more calls, and a 20 KB report's `ctx query` took 0.24 s instead of
  /// 0.27 s (docs/benchmarks.md, "The team server under load").
  static let readerCacheKiB: Int = ProcessInfo.processInfo.environment["CTX_READER_CACHE_KIB"].flatMap { Int($0) }.map { max(512, min($0, 1 << 20)) } ?? 8_192

  public init(path: String, mode: Mode, rebuild: Bool = false) throws {
    self.path = path
    self.logCopier = LogCopier(path: path)
    SQLiteSettings.apply()
    let exists = FileManager.default.fileExists(atPath: path)
    if mode != .readWrite && !exists {
      throw CtxError(.notFound, "there is no index yet at \(path); run `ctx index` first")
    }
    do {
      if mode == .readWrite && !exists {
        try IndexStore.create(path: path)
      }
      var configuration = Configuration()
      configuration.busyMode = .timeout(10)
      // A source is crawled inside one transaction spanning many writes (beginSource ...
      // commitSource), so a crash or a reader sees its previous state or its new one.
      configuration.allowsUnsafeTransactions = true
      // Queries open read-only connections: no writer connection is set up, which saved about
      // 5 ms of every `ctx search` (and a query can never write by mistake).
      if mode == .readOnly { configuration.readonly = true }
      configuration.foreignKeysEnabled = true
      let cacheKiB = mode == .readOnly ? IndexStore.readerCacheKiB : 65_536
      configuration.prepareDatabase { db in
        IndexStore.addFunctions(db)
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        // The default 2 MB page cache thrashes on index b-tree and FTS segment updates during a
        // crawl; 64 MB keeps them in memory (peak memory stays far under the 500 MiB budget).
        // Readers need less, and a server holds up to five of them.
        try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
      }
      pool = try DatabasePool(path: path, configuration: configuration)
      var found = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
      if rebuild && found > Schema.version {
        try IndexStore.dropEverything(pool)
        found = 0
      }
      if found > Schema.version {
        throw CtxError(
          .schemaTooNew,
          "the index at \(path) was written by a newer ctx (schema \(found); this ctx knows \(Schema.version)). "
            + "Upgrade ctx, or rebuild the index with `ctx index --full`.", path: path)
      }
      if mode == .readWrite {
        try IndexStore.migrate(pool, userVersion: found)
      } else if found < Schema.version {
        throw CtxError(.schemaTooNew, "the index at \(path) is from an older ctx (schema \(found)); run `ctx index` to upgrade it", path: path)
      }
    } catch let error as CtxError {
      throw error
    } catch {
      throw IndexStore.wrap(error, "cannot open the index", path: path)
    }
  }

  /// New files get 16 KiB pages (a smaller file for FTS data), set before WAL is on.
  ///
  /// Built under a name of its own and linked into place once complete: a reader (a server's
  /// search while `ctx serve --watch` makes its first index) opening a half-made file held a
  /// lock that made `journal_mode = WAL` fail, and the run failed as "being written by
  /// another ctx process". Now a reader finds no index, or a whole one.
  private static func create(path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    SQLiteSettings.apply()
    let building = path + ".new-\(getpid())"
    removeAbandonedNewFiles(beside: path)
    defer { for suffix in fileSuffixes { try? FileManager.default.removeItem(atPath: building + suffix) } }
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in IndexStore.addFunctions(db) }
    let queue = try DatabaseQueue(path: building, configuration: configuration)
    try queue.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA page_size = 16384")
      try db.execute(sql: "PRAGMA journal_mode = WAL")
    }
    try migrate(queue)
    try queue.close()  // the last connection: the log is checkpointed into the file and removed
    // link(2), not rename(2): an index that appeared meanwhile is kept, never replaced. A
    // filesystem without hard links gets a rename when the name is still free.
    guard link(building, path) != 0 else { return }
    let linkError = errno
    if linkError == EEXIST { return }
    if !FileManager.default.fileExists(atPath: path) && rename(building, path) == 0 { return }
    throw CtxError(.io, "cannot put the new index in place at \(path): \(String(cString: strerror(linkError)))", path: path)
  }

  /// A database file's name and the names SQLite gives its companions (log, shared memory,
  /// rollback journal): what removing a database file must remove.
  static let fileSuffixes = ["", "-wal", "-shm", "-journal"]

  /// Removes what a creation killed midway left (`ctx.sqlite.new-PID` and its `-wal`, `-shm`,
  /// `-journal`) when PID is no longer running, and this process's own.
  static func removeAbandonedNewFiles(beside path: String) {
    let directory = (path as NSString).deletingLastPathComponent
    let prefix = (path as NSString).lastPathComponent + ".new-"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names where name.hasPrefix(prefix) {
      let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
      guard let pid = Int32(digits), pid > 0 else { continue }
      let running = pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)
      if !running { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
    }
  }

  /// The SQL functions the schema uses (`ctx_text`, in the view `chunk_content`): every
  /// connection to an index needs them.
  static func addFunctions(_ db: Database) {
    db.add(function: ChunkText.sqlFunction)
  }

  private static func migrate(_ writer: any DatabaseWriter, userVersion: Int = 0) throws {
    let migrator = Schema.migrator
    let (applied, complete) = try writer.read { db in (try migrator.appliedIdentifiers(db), try migrator.hasCompletedMigrations(db)) }
    // An index already at this schema is not written to on open (a no-change run then
    // writes nothing before its crawl: no WAL frame, no sync).
    if complete && userVersion == Schema.version { return }
    try migrator.migrate(writer)
    try writer.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA user_version = \(Schema.version)")
      // v11 rewrote every chunk of an existing index into a table half its size; the pages
      // the old one held would stay in the file, free, forever (moby: 328 MB instead of 192).
      if !applied.isEmpty && !applied.contains(Schema.compactChunksMigration) {
        try db.execute(sql: "VACUUM")
      }
    }
  }

  /// Empties the database in place (`--full`): the file is never deleted or renamed, since
  /// another process may have it open.
  private static func dropEverything(_ pool: DatabasePool) throws {
    try pool.writeWithoutTransaction { db in
      try db.inTransaction {
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'view'") {
          try db.execute(sql: "DROP VIEW IF EXISTS \(name.quotedDatabaseIdentifier)")
        }
        // Virtual tables first: dropping one drops its shadow tables.
        let virtual = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        for name in virtual { try db.execute(sql: "DROP TABLE IF EXISTS \(name.quotedDatabaseIdentifier)") }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        for name in tables { try db.execute(sql: "DROP TABLE IF EXISTS \(name.quotedDatabaseIdentifier)") }
        try db.execute(sql: "PRAGMA user_version = 0")
        return .commit
      }
    }
  }

  /// Maps GRDB errors to `CtxError` codes: busy → `.storeBusy`, the rest → `.storeFailed`.
  static func wrap(_ error: any Error, _ what: String, path: String? = nil) -> CtxError {
    if let error = error as? CtxError { return error }
    if let database = error as? DatabaseError {
      if database.resultCode == .SQLITE_BUSY || database.resultCode == .SQLITE_LOCKED {
        return CtxError(.storeBusy, "the index is being written by another ctx process; retry in a moment", path: path, cause: error)
      }
      if database.resultCode == .SQLITE_FULL {
        return CtxError(.storeFailed, "\(what): the disk is full; free space and run again (the previous index is intact)", path: path, cause: error)
      }
      if database.resultCode == .SQLITE_INTERRUPT {
        return CtxError(.timedOut, "\(what): stopped at the request deadline", path: path, cause: error)
      }
      if database.resultCode == .SQLITE_CORRUPT || database.resultCode == .SQLITE_NOTADB {
        return CtxError(
          .storeFailed,
          "\(what): the index file is damaged (\(database.message ?? "malformed")). Rebuild it with `ctx index --full`: "
            + "it builds a new index beside this one and switches when done (annotations come back from annotations/)",
          path: path, cause: error)
      }
      if database.resultCode == .SQLITE_READONLY || database.resultCode == .SQLITE_CANTOPEN || database.resultCode == .SQLITE_PERM {
        return CtxError(.storeFailed, "\(what): \(database.message ?? "cannot write") (check the permissions of index/)", path: path, cause: error)
      }
      return CtxError(.storeFailed, "\(what): \(database.message ?? database.description)", path: path, cause: error)
    }
    return CtxError(.storeFailed, "\(what): \(error)", path: path, cause: error)
  }

  /// Runs `body` in a read transaction, converting errors.
  func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch { throw IndexStore.wrap(error, "cannot read the index", path: path) }
  }

  /// Runs `body` atomically: in a transaction of its own, or, inside a source transaction
  /// (`beginSource`), as part of it. There a failure fails the whole source, whose transaction
  /// `Indexer` rolls back, so no savepoint is needed; a savepoint made SQLite copy every page a
  /// batch touched again into a statement journal file before changing it: 362 MB of writes
  /// in a full index of moby, more than the index itself.
  func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await pool.writeWithoutTransaction { db in
        if db.isInsideTransaction { return try body(db) }
        var result: T? = nil
        try db.inSavepoint {
          result = try body(db)
          return .commit
        }
        return result!
      }
    } catch { throw IndexStore.wrap(error, "cannot write the index", path: path) }
  }

  /// `write`, for work that belongs to a source's transaction (`beginSource`): refused when
  /// that transaction has ended, so a write still queued when a crawl failed or was stopped
  /// (and its source rolled back) cannot commit on its own.
  func writeInSource<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await pool.writeWithoutTransaction { db in
        guard db.isInsideTransaction else { throw CtxError(.storeFailed, "the source's transaction has ended; this write is dropped") }
        return try body(db)
      }
    } catch let error as CtxError { throw error } catch { throw IndexStore.wrap(error, "cannot write the index", path: path) }
  }

  func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch { throw IndexStore.wrap(error, "cannot write the index", path: path) }
  }

  // MARK: Source transactions

  /// Opens the transaction a whole source is written in. Readers keep seeing the previous
  /// state until `commitSource`; a crash before it leaves that state untouched.
  public func beginSource() async throws {
    do { try await pool.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") } } catch {
      throw IndexStore.wrap(error, "cannot start writing the index", path: path)
    }
  }

  /// Commits the source's transaction. The log it leaves is copied into the file by
  /// `logCopier` on another thread, not by SQLite's automatic checkpoint inside the COMMIT.
  public func commitSource() async throws {
    do {
      try await pool.writeWithoutTransaction { db in
        let automatic = try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 1000
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        defer { try? db.execute(sql: "PRAGMA wal_autocheckpoint = \(automatic)") }
        try db.execute(sql: "COMMIT")
      }
    } catch {
      throw IndexStore.wrap(error, "cannot commit to the index", path: path)
    }
    logCopier.start()
  }

  /// Abandons the source's changes (after a failure); never throws.
  public func rollbackSource() async {
    _ = try? await pool.writeWithoutTransaction { db in
      if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
    }
  }

  /// Truncates the WAL so the main file holds everything (after a crawl), once the copies
  /// `logCopier` has under way have ended.
  public func checkpoint() throws {
    logCopier.wait()
    do { _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) } } catch {
      throw IndexStore.wrap(error, "cannot checkpoint the index", path: path)
    }
  }

  /// Stops the statements running now on every connection (they fail with SQLITE_INTERRUPT,
  /// surfaced as `.timedOut`): how a server's request deadline ends a long query.
  public func interrupt() {
    pool.interrupt()
  }

  /// The database file plus its WAL, in bytes.
  public var sizeOnDisk: Int64 {
    var total: Int64 = 0
    for suffix in ["", "-wal", "-shm"] {
      if let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix), let size = attributes[.size] as? NSNumber {
        total += size.int64Value
      }
    }
    return total
  }
}

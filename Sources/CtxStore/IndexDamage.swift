import CtxCore
import Foundation
import GRDB

/// Finding a damaged index file, and putting a rebuilt one in its place.
///
/// A damaged file cannot be repaired in place (`ctx index --full` empties it by writing to
/// it, which SQLite refuses or makes worse), so the way out is a new file built beside it,
/// moved over the old name only once the rebuild finished.
extension IndexStore {
  /// What is wrong with the index file at `path`: it is not a database, cannot be read, or
  /// `PRAGMA quick_check` finds damage. Empty when healthy (or when there is no file).
  /// Costs 0.3-1.5 s on a 300 MB index (moby); `ctx index` runs it before writing when the
  /// last clean check is six hours old (`CtxIndexer.IntegritySchedule`), and `--full` always.
  public static func damage(at path: String) -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    SQLiteSettings.apply()
    do {
      var configuration = Configuration()
      configuration.readonly = true
      configuration.busyMode = .timeout(10)
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      defer { try? queue.close() }
      return try queue.read { db in
        // Reading the schema first: a garbage header fails here with "file is not a database".
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
        return try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
      }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
      return []  // busy is not damage; the writer that holds it is reported by the lock
    } catch let error as DatabaseError {
      return [error.message ?? error.description]
    } catch {
      return ["\(error)"]
    }
  }

  /// The file a rebuild of the index at `path` is written to, beside it.
  public static func rebuildPath(for path: String) -> String { path + ".rebuild" }

  /// Where the damaged file is kept after the switch (one copy; the next switch replaces it).
  public static func damagedCopyPath(for path: String) -> String { path + ".damaged" }

  /// Removes a leftover rebuild (a run killed before its switch) so a new one starts empty.
  public static func removeLeftoverRebuild(for path: String) throws {
    let rebuilt = rebuildPath(for: path)
    for suffix in IndexStore.fileSuffixes where FileManager.default.fileExists(atPath: rebuilt + suffix) {
      do { try FileManager.default.removeItem(atPath: rebuilt + suffix) } catch {
        throw CtxError(.io, "cannot remove the unfinished rebuild \(rebuilt + suffix): \(error.localizedDescription)", path: rebuilt + suffix)
      }
    }
  }

  /// Closes every connection; checkpoints the WAL into the file (SQLite does so when the last
  /// connection closes), so the file alone holds the index afterwards.
  public func close() throws {
    logCopier.close()
    do {
      _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
      try pool.close()
    } catch {
      throw IndexStore.wrap(error, "cannot close the index", path: path)
    }
  }

  /// Puts the rebuilt index (closed, checkpointed) at `path`: a damaged file is kept as
  /// `ctx.sqlite.damaged` (`keepingDamaged`; a healthy one rebuilt by `--full` is not), and
  /// the old file's WAL and shared-memory files are removed **before** the rename, since
  /// SQLite would otherwise replay the old file's log into the new one. Processes that still
  /// have the old file open keep reading it until they reopen (the servers reopen when the
  /// file's inode changes).
  public static func switchToRebuilt(at path: String, keepingDamaged: Bool = true) throws {
    let rebuilt = rebuildPath(for: path)
    let manager = FileManager.default
    do {
      // A hard link keeps the damaged file; the rename below then replaces the name
      // atomically, so a reader never finds no index at all.
      let kept = damagedCopyPath(for: path)
      if keepingDamaged {
        if manager.fileExists(atPath: kept) { try manager.removeItem(atPath: kept) }
        if manager.fileExists(atPath: path) && link(path, kept) != 0 {
          throw CtxError(.io, "cannot keep the damaged index as \(kept): \(String(cString: strerror(errno)))", path: kept)
        }
      }
      for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
        try manager.removeItem(atPath: path + suffix)
      }
      for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: rebuilt + suffix) {
        try manager.removeItem(atPath: rebuilt + suffix)
      }
      guard rename(rebuilt, path) == 0 else {
        throw CtxError(.io, "cannot move \(rebuilt) to \(path): \(String(cString: strerror(errno)))", path: path)
      }
    } catch let error as CtxError {
      throw error
    } catch {
      throw CtxError(.io, "cannot switch to the rebuilt index: \(error.localizedDescription); the rebuild is at \(rebuilt)", path: path, cause: error)
    }
  }
}

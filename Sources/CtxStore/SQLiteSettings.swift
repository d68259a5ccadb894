import CSQLiteSettings
import GRDB
import GRDBSQLite

/// SQLite's process-wide settings, made once before the first connection opens (SQLite refuses
/// them after that). Every place in ctx that opens a connection calls `apply()` first; they are
/// all in this module.
///
/// Both settings remove locks nobody needs. GRDB uses each connection from one thread at a
/// time (its serialized queues), so SQLite's default "serialized" mode, a mutex around every
/// call on a connection, only costs; and its allocation statistics take a global mutex on every
/// malloc and free. On a full history of moby that was 6.8 million mutex round trips and 3.2% of
/// the run's instructions (callgrind: 24.54 -> 23.76 billion), most of them on the writer
/// thread (docs/benchmarks.md, "History").
enum SQLiteSettings {
  /// True when both settings took effect (false if a connection was opened before).
  static let applied: Bool = {
    let threading = ctx_sqlite_config_multithread()
    let statistics = ctx_sqlite_config_no_memstatus()
    return threading == SQLITE_OK && statistics == SQLITE_OK
  }()

  static func apply() { _ = applied }

  /// Whether `db` runs without a mutex of its own (multi-thread mode), for `ctx doctor`.
  static func isMultiThread(_ db: Database) -> Bool {
    guard let connection = db.sqliteConnection else { return false }
    return sqlite3_db_mutex(connection) == nil
  }
}

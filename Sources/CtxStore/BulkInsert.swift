import GRDB
import GRDBSQLite

/// A value for `BulkInsert`: the few column types the bulk writes use.
enum BulkValue {
  case integer(Int64)
  case text(String)
  case blob([UInt8])
  case null

  init(_ value: Int) { self = .integer(Int64(value)) }
  init(_ value: Int64) { self = .integer(value) }
  init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
  init(_ value: String) { self = .text(value) }
  init(_ value: String?) { self = value.map { .text($0) } ?? .null }
  /// As GRDB stores it: 1 or 0.
  init(_ value: Bool) { self = .integer(value ? 1 : 0) }
}

/// Runs a prepared INSERT through SQLite's C API. The indexer writes about a million rows for
/// a large repository (chunks, their full-text rows, symbols); GRDB's per-execution work
/// (argument boxing, validation, observation hooks) cost about as much as SQLite's own insert
/// there. Only for statements that return no rows, inside a transaction GRDB already manages.
enum BulkInsert {
  /// SQLite copies the bytes before `bind` returns, so Swift's buffers may go away at once.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  static func run(_ statement: Statement, _ values: [BulkValue]) throws {
    let handle = statement.sqliteStatement
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let code: Int32
      switch value {
      case .integer(let number):
        code = sqlite3_bind_int64(handle, index, number)
      case .text(let text):
        var text = text
        code = text.withUTF8 { bytes -> Int32 in
          guard let base = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
          return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(handle, index, $0, Int32(bytes.count), transient) }
        }
      case .blob(let bytes):
        code = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
      case .null:
        code = sqlite3_bind_null(handle, index)
      }
      guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind a value", sql: statement.sql) }
    }
    let result = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard result == SQLITE_DONE else {
      let message = sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "insert failed"
      throw DatabaseError(resultCode: ResultCode(rawValue: result), message: message, sql: statement.sql)
    }
  }
}

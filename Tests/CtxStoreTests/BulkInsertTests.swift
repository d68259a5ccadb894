import GRDB
import Testing

@testable import CtxStore

/// `BulkInsert` binds through SQLite's C API; what it stores must be exactly what GRDB would.
@Suite struct BulkInsertTests {
  @Test func storesTextIntegersAndNullsExactly() throws {
    let queue = try DatabaseQueue()
    let texts = ["", "plain", "naïve café ☕️ 日本語", String(repeating: "long line ", count: 10_000), "emoji 👩‍👩‍👧 and tab\tend"]
    try queue.write { db in
      try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, maybe TEXT)")
      let insert = try db.cachedStatement(sql: "INSERT INTO t(n, s, maybe) VALUES (?, ?, ?)")
      for (index, text) in texts.enumerated() {
        try BulkInsert.run(insert, [.init(Int64(index) - 2), .init(text), .init(index.isMultiple(of: 2) ? nil : text as String?)])
      }
    }
    let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT n, s, maybe, typeof(s) FROM t ORDER BY id") }
    #expect(rows.count == texts.count)
    for (index, row) in rows.enumerated() {
      #expect(row[0] as Int64 == Int64(index) - 2)
      #expect(row[1] as String == texts[index])
      #expect(row[3] as String == "text")
      if index.isMultiple(of: 2) { #expect((row[2] as String?) == nil) } else { #expect(row[2] as String? == texts[index]) }
    }
  }

  @Test func aFailingInsertThrowsSQLitesMessageAndTheStatementStaysUsable() throws {
    let queue = try DatabaseQueue()
    try queue.write { db in
      try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE)")
      let insert = try db.cachedStatement(sql: "INSERT INTO t(s) VALUES (?)")
      try BulkInsert.run(insert, [.init("a")])
      #expect {
        try BulkInsert.run(insert, [.init("a")])
      } throws: { error in
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_CONSTRAINT && (error.message ?? "").contains("UNIQUE")
      }
      #expect(throws: DatabaseError.self) { try BulkInsert.run(insert, [.null]) }
      try BulkInsert.run(insert, [.init("b")])
    }
    #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT s FROM t ORDER BY id") } == ["a", "b"])
  }
}

import Foundation
import GRDB

extension IndexStore {
  /// Every symbol defined in files at `path` (any source), in line order: what now stands
  /// where a renamed symbol was.
  public func symbolsDefined(inPath path: String) throws -> [SymbolLocation] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT y.name, y.line, y.end_line, f.path, s.name FROM symbol y JOIN file f ON f.id = y.file_id JOIN source s ON s.id = f.source_id
          WHERE f.path = ? ORDER BY y.line
          """, arguments: [path]
      ).map { SymbolLocation(name: $0[0], line: $0[1], endLine: $0[2], chunkEnd: nil, path: $0[3], source: $0[4]) }
    }
  }
}

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

extension IndexStore {
  /// Where `oldPath` went when commit `sha` of a git source renamed it; nil when it did not.
  public func renamedPath(sourceID: Int64, commit sha: String, from oldPath: String) throws -> String? {
    try read { db in
      try String.fetchOne(
        db,
        sql: """
          SELECT p.path FROM git_change c JOIN git_commit g ON g.id = c.commit_id
          JOIN git_path p ON p.id = c.path_id JOIN git_path o ON o.id = c.old_path_id
          WHERE g.source_id = ? AND g.sha = ? AND o.path = ? AND c.status = 'R' LIMIT 1
          """, arguments: [sourceID, sha, oldPath])
    }
  }
}

import CtxCore
import Foundation

/// One line of an eval file: a query and what it should find (docs/eval.md).
///
/// ```json
/// {"id": "auth-1", "query": "where are sessions validated", "files": ["src/auth/session.ts"],
///  "symbols": ["validateSession"], "commits": ["1a2b3c4"], "sections": ["docs/auth.md#sessions"],
///  "threads": ["general/1700000000.000100"], "workspace": "epoch-1"}
/// ```
/// Every expectation list is optional; a query counts only in the metrics of the kinds it
/// names. `workspace` (relative to the eval file's folder, or absolute) runs the query
/// against that workspace's index instead of the current one.
public struct EvalQuery: Sendable, Codable, Hashable {
  public var id: String?
  public var query: String
  public var files: [String]?
  public var symbols: [String]?
  public var commits: [String]?
  public var sections: [String]?
  public var threads: [String]?
  public var workspace: String?
  /// Where the query came from, for `--from-history` sets: the commit and the revision indexed.
  public var commit: String?
  public var base: String?

  public init(id: String? = nil, query: String, files: [String]? = nil, symbols: [String]? = nil, commits: [String]? = nil,
    sections: [String]? = nil, threads: [String]? = nil, workspace: String? = nil, commit: String? = nil, base: String? = nil)
  {
    self.id = id
    self.query = query
    self.files = files
    self.symbols = symbols
    self.commits = commits
    self.sections = sections
    self.threads = threads
    self.workspace = workspace
    self.commit = commit
    self.base = base
  }
}

public enum EvalSet {
  /// Reads a JSON-lines eval file. Blank lines and lines starting with `#` or `//` are skipped;
  /// a bad line is an error naming its number.
  public static func load(path: String) throws -> [EvalQuery] {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw CtxError(.notFound, "cannot read the eval file \(path): \(error.localizedDescription)", path: path, cause: error)
    }
    return try parse(text, path: path)
  }

  public static func parse(_ text: String, path: String = "-") throws -> [EvalQuery] {
    var queries: [EvalQuery] = []
    let decoder = JSONDecoder()
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") { continue }
      do {
        let query = try decoder.decode(EvalQuery.self, from: Data(trimmed.utf8))
        guard !query.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
          throw CtxError(.invalidQuery, "`query` is empty", path: path, line: index + 1)
        }
        queries.append(query)
      } catch let error as CtxError {
        throw error
      } catch {
        throw CtxError(
          .invalidQuery, "line \(index + 1) is not an eval query: each line is a JSON object such as {\"query\": \"...\", \"files\": [\"src/a.go\"]} (\(error))",
          path: path, line: index + 1, cause: error)
      }
    }
    return queries
  }

  public static func write(_ queries: [EvalQuery], to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var text = ""
    for query in queries { text += String(decoding: try encoder.encode(query), as: UTF8.self) + "\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
}

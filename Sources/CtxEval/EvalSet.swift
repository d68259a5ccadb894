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
///
/// Bug-report lines (docs/eval.md, "Bug-report sets") are read too:
/// `{"id": "...", "repo": "owner/name", "base_commit": "<sha>", "query": "...", "expect": {"files": [...]}}`.
/// `base_commit` becomes `base` and the lists under `expect` become the top-level ones, so the
/// evaluator sees one shape.
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
  /// The repository (`owner/name`) whose code at `base` the query is about: bug-report sets,
  /// which `ctx eval --repos` turns into one workspace per (repo, base). Also the key of the
  /// per-repository rows of the report.
  public var repo: String?

  public init(id: String? = nil, query: String, files: [String]? = nil, symbols: [String]? = nil, commits: [String]? = nil,
    sections: [String]? = nil, threads: [String]? = nil, workspace: String? = nil, commit: String? = nil, base: String? = nil,
    repo: String? = nil)
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
    self.repo = repo
  }
}

/// The keys a bug-report line spells differently (SWE-bench's names), folded into `EvalQuery`.
private struct BugReportKeys: Decodable {
  struct Expect: Decodable {
    var files: [String]?
    var symbols: [String]?
    var commits: [String]?
    var sections: [String]?
    var threads: [String]?
  }

  var baseCommit: String?
  var expect: Expect?

  enum CodingKeys: String, CodingKey {
    case baseCommit = "base_commit"
    case expect
  }

  func fold(into query: inout EvalQuery) {
    if query.base == nil { query.base = baseCommit }
    guard let expect else { return }
    query.files = query.files ?? expect.files
    query.symbols = query.symbols ?? expect.symbols
    query.commits = query.commits ?? expect.commits
    query.sections = query.sections ?? expect.sections
    query.threads = query.threads ?? expect.threads
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
        var query = try decoder.decode(EvalQuery.self, from: Data(trimmed.utf8))
        try decoder.decode(BugReportKeys.self, from: Data(trimmed.utf8)).fold(into: &query)
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

import CtxConnectorCode
import CtxCore
import CtxGit
import CtxIndexer
import CtxStore
import CtxWorkspace
import Foundation

/// Options of `ctx eval FILE --repos DIR` (docs/eval.md, "Bug-report sets").
public struct BugReportOptions: Sendable {
  /// The folder holding the clones, found by `BugReportSet.locate`.
  public var repositories: String
  /// Where the workspaces go, one per (repo, base commit); a second run reuses them.
  public var output: String
  public var code = CodeConnectorOptions()

  public init(repositories: String, output: String) {
    self.repositories = repositories
    self.output = output
  }
}

/// One (repo, base commit) workspace of a bug-report set, and what indexing it did.
public struct BugReportWorkspace: Sendable, Codable {
  public var repo: String
  public var base: String
  /// The clone the code and history were read from.
  public var clone: String
  /// The workspace folder (absolute).
  public var workspace: String
  public var queries: Int
  /// Code files and commits the index holds.
  public var files: Int
  public var commits: Int
  /// False when the workspace was already complete and indexing changed nothing.
  public var indexed: Bool
  public var indexSeconds: Double
}

/// Turns bug reports (a repository, the fix's parent commit, the issue text, the files the fix
/// changed) into eval queries that each run in a workspace holding that repository's code
/// and history at that commit, indexed exactly like a `--from-history` epoch: the code read
/// from the object database (no checkout, so the clone can be bare and is never written to),
/// the history up to the commit.
public struct BugReportSet: Sendable {
  public var options: BugReportOptions

  public init(options: BugReportOptions) {
    self.options = options
  }

  /// Indexes (or re-indexes incrementally) one workspace per distinct (repo, base) of
  /// `queries` and returns the queries with `workspace` set to it. Queries that name no `repo`
  /// are returned as they are.
  ///
  /// - Throws: `.notFound` naming every repository without a clone under the repositories
  ///   folder and every base commit missing from its clone, before anything is indexed.
  public func prepare(_ queries: [EvalQuery], progress: (@Sendable (String) -> Void)? = nil) async throws -> (
    queries: [EvalQuery], workspaces: [BugReportWorkspace]
  ) {
    // Every clone and commit is checked first: a typo in the last line should not cost the
    // indexing of all the others before it shows.
    struct Key: Hashable {
      var repo: String
      var base: String
    }
    var order: [Key] = []
    var seen = Set<Key>()
    var resolved: [Key: (clone: String, sha: String)] = [:]
    var problems: [String] = []
    var histories: [String: GitHistory] = [:]
    for (index, query) in queries.enumerated() {
      guard let repo = query.repo else { continue }
      guard let base = query.base, !base.isEmpty else {
        problems.append("\(query.id ?? "line \(index + 1)") names the repository \(repo) but no `base_commit`")
        continue
      }
      let key = Key(repo: repo, base: base)
      guard seen.insert(key).inserted else { continue }
      order.append(key)
      guard let clone = BugReportSet.locate(repo, under: options.repositories) else {
        let looked = BugReportSet.candidates(repo, under: options.repositories).joined(separator: ", ")
        problems.append(
          "no clone of \(repo) under \(options.repositories) (looked for \(looked)); clone it there, e.g. `git clone --bare https://github.com/\(repo) \(options.repositories)/\(BugReportSet.folderName(repo))/repo`"
        )
        continue
      }
      let history: GitHistory
      if let open = histories[clone] {
        history = open
      } else {
        history = try GitHistory(path: clone)
        histories[clone] = history
      }
      guard let sha = try history.resolve(base + "^{commit}") else {
        problems.append("the base commit \(base) of \(repo) is not in the clone at \(clone); fetch it (`git -C \(clone) fetch origin \(base)`) or clone the full history again")
        continue
      }
      resolved[key] = (clone, sha)
    }
    histories.removeAll()
    if !problems.isEmpty {
      throw CtxError(.notFound, problems.joined(separator: "\n"), path: options.repositories)
    }

    try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
    var workspaces: [BugReportWorkspace] = []
    var roots: [Key: String] = [:]
    for key in order {
      guard let (clone, sha) = resolved[key].map({ ($0.clone, $0.sha) }) else { continue }
      let name = BugReportSet.folderName(key.repo) + "-" + sha.prefix(10)
      let root = URL(fileURLWithPath: options.output + "/" + name).standardizedFileURL.path
      let report = try await HistoryDevSet.makeWorkspace(root: root, repository: clone, base: sha, code: options.code, madeBy: "ctx eval --repos")
      let code = report.sources.first { $0.kind == "code" }
      let history = report.sources.first { $0.kind == "git" }?.history
      let changed = (code.map { $0.added + $0.changed + $0.deleted } ?? 0) + (history.map { $0.commitsAdded + $0.commitsRemoved } ?? 0)
      let store = try IndexStore(path: Workspace(root: root).databasePath, mode: .readOnly)
      let workspace = BugReportWorkspace(
        repo: key.repo, base: sha, clone: clone, workspace: root, queries: queries.filter { $0.repo == key.repo && $0.base == key.base }.count,
        files: try store.codePaths().count, commits: try store.gitSources().first.map { try store.commitCount(sourceID: $0.id) } ?? 0,
        indexed: changed > 0, indexSeconds: report.seconds)
      progress?(
        (workspace.indexed ? "indexed " : "reused ") + name + ": \(key.repo) at \(sha.prefix(10)) from \(clone), "
          + "\(workspace.files) files, \(workspace.commits) commits, \(String(format: "%.1f", report.seconds)) s")
      workspaces.append(workspace)
      roots[key] = root
    }
    let placed = queries.map { query -> EvalQuery in
      guard let repo = query.repo, let base = query.base, let root = roots[Key(repo: repo, base: base)] else { return query }
      var query = query
      query.workspace = root
      return query
    }
    return (placed, workspaces)
  }

  /// `owner/name` as one folder name, as the mirrors are laid out: `owner+name`.
  public static func folderName(_ repo: String) -> String {
    repo.replacingOccurrences(of: "/", with: "+")
  }

  /// The places a clone of `repo` (`owner/name`) is looked for, in order.
  public static func candidates(_ repo: String, under directory: String) -> [String] {
    let name = repo.split(separator: "/").last.map(String.init) ?? repo
    let joined = folderName(repo)
    return [directory + "/" + joined + "/repo", directory + "/" + joined, directory + "/" + repo, directory + "/" + name]
  }

  /// The first candidate folder that is a git repository, bare (`HEAD` and `objects` in it)
  /// or not (a `.git` in it).
  public static func locate(_ repo: String, under directory: String) -> String? {
    let manager = FileManager.default
    for candidate in candidates(repo, under: directory) {
      let path = URL(fileURLWithPath: candidate).standardizedFileURL.path
      if manager.fileExists(atPath: path + "/.git")
        || (manager.fileExists(atPath: path + "/HEAD") && manager.fileExists(atPath: path + "/objects"))
      {
        return path
      }
    }
    return nil
  }
}

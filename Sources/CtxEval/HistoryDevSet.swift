import CtxConnectorCode
import CtxCore
import CtxGit
import CtxIndexer
import CtxStore
import CtxWorkspace
import Foundation

/// Options of `ctx eval --from-history` (docs/eval.md, "A development set from history").
public struct DevSetOptions: Sendable {
  public var repository: String
  public var output: String
  /// Queries wanted (fewer when the history has fewer eligible commits).
  public var count = 100
  public var seed: UInt64 = 1
  /// Commits (in newest-first walk order) per epoch: epoch i indexes the commit at position
  /// (i + 1) × window and evaluates eligible commits among the window above it.
  public var window = 200
  public var maxEpochs = 8
  /// Commits touching more files than this are skipped.
  public var maxFiles = 10
  /// Messages with fewer words (of two letters or more) are skipped.
  public var minWords = 3
  public var ref = "HEAD"
  /// Code files workers index at once; ctags executable (nil: none).
  public var code = CodeConnectorOptions()

  public init(repository: String, output: String) {
    self.repository = repository
    self.output = output
  }
}

/// What building a development set did.
public struct DevSetSummary: Sendable, Codable {
  public var repository: String
  public var queries: Int
  public var epochs: [Epoch]
  public var eligible: Int
  public var examined: Int
  public var skipped: [String: Int]
  public var evalFile: String
  public var seconds: Double

  public struct Epoch: Sendable, Codable {
    public var name: String
    public var base: String
    public var queries: Int
    public var files: Int
    public var commits: Int
    public var indexSeconds: Double
  }
}

/// Builds eval queries from real commits: the message is the query, the code files it changed
/// are the answer, and the index holds an older revision's tree and history, so the commit
/// itself is never in it.
///
/// Epochs: the newest-first walk from `ref` is cut into windows of `window` commits. Epoch i
/// indexes the code at the commit B at position (i + 1) × window (`revision: B`, read from the
/// object database) and the history up to B (`refs: [B]`); it evaluates the eligible commits
/// of positions [i × window, (i + 1) × window) that descend from B. A query's answers are the
/// files it changed (modified, deleted, or the old side of a rename) that exist at B.
public struct HistoryDevSet: Sendable {
  public var options: DevSetOptions

  public init(options: DevSetOptions) {
    self.options = options
  }

  struct Candidate {
    var commit: String
    var epoch: Int
    var base: String
    var distance: Int
    var query: String
    var files: [String]
  }

  public func build(progress: (@Sendable (String) -> Void)? = nil) async throws -> DevSetSummary {
    let clock = ContinuousClock.now
    let repository = URL(fileURLWithPath: options.repository).standardizedFileURL.path
    let history = try GitHistory(path: repository)
    guard let tip = try history.resolve(options.ref) else {
      throw CtxError(.notFound, "`\(options.ref)` names no commit in \(repository)", path: repository)
    }
    let walk = history.walk(from: [tip]).commits
    var pool: [Candidate] = []
    var skipped: [String: Int] = [:]
    var examined = 0
    var bases: [Int: String] = [:]
    let filter = PathFilter(include: [], exclude: CodeOptions.defaultExcludePatterns.map(Glob.init))
    for epoch in 0..<options.maxEpochs {
      let baseIndex = (epoch + 1) * options.window
      guard baseIndex < walk.count else { break }
      let base = walk[baseIndex]
      bases[epoch] = base
      let tree = try GitRevisionTree(path: repository, revision: base)
      let existing = Set(try tree.listFiles(under: "").filter { !$0.isSymlink && !$0.isSubmodule }.map(\.path))
      for position in (epoch * options.window)..<baseIndex {
        examined += 1
        let sha = walk[position]
        let record: GitCommitRecord
        do { record = try history.commit(sha) } catch {
          skipped["unreadable", default: 0] += 1
          continue
        }
        if let reason = HistoryDevSet.rejection(record, options: options) {
          skipped[reason, default: 0] += 1
          continue
        }
        let code = record.changes.filter { HistoryDevSet.isCode($0.oldPath ?? $0.path) && filter.admits($0.oldPath ?? $0.path) }
        if code.isEmpty {
          skipped["no code files", default: 0] += 1
          continue
        }
        let answers = code.filter { $0.status != .added }.map { $0.oldPath ?? $0.path }.filter { existing.contains($0) }
        if answers.isEmpty {
          skipped["only new code files", default: 0] += 1
          continue
        }
        guard history.isAncestor(base, of: sha) else {
          skipped["not after the epoch's revision", default: 0] += 1
          continue
        }
        pool.append(
          Candidate(
            commit: sha, epoch: epoch, base: base, distance: baseIndex - position, query: HistoryDevSet.queryText(record),
            files: Array(Set(answers)).sorted()))
      }
      progress?("epoch \(epoch): revision \(base.prefix(10)), \(pool.count) eligible commits so far")
      if pool.count >= options.count * 3 / 2 { break }
    }
    // Deterministic sample: pool sorted by commit id, shuffled by a seeded generator.
    var generator = SeededGenerator(seed: options.seed)
    var sample = pool.sorted { $0.commit < $1.commit }
    // Fisher-Yates written out: the standard library's shuffle may change between versions.
    if sample.count > 1 {
      for index in stride(from: sample.count - 1, to: 0, by: -1) {
        sample.swapAt(index, Int(generator.next() % UInt64(index + 1)))
      }
    }
    sample = Array(sample.prefix(options.count)).sorted { ($0.epoch, $0.distance, $0.commit) < ($1.epoch, $1.distance, $1.commit) }

    try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
    var epochs: [DevSetSummary.Epoch] = []
    var queries: [EvalQuery] = []
    let repositoryName = URL(fileURLWithPath: repository).lastPathComponent
    for epoch in Set(sample.map(\.epoch)).sorted() {
      guard let base = bases[epoch] else { continue }
      let name = "epoch-\(epoch)-\(base.prefix(10))"
      let root = options.output + "/" + name
      progress?("indexing \(name): code at \(base.prefix(10)) from the object database, history up to it")
      let seconds = try await HistoryDevSet.makeWorkspace(root: root, repository: repository, base: base, code: options.code).seconds
      let store = try IndexStore(path: Workspace(root: root).databasePath, mode: .readOnly)
      let indexed = Set(try store.codePaths())
      let commits = try store.gitSources().first.map { try store.commitCount(sourceID: $0.id) } ?? 0
      var count = 0
      for candidate in sample where candidate.epoch == epoch {
        let files = candidate.files.filter { indexed.contains($0) }
        guard !files.isEmpty else {
          skipped["answers not indexed (too large, binary, generated)", default: 0] += 1
          continue
        }
        queries.append(
          EvalQuery(
            id: "\(repositoryName)-\(candidate.commit.prefix(10))", query: candidate.query, files: files, workspace: name,
            commit: candidate.commit, base: base))
        count += 1
      }
      epochs.append(DevSetSummary.Epoch(name: name, base: base, queries: count, files: indexed.count, commits: commits, indexSeconds: seconds))
    }
    let evalFile = options.output + "/devset.jsonl"
    try EvalSet.write(queries, to: evalFile)
    let summary = DevSetSummary(
      repository: repository, queries: queries.count, epochs: epochs, eligible: pool.count, examined: examined, skipped: skipped,
      evalFile: evalFile, seconds: (ContinuousClock.now - clock).seconds)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(summary).write(to: URL(fileURLWithPath: options.output + "/devset.json"))
    return summary
  }

  /// Why a commit makes no query, or nil when it is eligible.
  static func rejection(_ record: GitCommitRecord, options: DevSetOptions) -> String? {
    if record.isMerge { return "merge" }
    if record.changes.isEmpty { return "no changes" }
    if record.changes.count > options.maxFiles { return "more than \(options.maxFiles) files" }
    let summary = record.summary.lowercased()
    if summary.hasPrefix("revert") { return "revert" }
    let words = record.summary.split(whereSeparator: { !$0.isLetter }).filter { $0.count >= 2 }
    if words.count < options.minWords { return "message too short" }
    return nil
  }

  /// Languages that count as code for answers (documents, data and config files do not).
  static let nonCode: Set<String> = ["markdown", "restructuredtext", "text", "json", "yaml", "toml", "xml", "html", "css", "scss", "ini"]

  static func isCode(_ path: String) -> Bool {
    guard let language = Language.detect(path: path) else { return false }
    return !nonCode.contains(language)
  }

  /// The commit message without trailers (`Signed-off-by:` ...) and cherry-pick notes.
  static func queryText(_ record: GitCommitRecord) -> String {
    var lines = record.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeAll { line in
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("(cherry picked from") { return true }
      guard let colon = trimmed.firstIndex(of: ":") else { return false }
      let key = trimmed[..<colon]
      return !key.isEmpty && !key.contains(" ") && key.contains("-") && key.first!.isUppercase
        && ["signed-off-by", "co-authored-by", "reviewed-by", "acked-by", "tested-by", "reported-by", "change-id", "helped-by", "suggested-by"].contains(key.lowercased())
    }
    let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    return body.isEmpty ? record.summary : record.summary + "\n\n" + body
  }

  /// A workspace indexing `repository`'s code at `base` (from the object database) and its
  /// history up to `base`. An existing one is indexed again incrementally (nothing changes
  /// when it was complete). Returns what indexing did.
  static func makeWorkspace(
    root: String, repository: String, base: String, code: CodeConnectorOptions, madeBy: String = "ctx eval --from-history"
  ) async throws -> IndexReport {
    let workspace = Workspace(root: root)
    let manager = FileManager.default
    for directory in [workspace.connectorsDirectory, workspace.annotationsDirectory, workspace.indexDirectory] {
      try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let quoted = "\"" + repository.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    try "# Made by `\(madeBy)`: the code at \(base), read from the object database.\nkind: code\npath: \(quoted)\nrevision: \"\(base)\"\n"
      .write(toFile: workspace.connectorsDirectory + "/code.yaml", atomically: true, encoding: .utf8)
    try "# Made by `\(madeBy)`: history up to \(base) (the evaluated commits come after it).\nkind: git\npath: \(quoted)\nrefs: [\"\(base)\"]\nline_counts: 0\n"
      .write(toFile: workspace.connectorsDirectory + "/history.yaml", atomically: true, encoding: .utf8)
    var options = IndexOptions()
    options.code = code
    let report = try await Indexer(workspace: workspace, options: options).run()
    if let failed = report.sources.first(where: { $0.status == .failed }) {
      throw CtxError(.connectorFailed, "indexing \(root) failed: \(failed.error ?? "unknown error")", path: root)
    }
    return report
  }
}

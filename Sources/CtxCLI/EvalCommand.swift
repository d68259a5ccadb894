import ArgumentParser
import CtxConnectorCode
import CtxCore
import CtxEval
import CtxQuery
import CtxWorkspace
import Foundation

extension Ctx {
  struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval",
      abstract: "Measure retrieval quality: Acc@k, MRR and bundle recall per layer, beside a plain BM25 baseline.",
      discussion: """
        FILE is JSON lines, one query each: {"query": "...", "files": [...], "symbols": [...], "commits": [...], \
        "sections": [...], "threads": [...], "workspace": "..."} (docs/eval.md). A bug-report set ({"repo": "owner/name", \
        "base_commit": "<sha>", "query": "...", "expect": {"files": [...]}}) needs --repos DIR, the folder of the clones: \
        each (repo, base_commit) gets a workspace under --out, indexed at that commit and reused on re-runs. With \
        --from-history REPO, builds a development set from REPO's commits into --out (indexing older revisions of it), \
        then evaluates it. Exit codes: 0 evaluated; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The eval file (JSON lines).")
    var file: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Token budget(s) of the bundles whose code items give the bundle recall; several are comma-separated, e.g. 2000,13000.", valueName: "tokens"))
    var budget: [String] = ["8000"]

    @Flag(name: .long, help: "Include each query's ranks in the JSON report.")
    var perQuery = false

    @Flag(name: .long, help: "Skip the plain BM25 baseline.")
    var noBaseline = false

    @Flag(name: .long, help: "Skip building a bundle per query (no bundle recall; faster).")
    var noBundles = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Change a code ranking weight for this run, e.g. --set history=0 (docs/ranking.md).", valueName: "name=value"))
    var weights: [String] = []

    @Option(name: .customLong("from-history"), help: ArgumentHelp("Build a development set from this repository's commits.", valueName: "repo"))
    var fromHistory: String?

    @Option(name: .long, help: "Queries to build with --from-history.")
    var count = 100

    @Option(name: .long, help: ArgumentHelp("The folder of the clones a bug-report set names (owner+name/repo, owner+name, owner/name or name; bare or not).", valueName: "dir"))
    var repos: String?

    @Option(name: .long, help: ArgumentHelp("Where --from-history writes its workspaces and devset.jsonl, or --repos its workspaces (reused on re-runs).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: "Seed of the --from-history sample.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Commits per epoch for --from-history (docs/eval.md).")
    var window = 200

    @Option(name: .long, help: "Most epochs (indexed revisions) for --from-history.")
    var maxEpochs = 8

    func validate() throws {
      if fromHistory == nil && file == nil { throw ValidationError("give an eval FILE, or --from-history REPO --out DIR") }
      if fromHistory != nil && file != nil { throw ValidationError("give either an eval FILE or --from-history, not both") }
      if repos != nil && file == nil { throw ValidationError("--repos goes with a bug-report FILE") }
      guard let budgets, !budgets.isEmpty else { throw ValidationError("--budget takes token counts, e.g. --budget 8000 or --budget 2000,13000") }
      if budgets.contains(where: { $0 < 200 }) { throw ValidationError("--budget must be at least 200 tokens") }
      if count < 1 || window < 2 || maxEpochs < 1 { throw ValidationError("--count, --window and --max-epochs must be positive") }
    }

    func run() async throws {
      var options = EvalOptions()
      options.budgets = budgets ?? [8000]
      options.baseline = !noBaseline
      options.bundles = !noBundles
      options.perQuery = perQuery
      for setting in weights {
        let parts = setting.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let value = Double(parts[1]) else { throw ValidationError("--set takes NAME=NUMBER, e.g. --set history=0") }
        try options.weights.set(String(parts[0]), value)
      }
      let evalFile: String
      if let repository = fromHistory {
        var devSet = DevSetOptions(
          repository: absolute(repository),
          output: absolute(out ?? "ctx-devset-" + URL(fileURLWithPath: repository).lastPathComponent))
        devSet.count = count
        devSet.seed = seed
        devSet.window = window
        devSet.maxEpochs = maxEpochs
        if let ctags = ProcessInfo.processInfo.environment["CTX_CTAGS"] { devSet.code.ctagsExecutable = ctags }
        let summary = try await HistoryDevSet(options: devSet).build { Output.errorLine("ctx eval: " + $0) }
        Output.errorLine(
          "ctx eval: \(summary.queries) queries from \(summary.examined) commits examined (\(summary.eligible) eligible) in \(summary.epochs.count) epoch(s); "
            + "wrote \(summary.evalFile) in \(String(format: "%.1f", summary.seconds)) s")
        evalFile = summary.evalFile
      } else {
        evalFile = absolute(file ?? "")
      }
      var queries = try EvalSet.load(path: evalFile)
      var repoWorkspaces: [BugReportWorkspace]? = nil
      if let repos {
        let stem = ((evalFile as NSString).lastPathComponent as NSString).deletingPathExtension
        var bugReports = BugReportOptions(repositories: absolute(repos), output: absolute(out ?? "ctx-eval-" + stem))
        if let ctags = ProcessInfo.processInfo.environment["CTX_CTAGS"] { bugReports.code.ctagsExecutable = ctags }
        let prepared = try await BugReportSet(options: bugReports).prepare(queries) { Output.errorLine("ctx eval: " + $0) }
        queries = prepared.queries
        repoWorkspaces = prepared.workspaces
      } else if let query = queries.first(where: { $0.repo != nil && $0.workspace == nil }) {
        // Without --repos these would all run against the current workspace: a silent wrong answer.
        throw ValidationError(
          "\(evalFile) is a bug-report set (\(query.id ?? "a query") names the repository \(query.repo ?? "")): give --repos DIR, the folder holding a clone of each repository")
      }
      let base = (evalFile as NSString).deletingLastPathComponent
      let workspaceOptions = self.workspaceOptions
      var report = try Evaluator(options: options).run(queries, baseDirectory: base) { try workspaceOptions.locate().databasePath }
      report.repoWorkspaces = repoWorkspaces
      if json {
        try Output.json(report)
      } else {
        Output.write(report.table(title: "ctx eval \(evalFile)"))
      }
    }

    /// `--budget` values, each possibly a comma-separated list; nil when one is not a number.
    private var budgets: [Int]? {
      var values: [Int] = []
      for text in budget {
        for part in text.split(separator: ",") {
          guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else { return nil }
          if !values.contains(value) { values.append(value) }
        }
      }
      return values
    }

    private func absolute(_ path: String) -> String {
      path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
  }
}

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
      abstract: "Measure retrieval quality: Acc@k, MRR and bundle recall per layer, beside a plain BM25 baseline.",
      discussion: """
        FILE is JSON lines, one query each: {"query": "...", "files": [...], "symbols": [...], "commits": [...], \
        "sections": [...], "threads": [...], "workspace": "..."} (docs/eval.md). With --from-history REPO, builds a \
        development set from REPO's commits into --out (indexing older revisions of it), then evaluates it. \
        Exit codes: 0 evaluated; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The eval file (JSON lines).")
    var file: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: "Token budget of the bundle whose code items give the bundle recall.")
    var budget = 8000

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

    @Option(name: .long, help: ArgumentHelp("Where --from-history writes its workspaces and devset.jsonl.", valueName: "dir"))
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
      if budget < 200 { throw ValidationError("--budget must be at least 200 tokens") }
      if count < 1 || window < 2 || maxEpochs < 1 { throw ValidationError("--count, --window and --max-epochs must be positive") }
    }

    func run() async throws {
      var options = EvalOptions()
      options.budget = budget
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
      let queries = try EvalSet.load(path: evalFile)
      let base = (evalFile as NSString).deletingLastPathComponent
      let workspaceOptions = self.workspaceOptions
      let report = try Evaluator(options: options).run(queries, baseDirectory: base) { try workspaceOptions.locate().databasePath }
      if json {
        try Output.json(report)
      } else {
        Output.write(report.table(title: "ctx eval \(evalFile)"))
      }
    }

    private func absolute(_ path: String) -> String {
      path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
  }
}

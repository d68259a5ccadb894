import ArgumentParser
import CtxBuildInfo
import CtxCore
import CtxWorkspace
import Foundation

/// The `ctx` command: organizational context and memory for AI agents.
public struct Ctx: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ctx",
    abstract: "Index code, history, documents and chat into one local index, and answer with layered context bundles.",
    discussion: """
      Exit codes: 0 success; 1 nothing found (search, query, show) or something stale (status); \
      2 an error; 3 an index run with item problems; 75 another ctx index is running; \
      78 no workspace or an invalid connector file (README.md, "Exit codes").
      """,
    version: CtxVersion.described,
    subcommands: [
      Init.self, Index.self, Search.self, Query.self, Show.self, Annotate.self, Correct.self, Annotations.self, Review.self, Conflicts.self,
      Status.self, Serve.self, Watch.self, Token.self, Doctor.self, Redact.self, Eval.self,
    ]
  )

  public init() {}

  /// Runs the command line, mapping errors to ctx's exit codes: a `CtxError` or a usage error
  /// exits with 2 after printing its message to stderr.
  public static func runMain(arguments: [String]? = nil) async -> Int32 {
    await runMain(command: Ctx.self, arguments: arguments)
  }

  /// Runs `command` (the `ctx` tree, or another root such as `ctx-mcp`'s) with ctx's error
  /// handling and exit codes.
  public static func runMain(command root: any ParsableCommand.Type, arguments: [String]? = nil) async -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    do {
      var command = try root.parseAsRoot(arguments)
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      return 0
    } catch let error as CtxError {
      Output.error(error)
      return CtxExit.code(for: error)
    } catch {
      let code = root.exitCode(for: error)
      if code == .success {
        // --help and --version print their text and succeed.
        Output.write(root.fullMessage(for: error) + "\n")
        return 0
      }
      if let exit = error as? ExitCode { return exit.rawValue }
      Output.errorLine(root.fullMessage(for: error))
      return 2
    }
  }
}

/// Exit codes, the same for every command (README.md, "Exit codes").
public enum CtxExit {
  public static let success: Int32 = 0
  /// A search or query found nothing; `ctx status`: something is stale.
  public static let nothing: Int32 = 1
  /// An error: bad flags, an index that cannot be opened, a source that failed.
  public static let error: Int32 = 2
  /// `ctx index` ran every source, but some items had problems (named in the summary).
  public static let partial: Int32 = 3
  /// `ctx index --deadline`: the deadline stopped the run; the sources it stopped or never
  /// reached keep their previous index (named in the summary).
  public static let deadline: Int32 = 4
  /// Another `ctx index` holds the workspace lock (EX_TEMPFAIL: try again later).
  public static let locked: Int32 = 75
  /// No workspace, or a connector file is invalid (EX_CONFIG).
  public static let invalidWorkspace: Int32 = 78

  static func code(for error: CtxError) -> Int32 {
    switch error.code {
    case .locked: locked
    case .invalidWorkspace, .invalidConfig: invalidWorkspace
    default: CtxExit.error
    }
  }
}

public enum CtxVersion {
  public static let current = "0.1.0"
  /// What `ctx --version` prints: the release and the commit it was built from
  /// (`0.1.0 (commit 3788b91c2f0a, 2026-12-06)`).
  public static var described: String {
    let date = BuildInfo.commitDate.isEmpty ? "" : ", \(BuildInfo.commitDate)"
    return "\(current) (commit \(BuildInfo.commit)\(date))"
  }
}

/// Options every command that reads a workspace shares.
public struct WorkspaceOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("The workspace folder (default: $CTX_WORKSPACE, else the first folder upward holding a .ctx-workspace marker).", valueName: "dir"))
  public var workspace: String?

  public init() {}

  @Flag(name: .long, help: "Print error causes and more detail.")
  public var verbose = false

  public func locate() throws -> Workspace {
    try Workspace.locate(
      explicit: workspace, environment: ProcessInfo.processInfo.environment,
      currentDirectory: FileManager.default.currentDirectoryPath)
  }
}

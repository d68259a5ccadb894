import ArgumentParser
import CtxCore
import CtxGit
import CtxStore
import CtxSymbols
import CtxWorkspace
import Foundation

extension Ctx {
  struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "doctor",
      abstract: "Check the system pieces (SQLite with FTS5, libgit2, universal-ctags), the workspace and the index.",
      discussion: "Exit codes: 0 everything works; 2 something is wrong (each problem is printed with its fix).")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(name: .long, help: "Print the checks as JSON.")
    var json = false

    func run() async throws {
      let checks = DoctorChecks.run(workspaceOptions)
      if json {
        try Output.json(checks)
      } else {
        var output = ""
        for check in checks.checks {
          output += "\(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)\n"
          if let fix = check.fix { output += "     fix: \(fix)\n" }
        }
        Output.write(output)
      }
      if checks.checks.contains(where: { !$0.ok }) { throw ExitCode(CtxExit.error) }
    }
  }
}

/// The checks `ctx doctor` runs, each with what it found and, when it failed, the fix.
struct DoctorChecks: Encodable {
  struct Check: Encodable {
    var name: String
    var ok: Bool
    var detail: String
    var fix: String?
  }

  var checks: [Check] = []

  static func run(_ options: WorkspaceOptions) -> DoctorChecks {
    var result = DoctorChecks()
    let install = "apt-get install -y libsqlite3-0 libgit2-1.5 universal-ctags (or run scripts/system-deps.sh)"
    let sqlite = IndexStore.sqliteFacts()
    result.checks.append(
      Check(
        name: "sqlite", ok: sqlite.fts5, detail: "SQLite \(sqlite.version), FTS5 " + (sqlite.fts5 ? "works" : "missing: \(sqlite.fts5Error ?? "")")
          + (sqlite.multiThread ? ", multi-thread mode" : ", serialized mode (slower: SQLite was opened before ctx set it up)"),
        fix: sqlite.fts5 ? nil : "install a SQLite built with FTS5 (Debian's libsqlite3-0 has it): \(install)"))
    result.checks.append(Check(name: "libgit2", ok: true, detail: "libgit2 \(GitLibrary.version)"))
    let ctags = ProcessInfo.processInfo.environment["CTX_CTAGS"] ?? "ctags"
    if let found = CtagsSession.locate(executable: ctags) {
      let universal = found.version.lowercased().contains("universal")
      result.checks.append(
        Check(
          name: "ctags", ok: universal, detail: "\(found.path): \(found.version)",
          fix: universal ? nil : "ctx needs universal-ctags (JSON output): apt-get install universal-ctags"))
    } else {
      result.checks.append(
        Check(name: "ctags", ok: false, detail: "`\(ctags)` was not found, or did not answer `--version` within 5 s; code is indexed without symbols (Swift excepted)", fix: "apt-get install universal-ctags"))
    }
    let workspace: Workspace
    do {
      workspace = try options.locate()
    } catch {
      result.checks.append(Check(name: "workspace", ok: false, detail: (error as? CtxError)?.description ?? "\(error)", fix: "run `ctx init`, or pass --workspace DIR"))
      return result
    }
    let (sources, errors) = workspace.loadSources()
    let missing = sources.compactMap(\.missingFolderError)
    result.checks.append(
      Check(
        name: "workspace", ok: errors.isEmpty && missing.isEmpty,
        detail: "\(workspace.root): \(sources.count) source(s) (\(sources.map { "\($0.name): \($0.kind.rawValue)" }.joined(separator: ", ")))"
          + (errors.isEmpty ? "" : "; \(errors.count) invalid connector file(s): " + errors.map(\.description).joined(separator: "; "))
          + (missing.isEmpty ? "" : "; \(missing.count) source folder(s) missing: " + missing.map(\.description).joined(separator: "; ")),
        fix: !errors.isEmpty ? "fix the connector files named above (each message names the line)"
          : !missing.isEmpty ? "restore the missing folders (mount the disk, clone again) or fix their `path:`" : nil))
    if !workspace.isMarked {
      result.checks.append(
        Check(
          name: "marker", ok: false, detail: "\(workspace.root) has no \(Workspace.markerName): only --workspace or CTX_WORKSPACE find it",
          fix: "run `ctx init \(workspace.root)` once to mark it"))
    }
    guard FileManager.default.fileExists(atPath: workspace.databasePath) else {
      result.checks.append(Check(name: "index", ok: false, detail: "no index yet at \(workspace.databasePath)", fix: "run `ctx index`"))
      return result
    }
    do {
      let store = try IndexStore(path: workspace.databasePath, mode: .inspect)
      let problems = try store.healthProblems()
      let version = try store.schemaVersion()
      result.checks.append(
        Check(
          name: "index", ok: problems.isEmpty,
          detail: "\(workspace.databasePath): schema \(version), \(IndexSummary.megabytes(store.sizeOnDisk))"
            + (problems.isEmpty ? ", integrity checks pass" : "; problems: " + problems.prefix(5).joined(separator: "; ")),
          fix: problems.isEmpty ? nil : IndexRebuildAdvice.text))
    } catch let error as CtxError {
      result.checks.append(Check(name: "index", ok: false, detail: error.description, fix: error.code == .schemaTooNew ? "run `ctx index` (or `ctx index --full`)" : IndexRebuildAdvice.text))
    } catch {
      result.checks.append(Check(name: "index", ok: false, detail: "\(error)", fix: IndexRebuildAdvice.text))
    }
    return result
  }
}

/// What `ctx doctor` advises for a damaged index, and what `ctx index --full` then does.
enum IndexRebuildAdvice {
  static let text =
    "run `ctx index --full`: it builds a new index beside the damaged one and switches to it when done "
    + "(annotations come back from annotations/; the damaged file is kept as index/ctx.sqlite.damaged)"
}

import ArgumentParser
import CtxConnectorCode
import CtxConnectorGit
import CtxCore
import CtxStore
import CtxIndexer
import CtxWorkspace
import Foundation

extension Ctx {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status",
      abstract: "Each source: last run, last success, counts, errors, and how far behind the index is now.",
      discussion: """
        States: fresh, stale, failing, missing (the folder is gone), never-indexed, unknown (README "Status"). \
        Exit codes: 0 every source is fresh; 1 some source is in another state, or an indexed source's connector \
        file is gone; 78 no workspace or an invalid connector file; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let report = try StatusChecker.check(workspace)
      if json {
        try Output.json(report)
      } else {
        Output.write(StatusSummary.render(report, now: Date()))
      }
      if !report.configErrors.isEmpty { throw ExitCode(CtxExit.invalidWorkspace) }
      if !report.isHealthy { throw ExitCode(CtxExit.nothing) }
    }
  }
}

/// The human form of `ctx status`.
enum StatusSummary {
  static func render(_ report: StatusReport, now: Date) -> String {
    var lines: [String] = []
    for error in report.configErrors { lines.append("connector file error: \(error)") }
    for source in report.sources {
      var line = "\(source.name) (\(source.kind)): \(source.state)"
      if let run = source.lastRun {
        line += "; last run \(ago(run.finished, now)) (\(run.status), \(String(format: "%.1f", run.seconds)) s)"
        if let success = source.lastSuccess, success.finished != run.finished {
          line += "; last success \(ago(success.finished, now))"
        } else if source.lastSuccess == nil {
          line += "; never succeeded"
        }
      } else if source.state != "missing" {  // a missing folder's own advice follows
        line += "; run `ctx index` to index it"
      }
      lines.append(line)
      if let report = source.lastRun?.report {
        var counts: [String] = []
        if let totals = source.indexed {
          switch source.kind {
          case "git": counts.append("\(totals.commits) commits")
          case "chat": counts.append("\(report.added + report.changed) message(s) added or edited in the last run")
          case "docs": counts.append("\(totals.files) documents")
          default: counts.append("\(totals.files) files, \(totals.chunks) chunks, \(totals.symbols) symbols")
          }
        }
        if !report.problems.isEmpty { counts.append("\(report.problems.count) problem(s), e.g. \(report.problems[0].path ?? "") \(report.problems[0].message)") }
        if let error = report.error { counts.append("error: \(error)") }
        lines.append("  " + counts.joined(separator: "; "))
      }
      if let pending = source.pendingFiles, pending.total > 0 {
        lines.append("  behind: \(pending.added) new, \(pending.changed) changed, \(pending.deleted) deleted file(s)")
      }
      if let pending = source.pendingCommits {
        var parts: [String] = []
        if pending.newCommits > 0 { parts.append("\(pending.newCommits) new commit(s)") }
        if pending.rewritten { parts.append("history was rewritten") }
        if !pending.refsChanged.isEmpty { parts.append("refs added or removed: \(pending.refsChanged.joined(separator: ", "))") }
        if !parts.isEmpty { lines.append("  behind: " + parts.joined(separator: "; ")) }
      }
      if let pending = source.pendingExportFiles, pending > 0 {
        lines.append("  behind: \(pending) export file(s) newer than what was read (a newer export)")
      }
      if source.state == "missing", let error = source.error {
        lines.append("  missing: \(error)")
      } else if let error = source.error {
        lines.append("  could not check: \(error)")
      }
    }
    for name in report.orphanSources { lines.append("\(name): its connector file is gone; the next `ctx index` drops it") }
    lines.append("index: \(report.index), \(IndexSummary.megabytes(report.indexBytes))")
    return lines.joined(separator: "\n") + "\n"
  }

  static func ago(_ date: Date, _ now: Date) -> String {
    let seconds = max(0, now.timeIntervalSince(date))
    let stamp = Timestamps.string(date)
    switch seconds {
    case ..<90: return "\(stamp) (\(Int(seconds)) s ago)"
    case ..<5400: return "\(stamp) (\(Int(seconds / 60)) min ago)"
    case ..<172_800: return "\(stamp) (\(Int(seconds / 3600)) h ago)"
    default: return "\(stamp) (\(Int(seconds / 86400)) days ago)"
    }
  }
}

import CtxConnectorCode
import CtxConnectorGit
import CtxConnectors
import CtxCore
import CtxStore
import CtxWorkspace
import Foundation

/// Where every source stands: its last run and last successful run, and how far the source is
/// ahead of the index right now. What `ctx status` prints and monitoring reads.
public struct StatusReport: Sendable, Codable {
  public struct Run: Sendable, Codable {
    public var started: Date
    public var finished: Date
    public var seconds: Double
    public var status: String
    /// The run's counts (files, chunks, commits ...) and problems, as `ctx index --json` gave them.
    public var report: SourceReport?
  }

  public struct Source: Sendable, Codable {
    public var name: String
    public var kind: String
    /// `fresh`, `stale` (the source has changes the index lacks), `failing` (the last run
    /// failed), `never-indexed`, or `unknown` (how far behind could not be checked).
    public var state: String
    public var lastRun: Run?
    public var lastSuccess: Run?
    /// What the index holds for the source now.
    public var indexed: SourceTotals?
    /// Code sources: files added, changed or deleted since the last run.
    public var pendingFiles: PendingFiles?
    /// Git sources: commits not yet indexed.
    public var pendingCommits: PendingCommits?
    /// Why the source could not be checked, when it could not.
    public var error: String?
  }

  public var workspace: String
  public var index: String
  public var indexBytes: Int64
  public var schemaVersion: Int?
  public var sources: [Source] = []
  /// Connector files that cannot be read, with file and line.
  public var configErrors: [String] = []
  /// Sources in the index whose connector file is gone (dropped at the next `ctx index`).
  public var orphanSources: [String] = []

  /// True when everything is indexed, fresh, and the last runs succeeded.
  public var isHealthy: Bool {
    configErrors.isEmpty && orphanSources.isEmpty && sources.allSatisfy { $0.state == "fresh" }
  }
}

public enum StatusChecker {
  public static func check(_ workspace: Workspace) throws -> StatusReport {
    let (configs, errors) = workspace.loadSources()
    var report = StatusReport(workspace: workspace.root, index: workspace.databasePath, indexBytes: 0)
    report.configErrors = errors.map(\.description)
    let store: IndexStore? = FileManager.default.fileExists(atPath: workspace.databasePath)
      ? try IndexStore(path: workspace.databasePath, mode: .readOnly) : nil
    report.indexBytes = store?.sizeOnDisk ?? 0
    report.schemaVersion = try store?.schemaVersion()
    let records = try store?.sourceRecords() ?? []
    let byName = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    report.orphanSources = records.map(\.name).filter { name in !configs.contains { $0.name == name } }
    for config in configs {
      let record = byName[config.name]
      var source = StatusReport.Source(name: config.name, kind: config.kind.rawValue, state: "never-indexed")
      source.lastRun = record?.lastRun.map(run)
      source.lastSuccess = record?.lastSuccess.map(run)
      source.indexed = record?.totals
      if let record, let store, record.lastSuccess != nil {
        do {
          switch config.kind {
          case .code:
            let known = try store.indexedFiles(sourceID: record.id).mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
            let pending = try CodeConnector(config: config).pendingChanges(known: known)
            source.pendingFiles = pending
            source.state = pending.total > 0 ? "stale" : "fresh"
          case .git:
            let pending = try GitConnector(config: config).pendingCommits(indexedRefs: try store.refCursors(sourceID: record.id))
            source.pendingCommits = pending
            source.state = pending.newCommits > 0 || pending.rewritten || !pending.refsChanged.isEmpty ? "stale" : "fresh"
          case .docs, .chat:
            source.state = "unknown"
          }
        } catch {
          source.state = "unknown"
          source.error = (error as? CtxError)?.description ?? "\(error)"
        }
      }
      if record?.lastRun?.status == "failed" { source.state = "failing" }
      report.sources.append(source)
    }
    return report
  }

  private static func run(_ run: SourceRun) -> StatusReport.Run {
    StatusReport.Run(
      started: run.started, finished: run.finished, seconds: run.seconds, status: run.status,
      report: try? JSONDecoder().decode(SourceReport.self, from: Data(run.reportJSON.utf8)))
  }
}

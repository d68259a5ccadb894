import CtxConnectorCode
import CtxConnectorDocs
import CtxConnectorGit
import CtxConnectors
import CtxCore
import CtxRedaction
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
    /// failed), `missing` (its folder or export is gone; the previous index is still served),
    /// `never-indexed`, or `unknown` (how far behind could not be checked). README "Status".
    public var state: String
    public var lastRun: Run?
    public var lastSuccess: Run?
    /// What the index holds for the source now.
    public var indexed: SourceTotals?
    /// Code sources: files added, changed or deleted since the last run.
    public var pendingFiles: PendingFiles?
    /// Git sources: commits not yet indexed.
    public var pendingCommits: PendingCommits?
    /// Chat sources: export files (day files, or the archive) newer than what was read.
    public var pendingExportFiles: Int?
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
      if let record, let store, record.lastSuccess != nil, config.missingFolderError == nil {
        do {
          switch config.kind {
          case .code:
            let known = try store.indexedFiles(sourceID: record.id).mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
            let skipped = try store.skippedFiles(sourceID: record.id).mapValues { SkippedStamp(stamp: $0.stamp, contentHash: $0.contentHash) }
            let pending = try CodeConnector(config: config).pendingChanges(known: known, skipped: skipped)
            source.pendingFiles = pending
            source.state = pending.total > 0 ? "stale" : "fresh"
          case .git:
            let pending = try GitConnector(config: config).pendingCommits(indexedRefs: try store.refCursors(sourceID: record.id))
            source.pendingCommits = pending
            source.state = pending.newCommits > 0 || pending.rewritten || !pending.refsChanged.isEmpty ? "stale" : "fresh"
          case .docs:
            let known = try store.indexedFiles(sourceID: record.id).mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
            var docs = DocsConnector(config: config, options: config.docs)
            docs.redactor = try Redactor(settings: config.redaction)  // its listing leaves out secret paths
            let pending = try docs.pendingChanges(known: known, seenSince: record.lastSuccess?.started)
            source.pendingFiles = PendingFiles(added: pending.added, changed: pending.changed, deleted: pending.deleted)
            source.state = pending.added + pending.changed + pending.deleted > 0 ? "stale" : "fresh"
          case .chat:
            // Files the last run could not read (named in its problems) are not "newer".
            let failed = Set((source.lastRun?.report?.problems ?? []).compactMap(\.path))
            let newer = try StatusChecker.newerExportFiles(
              config, known: try store.chatFiles(sourceID: record.id), since: record.lastSuccess?.started, skipping: failed)
            source.pendingExportFiles = newer
            source.state = newer > 0 ? "stale" : "fresh"
          }
        } catch {
          source.state = "unknown"
          source.error = (error as? CtxError)?.description ?? "\(error)"
        }
      }
      if record?.lastRun?.status == "failed" { source.state = "failing" }
      if let missing = config.missingFolderError(indexedBefore: record?.lastSuccess != nil) {
        // Before anything else: the folder is gone, whatever the last run said.
        source.state = "missing"
        source.error = missing.message
        source.pendingFiles = nil
      }
      report.sources.append(source)
    }
    return report
  }

  /// Export files not read yet or changed since: in a folder, `.json`/`.jsonl` files whose
  /// size or time differ from what the index recorded, or that the index does not hold and
  /// that arrived after the last successful run started (one that run read and left out, a
  /// skipped direct message or a file it could not parse, is not behind); a `.zip` or single
  /// file, whether it changed after the last successful run started.
  static func newerExportFiles(_ config: SourceConfig, known: [String: ChatFileRecord], since: Date?, skipping failed: Set<String> = []) throws -> Int {
    let root = config.root
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
      throw CtxError(.notFound, "the export \(root) is gone; fix `path:` in \(config.configFile)", path: root)
    }
    if !isDirectory.boolValue {
      guard let since, case .regular(let stamp) = FileSystem.lstatKind(root) else { return 1 }
      return Double(stamp.mtimeNanos) / 1e9 > since.timeIntervalSince1970 ? 1 : 0
    }
    var count = 0
    // Conversations that are read: those read before, and (Slack) the public channels; a
    // skipped private conversation's files never count as behind.
    var readFolders = Set(known.keys.map { ($0 as NSString).deletingLastPathComponent })
    if config.chat?.format == .slackExport, let data = FileManager.default.contents(atPath: root + "/channels.json"),
      let channels = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
    {
      for channel in channels { if let name = channel["name"] as? String { readFolders.insert(name) } }
    }
    let walked = DirectoryWalker().walk(root: root) { _ in false }
    for entry in walked.entries where entry.path.hasSuffix(".json") || entry.path.hasSuffix(".jsonl") {
      let folder = (entry.path as NSString).deletingLastPathComponent
      if config.chat?.format == .slackExport && !readFolders.contains(folder) { continue }
      if failed.contains(entry.path) { continue }
      let name = (entry.path as NSString).lastPathComponent
      // Manifests are not message files.
      guard !["channels.json", "users.json", "groups.json", "dms.json", "mpims.json", "integration_logs.json", "canvases.json"].contains(name) else { continue }
      guard case .regular(let stamp) = FileSystem.lstatKind(root + "/" + entry.path) else { continue }
      if let previous = known[entry.path] {
        if previous.stamp != stamp { count += 1 }
      } else if let since, let arrived = FileSystem.lastChange(root + "/" + entry.path), arrived < since.timeIntervalSince1970 {
        continue
      } else {
        count += 1
      }
    }
    return count
  }

  private static func run(_ run: SourceRun) -> StatusReport.Run {
    StatusReport.Run(
      started: run.started, finished: run.finished, seconds: run.seconds, status: run.status,
      report: try? JSONDecoder().decode(SourceReport.self, from: Data(run.reportJSON.utf8)))
  }
}

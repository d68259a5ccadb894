import CtxConnectors
import CtxCore

/// What one source's crawl did, for the `ctx index` summary and `--json`.
public struct SourceReport: Sendable, Codable {
  public enum Status: String, Sendable, Codable {
    /// Everything was indexed.
    case ok
    /// Indexed, but some items had problems (named in `problems`).
    case partial
    /// The source could not be crawled at all; its previous index is kept.
    case failed
  }

  public var name: String
  public var kind: String
  public var status: Status = .ok
  public var seconds: Double = 0
  /// Files the listing found and the filters admitted.
  public var listed = 0
  public var added = 0
  public var changed = 0
  /// Not read again: same size and modification time.
  public var unchanged = 0
  /// Read again, same content hash.
  public var restamped = 0
  public var deleted = 0
  public var chunks = 0
  public var symbols = 0
  public var bytesRead: Int64 = 0
  /// Skips by policy (binary, too large, excluded, ...), counted by kind.
  public var skipped: [String: Int] = [:]
  /// A few example paths per skip kind, so the summary can name them.
  public var skippedExamples: [String: [String]] = [:]
  /// Every problem, with its path.
  public var problems: [CrawlIssue] = []
  /// Why the whole source failed, when it did.
  public var error: String?
  /// Secrets replaced before indexing, by rule id (counts only, never values).
  public var redacted: [String: Int] = [:]
  /// For `kind: chat` sources: what the export read did.
  public var chat: ChatCounts?
  /// For `kind: git` sources: what the history walk did.
  public var history: HistoryCounts?
  /// Facts that are not problems: an empty repository, a shallow clone.
  public var notes: [String] = []
  /// For `kind: code` sources in a git work tree: folders checked and read by the listing.
  public var listing: ListingCounts?

  public init(name: String, kind: String) {
    self.name = name
    self.kind = kind
  }

  static let examplesPerKind = 5

  mutating func addRedactions(_ counts: [String: Int]) {
    for (rule, count) in counts { redacted[rule, default: 0] += count }
  }

  mutating func record(_ issue: CrawlIssue) {
    if issue.kind.isProblem {
      problems.append(issue)
    } else {
      skipped[issue.kind.rawValue, default: 0] += 1
      if let path = issue.path, skippedExamples[issue.kind.rawValue, default: []].count < SourceReport.examplesPerKind {
        skippedExamples[issue.kind.rawValue, default: []].append(path)
      }
    }
  }
}

/// What a chat source's run did.
public struct ChatCounts: Sendable, Codable {
  public var conversations = 0
  public var messagesAdded = 0
  /// Messages seen again with a newer (edited) text.
  public var messagesUpdated = 0
  /// Messages already indexed (overlapping exports).
  public var messagesUnchanged = 0
  public var threadsRebuilt = 0
  /// Conversations left out, by reason: private, dm, mpim, unlisted, not-selected.
  public var skippedConversations: [String: Int] = [:]

  public init() {}
}

/// What a git source's run did.
public struct HistoryCounts: Sendable, Codable {
  public var commitsAdded = 0
  public var commitsRemoved = 0
  /// A ref's previous tip was no longer its ancestor (force-push, rebase).
  public var rewritten = false
  public var filesChanged = 0
  /// Commits given line counts in this run (the newest; see docs/history.md).
  public var lineCounted = 0
  /// Commits in the index after the run.
  public var commitsTotal = 0

  public init() {}
}

/// What mirroring `annotations/` into the index did.
public struct AnnotationCounts: Sendable, Codable {
  public var files = 0
  public var live = 0
  public var proposed = 0
  /// Files that could not be read, with file and line (they are left out until fixed).
  public var errors: [String] = []
  /// Files whose ids clash (same id ignoring case): both are indexed; a person renames one.
  public var clashes: [String] = []
  /// Conflicts found after the run (`ctx conflicts` lists them), when checked.
  public var conflicts: Int?

  public init() {}
}

/// What a whole `ctx index` run did.
public struct IndexReport: Sendable, Codable {
  public var sources: [SourceReport] = []
  public var annotations = AnnotationCounts()
  /// Connector files that could not be read, with file and line.
  public var configErrors: [String] = []
  /// Sources whose connector file is gone; their content was removed from the index.
  public var removedSources: [String] = []
  public var seconds: Double = 0
  public var indexBytes: Int64 = 0
  /// Sources the run deadline (`--deadline`) stopped or never reached; each keeps its previous
  /// index.
  public var deadlineStopped: [String] = []
  /// The index file was damaged (these problems) and this run rebuilt it beside and switched
  /// to the new file; the damaged one is kept as `index/ctx.sqlite.damaged`.
  public var rebuiltDamagedIndex: [String]? = nil
  /// What went wrong outside any source without failing the run (the old index's run history
  /// that a `--full` rebuilt beside it could not copy).
  public var warnings: [String] = []

  public init() {}

  /// True when anything went wrong: a bad connector file, a failed source, an item problem.
  public var hasProblems: Bool {
    !configErrors.isEmpty || sources.contains { $0.status != .ok } || !annotations.errors.isEmpty
  }
}

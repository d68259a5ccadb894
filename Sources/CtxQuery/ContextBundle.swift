import CtxCore
import CtxStore
import Foundation

/// A layered context bundle: code, and the history that explains it, fitted to a token budget.
///
/// The budget is shared: each layer with something to show is first filled up to its share
/// (so one layer cannot starve another), then what is left goes to the layers in order. The
/// estimate counts the rendered Markdown, headers included, and is never exceeded.
public struct ContextBundle: Sendable {
  public var query: String
  public var budget: Int
  public var code: [CodeBundle.Item] = []
  public var history: [HistoryItem] = []
  /// Items left out to fit the budget, by layer.
  public var omitted: [String: Int] = [:]
  public var usedTokens = 0

  public struct HistoryItem: Sendable {
    public var hit: HistoryHit
    /// The message body shown (cut to a few lines).
    public var body: String
    public var bodyTruncated: Bool
  }

  /// Shares of the budget each layer is guaranteed when it has items.
  static let codeShare = 0.65
  static let historyShare = 0.25
  /// Lines of a commit message body shown at most.
  static let bodyLines = 8

  /// Builds the bundle. `explain` is asked for history once the code items are chosen, so the
  /// history layer can explain exactly the code shown.
  public init(query: String, codeHits: [CodeHit], budget: Int, explain: ([ChunkRecord]) throws -> [HistoryHit]) rethrows {
    self.query = query
    self.budget = budget
    usedTokens = TokenEstimate.of(header())
    let available = budget - usedTokens

    // Pass 1: code up to its share (the first item is cut to fit rather than dropped).
    var codeQueue = codeHits[...]
    fillCode(&codeQueue, until: usedTokens + Int(Double(available) * ContextBundle.codeShare))
    var historyQueue = try explain(code.map(\.hit.chunk))[...]
    fillHistory(&historyQueue, until: usedTokens + Int(Double(available) * ContextBundle.historyShare))
    // Pass 2: what is left, in layer order.
    fillCode(&codeQueue, until: budget)
    fillHistory(&historyQueue, until: budget)
    if !codeQueue.isEmpty { omitted["code"] = codeQueue.count }
    if !historyQueue.isEmpty { omitted["history"] = historyQueue.count }
  }

  public var isEmpty: Bool { code.isEmpty && history.isEmpty }

  private mutating func fillCode(_ queue: inout ArraySlice<CodeHit>, until limit: Int) {
    let sectionHeader = code.isEmpty ? TokenEstimate.of(ContextBundle.codeHeading) : 0
    while let hit = queue.first {
      let full = CodeBundle.Item(hit: hit, code: hit.chunk.text, shownStart: hit.chunk.startLine, shownEnd: hit.chunk.endLine, truncated: false)
      let cost = TokenEstimate.of(CodeBundle.render(full)) + (code.isEmpty ? sectionHeader : 0)
      if usedTokens + cost <= limit {
        code.append(full)
        usedTokens += cost
        queue.removeFirst()
        continue
      }
      if code.isEmpty, let cut = CodeBundle.cut(full, toFit: limit - usedTokens - sectionHeader) {
        code.append(cut)
        usedTokens += TokenEstimate.of(CodeBundle.render(cut)) + sectionHeader
        queue.removeFirst()
      }
      return
    }
  }

  private mutating func fillHistory(_ queue: inout ArraySlice<HistoryHit>, until limit: Int) {
    while let hit = queue.first {
      let item = ContextBundle.historyItem(hit)
      let cost = TokenEstimate.of(ContextBundle.render(item)) + (history.isEmpty ? TokenEstimate.of(ContextBundle.historyHeading) : 0)
      guard usedTokens + cost <= limit else { return }
      history.append(item)
      usedTokens += cost
      queue.removeFirst()
    }
  }

  static func historyItem(_ hit: HistoryHit) -> HistoryItem {
    let lines = hit.commit.body.split(separator: "\n", omittingEmptySubsequences: false)
    let shown = lines.prefix(bodyLines).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    return HistoryItem(hit: hit, body: shown, bodyTruncated: lines.count > bodyLines)
  }

  // MARK: Markdown

  static let codeHeading = "## Code\n\n"
  static let historyHeading = "## History\n\n"

  func header() -> String {
    "# Context for: \(CodeBundle.inline(query))\n\n"
  }

  public func markdown() -> String {
    var output = header()
    if isEmpty {
      return output + "_Nothing in the index matched._\n"
    }
    if !code.isEmpty {
      output += ContextBundle.codeHeading
      for item in code { output += CodeBundle.render(item) }
    }
    if !history.isEmpty {
      output += ContextBundle.historyHeading
      for item in history { output += ContextBundle.render(item) }
    }
    var footer = "_\(code.count) code and \(history.count) history item(s), about \(usedTokens) of \(budget) tokens"
    let left = omitted.values.reduce(0, +)
    if left > 0 { footer += "; \(left) more left out to fit the budget (raise --budget)" }
    return output + footer + "._\n"
  }

  static func render(_ item: HistoryItem) -> String {
    let commit = item.hit.commit
    let date = ContextBundle.day(commit.time)
    var lines = ["### `\(commit.sha.prefix(12))` \(CodeBundle.inline(commit.summary))"]
    var provenance = "source: \(commit.source); \(date), \(commit.authorName)"
    if !item.hit.reasons.isEmpty { provenance += "; why: " + item.hit.reasons.joined(separator: "; ") }
    lines.append(provenance)
    if !item.hit.changes.isEmpty {
      var files = item.hit.changes.prefix(8).map { change in
        var text = "\(change.status.rawValue) `\(change.path)`"
        if let old = change.oldPath { text += " (from `\(old)`)" }
        if let added = change.added, let removed = change.removed { text += " +\(added) -\(removed)" }
        return text
      }
      if commit.filesChanged > files.count { files.append("and \(commit.filesChanged - files.count) more") }
      lines.append("files: " + files.joined(separator: ", "))
    }
    if !item.body.isEmpty {
      // The message is indexed text, fenced so it cannot pass for ctx's own words.
      let fence = CodeBundle.fenceFor(item.body)
      lines.append(fence + "text")
      lines.append(item.body + (item.bodyTruncated ? "\n…" : ""))
      lines.append(fence)
    }
    return lines.joined(separator: "\n") + "\n\n"
  }

  static func day(_ seconds: Int64) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
  }
}

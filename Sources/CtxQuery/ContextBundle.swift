import CtxCore
import CtxStore
import Foundation

/// A layered context bundle: code, the history that explains it, and the documents and
/// discussions around it, fitted to a token budget.
///
/// The budget is shared: each layer with something to show is first filled up to its share
/// (so one layer cannot starve another), then what is left goes to the layers in order. The
/// estimate counts the rendered Markdown, headers included, and is never exceeded.
public struct ContextBundle: Sendable {
  public var query: String
  public var budget: Int
  public var code: [CodeBundle.Item] = []
  public var history: [HistoryItem] = []
  public var docs: [DocItem] = []
  public var discussions: [ThreadItem] = []
  public var annotations: [AnnotationHit] = []
  private let live: [String: LiveFile]
  private let words: Set<String>
  /// Items left out to fit the budget, by layer.
  public var omitted: [String: Int] = [:]
  /// Candidates left out for want of evidence (`RelevanceFloor`), by layer.
  public var belowFloor: [String: Int] = [:]
  public var usedTokens = 0

  public struct HistoryItem: Sendable {
    public var hit: HistoryHit
    /// The message body shown (cut to a few lines).
    public var body: String
    public var bodyTruncated: Bool
  }

  public struct DocItem: Sendable {
    public var hit: DocHit
    public var text: String
    public var truncated: Bool
  }

  public struct ThreadItem: Sendable {
    public var hit: ThreadHit
    /// Indices into `hit.messages` shown: matching messages with a neighbour of context each.
    public var shown: [Int]
  }

  /// What the layers beyond code offer, once the code items are chosen.
  public struct Context: Sendable {
    public var history: [HistoryHit]
    public var docs: [DocHit]
    public var threads: [ThreadHit]
    public var annotations: [AnnotationHit]

    public init(history: [HistoryHit] = [], docs: [DocHit] = [], threads: [ThreadHit] = [], annotations: [AnnotationHit] = []) {
      self.history = history
      self.docs = docs
      self.threads = threads
      self.annotations = annotations
    }
  }

  /// Shares of the budget each layer is guaranteed when it has items. Annotations are taken
  /// first (up to their share): what people said about the code outranks more code.
  static let annotationShare = 0.15
  static let codeShare = 0.5
  static let historyShare = 0.2
  static let docsShare = 0.15
  static let chatShare = 0.15
  /// Lines of a document section shown at most.
  static let sectionLines = 40
  /// Fewest lines of a section worth showing when it has to be cut to fit.
  static let minimumSectionLines = 6
  /// Lines of a commit message body shown at most.
  static let bodyLines = 8

  /// Builds the bundle. `explain` is asked for history once the code items are chosen, so the
  /// history layer can explain exactly the code shown.
  /// - Parameters:
  ///   - live: the files behind the hits as they are now (`LiveCheck`), by `LiveCheck.key`.
  ///   - usages: other places using a chunk's symbol, asked for the code items chosen.
  ///   - scope: what a chunk's symbol is defined in (`Option` for `__init__`), likewise.
  public init(
    query: String, codeHits: [CodeHit], budget: Int, live: [String: LiveFile] = [:], usages: (ChunkRecord) -> [String] = { _ in [] },
    scope: (ChunkRecord) -> String? = { _ in nil }, explain: ([ChunkRecord]) throws -> Context
  ) rethrows {
    self.query = query
    self.budget = budget
    self.live = live
    words = Set(QueryAnalysis.of(query).terms.flatMap { [$0.whole] + $0.parts }.filter { $0.count >= 3 || $0.allSatisfy(\.isNumber) })
    // The footer is ctx's own line but part of what the reader pays for: reserved up front.
    usedTokens = TokenEstimate.of(header()) + ContextBundle.footerReserve
    let available = budget - usedTokens
    func share(_ fraction: Double) -> Int { usedTokens + Int(Double(available) * fraction) }

    // Pass 1: code up to its share (the first item is cut to fit rather than dropped).
    var codeQueue = codeHits[...]
    fillCode(&codeQueue, until: share(ContextBundle.codeShare), usages: usages, scope: scope)
    let context = try explain(code.map(\.hit.chunk))
    var annotationQueue = context.annotations[...]
    fillAnnotations(&annotationQueue, until: min(budget, usedTokens + Int(Double(available) * ContextBundle.annotationShare)))
    var historyQueue = context.history[...]
    var docsQueue = context.docs[...]
    var threadQueue = context.threads[...]
    // Each layer is guaranteed its share of what the budget had at the start.
    let historyLimit = usedTokens + Int(Double(available) * ContextBundle.historyShare)
    fillHistory(&historyQueue, until: min(budget, historyLimit))
    fillDocs(&docsQueue, until: min(budget, usedTokens + Int(Double(available) * ContextBundle.docsShare)))
    fillThreads(&threadQueue, until: min(budget, usedTokens + Int(Double(available) * ContextBundle.chatShare)))
    // Pass 2: what is left, in layer order.
    fillAnnotations(&annotationQueue, until: budget)
    fillCode(&codeQueue, until: budget, usages: usages, scope: scope)
    fillHistory(&historyQueue, until: budget)
    fillDocs(&docsQueue, until: budget)
    fillThreads(&threadQueue, until: budget)
    if !codeQueue.isEmpty { omitted["code"] = codeQueue.count }
    if !historyQueue.isEmpty { omitted["history"] = historyQueue.count }
    if !docsQueue.isEmpty { omitted["docs"] = docsQueue.count }
    if !threadQueue.isEmpty { omitted["chat"] = threadQueue.count }
    if !annotationQueue.isEmpty { omitted["annotations"] = annotationQueue.count }
  }

  public var isEmpty: Bool { code.isEmpty && history.isEmpty && docs.isEmpty && discussions.isEmpty && annotations.isEmpty }

  private mutating func fillAnnotations(_ queue: inout ArraySlice<AnnotationHit>, until limit: Int) {
    while let hit = queue.first {
      let cost = TokenEstimate.of(ContextBundle.render(hit)) + (annotations.isEmpty ? TokenEstimate.of(ContextBundle.annotationHeading) : 0)
      guard usedTokens + cost <= limit else { return }
      annotations.append(hit)
      usedTokens += cost
      queue.removeFirst()
    }
  }

  /// A code item with its live verdict, its current lines when the file changed, and the
  /// other places that use its symbol.
  private func codeItem(_ hit: CodeHit, usages: (ChunkRecord) -> [String], scope: (ChunkRecord) -> String?) -> CodeBundle.Item {
    var item = CodeBundle.Item(
      hit: hit, code: IndexedText.clean(hit.chunk.text), shownStart: hit.chunk.startLine, shownEnd: hit.chunk.endLine, truncated: false)
    if let file = live[LiveCheck.key(source: hit.chunk.source, path: hit.chunk.path)] {
      item.freshness = file.freshness
      item.currentPlace = file.place
      if let lines = file.lines, hit.chunk.startLine <= lines.count {
        let now = lines[(hit.chunk.startLine - 1)..<min(hit.chunk.endLine, lines.count)].joined(separator: "\n")
        if now != hit.chunk.text { item.current = IndexedText.clean(String(now.prefix(6000))) }
      }
    }
    if hit.chunk.symbol != nil {
      item.usages = usages(hit.chunk)
      item.scope = scope(hit.chunk)
    }
    return item
  }

  private mutating func fillCode(_ queue: inout ArraySlice<CodeHit>, until limit: Int, usages: (ChunkRecord) -> [String], scope: (ChunkRecord) -> String?) {
    let sectionHeader = code.isEmpty ? TokenEstimate.of(ContextBundle.codeHeading) : 0
    while let hit = queue.first {
      let full = codeItem(hit, usages: usages, scope: scope)
      let cost = TokenEstimate.of(CodeBundle.render(full)) + (code.isEmpty ? sectionHeader : 0)
      if usedTokens + cost <= limit {
        code.append(full)
        usedTokens += cost
        queue.removeFirst()
        continue
      }
      // Too long: its signature and matching lines, else (for the first item) its head.
      let room = limit - usedTokens - sectionHeader
      if let cut = CodeBundle.excerpt(full, words: words, toFit: room) ?? (code.isEmpty ? CodeBundle.cut(full, toFit: room) : nil) {
        code.append(cut)
        usedTokens += TokenEstimate.of(CodeBundle.render(cut)) + sectionHeader
        queue.removeFirst()
        continue
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

  private mutating func fillDocs(_ queue: inout ArraySlice<DocHit>, until limit: Int) {
    while let hit = queue.first {
      let lines = hit.section.text.split(separator: "\n", omittingEmptySubsequences: false)
      var item = DocItem(
        hit: hit, text: IndexedText.clean(lines.prefix(ContextBundle.sectionLines).joined(separator: "\n")),
        truncated: lines.count > ContextBundle.sectionLines)
      let heading = docs.isEmpty ? TokenEstimate.of(ContextBundle.docsHeading) : 0
      var cost = TokenEstimate.of(ContextBundle.render(item)) + heading
      if usedTokens + cost > limit {
        // A long section is cut to its first lines that fit, not dropped whole.
        var shown = min(lines.count, ContextBundle.sectionLines)
        var cut = item
        while shown > ContextBundle.minimumSectionLines && usedTokens + cost > limit {
          shown = shown * 2 / 3
          cut = DocItem(hit: hit, text: IndexedText.clean(lines.prefix(shown).joined(separator: "\n")), truncated: true)
          cost = TokenEstimate.of(ContextBundle.render(cut)) + heading
        }
        guard usedTokens + cost <= limit else { return }
        item = cut
      }
      docs.append(item)
      usedTokens += cost
      queue.removeFirst()
    }
  }

  private mutating func fillThreads(_ queue: inout ArraySlice<ThreadHit>, until limit: Int) {
    while let hit = queue.first {
      let item = ThreadItem(hit: hit, shown: ContextBundle.shownMessages(hit))
      let cost = TokenEstimate.of(ContextBundle.render(item)) + (discussions.isEmpty ? TokenEstimate.of(ContextBundle.chatHeading) : 0)
      guard usedTokens + cost <= limit else { return }
      discussions.append(item)
      usedTokens += cost
      queue.removeFirst()
    }
  }

  /// The root, the matching messages, and one message either side of each: the discussion in
  /// context, at most 12 messages.
  static func shownMessages(_ hit: ThreadHit) -> [Int] {
    guard !hit.messages.isEmpty else { return [] }
    var shown = Set([0])
    for index in hit.matching {
      for neighbour in max(0, index - 1)...min(hit.messages.count - 1, index + 1) { shown.insert(neighbour) }
    }
    if hit.matching.isEmpty { shown.formUnion(0..<min(3, hit.messages.count)) }
    return Array(shown.sorted().prefix(12))
  }

  static func historyItem(_ hit: HistoryHit) -> HistoryItem {
    let lines = IndexedText.clean(hit.commit.body).split(separator: "\n", omittingEmptySubsequences: false)
    let shown = lines.prefix(bodyLines).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    return HistoryItem(hit: hit, body: shown, bodyTruncated: lines.count > bodyLines)
  }

  // MARK: Markdown

  /// Tokens kept for the footer line (its longest form, with five-digit numbers).
  static let footerReserve = TokenEstimate.of(
    "_99999 annotation, 99999 code, 99999 history, 99999 document and 99999 discussion item(s), about 99999 of 99999 tokens; 99999 candidate(s) below the relevance floor left out; 99999 more left out to fit the budget (raise --budget)._\n")
  static let annotationHeading = "## Annotations and corrections\n\n"
  static let codeHeading = "## Code\n\n"
  static let historyHeading = "## History\n\n"
  static let docsHeading = "## Documents\n\n"
  static let chatHeading = "## Discussions\n\n"

  /// The question's first line, cut: a whole bug report is not echoed back at the reader's
  /// expense.
  static func title(of query: String) -> String {
    let firstLine = query.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    let cut = firstLine.count > titleCharacters ? String(firstLine.prefix(titleCharacters)) + "…" : firstLine
    return query.contains(where: \.isNewline) && !cut.hasSuffix("…") ? cut + " …" : cut
  }

  static let titleCharacters = 100

  func header() -> String {
    "# Context for: \(CodeBundle.inline(ContextBundle.title(of: query)))\n\n"
  }

  /// What the bundle holds and what stayed out, and why.
  func footer() -> String {
    var footer = "_\(annotations.count) annotation, \(code.count) code, \(history.count) history, \(docs.count) document and \(discussions.count) discussion item(s), about \(usedTokens) of \(budget) tokens"
    let weak = belowFloor.values.reduce(0, +)
    if weak > 0 { footer += "; \(weak) candidate(s) below the relevance floor left out" }
    let left = omitted.values.reduce(0, +)
    if left > 0 { footer += "; \(left) more left out to fit the budget (raise --budget)" }
    return footer + "._"
  }

  public func markdown() -> String {
    var output = header()
    if isEmpty {
      return output + "_Nothing in the index matched._\n"
    }
    if !annotations.isEmpty {
      output += ContextBundle.annotationHeading
      for hit in annotations { output += ContextBundle.render(hit) }
    }
    if !code.isEmpty {
      output += ContextBundle.codeHeading
      for item in code { output += CodeBundle.render(item) }
    }
    if !history.isEmpty {
      output += ContextBundle.historyHeading
      for item in history { output += ContextBundle.render(item) }
    }
    if !docs.isEmpty {
      output += ContextBundle.docsHeading
      for item in docs { output += ContextBundle.render(item) }
    }
    if !discussions.isEmpty {
      output += ContextBundle.chatHeading
      for item in discussions { output += ContextBundle.render(item) }
    }
    return output + footer() + "\n"
  }

  static func render(_ item: HistoryItem) -> String {
    let commit = item.hit.commit
    let date = ContextBundle.day(commit.time)
    var lines = ["### `\(commit.sha.prefix(12))` \(CodeBundle.inline(commit.summary))"]
    var provenance = "source: \(commit.source); \(date), \(commit.authorName)"
    if !item.hit.reasons.isEmpty {
      // A commit that changed every file shown would list them all; three say why.
      var why = item.hit.reasons.prefix(3).joined(separator: "; ")
      if item.hit.reasons.count > 3 { why += "; and \(item.hit.reasons.count - 3) more" }
      provenance += "; why: " + why
    }
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

  static func render(_ hit: AnnotationHit) -> String {
    let row = hit.annotation
    var title = "### \(row.kind) on `\(row.target)`"
    if hit.isProposed { title += " (proposed, not reviewed)" }
    var lines = [title]
    var provenance = "by \(row.author), \(ISODate.string(Int64(row.date.timeIntervalSince1970)).prefix(10)); `\(row.name)`"
    if !hit.attachesTo.isEmpty { provenance += "; about " + hit.attachesTo.prefix(4).joined(separator: ", ") }
    lines.append(provenance)
    if let key = row.factKey { lines.append("fact: `\(key)` = `\(row.factValue ?? "")`") }
    if let note = hit.staleNote { lines.append("warning: \(note) (`ctx conflicts`)") }
    for other in hit.disagreements {
      let who = "\(other.author) (\(ISODate.string(Int64(other.date.timeIntervalSince1970)).prefix(10)), `\(other.name)`\(other.status == "proposed" ? ", proposed" : ""))"
      if let key = other.factKey, key == row.factKey {
        lines.append("conflict: \(who) says `\(key)` = `\(other.factValue ?? "")`; neither is picked: check with the people involved")
      } else {
        // A competing correction on the same target (ctx conflicts: competing-corrections).
        let said = IndexedText.clean(other.body).split(separator: "\n").first.map(String.init) ?? ""
        lines.append("conflict: \(who) also has a \(other.kind) on this target: \"\(said.prefix(160))\"; neither is picked: `ctx review` decides")
      }
    }
    // Annotation text is indexed text: fenced.
    let body = IndexedText.clean(row.body)
    let fence = CodeBundle.fenceFor(body)
    lines += [fence + "text", body, fence]
    return lines.joined(separator: "\n") + "\n\n"
  }

  static func render(_ item: DocItem) -> String {
    let section = item.hit.section
    var title = "### `\(item.hit.ref)` \(CodeBundle.inline(section.heading))"
    if let status = section.status { title += " (status: \(status)" + (section.supersededBy.map { ", superseded by \($0)" } ?? "") + ")" }
    var provenance = "source: \(section.source); lines \(section.startLine)-\(section.endLine)"
    if let freshness = item.hit.freshness { provenance += "; \(freshness.rawValue)" }
    if !item.hit.reasons.isEmpty { provenance += "; why: " + item.hit.reasons.joined(separator: "; ") }
    let fence = CodeBundle.fenceFor(item.text)
    return [title, provenance, fence + "markdown", item.text + (item.truncated ? "\n…" : ""), fence].joined(separator: "\n") + "\n\n"
  }

  static func render(_ item: ThreadItem) -> String {
    let thread = item.hit.thread
    var lines = ["### `\(item.hit.ref)` #\(thread.channel), \(ChatTime.day(thread.threadTS))"]
    var provenance = "source: \(thread.source); \(thread.messageCount) message(s) by \(thread.participants.joined(separator: ", "))"
    if !item.hit.reasons.isEmpty {
      // A commit that changed every file shown would list them all; three say why.
      var why = item.hit.reasons.prefix(3).joined(separator: "; ")
      if item.hit.reasons.count > 3 { why += "; and \(item.hit.reasons.count - 3) more" }
      provenance += "; why: " + why
    }
    lines.append(provenance)
    var body: [String] = []
    var previous = -1
    let matching = Set(item.hit.matching)
    for index in item.shown {
      if previous >= 0 && index > previous + 1 { body.append("…") }
      let message = item.hit.messages[index]
      body.append(
        (matching.contains(index) ? "> " : "  ") + "\(IndexedText.clean(message.author)) (\(ChatTime.day(message.ts))): "
          + IndexedText.clean(message.text).replacingOccurrences(of: "\n", with: " "))
      previous = index
    }
    if previous >= 0 && previous < item.hit.messages.count - 1 { body.append("…") }
    // Messages are indexed text: fenced; `>` marks the ones that matched.
    let text = body.joined(separator: "\n")
    let fence = CodeBundle.fenceFor(text)
    lines += [fence + "text", text, fence]
    return lines.joined(separator: "\n") + "\n\n"
  }

  static func day(_ seconds: Int64) -> String {
    Timestamps.day(Date(timeIntervalSince1970: TimeInterval(seconds)))
  }
}

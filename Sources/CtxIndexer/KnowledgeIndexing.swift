import CtxConnectorChat
import CtxConnectorDocs
import CtxConnectors
import CtxCore
import CtxRedaction
import CtxStore

extension Indexer {
  /// Brings a `kind: docs` source up to date: changed documents re-parsed into sections,
  /// deleted ones removed (after a complete listing only).
  func crawlDocs(_ source: SourceConfig, sourceID: Int64, store: IndexStore, report: SourceReport, progress: (any IndexProgress)?) async throws
    -> SourceReport
  {
    let indexed = options.full ? [:] : try store.indexedFiles(sourceID: sourceID)
    let known = indexed.mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
    let sink = DocsCollector(store: store, sourceID: sourceID, known: known, name: source.name, progress: progress, report: report)
    var connector = DocsConnector(config: source, options: source.docs)
    connector.redactor = try Redactor(settings: source.redaction)
    try await connector.crawl(known: known, into: sink)
    return try await sink.finish()
  }

  /// Brings a `kind: chat` source up to date: new and changed export files read, their
  /// messages added by key (an overlapping or newer export adds only what is new), and the
  /// threads they belong to rebuilt. Nothing is deleted: an export that no longer holds old
  /// messages does not make them untrue.
  func crawlChat(_ source: SourceConfig, sourceID: Int64, store: IndexStore, report: SourceReport, progress: (any IndexProgress)?) async throws
    -> SourceReport
  {
    guard let chatOptions = source.chat else {
      throw CtxError(.invalidConfig, "a chat source needs `format:`", path: source.configFile)
    }
    let files = options.full ? [:] : try store.chatFiles(sourceID: sourceID)
    let known = files.mapValues { KnownFile(stamp: $0.stamp, contentHash: $0.contentHash) }
    let sink = ChatCollector(
      store: store, sourceID: sourceID, redactor: try Redactor(settings: source.redaction), name: source.name, progress: progress, report: report)
    try await ChatExportReader.crawl(config: chatOptions, knownFiles: known, into: sink)
    return try await sink.finish()
  }
}

/// Turns parsed documents into index rows, in batches.
actor DocsCollector: DocSink {
  let store: IndexStore
  let sourceID: Int64
  let known: [String: KnownFile]
  let name: String
  let progress: (any IndexProgress)?
  private var report: SourceReport
  private var batch: [FileChange] = []
  private var seen = Set<String>()
  private var done = 0
  private var total = 0
  static let batchSize = 128

  init(store: IndexStore, sourceID: Int64, known: [String: KnownFile], name: String, progress: (any IndexProgress)?, report: SourceReport) {
    self.store = store
    self.sourceID = sourceID
    self.known = known
    self.name = name
    self.progress = progress
    self.report = report
  }

  func accept(_ event: DocCrawlEvent) async throws {
    switch event {
    case .listed(let count):
      total = count
      report.listed = count
      progress?.listed(name, total: count, unit: "documents")
    case .document(let file):
      seen.insert(file.path)
      if known[file.path] == nil { report.added += 1 } else { report.changed += 1 }
      report.chunks += file.document.sections.count
      report.bytesRead += file.stamp.size
      report.addRedactions(file.redactions)
      let record = DocsCollector.record(file)
      let parts = record.sections.map { IdentifierParts.expansion(of: $0.heading + " " + record.path + "\n" + $0.text) }
      batch.append(.upsertDocument(record, sectionParts: parts))
      done += 1
    case .unchanged(let path):
      seen.insert(path)
      report.unchanged += 1
      done += 1
    case .restamped(let path, let stamp):
      seen.insert(path)
      report.restamped += 1
      batch.append(.restamp(path: path, stamp: stamp))
      done += 1
    case .issue(let issue):
      report.record(issue)
      // A file that could not be read or parsed this time keeps its previous sections.
      if let path = issue.path, issue.kind == .unreadable || issue.kind == .parseFailed || issue.kind == .symlinkLoop { seen.insert(path) }
    }
    if done % 32 == 0 { progress?.advanced(name, done: done, total: total) }
    if batch.count >= DocsCollector.batchSize { try await flush() }
  }

  private func flush() async throws {
    guard !batch.isEmpty else { return }
    let pending = batch
    batch = []
    try await store.apply(pending, sourceID: sourceID)
  }

  func finish() async throws -> SourceReport {
    try await flush()
    let gone = known.keys.filter { !seen.contains($0) }.sorted()
    if !gone.isEmpty { try await store.apply(gone.map { .delete(path: $0) }, sourceID: sourceID) }
    report.deleted = gone.count
    progress?.advanced(name, done: total, total: total)
    return report
  }

  static func record(_ file: DocFile) -> DocumentRecord {
    let document = file.document
    return DocumentRecord(
      path: file.path, stamp: file.stamp, contentHash: file.contentHash, title: document.title, format: document.format.rawValue,
      lineCount: document.lineCount, status: document.status.map { "\($0.state)" }, supersededBy: document.status?.supersededBy,
      supersedes: document.status?.supersedes ?? [], frontMatter: document.frontMatter,
      sections: document.sections.map { section in
        SectionRecord(
          headingPath: section.headingPath, anchor: section.anchor, part: section.part, startLine: section.startLine,
          endLine: section.endLine, text: section.text, mentions: mentionRecords(section.mentions))
      })
  }
}

func mentionRecords(_ mentions: Mentions) -> [MentionRecord] {
  mentions.paths.map { MentionRecord(kind: .path, target: $0) } + mentions.identifiers.map { MentionRecord(kind: .identifier, target: $0) }
    + mentions.commits.map { MentionRecord(kind: .commit, target: $0) } + mentions.issues.map { MentionRecord(kind: .issue, target: $0) }
}

/// Writes chat batches: redacts every message (and recomputes its mentions from the redacted
/// text) before anything reaches the store.
actor ChatCollector: ChatSink {
  let store: IndexStore
  let sourceID: Int64
  let redactor: Redactor
  let name: String
  let progress: (any IndexProgress)?
  private var report: SourceReport
  private var counts = ChatCounts()
  private var conversationsSeen = Set<String>()
  private var restamps: [ChatFileRecord] = []
  private var conversationsDone = 0
  private var conversationsTotal = 0

  init(store: IndexStore, sourceID: Int64, redactor: Redactor, name: String, progress: (any IndexProgress)?, report: SourceReport) {
    self.store = store
    self.sourceID = sourceID
    self.redactor = redactor
    self.name = name
    self.progress = progress
    self.report = report
  }

  func accept(_ event: ChatEvent) async throws {
    switch event {
    case .listed(let conversations, let files):
      conversationsTotal = conversations
      report.listed = files
      progress?.listed(name, total: conversations, unit: "conversations")
    case .batch(let batch):
      var records: [ChatMessageRecord] = []
      records.reserveCapacity(batch.messages.count)
      for message in batch.messages {
        var text = message.text
        var mentions = message.mentions
        let redacted = redactor.redact(text)
        if redacted.didRedact {
          text = redacted.text
          mentions = DocumentMentions.extract(from: text)
          report.addRedactions(redacted.counts)
        }
        records.append(
          ChatMessageRecord(
            conversation: batch.conversation.key, channel: message.channel, ts: message.ts, threadTS: message.threadTS, author: message.author,
            text: text, edited: message.edited, subtype: message.subtype, mentions: mentionRecords(mentions)))
      }
      let files = batch.files.map { ChatFileRecord(path: $0.path, stamp: $0.stamp, contentHash: $0.contentHash) }
      let written = try await store.addChatMessages(records, files: files, sourceID: sourceID)
      // A large conversation may come in several batches (a GitHub export's threads).
      if conversationsSeen.insert(batch.conversation.key).inserted { counts.conversations += 1 }
      counts.messagesAdded += written.added
      counts.messagesUpdated += written.updated
      counts.messagesUnchanged += written.unchanged
      counts.threadsRebuilt += written.threads
      report.added += written.added
      report.changed += written.updated
      report.bytesRead += batch.files.reduce(0) { $0 + $1.stamp.size }
      conversationsDone += 1
      progress?.advanced(name, done: conversationsDone, total: conversationsTotal)
    case .unchanged:
      report.unchanged += 1
    case .restamped(let path, let stamp):
      report.restamped += 1
      restamps.append(ChatFileRecord(path: path, stamp: stamp, contentHash: ""))
    case .skipped(let conversation):
      counts.skippedConversations[conversation.reason.rawValue, default: 0] += 1
    case .issue(let issue):
      report.record(issue)
    }
  }

  func finish() async throws -> SourceReport {
    if !restamps.isEmpty {
      // Same content, new stamp: keep the recorded hash.
      let known = try store.chatFiles(sourceID: sourceID)
      try await store.restampChatFiles(
        restamps.map { ChatFileRecord(path: $0.path, stamp: $0.stamp, contentHash: known[$0.path]?.contentHash ?? $0.contentHash) }, sourceID: sourceID)
    }
    var result = report
    result.chat = counts
    for (reason, count) in counts.skippedConversations.sorted(by: { $0.key < $1.key }) {
      if reason == ChatSkipReason.notSelected.rawValue {
        result.notes.append("skipped \(count) public conversation(s) not named in `channels:` (add them there, or remove `channels:` to index every public one)")
      } else {
        result.notes.append("skipped \(count) \(reason) conversation(s) (private by default; name them in the connector file to index them)")
      }
    }
    return result
  }
}

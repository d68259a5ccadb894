import CtxConnectors
import CtxCore
import Foundation

/// Reads a chat export into messages, one conversation at a time.
///
/// Privacy first: which conversations may be read is decided from the manifests (Slack) or
/// the channel header (Discord) or each line's declared type (jsonl) *before* any message is
/// decoded; a skipped Slack conversation's files are never even opened. Every bad file
/// becomes an issue and the rest of the export is still read. Only a missing export, or a
/// zip that breaks the limits as a whole, throws.
public enum ChatExportReader {
  /// Streams the export into `sink`: skips, unchanged and restamped files, then one batch
  /// per conversation (per file for Discord and jsonl), and issues as they come.
  ///
  /// - Parameter knownFiles: export files indexed before, by `ChatFileStamp.path`; a file
  ///   with the same stamp is not read, one with the same content hash is only restamped.
  public static func crawl(config: ChatOptions, knownFiles: [String: KnownFile] = [:], into sink: any ChatSink) async throws {
    let source = try openExportSource(config)
    for issue in source.listingIssues { try await sink.accept(.issue(issue)) }
    let files = ExportFiles(source: source, options: config, known: knownFiles)
    switch config.format {
    case .slackExport:
      try await SlackExportReader(files: files).read(into: sink)
    case .discordJSON:
      try await DiscordExportReader(files: files).read(into: sink)
    case .jsonl:
      try await JSONLExportReader(files: files).read(into: sink)
    case .github:
      try await GitHubExportReader(files: files).read(into: sink)
    }
  }

  /// The whole export collected in memory.
  public static func read(config: ChatOptions, knownFiles: [String: KnownFile] = [:]) async throws -> ChatReadResult {
    let collector = ResultCollector()
    try await crawl(config: config, knownFiles: knownFiles, into: collector)
    return collector.result
  }
}

/// Collects events into a `ChatReadResult`.
final class ResultCollector: ChatSink, @unchecked Sendable {
  private let lock = NSLock()
  private var collected = ChatReadResult()

  func accept(_ event: ChatEvent) async throws {
    lock.withLock {
      switch event {
      case .listed: break
      case .batch(let batch):
        if !collected.conversations.contains(batch.conversation) { collected.conversations.append(batch.conversation) }
        collected.messages += batch.messages
        collected.fileStamps += batch.files
      case .unchanged(let path): collected.unchanged.append(path)
      case .restamped(let path, let stamp): collected.restamped[path] = stamp
      case .skipped(let conversation): collected.skipped.append(conversation)
      case .issue(let issue): collected.issues.append(issue)
      }
    }
  }

  var result: ChatReadResult { lock.withLock { collected } }
}

// MARK: - Shared parts

/// Reading export files with the incremental rules.
struct ExportFiles {
  let source: any ExportSource
  let options: ChatOptions
  let known: [String: KnownFile]

  enum Outcome {
    case unchanged
    case restamped(FileStamp)
    case content([UInt8], ChatFileStamp)
    case failed(CrawlIssue)
  }

  /// Reads one file unless its stamp (or content) is already known. `reportedPath` is the
  /// path used in stamps and issues (relative to the export's base folder).
  func load(_ entry: ExportEntry, reportedPath: String, force: Bool = false) -> Outcome {
    let stamp = source.stamp(of: entry)
    if !force, let stamp, let known = known[reportedPath], known.stamp == stamp { return .unchanged }
    let bytes: [UInt8]
    do {
      bytes = try source.read(entry, limit: options.maxFileBytes)
    } catch {
      return .failed(CrawlIssue(kind: error.kind, path: reportedPath, message: error.message))
    }
    let hash = BlobHash.id(of: bytes)
    let finalStamp = stamp ?? FileStamp(size: Int64(bytes.count), mtimeNanos: 0)
    if !force, let known = known[reportedPath], known.contentHash == hash { return .restamped(finalStamp) }
    return .content(bytes, ChatFileStamp(path: reportedPath, stamp: finalStamp, contentHash: hash))
  }

  /// Parses JSON, or an issue naming the file, line and column.
  enum ParsedJSON {
    case success(Any)
    case failure(CrawlIssue)
  }

  static func parseJSON(_ bytes: [UInt8], path: String) -> ParsedJSON {
    do {
      return .success(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
    } catch {
      let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
      var location = ""
      if let range = description.range(of: "character "), let offset = Int(description[range.upperBound...].prefix { $0.isNumber }) {
        let (line, column) = lineAndColumn(bytes, offset: offset)
        location = "line \(line), column \(column): "
      } else if description.localizedCaseInsensitiveContains("end of file") || description.localizedCaseInsensitiveContains("unexpected end") {
        let (line, column) = lineAndColumn(bytes, offset: bytes.count)
        location = "line \(line), column \(column): "
      }
      return .failure(
        CrawlIssue(kind: .parseFailed, path: path, message: "\(location)not valid JSON (\(description)); the rest of the export is still read"))
    }
  }

  static func lineAndColumn(_ bytes: [UInt8], offset: Int) -> (Int, Int) {
    var line = 1
    var column = 1
    for byte in bytes.prefix(max(0, offset)) {
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return (line, column)
  }
}

/// Who may be read.
struct ConversationPolicy {
  let options: ChatOptions

  /// nil when the conversation may be read, else why not. `aliases` are other names that
  /// select it (a DM's members).
  func skipReason(_ conversation: ChatConversation, aliases: [String] = []) -> ChatSkipReason? {
    let names = [conversation.name, conversation.id].compactMap { $0 } + aliases
    switch conversation.kind {
    case .publicChannel:
      return options.channels.isEmpty || ConversationPolicy.matches(options.channels, names) ? nil : .notSelected
    case .privateChannel:
      return ConversationPolicy.matches(options.includePrivate, names) ? nil : .privateChannel
    case .directMessage:
      return ConversationPolicy.matches(options.includeDMs, names) ? nil : .directMessage
    case .groupDirectMessage:
      return ConversationPolicy.matches(options.includeGroupDMs, names) ? nil : .groupDirectMessage
    case .unlisted:
      return ConversationPolicy.matches(options.includeUnlisted, names) ? nil : .unlisted
    }
  }

  /// `"*"` matches all; names compare without case and without a leading `#` or `@`.
  static func matches(_ list: [String], _ names: [String]) -> Bool {
    if list.contains("*") { return true }
    let wanted = Set(list.map(normalize))
    return names.contains { wanted.contains(normalize($0)) }
  }

  static func normalize(_ name: String) -> String {
    var text = name.trimmingCharacters(in: .whitespaces).lowercased()
    while text.hasPrefix("#") || text.hasPrefix("@") { text.removeFirst() }
    return text
  }
}

/// Conversions from JSON values.
enum JSONValue {
  static func string(_ value: Any?) -> String? {
    switch value {
    case let text as String: return text
    case let number as NSNumber: return number.stringValue
    default: return nil
    }
  }

  static func nonEmpty(_ value: Any?) -> String? {
    guard let text = string(value)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
    return text
  }

  static func bool(_ value: Any?) -> Bool {
    switch value {
    case let flag as Bool: return flag
    case let number as NSNumber: return number.boolValue
    case let text as String: return ["true", "yes", "1"].contains(text.lowercased())
    default: return false
    }
  }

  static func dictionary(_ value: Any?) -> [String: Any]? { value as? [String: Any] }
  static func array(_ value: Any?) -> [Any] { value as? [Any] ?? [] }
}

/// Counts messages cut at `maxMessageBytes` in one file, for one issue per file.
struct TruncationCounter {
  var count = 0

  mutating func apply(_ text: String, limit: Int) -> String {
    let (result, cut) = MessageText.truncated(text, limit: limit)
    if cut { count += 1 }
    return result
  }

  func issue(path: String, limit: Int) -> CrawlIssue? {
    guard count > 0 else { return nil }
    return CrawlIssue(
      kind: .tooLarge, path: path, message: "\(count) message(s) longer than max_message_bytes (\(limit)) were truncated, with a marker")
  }
}

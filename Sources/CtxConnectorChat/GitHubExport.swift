import CtxConnectors
import CtxCore
import Foundation

/// Pull requests and issues as GitHub's REST API returns them, saved by a paginated export
/// (docs/chat-formats.md, "GitHub pull requests and issues"): one folder per repository with
/// any of `issues.json`, `pulls.json`, `issue_comments.json`, `review_comments.json` and
/// `reviews.json` (or `reviews/<number>.json`). `gh api --paginate` writes one JSON array per
/// page back to back; each file may hold several.
///
/// Each issue or pull request is a thread of the conversation named after the repository
/// (`owner/repo`): the root message is its title, state, labels and description; comments,
/// review comments (with their file and line) and reviews with a text follow in time order.
/// The discussion is where the "why" of a change lives; its mentions of files, identifiers,
/// commits and `#numbers` link it to the code and history like any chat thread.
struct GitHubExportReader {
  let files: ExportFiles
  var options: ChatOptions { files.options }

  static let fileNames: Set<String> = ["issues.json", "pulls.json", "issue_comments.json", "review_comments.json", "reviews.json"]

  func read(into sink: any ChatSink) async throws {
    // Files grouped by their folder: one folder is one repository.
    var folders: [String: [ExportEntry]] = [:]
    for entry in files.source.entries {
      let parts = entry.path.split(separator: "/")
      guard let name = parts.last.map(String.init) else { continue }
      let isReview = parts.count >= 2 && parts[parts.count - 2] == "reviews" && name.hasSuffix(".json")
      guard GitHubExportReader.fileNames.contains(name) || isReview else { continue }
      var folder = parts.dropLast(isReview ? 2 : 1).joined(separator: "/")
      if folder.isEmpty { folder = "." }
      folders[folder, default: []].append(entry)
    }
    let total = folders.values.reduce(0) { $0 + $1.count }
    try await sink.accept(.listed(conversations: folders.count, files: total))
    for folder in folders.keys.sorted() {
      try Task.checkCancellation()
      let entries = folders[folder]!.sorted { $0.path < $1.path }
      // Comments need their issue's thread: when any file of a repository changed, all of its
      // files are read again (unchanged messages are recognised by the index).
      let changed = entries.contains { entry in
        guard let stamp = files.source.stamp(of: entry), let known = files.known[entry.path] else { return true }
        return known.stamp != stamp
      }
      guard changed else {
        for entry in entries { try await sink.accept(.unchanged(path: entry.path)) }
        continue
      }
      var repository = GitHubRepository(folder: folder)
      var stamps: [ChatFileStamp] = []
      for entry in entries {
        switch files.load(entry, reportedPath: entry.path, force: true) {
        case .failed(let issue):
          try await sink.accept(.issue(issue))
        case .unchanged, .restamped:
          break
        case .content(let bytes, let stamp):
          stamps.append(stamp)
          // Page by page, each converted to compact items at once: the Foundation objects of a
          // 50 MB export would take several times that (bench_github.py: 473 MiB peak before).
          let name = entry.path.split(separator: "/").last.map(String.init) ?? entry.path
          var problems: [String] = []
          if let failure = GitHubJSON.forEachPage(bytes, path: entry.path, { items in problems += repository.add(items, file: name, path: entry.path) }) {
            try await sink.accept(.issue(failure))
          }
          for problem in problems.prefix(20) { try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: entry.path, message: problem))) }
          if problems.count > 20 {
            try await sink.accept(.issue(CrawlIssue(kind: .parseFailed, path: entry.path, message: "\(problems.count) items in all were skipped as malformed")))
          }
        }
      }
      var truncation = TruncationCounter()
      let conversation = ChatConversation(name: repository.name, id: nil, kind: .publicChannel)
      // Whole threads in batches of about 5,000 messages; the file stamps go with the last one.
      var pending: [ChatMessage]? = nil
      try await repository.forEachBatch(options: options, truncation: &truncation) { batch in
        if let previous = pending { try await sink.accept(.batch(ChatBatch(conversation: conversation, files: [], messages: previous))) }
        pending = batch
      }
      try await sink.accept(.batch(ChatBatch(conversation: conversation, files: stamps, messages: pending ?? [])))
      if let issue = truncation.issue(path: folder, limit: options.maxMessageBytes) { try await sink.accept(.issue(issue)) }
    }
  }
}

/// The items of one repository's export, gathered across its files, kept as the few fields a
/// thread needs.
struct GitHubRepository {
  struct Item {
    var number: Int
    var isPullRequest = false
    var title = "(no title)"
    var state = "open"
    var body = ""
    var author: (name: String, isBot: Bool) = ("ghost", false)
    var created: Int64?
    var labels: [String] = []
    var lock: String? = nil
    var mergedAt: String? = nil
    var mergeCommit: String? = nil
    var head: String? = nil
  }

  struct Reply {
    enum Kind { case comment, reviewComment, review }
    var number: Int
    var kind: Kind
    var id: Int
    var author: (name: String, isBot: Bool)
    var created: Int64?
    var updated: Int64?
    var body: String
    var path: String?
    var line: Int?
    var outdated: Bool
    var state: String
  }

  let folder: String
  /// `owner/repo`, from the items' URLs, else the folder name (`owner+repo` → `owner/repo`).
  var name: String
  var items: [Int: Item] = [:]
  var replies: [Reply] = []

  init(folder: String) {
    self.folder = folder
    let base = folder.split(separator: "/").last.map(String.init) ?? folder
    name = base == "." ? "github" : base.replacingOccurrences(of: "+", with: "/")
  }

  /// Adds the items of one page of a file; returns a message for each item that could not be
  /// used.
  mutating func add(_ objects: [Any], file: String, path: String) -> [String] {
    var problems: [String] = []
    for (index, value) in objects.enumerated() {
      guard let object = value as? [String: Any] else {
        problems.append("item \(index + 1): not a JSON object; skipped")
        continue
      }
      if let url = JSONValue.string(object["repository_url"]) ?? JSONValue.string(object["html_url"]),
        let repository = GitHubRepository.repositoryName(fromURL: url)
      {
        name = repository
      }
      switch file {
      case "issues.json", "pulls.json":
        guard let number = GitHubJSON.int(object["number"]) else {
          problems.append("item \(index + 1): no `number`; skipped")
          continue
        }
        var item = items[number] ?? Item(number: number)
        let fromPulls = file == "pulls.json"
        item.isPullRequest = item.isPullRequest || fromPulls || object["pull_request"] != nil
        // issues.json has labels and the lock state; pulls.json the merge and the head.
        if !fromPulls || items[number] == nil {
          item.title = JSONValue.nonEmpty(object["title"]) ?? item.title
          item.state = JSONValue.nonEmpty(object["state"]) ?? item.state
          item.body = GitHubJSON.readable(JSONValue.string(object["body"]) ?? "")
          item.author = GitHubJSON.author(object["user"])
          item.created = GitHubJSON.microseconds(object["created_at"])
          item.labels = (object["labels"] as? [Any] ?? []).compactMap { label in JSONValue.string((label as? [String: Any])?["name"]) ?? JSONValue.string(label) }
          if JSONValue.bool(object["locked"]) { item.lock = JSONValue.string(object["active_lock_reason"]) ?? "" }
        }
        let pull = fromPulls ? object : object["pull_request"] as? [String: Any]
        if let merged = JSONValue.nonEmpty(pull?["merged_at"]) { item.mergedAt = merged }
        if let sha = JSONValue.nonEmpty(pull?["merge_commit_sha"]), item.mergedAt != nil { item.mergeCommit = sha }
        if let head = pull?["head"] as? [String: Any], let sha = JSONValue.nonEmpty(head["sha"]) { item.head = sha }
        items[number] = item
      default:
        // Comments name their issue or pull request by URL; reviews too (or by file name).
        let url = JSONValue.string(object["issue_url"]) ?? JSONValue.string(object["pull_request_url"]) ?? ""
        guard let number = url.split(separator: "/").last.flatMap({ Int($0) }) ?? Int(file.dropLast(5)) else {
          problems.append("item \(index + 1): no `issue_url` or `pull_request_url`; skipped")
          continue
        }
        let kind: Reply.Kind = file == "issue_comments.json" ? .comment : file == "review_comments.json" ? .reviewComment : .review
        replies.append(
          Reply(
            number: number, kind: kind, id: GitHubJSON.int(object["id"]) ?? 0, author: GitHubJSON.author(object["user"]),
            created: GitHubJSON.microseconds(object["created_at"] ?? object["submitted_at"]), updated: GitHubJSON.microseconds(object["updated_at"]),
            body: GitHubJSON.readable(JSONValue.string(object["body"]) ?? ""), path: JSONValue.nonEmpty(object["path"]),
            line: GitHubJSON.int(object["line"]) ?? GitHubJSON.int(object["original_line"]),
            // `position` is null when the commented lines are no longer in the diff.
            outdated: object.keys.contains("position") && object["position"] is NSNull,
            state: (JSONValue.string(object["state"]) ?? "").lowercased().replacingOccurrences(of: "_", with: " ")))
      }
    }
    return problems
  }

  /// `https://api.github.com/repos/o/r[/...]` or `https://github.com/o/r/...` → `o/r`.
  static func repositoryName(fromURL url: String) -> String? {
    let parts = url.split(separator: "/").map(String.init)
    if let repos = parts.firstIndex(of: "repos"), repos + 2 < parts.count { return parts[repos + 1] + "/" + parts[repos + 2] }
    if let host = parts.firstIndex(where: { $0 == "github.com" || $0.hasSuffix(".github.com") }), host + 2 < parts.count {
      return parts[host + 1] + "/" + parts[host + 2]
    }
    return nil
  }

  /// The threads' messages, a few thousand at a time (`body` gets whole threads): each item's
  /// root, then its replies in time order; bots left out unless asked. Built lazily so a large
  /// export never holds every message at once.
  func forEachBatch(options: ChatOptions, truncation: inout TruncationCounter, size: Int = 5000, _ body: ([ChatMessage]) async throws -> Void) async rethrows {
    let byNumber = Dictionary(grouping: replies, by: \.number)
    var batch: [ChatMessage] = []
    for item in items.values.sorted(by: { $0.number < $1.number }) {
      guard let created = item.created, let ts = GitHubJSON.ts(created, unique: item.number) else { continue }
      var thread: [String: ChatMessage] = [:]
      if !item.author.isBot || options.includeBots {
        thread[ts] = message(ts: ts, thread: ts, author: item.author.name, text: truncation.apply(rootText(item), limit: options.maxMessageBytes), edited: false, id: "\(item.number)")
      }
      for reply in byNumber[item.number] ?? [] {
        if reply.author.isBot && !options.includeBots { continue }
        guard let replyCreated = reply.created, let replyTS = GitHubJSON.ts(replyCreated, unique: reply.id), let text = replyText(reply) else { continue }
        let edited = reply.updated.map { $0 > replyCreated + 1_000_000 } ?? false
        thread[replyTS] = message(
          ts: replyTS, thread: ts, author: reply.author.name, text: truncation.apply(text, limit: options.maxMessageBytes), edited: edited, id: "\(reply.id)")
      }
      batch += ChatTimestamp.sorted(thread.values)
      if batch.count >= size {
        try await body(batch)
        batch = []
      }
    }
    try await body(batch)  // the last (possibly empty) batch
  }

  private func message(ts: String, thread: String, author: String, text: String, edited: Bool, id: String?) -> ChatMessage {
    ChatMessage(
      channel: name, channelID: nil, conversationKind: .publicChannel, ts: ts, threadTS: thread, author: author, authorID: nil, text: text,
      edited: edited, subtype: nil, messageID: id, file: folder, mentions: DocumentMentions.extract(from: text))
  }

  /// `Pull request #12: Title`, a line of state (merged as which commit, labels, locked), the
  /// description.
  private func rootText(_ item: Item) -> String {
    var state = [item.state]
    if let merged = item.mergedAt {
      state = ["merged " + String(merged.prefix(10))]
      if let sha = item.mergeCommit { state.append("merge commit \(sha)") }
    }
    if let head = item.head { state.append("head commit \(head)") }
    if !item.labels.isEmpty { state.append("labels: " + item.labels.joined(separator: ", ")) }
    if let lock = item.lock { state.append("locked" + (lock.isEmpty ? "" : " (\(lock))")) }
    return "\(item.isPullRequest ? "Pull request" : "Issue") #\(item.number): \(item.title)\n\(state.joined(separator: "; "))"
      + (item.body.isEmpty ? "" : "\n\n" + item.body)
  }

  private func replyText(_ reply: Reply) -> String? {
    switch reply.kind {
    case .comment:
      return reply.body.isEmpty ? nil : reply.body
    case .reviewComment:
      guard !reply.body.isEmpty else { return nil }
      return "Review comment on `\(reply.path ?? "?")`" + (reply.line.map { ":\($0)" } ?? "") + (reply.outdated ? " (outdated)" : "") + ":\n" + reply.body
    case .review:
      guard !reply.body.isEmpty else { return reply.state == "approved" || reply.state == "changes requested" ? "Review: \(reply.state)" : nil }
      return "Review (\(reply.state.isEmpty ? "commented" : reply.state)):\n" + reply.body
    }
  }
}

/// Reading the API's JSON.
enum GitHubJSON {
  enum Items {
    case success([Any])
    case failure(CrawlIssue)
  }

  /// Calls `body` with the items of each page of a file (one JSON array, several back to back
  /// as `gh api --paginate` writes them, or one object); returns the problem that stopped it.
  static func forEachPage(_ bytes: [UInt8], path: String, _ body: ([Any]) -> Void) -> CrawlIssue? {
    var lines = 0
    var counted = 0
    for range in topLevelValues(bytes) {
      // Lines before the page, counted once over the file (for the problem's location).
      for index in counted..<range.lowerBound where bytes[index] == 0x0A { lines += 1 }
      counted = range.lowerBound
      switch items(Array(bytes[range]), path: path, offsetLine: lines) {
      case .failure(let issue): return issue
      case .success(let items): body(items)
      }
    }
    return nil
  }

  /// The items of one page: a JSON array, or one object.
  static func items(_ bytes: [UInt8], path: String, offsetLine: Int = 0) -> Items {
    switch ExportFiles.parseJSON(bytes, path: path) {
    case .failure(var issue):
      if offsetLine > 0 { issue.message = "the page from line \(offsetLine + 1): " + issue.message }
      return .failure(issue)
    case .success(let value as [Any]):
      return .success(value)
    case .success(let value as [String: Any]):
      // An error body saved in place of a page (`{"message": "Not Found", ...}`).
      if value["message"] != nil && value["number"] == nil && value["id"] == nil {
        return .failure(CrawlIssue(kind: .parseFailed, path: path, message: "holds an API error (\(JSONValue.string(value["message"]) ?? "")), not items; export it again"))
      }
      return .success([value])
    case .success:
      return .failure(CrawlIssue(kind: .parseFailed, path: path, message: "not a JSON array of items"))
    }
  }

  /// Byte ranges of the top-level JSON values in `bytes` (strings and escapes respected), in
  /// one linear pass.
  static func topLevelValues(_ bytes: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var depth = 0
    var start: Int? = nil
    var inString = false
    var escaped = false
    for (index, byte) in bytes.enumerated() {
      if inString {
        if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
        continue
      }
      switch byte {
      case 0x22:
        inString = true
        if start == nil { start = index }
      case 0x5B, 0x7B:
        if start == nil { start = index }
        depth += 1
      case 0x5D, 0x7D:
        depth -= 1
        if depth <= 0, let begin = start {
          ranges.append(begin..<index + 1)
          start = nil
          depth = 0
        }
      case 0x20, 0x09, 0x0A, 0x0D:
        break
      default:
        if start == nil { start = index }
      }
    }
    if let begin = start { ranges.append(begin..<bytes.count) }  // unterminated: parsed, and reported
    return ranges
  }

  static func int(_ value: Any?) -> Int? {
    if let number = value as? NSNumber, !(value is Bool) {
      let double = number.doubleValue
      guard double.isFinite, abs(double) < 9e15 else { return nil }
      return Int(double)
    }
    if let text = value as? String { return Int(text) }
    return nil
  }

  static func microseconds(_ value: Any?) -> Int64? {
    guard let text = JSONValue.string(value) else { return nil }
    return ChatTimestamp.microseconds(iso: text)
  }

  /// A Slack-shaped ts from the item's time, made unique by its number or id in the
  /// microseconds (the API gives whole seconds).
  static func ts(_ micros: Int64, unique: Int) -> String? {
    let seconds = micros / 1_000_000
    return ChatTimestamp.from(microseconds: seconds * 1_000_000 + Int64(abs(unique) % 1_000_000))
  }

  /// The author's login; deleted accounts are `ghost` (the API gives `user: null`), bots
  /// (`type: Bot`, `name[bot]`) are marked.
  static func author(_ value: Any?) -> (name: String, isBot: Bool) {
    guard let user = value as? [String: Any], let login = JSONValue.nonEmpty(user["login"]) else { return ("ghost", false) }
    return (login, JSONValue.string(user["type"]) == "Bot" || login.hasSuffix("[bot]"))
  }

  /// Markdown as written is readable; HTML comments (pull request templates' instructions)
  /// and runs of blank lines are not.
  static func readable(_ markdown: String) -> String {
    var text = markdown.replacingOccurrences(of: "\r\n", with: "\n")
    while let open = text.range(of: "<!--") {
      guard let close = text.range(of: "-->", range: open.upperBound..<text.endIndex) else {
        text.removeSubrange(open.lowerBound..<text.endIndex)
        break
      }
      text.removeSubrange(open.lowerBound..<close.upperBound)
    }
    while text.contains("\n\n\n") { text = text.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

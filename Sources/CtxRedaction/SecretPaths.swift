import CtxCore

/// File names can hold secrets too (a token saved as `tokens/ghp_….json`, a key file named
/// after its key). A crawl asks this before a path is emitted anywhere, since a path is stored
/// in many places (files, chunks, symbols, sections, skip records, run reports and logs).
extension Redactor {
  /// The path with its secrets replaced, and the rules that matched; nil when it holds none.
  public func secretInPath(_ path: String) -> (redacted: String, rules: [String])? {
    let redaction = redact(path)
    guard redaction.didRedact else { return nil }
    return (redaction.text, redaction.counts.keys.sorted())
  }

  /// `path` with any secret replaced: for messages about folders and items that are not indexed.
  public func safePath(_ path: String) -> String {
    secretInPath(path)?.redacted ?? path
  }
}

/// Applies `Redactor.secretInPath` to a crawl's listing: the paths to index, and a skip issue
/// (with the path redacted) for each that holds a secret.
public struct PathScreen: Sendable {
  public let redactor: Redactor

  public init(redactor: Redactor) {
    self.redactor = redactor
  }

  /// The skip issue for `path` when it holds a secret; nil when it may be indexed.
  public func issue(for path: String) -> CrawlIssue? {
    guard let found = redactor.secretInPath(path) else { return nil }
    return CrawlIssue(
      kind: .secretInPath, path: found.redacted,
      message: "the path holds a secret (\(found.rules.joined(separator: ", "))); not indexed, so the name is stored nowhere: rename it to index it")
  }

  /// A listing with the entries whose path holds a secret left out: the kept entries, and the
  /// listing's issues (made safe) followed by one skip issue per entry left out.
  public func screen<Entry>(_ entries: [Entry], issues: [CrawlIssue], path: (Entry) -> String) -> (entries: [Entry], issues: [CrawlIssue]) {
    var screenedIssues = issues.map(safe)
    let kept = entries.filter { entry in
      guard let issue = issue(for: path(entry)) else { return true }
      screenedIssues.append(issue)
      return false
    }
    return (kept, screenedIssues)
  }

  /// `issue` with any secret in its path or message replaced (a walker's issue about a folder).
  public func safe(_ issue: CrawlIssue) -> CrawlIssue {
    var safe = issue
    safe.path = issue.path.map(redactor.safePath)
    safe.message = redactor.safePath(issue.message)
    return safe
  }
}

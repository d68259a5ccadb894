import CtxCore
import CtxStore
import Foundation

/// `ctx query --format json`: versioned so programs can rely on it (docs/bundles.md; schemas/bundle.schema.json).
public struct BundleJSON: Encodable {
  public static let currentSchemaVersion = 1

  struct CodeItem: Encodable {
    var source: String
    var ref: String
    var path: String
    var startLine: Int
    var endLine: Int
    var shownStartLine: Int
    var shownEndLine: Int
    var truncated: Bool
    var symbol: String?
    /// What the symbol is defined in (its class, or the function around it), when it is.
    var scope: String?
    var kind: String?
    var score: Double
    var why: [String]
    var code: String
    /// `unchanged`, `changed since indexed` or `deleted`: the file now (on disk, or in the
    /// tree of a `revision:` source's revision as it resolves now).
    var freshness: String?
    /// The same lines as they are now, when the file changed.
    var current: String?
    /// Other places using the symbol (`path:line`).
    var alsoUsedIn: [String]
  }

  struct HistoryItem: Encodable {
    struct Change: Encodable {
      var status: String
      var path: String
      var oldPath: String?
      var added: Int?
      var removed: Int?
    }
    var source: String
    var ref: String
    var commit: String
    var summary: String
    var body: String
    var bodyTruncated: Bool
    var author: String
    var date: String
    var filesChanged: Int
    var paths: [Change]
    var score: Double
    var why: [String]
  }

  struct DocItem: Encodable {
    var source: String
    var ref: String
    var path: String
    var heading: String
    var startLine: Int
    var endLine: Int
    var status: String?
    var supersededBy: String?
    var text: String
    var truncated: Bool
    var freshness: String?
    var score: Double
    var why: [String]
  }

  struct ThreadItem: Encodable {
    struct Message: Encodable {
      var ts: String
      var author: String
      var text: String
      var matched: Bool
    }
    var source: String
    var ref: String
    var channel: String
    var thread: String
    var date: String
    var participants: [String]
    var messageCount: Int
    var messages: [Message]
    var score: Double
    var why: [String]
  }

  struct AnnotationItem: Encodable {
    struct Claim: Encodable {
      var annotation: String
      var author: String
      var date: String
      var value: String?
    }
    var ref: String
    var target: String
    var kind: String
    var author: String
    var date: String
    var status: String
    var proposed: Bool
    var fact: [String: String]?
    var attachesTo: [String]
    var warning: String?
    var disagreements: [Claim]
    var text: String
  }

  struct Layers: Encodable {
    var annotations: [AnnotationItem]
    var code: [CodeItem]
    var history: [HistoryItem]
    var docs: [DocItem]
    var chat: [ThreadItem]
  }

  var schemaVersion = BundleJSON.currentSchemaVersion
  var query: String
  var budget: Int
  var usedTokens: Int
  var omitted: [String: Int]
  var belowFloor: [String: Int]
  var layers: Layers

  public init(_ bundle: ContextBundle) {
    query = bundle.query
    budget = bundle.budget
    usedTokens = bundle.usedTokens
    omitted = bundle.omitted
    belowFloor = bundle.belowFloor
    layers = Layers(
      annotations: bundle.annotations.map { hit in
        let row = hit.annotation
        return AnnotationItem(
          ref: row.name, target: row.target, kind: row.kind, author: row.author, date: ISODate.string(Int64(row.date.timeIntervalSince1970)),
          status: row.status, proposed: hit.isProposed, fact: row.factKey.map { ["key": $0, "value": row.factValue ?? ""] },
          attachesTo: hit.attachesTo, warning: hit.staleNote,
          disagreements: hit.disagreements.map {
            AnnotationItem.Claim(annotation: $0.name, author: $0.author, date: ISODate.string(Int64($0.date.timeIntervalSince1970)), value: $0.factValue)
          }, text: row.body)
      },
      code: bundle.code.map { item in
        let chunk = item.hit.chunk
        return CodeItem(
          source: chunk.source, ref: "\(chunk.path):\(chunk.startLine)-\(chunk.endLine)", path: chunk.path,
          startLine: chunk.startLine, endLine: chunk.endLine, shownStartLine: item.shownStart, shownEndLine: item.shownEnd,
          truncated: item.truncated, symbol: chunk.symbol, scope: item.scope, kind: chunk.kind, score: (item.hit.score * 1000).rounded() / 1000,
          why: item.hit.reasons, code: item.code, freshness: item.freshness?.rawValue, current: item.current, alsoUsedIn: item.usages)
      },
      history: bundle.history.map { item in
        let commit = item.hit.commit
        return HistoryItem(
          source: commit.source, ref: commit.sha, commit: commit.sha, summary: commit.summary, body: item.body,
          bodyTruncated: item.bodyTruncated, author: commit.authorName, date: ISODate.string(commit.time),
          filesChanged: commit.filesChanged,
          paths: item.hit.changes.map { HistoryItem.Change(status: $0.status.rawValue, path: $0.path, oldPath: $0.oldPath, added: $0.added, removed: $0.removed) },
          score: (item.hit.score * 1000).rounded() / 1000, why: item.hit.reasons)
      },
      docs: bundle.docs.map { item in
        let section = item.hit.section
        return DocItem(
          source: section.source, ref: item.hit.ref, path: section.path, heading: section.heading, startLine: section.startLine,
          endLine: section.endLine, status: section.status, supersededBy: section.supersededBy, text: item.text, truncated: item.truncated,
          freshness: item.hit.freshness?.rawValue, score: (item.hit.score * 1000).rounded() / 1000, why: item.hit.reasons)
      },
      chat: bundle.discussions.map { item in
        let thread = item.hit.thread
        let matching = Set(item.hit.matching)
        return ThreadItem(
          source: thread.source, ref: item.hit.ref, channel: thread.channel, thread: thread.threadTS, date: ChatTime.day(thread.threadTS),
          participants: thread.participants, messageCount: thread.messageCount,
          messages: item.shown.map {
            let message = item.hit.messages[$0]
            return ThreadItem.Message(ts: message.ts, author: message.author, text: message.text, matched: matching.contains($0))
          }, score: (item.hit.score * 1000).rounded() / 1000, why: item.hit.reasons)
      })
  }
}

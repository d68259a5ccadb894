import CtxCore
import Foundation
import GRDB

/// A document section as search and bundles show it.
public struct SectionRow: Sendable, Hashable {
  public var id: Int64
  public var source: String
  public var path: String
  public var heading: String
  public var anchor: String
  public var startLine: Int
  public var endLine: Int
  public var text: String
  public var title: String?
  /// The document's decision status (`accepted`, `superseded`, ...), when it declares one.
  public var status: String?
  public var supersededBy: String?
}

/// A chat thread as search and bundles show it.
public struct ThreadRow: Sendable, Hashable {
  public var id: Int64
  public var source: String
  public var conversation: String
  public var channel: String
  public var threadTS: String
  public var firstTS: String
  public var lastTS: String
  public var participants: [String]
  public var messageCount: Int
}

/// One message of a thread.
public struct MessageRow: Sendable, Hashable {
  public var ts: String
  public var author: String
  public var text: String
  public var edited: Bool
}

extension IndexStore {
  /// The files the docs sources hold, as absolute paths (each source's root joined with the
  /// file's path), to tell which prose files a code source shows a second time.
  public func documentFiles() throws -> Set<String> {
    try read { db in
      var files = Set<String>()
      let rows = try Row.fetchCursor(db, sql: "SELECT s.root, f.path FROM file f JOIN source s ON s.id = f.source_id WHERE s.kind = 'docs'")
      while let row = try rows.next() { files.insert((row[0] as String) + "/" + (row[1] as String)) }
      return files
    }
  }
  public func matchSections(_ expression: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    try bm25Match(table: "section_ft", weights: Schema.sectionWeights, expression, limit: limit)
  }

  public func sections(ids: [Int64]) throws -> [SectionRow] {
    guard !ids.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: ids.count)
      return try Row.fetchAll(
        db,
        sql: """
          SELECT s.id, src.name, s.path, s.heading, s.anchor, s.start_line, s.end_line, s.text, d.title, d.status, d.superseded_by
          FROM section s JOIN file f ON f.id = s.file_id JOIN source src ON src.id = f.source_id LEFT JOIN doc d ON d.file_id = s.file_id
          WHERE s.id IN (\(placeholders))
          """, arguments: StatementArguments(ids)
      ).map {
        SectionRow(
          id: $0[0], source: $0[1], path: $0[2], heading: $0[3], anchor: $0[4], startLine: $0[5], endLine: $0[6], text: $0[7], title: $0[8],
          status: $0[9], supersededBy: $0[10])
      }
    }
  }

  public func matchThreads(_ expression: String, limit: Int) throws -> [(id: Int64, score: Double)] {
    try bm25Match(table: "thread_ft", weights: Schema.threadWeights, expression, limit: limit)
  }

  public func threads(ids: [Int64]) throws -> [ThreadRow] {
    guard !ids.isEmpty else { return [] }
    return try read { db in
      let placeholders = databaseQuestionMarks(count: ids.count)
      return try Row.fetchAll(
        db,
        sql: """
          SELECT t.id, s.name, t.conversation, t.channel, t.thread_ts, t.first_ts, t.last_ts, t.participants, t.message_count
          FROM chat_thread t JOIN source s ON s.id = t.source_id WHERE t.id IN (\(placeholders))
          """, arguments: StatementArguments(ids)
      ).map {
        ThreadRow(
          id: $0[0], source: $0[1], conversation: $0[2], channel: $0[3], threadTS: $0[4], firstTS: $0[5], lastTS: $0[6],
          participants: ($0[7] as String).components(separatedBy: ", ").filter { !$0.isEmpty }, messageCount: $0[8])
      }
    }
  }

  /// A thread's messages, root first then replies in time order.
  public func messages(threadID: Int64) throws -> [MessageRow] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT m.ts, m.author, m.text, m.edited FROM chat_thread t JOIN chat_message m
            ON m.source_id = t.source_id AND m.conversation = t.conversation AND m.thread_ts = t.thread_ts
          WHERE t.id = ? ORDER BY length(m.ts), m.ts
          """, arguments: [threadID]
      ).map { MessageRow(ts: $0[0], author: $0[1], text: $0[2], edited: $0[3]) }
    }
  }

  /// Sections and threads mentioning any of `targets` (kind, norm): "the docs that mention
  /// `validateSession`". Returns (section ids, thread ids) with what each mentioned.
  public func mentioning(_ targets: [(kind: MentionRecord.Kind, norm: String)], limit: Int = 50)
    throws -> (sections: [Int64: [String]], threads: [Int64: [String]])
  {
    guard !targets.isEmpty else { return ([:], [:]) }
    return try read { db in
      var sections: [Int64: [String]] = [:]
      var threads: [Int64: [String]] = [:]
      let find = try db.cachedStatement(sql: "SELECT from_kind, from_id, target, source_id FROM mention WHERE kind = ? AND norm = ? LIMIT ?")
      let threadOf = try db.cachedStatement(
        sql: """
          SELECT t.id FROM chat_message m JOIN chat_thread t
            ON t.source_id = m.source_id AND t.conversation = m.conversation AND t.thread_ts = m.thread_ts
          WHERE m.id = ?
          """)
      for target in targets {
        for row in try Row.fetchAll(find, arguments: [target.kind.rawValue, target.norm, limit]) {
          let kind: String = row[0]
          let id: Int64 = row[1]
          let written: String = row[2]
          if kind == "section" {
            sections[id, default: []].append(written)
          } else if kind == "message", let thread = try Int64.fetchOne(threadOf, arguments: [id]) {
            threads[thread, default: []].append(written)
          }
        }
      }
      return (sections, threads)
    }
  }
}

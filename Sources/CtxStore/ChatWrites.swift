import CtxCore
import Foundation
import GRDB

/// An export file as the previous run saw it.
public struct ChatFileRecord: Sendable, Hashable {
  public var path: String
  public var stamp: FileStamp
  public var contentHash: String

  public init(path: String, stamp: FileStamp, contentHash: String) {
    self.path = path
    self.stamp = stamp
    self.contentHash = contentHash
  }
}

extension IndexStore {
  /// The export files a chat source has read, by path (to skip unchanged ones unread).
  public func chatFiles(sourceID: Int64) throws -> [String: ChatFileRecord] {
    try read { db in
      var files: [String: ChatFileRecord] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT path, size, mtime_ns, content_hash FROM chat_file WHERE source_id = ?", arguments: [sourceID]) {
        let path: String = row[0]
        files[path] = ChatFileRecord(path: path, stamp: FileStamp(size: row[1], mtimeNanos: row[2]), contentHash: row[3])
      }
      return files
    }
  }

  /// What one batch of messages did.
  public struct ChatWriteCounts: Sendable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var threads = 0
  }

  /// Adds messages keyed by (conversation, ts): a message already stored is left alone unless
  /// this copy is an edit of it, so overlapping exports never duplicate anything. The threads
  /// the messages belong to are rebuilt from every stored message. The export files are
  /// remembered with their stamps.
  public func addChatMessages(_ messages: [ChatMessageRecord], files: [ChatFileRecord], sourceID: Int64) async throws -> ChatWriteCounts {
    try await write { db in
      var counts = ChatWriteCounts()
      var touched = Set<[String]>()
      let find = try db.cachedStatement(sql: "SELECT id, text, edited FROM chat_message WHERE source_id = ? AND conversation = ? AND ts = ?")
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO chat_message(source_id, conversation, channel, ts, thread_ts, author, text, edited, subtype)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let update = try db.cachedStatement(sql: "UPDATE chat_message SET text = ?, edited = ?, author = ?, thread_ts = ? WHERE id = ?")
      for message in messages {
        if let row = try Row.fetchOne(find, arguments: [sourceID, message.conversation, message.ts]) {
          let id: Int64 = row[0]
          let text: String = row[1]
          let wasEdited: Bool = row[2]
          // The edited copy wins; an older, unedited copy never overwrites it.
          guard text != message.text, message.edited || !wasEdited else {
            counts.unchanged += 1
            continue
          }
          try update.execute(arguments: [message.text, message.edited, message.author, message.threadTS, id])
          try db.execute(sql: "DELETE FROM mention WHERE from_kind = 'message' AND from_id = ?", arguments: [id])
          try IndexStore.insertMentions(message.mentions, from: "message", id: id, sourceID: sourceID, db)
          counts.updated += 1
        } else {
          try insert.execute(arguments: [
            sourceID, message.conversation, message.channel, message.ts, message.threadTS, message.author, message.text, message.edited,
            message.subtype,
          ])
          try IndexStore.insertMentions(message.mentions, from: "message", id: db.lastInsertedRowID, sourceID: sourceID, db)
          counts.added += 1
        }
        touched.insert([message.conversation, message.threadTS])
      }
      for key in touched { try IndexStore.rebuildThread(conversation: key[0], threadTS: key[1], sourceID: sourceID, db) }
      counts.threads = touched.count
      let remember = try db.cachedStatement(
        sql: "INSERT OR REPLACE INTO chat_file(source_id, path, size, mtime_ns, content_hash) VALUES (?, ?, ?, ?, ?)")
      for file in files { try remember.execute(arguments: [sourceID, file.path, file.stamp.size, file.stamp.mtimeNanos, file.contentHash]) }
      return counts
    }
  }

  /// Records new stamps of export files whose content did not change.
  public func restampChatFiles(_ files: [ChatFileRecord], sourceID: Int64) async throws {
    guard !files.isEmpty else { return }
    try await write { db in
      let remember = try db.cachedStatement(
        sql: "INSERT OR REPLACE INTO chat_file(source_id, path, size, mtime_ns, content_hash) VALUES (?, ?, ?, ?, ?)")
      for file in files { try remember.execute(arguments: [sourceID, file.path, file.stamp.size, file.stamp.mtimeNanos, file.contentHash]) }
    }
  }

  /// Rewrites one thread's row and full-text entry from its stored messages.
  static func rebuildThread(conversation: String, threadTS: String, sourceID: Int64, _ db: Database) throws {
    let messages = try Row.fetchAll(
      db,
      sql: """
        SELECT channel, ts, author, text FROM chat_message
        WHERE source_id = ? AND conversation = ? AND thread_ts = ? ORDER BY length(ts), ts
        """, arguments: [sourceID, conversation, threadTS])
    if let old = try Int64.fetchOne(
      db, sql: "SELECT id FROM chat_thread WHERE source_id = ? AND conversation = ? AND thread_ts = ?",
      arguments: [sourceID, conversation, threadTS])
    {
      try db.execute(
        sql: """
          INSERT INTO thread_ft(thread_ft, rowid, channel, text, parts)
          SELECT 'delete', id, channel, text, parts FROM chat_thread WHERE id = ?
          """, arguments: [old])
      try db.execute(sql: "DELETE FROM chat_thread WHERE id = ?", arguments: [old])
    }
    guard let first = messages.first, let last = messages.last else { return }
    var participants: [String] = []
    var lines: [String] = []
    for row in messages {
      let author: String = row[2]
      if !participants.contains(author) { participants.append(author) }
      lines.append("\(author): \(row[3] as String)")
    }
    let text = lines.joined(separator: "\n")
    let parts = IdentifierParts.expansion(of: text)
    let channel: String = first[0]
    try db.execute(
      sql: """
        INSERT INTO chat_thread(source_id, conversation, channel, thread_ts, first_ts, last_ts, participants, message_count, text, parts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        sourceID, conversation, channel, threadTS, first[1] as String, last[1] as String, participants.joined(separator: ", "), messages.count,
        text, parts,
      ])
    try db.execute(
      sql: "INSERT INTO thread_ft(rowid, channel, text, parts) VALUES (?, ?, ?, ?)", arguments: [db.lastInsertedRowID, channel, text, parts])
  }

  /// Removes everything a chat source holds that foreign keys do not cascade to.
  static func removeChat(sourceID: Int64, _ db: Database) throws {
    try db.execute(
      sql: """
        INSERT INTO thread_ft(thread_ft, rowid, channel, text, parts)
        SELECT 'delete', id, channel, text, parts FROM chat_thread WHERE source_id = ?
        """, arguments: [sourceID])
    try db.execute(sql: "DELETE FROM chat_thread WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM mention WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM chat_message WHERE source_id = ?", arguments: [sourceID])
    try db.execute(sql: "DELETE FROM chat_file WHERE source_id = ?", arguments: [sourceID])
  }
}

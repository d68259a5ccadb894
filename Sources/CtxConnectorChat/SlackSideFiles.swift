import CtxConnectors
import CtxCore
import Foundation

/// The files of a current Slack export beside the manifests and day files: what is read, and
/// what is skipped on purpose (an `excluded` issue, counted as a skip, never as a problem).
enum SlackSideFiles {
  /// Top-level files that hold no message text, and why they are not read.
  static let skippedByDesign: [(name: String, why: String)] = [
    ("canvases.json", "the list of canvases (metadata and download links; the canvas text is not in the export)"),
    ("file_conversations.json", "file-comment conversations (metadata only)"),
    ("lists.json", "Slack lists (metadata only)"),
    ("integration_logs.json", "the app install and removal log (no messages)"),
  ]

  /// A conversation folder's canvas metadata: file objects without `ts`.
  static let canvasFile = "canvas_in_the_conversation.json"
  static let huddleFile = "huddle_transcripts.json"

  /// Fields of a canvas file object that may carry its text (Slack file objects have them
  /// for posts and previews; exported canvases so far carry none).
  static let canvasTextFields = ["plain_text", "preview_plain_text", "preview", "text"]

  /// Canvases with text as messages of their conversation (one thread each, dated by
  /// `created`); canvases without text are only counted.
  static func canvasMessages(_ items: [Any], conversation: ChatConversation, file: String, users: [String: String])
    -> (messages: [ChatMessage], withoutText: Int)
  {
    var messages: [ChatMessage] = []
    var withoutText = 0
    for case let item as [String: Any] in items {
      let body = canvasTextFields.lazy.compactMap { JSONValue.nonEmpty(item[$0]) }.first
      guard let body, let created = item["created"].flatMap(JSONLExportReader.normalizeTS) else {
        withoutText += 1
        continue
      }
      let title = JSONValue.nonEmpty(item["title"]) ?? JSONValue.nonEmpty(item["name"]) ?? "canvas"
      let userID = JSONValue.nonEmpty(item["user"])
      let text = "[canvas: \(title)]\n" + URLScrub.scrubText(body)
      messages.append(
        ChatMessage(
          channel: conversation.name, channelID: conversation.id, conversationKind: conversation.kind, ts: created, threadTS: created,
          author: userID.flatMap { users[$0] } ?? userID ?? "unknown", authorID: userID, text: text, subtype: "canvas",
          messageID: JSONValue.nonEmpty(item["id"]), file: file, mentions: DocumentMentions.extract(from: text)))
    }
    return (messages, withoutText)
  }

  /// One huddle transcript, before its conversation is known to be readable.
  struct Huddle {
    var conversation: String
    var message: ChatMessage
  }

  /// Huddle transcripts that carry text, each as one message (a thread of its own) of the
  /// conversation it names. The real exports seen so far hold only empty strings; this reads
  /// objects with a `channel` (or `channel_id`), a time (`date_start`, `start`, `created` or
  /// `ts`) and a `transcript` or `text` that is a string or a list of `{user, text}` lines.
  /// Items without all three are counted, not read.
  static func huddles(_ items: [Any], file: String, users: [String: String]) -> (huddles: [Huddle], withoutText: Int) {
    var huddles: [Huddle] = []
    var withoutText = 0
    for item in items {
      guard let item = item as? [String: Any], let channel = JSONValue.nonEmpty(item["channel"]) ?? JSONValue.nonEmpty(item["channel_id"]),
        let ts = ["date_start", "start", "created", "ts"].lazy.compactMap({ item[$0].flatMap(JSONLExportReader.normalizeTS) }).first,
        let body = transcriptText(item["transcript"] ?? item["text"], users: users)
      else {
        withoutText += 1
        continue
      }
      let userID = JSONValue.nonEmpty(item["user"]) ?? JSONValue.nonEmpty(item["created_by"])
      let text = "[huddle transcript]\n" + URLScrub.scrubText(body)
      let message = ChatMessage(
        channel: channel, channelID: nil, conversationKind: .publicChannel, ts: ts, threadTS: ts,
        author: userID.flatMap { users[$0] } ?? userID ?? "huddle", authorID: userID, text: text, subtype: "huddle_transcript",
        messageID: JSONValue.nonEmpty(item["id"]), file: file, mentions: DocumentMentions.extract(from: text))
      huddles.append(Huddle(conversation: channel, message: message))
    }
    return (huddles, withoutText)
  }

  /// A transcript as text: a string as is, or lines as `name: text`.
  static func transcriptText(_ value: Any?, users: [String: String]) -> String? {
    if let text = JSONValue.nonEmpty(value) { return text }
    let lines = JSONValue.array(value).compactMap { line -> String? in
      guard let line = line as? [String: Any], let text = JSONValue.nonEmpty(line["text"]) else { return nil }
      let speaker = JSONValue.nonEmpty(line["user"]) ?? JSONValue.nonEmpty(line["speaker"])
      return speaker.map { (users[$0] ?? $0) + ": " + text } ?? text
    }
    return lines.isEmpty ? nil : lines.joined(separator: "\n")
  }
}

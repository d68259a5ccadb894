import CtxCore
import Foundation

/// Slack-shaped timestamps: `"<seconds>.<fraction>"`.
public enum ChatTimestamp {
  /// Numeric order of two timestamps (seconds, then fraction, compared as digits so that no
  /// precision is lost); text that is not a timestamp sorts after, by text.
  public static func isBefore(_ a: String, _ b: String) -> Bool {
    let left = parts(a)
    let right = parts(b)
    switch (left, right) {
    case let (l?, r?):
      if l.seconds != r.seconds { return l.seconds < r.seconds }
      if l.fraction != r.fraction { return l.fraction < r.fraction }
      return a < b
    case (.some, nil): return true
    case (nil, .some): return false
    case (nil, nil): return a < b
    }
  }

  /// Messages in time order, each timestamp parsed once (sorting with `isBefore` parsed both
  /// sides of every comparison: 40% of reading a 12,000-message export).
  public static func sorted(_ messages: some Sequence<ChatMessage>) -> [ChatMessage] {
    messages.map { (key: parts($0.ts), message: $0) }.sorted { a, b in
      switch (a.key, b.key) {
      case let (l?, r?):
        if l.seconds != r.seconds { return l.seconds < r.seconds }
        if l.fraction != r.fraction { return l.fraction < r.fraction }
        return a.message.ts < b.message.ts
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil): return a.message.ts < b.message.ts
      }
    }.map(\.message)
  }

  /// Seconds and a 9-digit fraction, or nil.
  static func parts(_ ts: String) -> (seconds: Int64, fraction: Int64)? {
    let pieces = ts.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let head = pieces.first, !head.isEmpty, head.count <= 12, head.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(head) else {
      return nil
    }
    var fraction: Int64 = 0
    if pieces.count == 2 {
      let digits = pieces[1]
      guard digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
      fraction = Int64(digits.padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0
    }
    return (seconds, fraction)
  }

  /// The last second accepted from an export: 9999-12-31T23:59:59Z. Times outside
  /// 1970...9999 are not messages anyone wrote; they come from corrupt or hostile exports, and
  /// dates past 9999 cannot be formatted (see docs/chat-formats.md, "Timestamps").
  static let maxSeconds: Int64 = 253_402_300_799

  /// `ts` when it is a Slack-shaped time in 1970...9999, else nil.
  static func validated(_ ts: String) -> String? {
    guard let (seconds, _) = parts(ts), seconds <= maxSeconds else { return nil }
    return ts
  }

  /// `"<seconds>.<6 digits>"` from milliseconds since the epoch plus a 0–999 tie-breaker in
  /// the last three digits; nil outside 1970...9999.
  static func from(milliseconds: Int64, tieBreaker: Int64 = 0) -> String? {
    guard milliseconds >= 0, milliseconds / 1000 <= maxSeconds else { return nil }
    let seconds = milliseconds / 1000
    let millis = milliseconds - seconds * 1000
    return "\(seconds)." + pad(millis, 3) + pad(tieBreaker % 1000, 3)
  }

  /// `"<seconds>.<6 digits>"` from microseconds since the epoch; nil outside 1970...9999.
  static func from(microseconds micros: Int64) -> String? {
    guard micros >= 0, micros / 1_000_000 <= maxSeconds else { return nil }
    let seconds = micros / 1_000_000
    return "\(seconds)." + pad(micros - seconds * 1_000_000, 6)
  }

  /// `"<seconds>.<6 digits>"` from an epoch number whose unit is told by its magnitude: under
  /// 1e11 seconds (until the year 5138), under 1e14 milliseconds, under 1e17 microseconds,
  /// under 1e20 nanoseconds. Nil for NaN, infinities, negatives, larger numbers, and times past
  /// 9999. The range is checked on the Double before any integer conversion, which would trap.
  static func from(epoch value: Double) -> String? {
    guard value.isFinite, value >= 0 else { return nil }
    let micros: Double
    switch value {
    case ..<1e11: micros = value * 1e6
    case ..<1e14: micros = value * 1e3
    case ..<1e17: micros = value
    case ..<1e20: micros = value / 1e3
    default: return nil
    }
    let rounded = micros.rounded()
    guard rounded <= Double(maxSeconds) * 1e6 else { return nil }
    return from(microseconds: Int64(rounded))
  }

  private static func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
  }

  /// Parses `2023-01-15T10:30:00.123+00:00` (RFC 3339 / ISO 8601 with a zone) into
  /// microseconds since the epoch.
  static func microseconds(iso text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard bytes.count >= 19 else { return nil }
    func number(_ start: Int, _ count: Int) -> Int64? {
      guard start + count <= bytes.count else { return nil }
      var value: Int64 = 0
      for byte in bytes[start..<(start + count)] {
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        value = value * 10 + Int64(byte - 0x30)
      }
      return value
    }
    guard let year = number(0, 4), bytes[4] == 0x2D, let month = number(5, 2), bytes[7] == 0x2D, let day = number(8, 2),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
      let hour = number(11, 2), bytes[13] == 0x3A, let minute = number(14, 2), bytes[16] == 0x3A, let second = number(17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    var micros: Int64 = 0
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      var digits = 0
      while index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 {
        if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 0x30) }
        digits += 1
        index += 1
      }
      while digits < 6 {
        micros *= 10
        digits += 1
      }
    }
    var offsetSeconds: Int64 = 0
    if index < bytes.count {
      let sign = bytes[index]
      if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
        index += 1
      } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        guard let hours = number(index + 1, 2) else { return nil }
        var minutes: Int64 = 0
        if index + 3 < bytes.count {
          let minuteStart = bytes[index + 3] == 0x3A ? index + 4 : index + 3
          minutes = number(minuteStart, 2) ?? 0
        }
        offsetSeconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
      }
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    return seconds * 1_000_000 + micros
  }
}

/// Groups messages into threads.
public enum ChatThreads {
  /// One thread per (conversation, `threadTS`): the root first when present, replies by
  /// `ts`; threads ordered by conversation, then by first message.
  public static func build(_ messages: [ChatMessage]) -> [ChatThread] {
    var groups: [String: [ChatMessage]] = [:]
    var order: [String] = []
    for message in messages {
      let key = (message.channelID ?? message.channel) + "\u{0}" + message.threadTS
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(message)
    }
    var threads: [ChatThread] = []
    threads.reserveCapacity(order.count)
    for key in order {
      guard var members = groups[key], let first = members.first else { continue }
      // One message per ts: the last version wins.
      var byTS: [String: ChatMessage] = [:]
      for message in members { byTS[message.ts] = message }
      members = byTS.values.sorted { a, b in
        if a.isThreadRoot != b.isThreadRoot { return a.isThreadRoot }
        return ChatTimestamp.isBefore(a.ts, b.ts)
      }
      var participants: [String] = []
      for message in members where !participants.contains(message.author) { participants.append(message.author) }
      let sortedTS = members.map(\.ts).sorted(by: ChatTimestamp.isBefore)
      threads.append(
        ChatThread(
          channel: first.channel, channelID: first.channelID, threadTS: first.threadTS, messages: members, participants: participants,
          firstTS: sortedTS.first ?? first.ts, lastTS: sortedTS.last ?? first.ts))
    }
    threads.sort { a, b in
      let left = a.channelID ?? a.channel
      let right = b.channelID ?? b.channel
      if left != right { return left < right }
      return ChatTimestamp.isBefore(a.firstTS, b.firstTS)
    }
    return threads
  }
}

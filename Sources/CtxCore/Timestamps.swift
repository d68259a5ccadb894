import Foundation

/// ISO 8601 timestamps in UTC, formatted and parsed by hand: Foundation's formatters build an
/// ICU formatter per instance, which cost seconds when reading 10,000 annotations.
public enum Timestamps {
  /// Seconds that can be formatted: the years 0001 to 9999.
  static let range: ClosedRange<Double> = -62_135_596_800...253_402_300_799

  /// `2026-11-23T20:00:00Z`. A date outside the years 0001–9999 is clamped to the nearest end
  /// (and NaN to the epoch): converting it to `time_t` would trap, and callers get dates from
  /// files and exports.
  public static func string(_ date: Date) -> String {
    let interval = date.timeIntervalSince1970
    let clamped = interval.isNaN ? 0 : min(max(interval.rounded(.down), range.lowerBound), range.upperBound)
    var seconds = time_t(clamped)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
      Int(parts.tm_min), Int(parts.tm_sec))
  }

  /// `2026-11-23`.
  public static func day(_ date: Date) -> String {
    String(string(date).prefix(10))
  }

  /// Parses `2026-11-23`, `2026-11-23T20:00:00Z`, with optional fractional seconds and a
  /// `±HH:MM` offset instead of `Z`. Nil for anything else.
  public static func parse(_ text: String) -> Date? {
    let bytes = Array(text.utf8)
    func number(_ start: Int, _ length: Int) -> Int? {
      guard start + length <= bytes.count else { return nil }
      var value = 0
      for byte in bytes[start..<start + length] {
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      return value
    }
    guard let year = number(0, 4), bytes.count >= 10, bytes[4] == 0x2D, let month = number(5, 2), bytes[7] == 0x2D, let dayOfMonth = number(8, 2),
      (1...12).contains(month), (1...31).contains(dayOfMonth)
    else { return nil }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(dayOfMonth)
    var offset = 0
    var fraction = 0.0
    if bytes.count > 10 {
      guard bytes[10] == 0x54 || bytes[10] == 0x20, let hour = number(11, 2), bytes.count > 13, bytes[13] == 0x3A, let minute = number(14, 2),
        bytes.count > 16, bytes[16] == 0x3A, let second = number(17, 2)
      else { return nil }
      parts.tm_hour = Int32(hour)
      parts.tm_min = Int32(minute)
      parts.tm_sec = Int32(second)
      var index = 19
      if index < bytes.count && bytes[index] == 0x2E {
        var digits = 0.0
        var scale = 1.0
        index += 1
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
          scale /= 10
          digits += Double(bytes[index] - 0x30) * scale
          index += 1
        }
        fraction = digits
      }
      if index < bytes.count {
        if bytes[index] == 0x5A && index == bytes.count - 1 {
          offset = 0
        } else if bytes[index] == 0x2B || bytes[index] == 0x2D, let hours = number(index + 1, 2) {
          let minutes = bytes.count > index + 3 && bytes[index + 3] == 0x3A ? number(index + 4, 2) : number(index + 3, 2)
          offset = (hours * 3600 + (minutes ?? 0) * 60) * (bytes[index] == 0x2D ? -1 : 1)
        } else {
          return nil
        }
      }
    }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&parts) - offset) + fraction)
  }
}

/// Durations as people write them in connector files and flags: `30s`, `500ms`, `90m`, `2h`,
/// or a plain number of seconds.
public enum DurationText {
  /// Seconds, or nil when the text is no duration or falls outside `(0, maximum]`.
  public static func seconds(_ text: String, maximum: Double) -> Double? {
    let trimmed = text.trimmedWhitespace
    var value = Double(trimmed)
    if value == nil {
      // "ms" before "s" and "m": the longest unit that ends the text.
      for (suffix, factor) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where trimmed.hasSuffix(suffix) {
        value = Double(trimmed.dropLast(suffix.count).trimmedWhitespace).map { $0 * factor }
        break
      }
    }
    guard let value, value.isFinite, value > 0, value <= maximum else { return nil }
    return value
  }
}

/// Whether bytes are binary rather than text.
///
/// git's rule first: a NUL byte in the first 8,000 bytes. Compressed data can hold none (a
/// small brotli file, ripgrep's `tests/data/sherlock.br`), so bytes that are not UTF-8 and
/// where more than 1 in 20 of the first 8,000 is a control character no text uses (tab, line
/// and page breaks and escape aside) are binary too. Text in another encoding (Latin-1) has
/// none of those, and is still indexed, its bad bytes replaced.
public enum BinaryContent {
  /// How many leading bytes are looked at.
  public static let sampleSize = 8000

  /// Why `bytes` are binary, or nil for text.
  public static func reason(_ bytes: [UInt8]) -> String? {
    let sample = bytes.prefix(sampleSize)
    if sample.contains(0) { return "binary content (a NUL byte in the first \(sampleSize) bytes)" }
    var controls = 0
    for byte in sample where (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0B && byte != 0x0C && byte != 0x0D && byte != 0x1B) || byte == 0x7F {
      controls += 1
    }
    guard controls * 20 > sample.count, String(validating: bytes, as: UTF8.self) == nil else { return nil }
    return "binary content (not UTF-8, and \(controls) of the first \(sample.count) bytes are control characters)"
  }
}

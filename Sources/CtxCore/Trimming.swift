/// Whitespace trimming without Foundation's NSString bridge, which dominated reading 10,000
/// annotation files.
extension StringProtocol {
  /// Without leading and trailing spaces, tabs and carriage returns (ASCII only, so the
  /// indices stay on character boundaries).
  public var trimmedSpaces: String {
    let whole = Substring(self)
    let bytes = whole.utf8
    var start = bytes.startIndex
    var end = bytes.endIndex
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
    while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
    return String(whole[start..<end])
  }

  /// Without leading and trailing ASCII whitespace, newlines included.
  public var trimmedWhitespace: String {
    let whole = Substring(self)
    let bytes = whole.utf8
    var start = bytes.startIndex
    var end = bytes.endIndex
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x0B || byte == 0x0C }
    while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
    while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
    return String(whole[start..<end])
  }
}

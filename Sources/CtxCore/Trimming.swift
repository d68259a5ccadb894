/// Whitespace trimming without Foundation's NSString bridge, which dominated reading 10,000
/// annotation files.
extension StringProtocol {
  /// Without leading and trailing spaces and tabs (and carriage returns).
  public var trimmedSpaces: String {
    let scalars = unicodeScalars
    var start = scalars.startIndex
    var end = scalars.endIndex
    func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" || scalar == "\r" }
    while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
    while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
    return String(String.UnicodeScalarView(scalars[start..<end]))
  }

  /// Without leading and trailing whitespace of any kind, newlines included.
  public var trimmedWhitespace: String {
    let scalars = unicodeScalars
    var start = scalars.startIndex
    var end = scalars.endIndex
    while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
    while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
    return String(String.UnicodeScalarView(scalars[start..<end]))
  }
}

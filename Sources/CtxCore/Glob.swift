/// A path pattern as used in connector `include` and `exclude` lists.
///
/// - `*` matches any run of characters except `/`; `?` one such character.
/// - `**` as a whole segment matches any number of directories (including none), so
///   `**/vendor/**` matches `vendor/a.go` and `x/vendor/y/z.go`.
/// - `[abc]`, `[a-z]` and `[!a]` match one character of a set.
/// - `{a,b}` matches either alternative.
/// - A pattern with no `/` matches the file name at any depth (`*.min.js`), as in `.gitignore`.
/// - A pattern ending in `/` matches a directory and everything under it (`vendor/`).
public struct Glob: Sendable, Hashable, CustomStringConvertible {
  public let pattern: String
  private let segments: [[UInt8]]
  private let matchesBasenameOnly: Bool

  public init(_ pattern: String) {
    self.pattern = pattern
    var text = pattern
    if text.hasPrefix("./") { text.removeFirst(2) }
    if text.hasSuffix("/") { text += "**" }
    if text.hasPrefix("/") { text.removeFirst() }
    matchesBasenameOnly = !text.contains("/")
    segments = Glob.expandBraces(text).map { Array($0.utf8) }
  }

  public var description: String { pattern }

  /// True when the `/`-separated relative `path` matches.
  public func matches(_ path: String) -> Bool {
    let bytes = Array(path.utf8)
    var candidate = bytes[...]
    if matchesBasenameOnly, let slash = bytes.lastIndex(of: UInt8(ascii: "/")) {
      candidate = bytes[(slash + 1)...]
    }
    for alternative in segments where Glob.match(alternative[...], candidate) {
      return true
    }
    return false
  }

  /// Expands `{a,b}` groups into separate patterns (no nesting needed for connector files).
  private static func expandBraces(_ text: String) -> [String] {
    guard let open = text.firstIndex(of: "{"),
      let close = text[open...].firstIndex(of: "}")
    else { return [text] }
    let head = text[..<open]
    let tail = String(text[text.index(after: close)...])
    let options = text[text.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
    return options.flatMap { option in expandBraces(head + option + tail) }
  }

  private static let slash = UInt8(ascii: "/")
  private static let star = UInt8(ascii: "*")

  private static func match(_ pattern: ArraySlice<UInt8>, _ path: ArraySlice<UInt8>) -> Bool {
    var p = pattern.startIndex
    var s = path.startIndex
    while p < pattern.endIndex {
      let c = pattern[p]
      if c == star {
        // "**" as a whole segment: any number of directories.
        let isDouble = p + 1 < pattern.endIndex && pattern[p + 1] == star
        if isDouble {
          var rest = p + 2
          let atSegmentStart = p == pattern.startIndex || pattern[p - 1] == slash
          if atSegmentStart && rest < pattern.endIndex && pattern[rest] == slash {
            rest += 1
            // Zero directories, or skip whole segments.
            var position = s
            while true {
              if match(pattern[rest...], path[position...]) { return true }
              guard let next = path[position...].firstIndex(of: slash) else { return false }
              position = next + 1
            }
          }
          // Trailing "**" (or "**" inside a segment): anything, slashes included.
          var position = s
          while true {
            if match(pattern[rest...], path[position...]) { return true }
            if position == path.endIndex { return false }
            position += 1
          }
        }
        // Single "*": anything but "/".
        var position = s
        while true {
          if match(pattern[(p + 1)...], path[position...]) { return true }
          if position == path.endIndex || path[position] == slash { return false }
          position += 1
        }
      }
      guard s < path.endIndex else { return false }
      if c == UInt8(ascii: "?") {
        if path[s] == slash { return false }
      } else if c == UInt8(ascii: "[") {
        guard let (matched, next) = matchSet(pattern, p, path[s]) else {
          if path[s] != c { return false }
          p += 1
          s += 1
          continue
        }
        if !matched { return false }
        p = next
        s += 1
        continue
      } else if c != path[s] {
        return false
      }
      p += 1
      s += 1
    }
    return s == path.endIndex
  }

  /// Matches one byte against `[...]` starting at `start`; nil if the set is not closed.
  private static func matchSet(_ pattern: ArraySlice<UInt8>, _ start: Int, _ byte: UInt8) -> (Bool, Int)? {
    var index = start + 1
    var negate = false
    if index < pattern.endIndex && (pattern[index] == UInt8(ascii: "!") || pattern[index] == UInt8(ascii: "^")) {
      negate = true
      index += 1
    }
    var matched = false
    var first = true
    while index < pattern.endIndex {
      let c = pattern[index]
      if c == UInt8(ascii: "]") && !first { return (matched != negate, index + 1) }
      first = false
      if index + 2 < pattern.endIndex && pattern[index + 1] == UInt8(ascii: "-") && pattern[index + 2] != UInt8(ascii: "]") {
        if byte >= c && byte <= pattern[index + 2] { matched = true }
        index += 3
      } else {
        if byte == c { matched = true }
        index += 1
      }
    }
    return nil
  }
}

/// An include/exclude filter over relative paths.
public struct PathFilter: Sendable {
  public var include: [Glob]
  public var exclude: [Glob]

  public init(include: [Glob], exclude: [Glob]) {
    self.include = include
    self.exclude = exclude
  }

  /// Included when it matches some include pattern (or there are none) and no exclude pattern.
  public func admits(_ path: String) -> Bool {
    if !include.isEmpty && !include.contains(where: { $0.matches(path) }) { return false }
    return !exclude.contains(where: { $0.matches(path) })
  }

  /// The first exclude pattern that rejects `path`, for reports.
  public func excludingPattern(for path: String) -> Glob? {
    exclude.first(where: { $0.matches(path) })
  }
}

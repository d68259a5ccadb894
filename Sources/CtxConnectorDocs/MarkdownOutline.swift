import CtxCore
import CtxConnectors

/// A heading found in a document: where it starts and ends, its level and plain text.
struct Heading: Sendable, Hashable {
  var level: Int
  var text: String
  /// First line of the heading (for a setext heading, its first text line).
  var startLine: Int
  /// Last line (the underline of a setext heading).
  var endLine: Int
}

/// The headings of a Markdown document and which lines are code, found line by line with
/// CommonMark's block rules for what matters here:
/// - ATX headings (`#` … `######` followed by a space or the end of the line, at most three
///   spaces of indentation, optional closing `#`s) and setext headings (a paragraph
///   underlined with `===` or `---`);
/// - fenced code (```` ``` ```` or `~~~`, three or more, closed by a fence of the same
///   character at least as long; an unclosed fence runs to the end), indented code (four
///   spaces after a blank line) and HTML comments: nothing inside them is a heading;
/// - a `---` line after a list item, a block quote or a blank line is a thematic break, not a
///   setext underline.
struct MarkdownOutline: Sendable {
  var headings: [Heading] = []
  /// Per line (index `line - 1`): inside code or an HTML comment.
  var code: [Bool]

  init(lines: TextLines, from firstLine: Int) {
    code = [Bool](repeating: false, count: lines.count)
    guard firstLine <= lines.count else { return }

    var fence: (char: UInt8, count: Int)? = nil
    var inComment = false
    var paragraphStart: Int? = nil
    // True after a list item or block quote line, until a blank line: lazy continuation
    // lines there are not paragraphs of their own.
    var inContainer = false
    var previousBlank = true

    for number in firstLine...lines.count {
      let line = lines.line(number)
      let (indent, contentStart) = MarkdownOutline.indentation(line)
      let content = line[contentStart...]
      let blank = content.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0C }
      defer { previousBlank = blank }

      if let open = fence {
        code[number - 1] = true
        if indent < 4, let marker = MarkdownOutline.fenceMarker(content), marker.char == open.char, marker.count >= open.count, marker.bareClose {
          fence = nil
        }
        continue
      }
      if inComment {
        code[number - 1] = true
        if MarkdownOutline.contains(line, "-->") { inComment = false }
        continue
      }
      if blank {
        paragraphStart = nil
        inContainer = false
        continue
      }
      if indent >= 4 && paragraphStart == nil && !inContainer {
        // Indented code: only where no paragraph can continue.
        if previousBlank || (number > firstLine && code[number - 2]) {
          code[number - 1] = true
          continue
        }
      }
      if indent < 4, let marker = MarkdownOutline.fenceMarker(content) {
        fence = (marker.char, marker.count)
        code[number - 1] = true
        paragraphStart = nil
        continue
      }
      if indent < 4 && content.starts(with: "<!--".utf8) {
        code[number - 1] = true
        paragraphStart = nil
        if !MarkdownOutline.contains(content.dropFirst(4), "-->") { inComment = true }
        continue
      }
      if indent < 4, let (level, text) = MarkdownOutline.atxHeading(content) {
        paragraphStart = nil
        inContainer = false
        if !text.isEmpty { headings.append(Heading(level: level, text: text, startLine: number, endLine: number)) }
        continue
      }
      if indent < 4, let level = MarkdownOutline.setextLevel(content) {
        if let start = paragraphStart {
          let text = InlineText.plain((start..<min(number, start + 20)).map { String(decoding: lines.line($0), as: UTF8.self).trimmingWhitespace() }.joined(separator: " "))
          if !text.isEmpty { headings.append(Heading(level: level, text: text, startLine: start, endLine: number)) }
          paragraphStart = nil
          continue
        }
        // A thematic break.
        inContainer = false
        continue
      }
      if indent < 4 && MarkdownOutline.isThematicBreak(content) {
        paragraphStart = nil
        inContainer = false
        continue
      }
      if indent < 4 && MarkdownOutline.isContainerStart(content) {
        paragraphStart = nil
        inContainer = true
        continue
      }
      if paragraphStart == nil && !inContainer { paragraphStart = number }
    }
  }

  // MARK: Line shapes

  /// Columns of indentation (tabs to the next multiple of 4) and where content starts.
  static func indentation(_ line: ArraySlice<UInt8>) -> (Int, Int) {
    var columns = 0
    var index = line.startIndex
    while index < line.endIndex {
      if line[index] == 0x20 {
        columns += 1
      } else if line[index] == 0x09 {
        columns += 4 - columns % 4
      } else {
        break
      }
      index += 1
    }
    return (columns, index)
  }

  static func fenceMarker(_ content: ArraySlice<UInt8>) -> (char: UInt8, count: Int, bareClose: Bool)? {
    guard let char = content.first, char == UInt8(ascii: "`") || char == UInt8(ascii: "~") else { return nil }
    let count = content.prefix { $0 == char }.count
    guard count >= 3 else { return nil }
    let rest = content.dropFirst(count)
    if char == UInt8(ascii: "`") && rest.contains(UInt8(ascii: "`")) { return nil }
    return (char, count, rest.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
  }

  /// `## Title ##` → (2, "Title"); `#hashtag` and `####### x` are not headings.
  static func atxHeading(_ content: ArraySlice<UInt8>) -> (Int, String)? {
    let level = content.prefix { $0 == UInt8(ascii: "#") }.count
    guard level >= 1 && level <= 6 else { return nil }
    var rest = content.dropFirst(level)
    if let first = rest.first, first != 0x20 && first != 0x09 && first != 0x0D { return nil }
    // Trailing spaces, then an optional closing sequence of #s preceded by a space.
    while let last = rest.last, last == 0x20 || last == 0x09 || last == 0x0D { rest = rest.dropLast() }
    let closing = rest.reversed().prefix { $0 == UInt8(ascii: "#") }.count
    if closing > 0 {
      let before = rest.dropLast(closing)
      if before.isEmpty || before.last == 0x20 || before.last == 0x09 { rest = before }
    }
    let text = InlineText.plain(String(decoding: rest, as: UTF8.self).trimmingWhitespace())
    return (level, text)
  }

  /// `===` → 1, `---` → 2 (any length, trailing spaces allowed).
  static func setextLevel(_ content: ArraySlice<UInt8>) -> Int? {
    var trimmed = content
    while let last = trimmed.last, last == 0x20 || last == 0x09 || last == 0x0D { trimmed = trimmed.dropLast() }
    guard let first = trimmed.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "-") else { return nil }
    guard trimmed.allSatisfy({ $0 == first }) else { return nil }
    return first == UInt8(ascii: "=") ? 1 : 2
  }

  /// `***`, `- - -`, `___`.
  static func isThematicBreak(_ content: ArraySlice<UInt8>) -> Bool {
    guard let first = content.first, first == UInt8(ascii: "*") || first == UInt8(ascii: "-") || first == UInt8(ascii: "_") else { return false }
    var count = 0
    for byte in content {
      if byte == first {
        count += 1
      } else if byte != 0x20 && byte != 0x09 && byte != 0x0D {
        return false
      }
    }
    return count >= 3
  }

  /// A list item (`- x`, `* x`, `+ x`, `1. x`, `1) x`) or a block quote (`> x`).
  static func isContainerStart(_ content: ArraySlice<UInt8>) -> Bool {
    guard let first = content.first else { return false }
    if first == UInt8(ascii: ">") { return true }
    if first == UInt8(ascii: "-") || first == UInt8(ascii: "*") || first == UInt8(ascii: "+") {
      let next = content.dropFirst().first
      return next == nil || next == 0x20 || next == 0x09
    }
    let digits = content.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
    guard digits >= 1 && digits <= 9 else { return false }
    let rest = content.dropFirst(digits)
    guard let marker = rest.first, marker == UInt8(ascii: ".") || marker == UInt8(ascii: ")") else { return false }
    let after = rest.dropFirst().first
    return after == nil || after == 0x20 || after == 0x09
  }

  static func contains(_ line: ArraySlice<UInt8>, _ needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    guard line.count >= pattern.count else { return false }
    var index = line.startIndex
    while index + pattern.count <= line.endIndex {
      if line[index..<(index + pattern.count)].elementsEqual(pattern) { return true }
      index += 1
    }
    return false
  }
}

/// Inline Markdown reduced to the text a reader sees: emphasis and code markers dropped,
/// links and images replaced by their text, HTML tags removed, backslash escapes resolved.
enum InlineText {
  /// Headings longer than this are cut: a heading is a label, and the cut keeps
  /// pathological input (a megabyte of `[`) linear.
  static let maxScalars = 1000

  static func plain(_ text: String) -> String {
    var scalars = Array(text.unicodeScalars.prefix(maxScalars))
    var output = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      let c = scalars[index]
      switch c {
      case "\\" where index + 1 < scalars.count && isASCIIPunctuation(scalars[index + 1]):
        output.append(scalars[index + 1])
        index += 2
        continue
      case "`", "*":
        index += 1
        continue
      case "_":
        // Emphasis underscores sit at word edges; snake_case keeps its underscores.
        let before = index > 0 ? scalars[index - 1] : " "
        let after = index + 1 < scalars.count ? scalars[index + 1] : " "
        if isWordScalar(before) && isWordScalar(after) { output.append(c) }
        index += 1
        continue
      case "!" where index + 1 < scalars.count && scalars[index + 1] == "[":
        index += 1
        continue
      case "[":
        // [text](url) or [text][ref] → text
        if let close = scalars[(index + 1)...].firstIndex(of: "]") {
          let label = scalars[(index + 1)..<close]
          var next = close + 1
          if next < scalars.count && scalars[next] == "(" {
            if let end = scalars[next...].firstIndex(of: ")") { next = end + 1 } else { next = close + 1 }
          } else if next < scalars.count && scalars[next] == "[" {
            if let end = scalars[next...].firstIndex(of: "]") { next = end + 1 }
          }
          scalars.replaceSubrange(index..<next, with: Array(label))
          continue
        }
      case "<":
        // Inline HTML tags and autolinks: drop tags, keep autolink text.
        if let close = scalars[(index + 1)...].firstIndex(of: ">"), close - index < 200 {
          let inner = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
          if inner.contains("://") || inner.contains("@") {
            output.append(contentsOf: inner.unicodeScalars)
          }
          index = close + 1
          continue
        }
      default:
        break
      }
      output.append(c)
      index += 1
    }
    // Collapse runs of spaces left by removed markup.
    var result = ""
    var lastSpace = false
    for scalar in output {
      let space = scalar == " " || scalar == "\t"
      if space && lastSpace { continue }
      result.unicodeScalars.append(space ? " " : scalar)
      lastSpace = space
    }
    return result.trimmingWhitespace()
  }

  static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
    default: false
    }
  }

  private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isAlphabetic || scalar.properties.numericType != nil
  }
}

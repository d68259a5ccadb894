import CtxCore
import CtxConnectors

/// The lines sections are cut from: the file's own lines (Markdown, text), or the reduced
/// text of an HTML page with, per line, the original lines it came from.
struct LineModel: Sendable {
  var lines: [String]
  /// Per line: inside code (never a cut point, never a status line).
  var code: [Bool]
  /// Per line, the original lines it came from; nil when line `i` is original line `i + 1`.
  var origin: [ClosedRange<Int>]?

  init(lines: [String], code: [Bool]? = nil, origin: [ClosedRange<Int>]? = nil) {
    self.lines = lines
    self.code = code ?? [Bool](repeating: false, count: lines.count)
    self.origin = origin
  }

  init(_ text: TextLines, code: [Bool]? = nil) {
    var lines: [String] = []
    lines.reserveCapacity(text.count)
    if text.count > 0 {
      for number in 1...text.count { lines.append(String(decoding: text.line(number), as: UTF8.self)) }
    }
    self.init(lines: lines, code: code)
  }

  var count: Int { lines.count }

  func isBlank(_ index: Int) -> Bool {
    lines[index].utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0C }
  }

  /// A MyST target, `(exception-handling)=` on a line of its own: a label for the heading
  /// after it, markup rather than text. At a section's edge it is trimmed like a blank line
  /// (it used to end the section before its heading, or stand alone as a one-line section).
  func isTarget(_ index: Int) -> Bool {
    guard !code[index] else { return false }
    let line = lines[index].utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }.reversed()
    guard line.count >= 4, line.first == UInt8(ascii: "("), line.last == UInt8(ascii: "="), line.dropLast().last == UInt8(ascii: ")") else { return false }
    let label = line.dropFirst().dropLast(2)
    return !label.isEmpty && !label.contains { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")") }
  }

  func originalStart(_ index: Int) -> Int { origin?[index].lowerBound ?? index + 1 }
  func originalEnd(_ index: Int) -> Int { origin?[index].upperBound ?? index + 1 }
}

/// A stretch of lines under one heading, before trimming and splitting.
struct SectionSpan: Sendable {
  var path: [String]
  var anchor: String
  var level: Int
  /// 0-based line indexes into the `LineModel`, inclusive.
  var first: Int
  var last: Int
}

/// Turns spans into sections: blank lines trimmed from both ends, long sections split into
/// parts at blank lines outside code (or, failing that, hard at the limit), text and mentions.
struct SectionBuilder: Sendable {
  let model: LineModel
  let maxLines: Int

  func build(_ spans: [SectionSpan]) -> [DocSection] {
    var sections: [DocSection] = []
    for span in spans {
      guard span.first <= span.last, span.first >= 0, span.last < model.count else { continue }
      var first = span.first
      var last = span.last
      while first <= last && (model.isBlank(first) || model.isTarget(first)) { first += 1 }
      while last >= first && (model.isBlank(last) || model.isTarget(last)) { last -= 1 }
      guard first <= last else { continue }
      for (offset, part) in split(first, last).enumerated() {
        let text = model.lines[part.0...part.1].joined(separator: "\n")
        var startLine = model.originalStart(part.0)
        if offset == 0, model.origin != nil { startLine = min(startLine, model.originalStart(span.first)) }
        var endLine = startLine
        for index in part.0...part.1 { endLine = max(endLine, model.originalEnd(index)) }
        sections.append(
          DocSection(
            headingPath: span.path, anchor: span.anchor, level: span.level, part: offset + 1, startLine: startLine, endLine: endLine,
            text: text, mentions: DocumentMentions.extract(from: text)))
      }
    }
    return sections
  }

  /// Consecutive, non-overlapping parts of at most `maxLines` lines; only blank lines fall
  /// between two parts.
  private func split(_ first: Int, _ last: Int) -> [(Int, Int)] {
    var parts: [(Int, Int)] = []
    var start = first
    while start <= last {
      if last - start + 1 <= maxLines {
        parts.append((start, last))
        break
      }
      let limit = start + maxLines - 1
      var cut: Int? = nil
      var candidate = limit + 1
      while candidate > start + maxLines / 2 {
        if candidate <= last && model.isBlank(candidate) && !model.code[candidate] {
          cut = candidate
          break
        }
        candidate -= 1
      }
      var end: Int
      var next: Int
      if let cut {
        end = cut - 1
        next = cut
      } else {
        end = limit
        next = limit + 1
      }
      while end > start && model.isBlank(end) { end -= 1 }
      parts.append((start, end))
      while next <= last && model.isBlank(next) { next += 1 }
      start = next
    }
    return parts
  }
}

/// GitHub's heading anchors (github-slugger): lowercase, drop everything but letters, marks,
/// numbers, `_`, `-` and spaces, spaces become `-`; a repeated slug gets `-1`, `-2`, ….
struct Slugger: Sendable {
  private var occurrences: [String: Int] = [:]

  static func slug(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    for scalar in text.lowercased().unicodeScalars {
      switch scalar.properties.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .spacingMark, .enclosingMark,
        .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation:
        result.append(scalar)
      default:
        if scalar == "-" {
          result.append(scalar)
        } else if scalar == " " {
          result.append("-")
        }
      }
    }
    return String(result)
  }

  mutating func unique(_ text: String) -> String {
    let original = Slugger.slug(text)
    var result = original
    while occurrences[result] != nil {
      occurrences[original, default: 0] += 1
      result = original + "-\(occurrences[original]!)"
    }
    occurrences[result] = 0
    return result
  }
}

/// Builds heading paths from a sequence of headings with levels.
struct HeadingStack: Sendable {
  private var stack: [(level: Int, text: String)] = []

  mutating func push(level: Int, text: String) -> [String] {
    while let top = stack.last, top.level >= level { stack.removeLast() }
    stack.append((level, text))
    return stack.map(\.text)
  }
}

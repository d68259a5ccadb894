import CtxCore
import CtxConnectors

/// Turns one document's bytes into sections. Pure: no file system, no database.
///
/// The format comes from the extension (`DocFormat.detect`): Markdown, reStructuredText and
/// HTML are cut at their headings, anything else is plain text cut into paragraph groups.
/// Invalid UTF-8 is decoded with U+FFFD; the line numbers stay those of the original file.
public enum DocumentParser {
  public static func parse(path: String, bytes: [UInt8], options: DocParseOptions = DocParseOptions()) throws(DocParseError) -> ParsedDocument {
    var bytes = bytes
    if String(validating: bytes, as: UTF8.self) == nil {
      bytes = Array(String(decoding: bytes, as: UTF8.self).utf8)
    }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    let fileName = path.split(separator: "/").last.map(String.init) ?? path
    switch DocFormat.detect(path: path) {
    case .markdown:
      return try markdown(path: path, fileName: fileName, lines: TextLines(bytes), options: options)
    case .restructuredText:
      return restructuredText(path: path, fileName: fileName, lines: TextLines(bytes), options: options)
    case .html:
      return html(path: path, fileName: fileName, bytes: bytes, options: options)
    case .text:
      let lines = TextLines(bytes)
      let model = LineModel(lines)
      let status = StatusDetector.detect(frontMatter: FrontMatter(), model: model, bodyStart: 0, headings: [], path: path)
      return ParsedDocument(
        title: nil, format: .text, status: status, sections: textSections(model: model, root: fileName, options: options),
        lineCount: lines.count)
    }
  }

  // MARK: Markdown

  static func markdown(path: String, fileName: String, lines: TextLines, options: DocParseOptions) throws(DocParseError) -> ParsedDocument {
    let frontMatter = try FrontMatter.read(lines, path: path)
    let outline = MarkdownOutline(lines: lines, from: frontMatter.bodyStart)
    let model = LineModel(lines, code: outline.code)
    let declaredTitle = frontMatter.values["title"].flatMap { $0.isEmpty ? nil : $0 }
    let title = declaredTitle ?? outline.headings.first { $0.level == 1 }?.text
    let spans = headingSpans(outline.headings, bodyStart: frontMatter.bodyStart, lineCount: lines.count, root: title ?? fileName)
    let sections = SectionBuilder(model: model, maxLines: options.maxSectionLines).build(spans)
    let status = StatusDetector.detect(
      frontMatter: frontMatter, model: model, bodyStart: frontMatter.bodyStart - 1, headings: outline.headings, path: path)
    return ParsedDocument(title: title, format: .markdown, frontMatter: frontMatter.values, status: status, sections: sections, lineCount: lines.count)
  }

  /// The preamble (before the first heading) plus one span per heading, up to the next one.
  static func headingSpans(_ headings: [Heading], bodyStart: Int, lineCount: Int, root: String) -> [SectionSpan] {
    var spans: [SectionSpan] = []
    let firstHeading = headings.first?.startLine ?? lineCount + 1
    if firstHeading > bodyStart {
      spans.append(SectionSpan(path: [root], anchor: "", level: 0, first: bodyStart - 1, last: firstHeading - 2))
    }
    var slugger = Slugger()
    var stack = HeadingStack()
    for (index, heading) in headings.enumerated() {
      let next = index + 1 < headings.count ? headings[index + 1].startLine : lineCount + 1
      let path = stack.push(level: heading.level, text: heading.text)
      spans.append(SectionSpan(path: path, anchor: slugger.unique(heading.text), level: heading.level, first: heading.startLine - 1, last: next - 2))
    }
    return spans
  }

  // MARK: Plain text

  /// Paragraphs (runs of non-blank lines) grouped up to `textGroupLines`; a longer paragraph
  /// is cut into windows of that size.
  static func textSections(model: LineModel, root: String, options: DocParseOptions) -> [DocSection] {
    var spans: [SectionSpan] = []
    var groupStart: Int? = nil
    var groupEnd = 0
    var index = 0
    while index < model.count {
      if model.isBlank(index) {
        index += 1
        continue
      }
      var end = index
      while end + 1 < model.count && !model.isBlank(end + 1) { end += 1 }
      if let start = groupStart, end - start + 1 > options.textGroupLines {
        spans.append(SectionSpan(path: [root], anchor: "", level: 0, first: start, last: groupEnd))
        groupStart = index
      } else if groupStart == nil {
        groupStart = index
      }
      groupEnd = end
      index = end + 1
    }
    if let start = groupStart { spans.append(SectionSpan(path: [root], anchor: "", level: 0, first: start, last: groupEnd)) }
    return SectionBuilder(model: model, maxLines: options.textGroupLines).build(spans)
  }

  // MARK: reStructuredText

  static func restructuredText(path: String, fileName: String, lines: TextLines, options: DocParseOptions) -> ParsedDocument {
    let outline = RSTOutline(lines: lines)
    let model = LineModel(lines, code: outline.code)
    let title = outline.headings.first { $0.level == 1 }?.text
    let spans = headingSpans(outline.headings, bodyStart: 1, lineCount: lines.count, root: title ?? fileName)
    let sections = SectionBuilder(model: model, maxLines: options.maxSectionLines).build(spans)
    let status = StatusDetector.detect(frontMatter: FrontMatter(), model: model, bodyStart: 0, headings: outline.headings, path: path)
    return ParsedDocument(title: title, format: .restructuredText, status: status, sections: sections, lineCount: lines.count)
  }

  // MARK: HTML

  static func html(path: String, fileName: String, bytes: [UInt8], options: DocParseOptions) -> ParsedDocument {
    let reduced = HTMLText.reduce(bytes)
    let model = LineModel(lines: reduced.lines, code: reduced.preformatted, origin: reduced.origin)
    let title = reduced.title ?? reduced.headings.first { $0.level == 1 }?.text
    let root = title ?? fileName
    var spans: [SectionSpan] = []
    let firstHeading = reduced.headings.first?.lineIndex ?? model.count
    if firstHeading > 0 { spans.append(SectionSpan(path: [root], anchor: "", level: 0, first: 0, last: firstHeading - 1)) }
    var slugger = Slugger()
    var stack = HeadingStack()
    for (index, heading) in reduced.headings.enumerated() {
      let next = index + 1 < reduced.headings.count ? reduced.headings[index + 1].lineIndex : model.count
      let headingPath = stack.push(level: heading.level, text: heading.text)
      spans.append(SectionSpan(path: headingPath, anchor: slugger.unique(heading.text), level: heading.level, first: heading.lineIndex, last: next - 1))
    }
    let sections = SectionBuilder(model: model, maxLines: options.maxSectionLines).build(spans)
    let headings = reduced.headings.map { Heading(level: $0.level, text: $0.text, startLine: $0.lineIndex + 1, endLine: $0.lineIndex + 1) }
    var status = StatusDetector.detect(frontMatter: FrontMatter(), model: model, bodyStart: 0, headings: headings, path: path)
    if let line = status?.line, line >= 1, line <= model.count { status?.line = model.originalStart(line - 1) }
    return ParsedDocument(title: title, format: .html, status: status, sections: sections, lineCount: TextLines(bytes).count)
  }
}

/// reStructuredText section titles: a line of text underlined (and optionally overlined) with
/// one repeated punctuation character, at least three long. Levels follow the order in which
/// each style (character, with or without overline) first appears, as docutils does.
/// Indented lines (literal blocks, directive bodies) are never titles.
struct RSTOutline: Sendable {
  var headings: [Heading] = []
  var code: [Bool]

  init(lines: TextLines) {
    code = [Bool](repeating: false, count: lines.count)
    var styles: [String] = []
    var number = 1
    var literal = false
    var titleLevel = 0
    while number <= lines.count {
      let line = lines.line(number)
      let indented = line.first == 0x20 || line.first == 0x09
      let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
      if literal {
        if indented || blank {
          code[number - 1] = indented
          number += 1
          continue
        }
        literal = false
      }
      // `.. py:data:: SEND_FILE_MAX_AGE_DEFAULT`, `.. function:: send_file(path)`: the entry
      // a reader looks for, one level below the section it sits in.
      if !indented, let name = RSTOutline.describedName(line) {
        headings.append(Heading(level: min(titleLevel + 1, 6), text: name, startLine: number, endLine: number))
        number += 1
        continue
      }
      if !blank && !indented && number < lines.count {
        let overline = number > 1 ? RSTOutline.adornment(lines.line(number - 1)) : nil
        if let under = RSTOutline.adornment(lines.line(number + 1)), RSTOutline.adornment(line) == nil {
          let previousBlank = number == 1 || lines.isBlank(number - 1) || overline != nil
          if previousBlank {
            let hasOverline = overline?.char == under.char
            let style = "\(Character(Unicode.Scalar(under.char)))\(hasOverline ? "o" : "")"
            if !styles.contains(style) { styles.append(style) }
            let level = min((styles.firstIndex(of: style) ?? 0) + 1, 6)
            let text = String(decoding: line, as: UTF8.self).trimmingWhitespace()
            let start = hasOverline ? number - 1 : number
            headings.append(Heading(level: level, text: InlineText.plain(text), startLine: start, endLine: number + 1))
            titleLevel = level
            number += 2
            continue
          }
        }
      }
      let trimmed = String(decoding: line, as: UTF8.self).trimmingWhitespace()
      if trimmed.hasSuffix("::") { literal = true }
      number += 1
    }
  }

  /// Directives that describe one API entry or setting (Sphinx's `py:data`, `function`,
  /// `class`, `confval` ...).
  static let describingDirectives: Set<String> = [
    "function", "class", "method", "data", "attribute", "exception", "decorator", "module", "envvar", "confval", "option",
    "describe", "object", "property", "classmethod", "staticmethod", "type", "macro", "member", "var",
  ]

  /// The name a describing directive documents: `.. py:data:: NAME` → `NAME`,
  /// `.. function:: send_file(path, **kwargs)` → `send_file`.
  static func describedName(_ line: ArraySlice<UInt8>) -> String? {
    let text = Substring(String(decoding: line, as: UTF8.self))
    guard text.hasPrefix(".. ") else { return nil }
    let afterDots = text.dropFirst(3)
    // The directive name runs to the first `::` and holds no space.
    guard let space = afterDots.firstIndex(of: " "), afterDots[..<space].hasSuffix("::") else { return nil }
    let directive = afterDots[..<space].dropLast(2)
    guard let kind = directive.split(separator: ":").last, describingDirectives.contains(String(kind)) else { return nil }
    let rest = afterDots[space...].drop { $0 == " " || $0 == "\t" }
    let name = rest.prefix { $0 != "(" && $0 != " " && $0 != "\t" && $0 != "\r" }
    return name.isEmpty ? nil : String(name)
  }

  /// A line of one repeated punctuation character, at least three long.
  static func adornment(_ line: ArraySlice<UInt8>) -> (char: UInt8, count: Int)? {
    var trimmed = line
    while let last = trimmed.last, last == 0x20 || last == 0x09 || last == 0x0D { trimmed = trimmed.dropLast() }
    guard let first = trimmed.first, trimmed.count >= 3, Array("=-`:'\"~^_*+#<>.".utf8).contains(first) else { return nil }
    guard trimmed.allSatisfy({ $0 == first }) else { return nil }
    return (first, trimmed.count)
  }
}

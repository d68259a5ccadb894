import CtxCore
import CtxConnectors

/// HTML reduced to readable text lines with its headings, by a small forward-only tag
/// scanner (no HTML library is available, and none is needed to read a wiki export).
///
/// - Tags are recognised as `<name …>`, `</name>`, `<!-- … -->`, `<!…>`, `<?…?>` and
///   `<![CDATA[…]]>`; a `<` that starts none of these is text.
/// - `script`, `style`, `nav`, `noscript`, `template`, `svg`, `iframe`, `object`, `head`,
///   `footer` and elements whose `id` or `class` names a breadcrumb are dropped with
///   everything inside them; `<title>` gives the title.
/// - Block elements (`p`, `div`, `li`, `tr`, `h1`…) end lines, `br` breaks a line, table cells
///   are separated by ` | `, list items start with `- `.
/// - Whitespace collapses to single spaces, except inside `pre`, whose lines are kept.
/// - Entities: the common named ones and every numeric one (`&#8212;`, `&#x2014;`).
/// - Every output line records the original lines its text came from (best effort: the first
///   and last non-space byte of its text).
///
/// It never backtracks more than once: an attribute quote left open to the end of the file
/// switches quote handling off for the rest of the page, so the scan stays linear on any
/// input, however malformed.
struct HTMLText: Sendable {
  struct HeadingMark: Sendable {
    var level: Int
    var text: String
    /// Index into `lines` of the heading's own line.
    var lineIndex: Int
  }

  var title: String?
  var lines: [String] = []
  var preformatted: [Bool] = []
  var origin: [ClosedRange<Int>] = []
  var headings: [HeadingMark] = []

  static func reduce(_ bytes: [UInt8]) -> HTMLText {
    var scanner = Scanner(bytes)
    scanner.run()
    scanner.out.finishLine()
    var result = HTMLText()
    result.title = scanner.title
    result.lines = scanner.out.lines
    result.preformatted = scanner.out.preformatted
    result.origin = scanner.out.origin
    result.headings = scanner.headings
    // Collapse runs of blank lines to one.
    var keep: [Int] = []
    for index in result.lines.indices {
      let blank = result.lines[index].isEmpty && !result.preformatted[index]
      if blank && (keep.isEmpty || result.lines[keep.last!].isEmpty) { continue }
      keep.append(index)
    }
    if keep.count != result.lines.count {
      var remap = [Int](repeating: 0, count: result.lines.count + 1)
      var position = 0
      for index in 0...result.lines.count {
        while position < keep.count && keep[position] < index { position += 1 }
        remap[index] = position
      }
      result.lines = keep.map { result.lines[$0] }
      result.preformatted = keep.map { result.preformatted[$0] }
      result.origin = keep.map { result.origin[$0] }
      result.headings = result.headings.map { HeadingMark(level: $0.level, text: $0.text, lineIndex: min(remap[$0.lineIndex], max(0, keep.count - 1))) }
    }
    return result
  }

  // MARK: Output

  struct Output {
    var lines: [String] = []
    var preformatted: [Bool] = []
    var origin: [ClosedRange<Int>] = []
    var current = String.UnicodeScalarView()
    /// Scalars in `current` (a view's `count` is not O(1)).
    var currentCount = 0
    var currentOrigin: ClosedRange<Int>? = nil
    var currentPre = false
    var pendingSpace = false

    var currentIsEmpty: Bool { current.isEmpty }

    mutating func finishLine() {
      if !current.isEmpty || currentPre {
        var text = String(current)
        if !currentPre { text = text.trimmingWhitespace() }
        lines.append(text)
        preformatted.append(currentPre)
        origin.append(currentOrigin ?? (lastOrigin...lastOrigin))
      }
      current = String.UnicodeScalarView()
      currentCount = 0
      currentOrigin = nil
      currentPre = false
      pendingSpace = false
    }

    var lastOrigin: Int { origin.last?.upperBound ?? 1 }

    /// Ends the line and leaves one blank line before what follows.
    mutating func paragraphBreak() {
      finishLine()
      if let last = lines.last, !last.isEmpty {
        lines.append("")
        preformatted.append(false)
        origin.append(lastOrigin...lastOrigin)
      }
    }

    mutating func note(_ line: Int) {
      if let range = currentOrigin {
        currentOrigin = min(range.lowerBound, line)...max(range.upperBound, line)
      } else {
        currentOrigin = line...line
      }
    }

    /// Appends collapsed text: runs of whitespace become one space.
    mutating func appendCollapsed(_ text: String, firstLine: Int, lastLine: Int) {
      for scalar in text.unicodeScalars {
        if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}" || scalar == "\u{A0}" {
          if !current.isEmpty { pendingSpace = true }
          continue
        }
        if pendingSpace {
          current.append(" ")
          currentCount += 1
          pendingSpace = false
        }
        if currentCount >= HTMLText.maxLineScalars {
          note(firstLine)
          note(lastLine)
          finishLine()
        }
        current.append(scalar)
        currentCount += 1
      }
      if !current.isEmpty {
        note(firstLine)
        note(lastLine)
      }
    }

    /// Appends preformatted text: newlines end lines, spaces are kept.
    mutating func appendPreformatted(_ text: String, startLine: Int) {
      var line = startLine
      for scalar in text.unicodeScalars {
        if scalar == "\n" {
          currentPre = true
          note(line)
          finishLine()
          line += 1
          continue
        }
        if scalar == "\r" { continue }
        currentPre = true
        current.append(scalar == "\u{A0}" ? " " : scalar)
        currentCount += 1
        note(line)
      }
    }

    mutating func appendLiteral(_ text: String, line: Int) {
      if pendingSpace && !current.isEmpty {
        current.append(" ")
        currentCount += 1
      }
      pendingSpace = false
      current.append(contentsOf: text.unicodeScalars)
      currentCount += text.unicodeScalars.count
      note(line)
    }
  }

  /// A line longer than this is wrapped: a minified page is one huge line.
  static let maxLineScalars = 2000

  // MARK: Scanner

  struct Scanner {
    let bytes: [UInt8]
    /// Byte offsets where each original line starts.
    let lineStarts: [Int]
    var position = 0
    var out = Output()
    var title: String?
    var headings: [HeadingMark] = []
    /// Open elements, innermost last (bounded).
    var stack: [String] = []
    var dropDepth = 0
    var preDepth = 0
    var quotesEnabled = true
    /// Memo of the next `>` at or after a position (keeps unclosed tags linear).
    var nextGTFrom = -1
    var nextGTAt: Int? = nil
    /// The heading being read: level, its text, and the output line count when it began.
    var heading: (level: Int, text: String.UnicodeScalarView, line: Int, stackDepth: Int)? = nil

    static let maxDepth = 512

    init(_ bytes: [UInt8]) {
      self.bytes = bytes
      var starts = [0]
      for (offset, byte) in bytes.enumerated() where byte == 0x0A { starts.append(offset + 1) }
      lineStarts = starts
    }

    func line(at offset: Int) -> Int {
      var low = 0
      var high = lineStarts.count - 1
      while low < high {
        let mid = (low + high + 1) / 2
        if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
      }
      return low + 1
    }

    mutating func run() {
      let count = bytes.count
      while position < count {
        if bytes[position] == UInt8(ascii: "<") && position + 1 < count {
          let next = bytes[position + 1]
          if next == UInt8(ascii: "!") {
            markupDeclaration()
            continue
          }
          if next == UInt8(ascii: "?") {
            skipPast(UInt8(ascii: ">"), from: position + 2)
            continue
          }
          if next == UInt8(ascii: "/") && position + 2 < count && isLetter(bytes[position + 2]) {
            endTag()
            continue
          }
          if next == UInt8(ascii: "/") {
            skipPast(UInt8(ascii: ">"), from: position + 2)
            continue
          }
          if isLetter(next) {
            if startTag() { continue }
          }
        }
        text()
      }
      if heading != nil { endHeading() }
    }

    // MARK: Text

    /// Text up to the next `<` (at least one byte).
    mutating func text() {
      let start = position
      var end = position + 1
      while end < bytes.count && bytes[end] != UInt8(ascii: "<") { end += 1 }
      position = end
      guard dropDepth == 0 else { return }
      let raw = bytes[start..<end]
      let decoded = HTMLEntities.decode(String(decoding: raw, as: UTF8.self))
      if heading != nil {
        if heading!.text.count < InlineText.maxScalars {
          heading!.text.append(contentsOf: decoded.unicodeScalars.prefix(InlineText.maxScalars))
        }
        return
      }
      if preDepth > 0 {
        out.appendPreformatted(decoded, startLine: line(at: start))
        return
      }
      guard let firstText = raw.firstIndex(where: { !isSpace($0) }) else {
        if !out.currentIsEmpty { out.pendingSpace = true }
        return
      }
      let lastText = raw.lastIndex(where: { !isSpace($0) }) ?? firstText
      out.appendCollapsed(decoded, firstLine: line(at: firstText), lastLine: line(at: lastText))
    }

    // MARK: Tags

    /// `<!-- … -->`, `<![CDATA[ … ]]>`, `<!DOCTYPE …>`.
    mutating func markupDeclaration() {
      if starts(with: "<!--", at: position) {
        position = find("-->", from: position + 4).map { $0 + 3 } ?? bytes.count
        return
      }
      if starts(with: "<![CDATA[", at: position) {
        let contentStart = position + 9
        let end = find("]]>", from: contentStart) ?? bytes.count
        if dropDepth == 0 && heading == nil {
          let content = String(decoding: bytes[contentStart..<end], as: UTF8.self)
          out.appendCollapsed(content, firstLine: line(at: contentStart), lastLine: line(at: max(contentStart, end - 1)))
        }
        position = min(bytes.count, end + 3)
        return
      }
      skipPast(UInt8(ascii: ">"), from: position + 2)
    }

    /// Parses `<name attrs…>`; false when this `<` is text after all.
    mutating func startTag() -> Bool {
      let tagStart = position
      var index = position + 1
      while index < bytes.count && isNameByte(bytes[index]) { index += 1 }
      let name = String(decoding: bytes[(position + 1)..<index], as: UTF8.self).lowercased()
      guard let end = tagEnd(from: index) else { return false }
      let attributes = bytes[index..<end]
      position = end + 1
      handleStart(name, attributes: attributes, at: tagStart)
      return true
    }

    mutating func endTag() {
      let tagStart = position
      var index = position + 2
      while index < bytes.count && isNameByte(bytes[index]) { index += 1 }
      let name = String(decoding: bytes[(position + 2)..<index], as: UTF8.self).lowercased()
      guard let end = nextGT(from: index) else {
        // No `>` anywhere after: the rest is text.
        position = tagStart
        text()
        return
      }
      position = end + 1
      handleEnd(name)
    }

    /// The `>` closing a start tag, skipping quoted attribute values while quotes are trusted.
    mutating func tagEnd(from start: Int) -> Int? {
      guard let plain = nextGT(from: start) else { return nil }
      guard quotesEnabled else { return plain }
      var index = start
      var quote: UInt8? = nil
      var previousSignificant: UInt8 = 0
      while index < bytes.count {
        let byte = bytes[index]
        if let open = quote {
          if byte == open { quote = nil }
        } else if byte == UInt8(ascii: ">") {
          return index
        } else if (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) && previousSignificant == UInt8(ascii: "=") {
          quote = byte
        }
        if !isSpace(byte) { previousSignificant = byte }
        index += 1
      }
      // A quote left open to the end: stop trusting quotes for the rest of the page.
      quotesEnabled = false
      return plain
    }

    mutating func nextGT(from start: Int) -> Int? {
      if start >= nextGTFrom, nextGTFrom >= 0 {
        if let at = nextGTAt {
          if start <= at { return at }
        } else {
          return nil
        }
      }
      var index = start
      while index < bytes.count && bytes[index] != UInt8(ascii: ">") { index += 1 }
      nextGTFrom = start
      nextGTAt = index < bytes.count ? index : nil
      return nextGTAt
    }

    static let dropped: Set<String> = ["script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "head", "footer", "math", "canvas", "button", "select"]
    static let rawText: Set<String> = ["script", "style", "title", "textarea", "xmp", "noscript", "iframe", "noembed", "noframes"]
    static let void: Set<String> = [
      "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen",
    ]
    static let blocks: Set<String> = [
      "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
      "figure", "form", "header", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot",
      "tr", "ul", "caption", "center", "h1", "h2", "h3", "h4", "h5", "h6",
    ]

    mutating func handleStart(_ name: String, attributes: ArraySlice<UInt8>, at tagStart: Int) {
      if HTMLText.Scanner.rawText.contains(name) {
        rawTextElement(name)
        return
      }
      let isDropped = HTMLText.Scanner.dropped.contains(name) || isNoise(attributes)
      if let level = headingLevel(name) {
        if heading != nil { endHeading() }
        if dropDepth == 0 {
          out.paragraphBreak()
          heading = (level, String.UnicodeScalarView(), line(at: tagStart), stack.count)
        }
      } else if dropDepth == 0 && heading == nil {
        if name == "br" {
          if preDepth > 0 { out.appendPreformatted("\n", startLine: line(at: tagStart)) } else { out.finishLine() }
        } else if name == "td" || name == "th" {
          if !out.currentIsEmpty { out.appendLiteral(" |", line: line(at: tagStart)) }
          out.pendingSpace = true
        } else if name == "li" {
          out.finishLine()
          out.appendLiteral("-", line: line(at: tagStart))
          out.pendingSpace = true
        } else if name == "p" || name == "pre" || name == "table" || name == "hr" || name == "blockquote" {
          out.paragraphBreak()
        } else if HTMLText.Scanner.blocks.contains(name) {
          out.finishLine()
        } else if name == "img", let alt = attribute("alt", in: attributes), !alt.isEmpty, heading == nil {
          out.appendLiteral("[\(alt)]", line: line(at: tagStart))
        }
      }
      if HTMLText.Scanner.void.contains(name) || attributes.last == UInt8(ascii: "/") && !HTMLText.Scanner.blocks.contains(name) && name != "div" {
        return
      }
      guard stack.count < HTMLText.Scanner.maxDepth else { return }
      stack.append(isDropped ? "!" + name : name)
      if isDropped { dropDepth += 1 }
      if name == "pre" || name == "listing" || name == "plaintext" {
        preDepth += 1
        // A newline right after <pre> is not content.
        if position < bytes.count && bytes[position] == 0x0A { position += 1 }
      }
    }

    mutating func handleEnd(_ name: String) {
      guard let index = stack.lastIndex(where: { $0 == name || $0 == "!" + name }) else {
        if headingLevel(name) != nil && heading != nil { endHeading() }
        return
      }
      while stack.count > index {
        let closed = stack.removeLast()
        if closed.hasPrefix("!") { dropDepth -= 1 }
        let plain = closed.hasPrefix("!") ? String(closed.dropFirst()) : closed
        if plain == "pre" || plain == "listing" || plain == "plaintext" { preDepth = max(0, preDepth - 1) }
        if headingLevel(plain) != nil, heading != nil, stack.count <= heading!.stackDepth { endHeading() }
        if dropDepth == 0 && heading == nil {
          if plain == "p" || plain == "pre" || plain == "table" || plain == "blockquote" {
            out.paragraphBreak()
          } else if HTMLText.Scanner.blocks.contains(plain) {
            out.finishLine()
          }
        }
      }
    }

    mutating func endHeading() {
      guard let open = heading else { return }
      heading = nil
      var text = String(open.text)
      text = collapse(text)
      guard !text.isEmpty else { return }
      out.finishLine()
      headings.append(HeadingMark(level: open.level, text: text, lineIndex: out.lines.count))
      out.appendLiteral(text, line: open.line)
      out.paragraphBreak()
    }

    /// `<script>`, `<style>`, `<title>`, `<textarea>`: content up to the matching end tag.
    mutating func rawTextElement(_ name: String) {
      let contentStart = position
      let closing = findCaseInsensitive("</" + name, from: contentStart)
      let contentEnd = closing ?? bytes.count
      if let closing { position = (nextGT(from: closing) ?? bytes.count - 1) + 1 } else { position = bytes.count }
      if name == "title" {
        // The page title sits in the dropped <head>; an SVG's <title> is not the page's.
        if title == nil && !stack.contains("!svg") {
          let content = String(decoding: bytes[contentStart..<contentEnd], as: UTF8.self)
          let text = collapse(HTMLEntities.decode(content))
          if !text.isEmpty { title = String(text.prefix(300)) }
        }
        return
      }
      guard dropDepth == 0 else { return }
      let content = String(decoding: bytes[contentStart..<contentEnd], as: UTF8.self)
      if name == "textarea" || name == "xmp" {
        out.appendCollapsed(HTMLEntities.decode(content), firstLine: line(at: contentStart), lastLine: line(at: max(contentStart, contentEnd - 1)))
      }
    }

    // MARK: Helpers

    func headingLevel(_ name: String) -> Int? {
      guard name.utf8.count == 2, name.hasPrefix("h"), let digit = name.utf8.last, digit >= 0x31 && digit <= 0x36 else { return nil }
      return Int(digit - 0x30)
    }

    /// Breadcrumbs and similar page chrome of wiki exports.
    func isNoise(_ attributes: ArraySlice<UInt8>) -> Bool {
      guard !attributes.isEmpty else { return false }
      for key in ["id", "class", "role"] {
        if let value = attribute(key, in: attributes)?.lowercased() {
          if value.contains("breadcrumb") || value == "footer" || value == "navigation" || value.contains("page-metadata-modification-info") { return true }
        }
      }
      return false
    }

    /// The value of one attribute (decoded), by a forgiving scan.
    func attribute(_ key: String, in attributes: ArraySlice<UInt8>) -> String? {
      let keyBytes = Array(key.utf8)
      var index = attributes.startIndex
      while index < attributes.endIndex {
        while index < attributes.endIndex && (isSpace(attributes[index]) || attributes[index] == UInt8(ascii: "/")) { index += 1 }
        let nameStart = index
        while index < attributes.endIndex && !isSpace(attributes[index]) && attributes[index] != UInt8(ascii: "=") && attributes[index] != UInt8(ascii: ">") {
          index += 1
        }
        let name = attributes[nameStart..<index]
        while index < attributes.endIndex && isSpace(attributes[index]) { index += 1 }
        var value: ArraySlice<UInt8>? = nil
        if index < attributes.endIndex && attributes[index] == UInt8(ascii: "=") {
          index += 1
          while index < attributes.endIndex && isSpace(attributes[index]) { index += 1 }
          if index < attributes.endIndex && (attributes[index] == UInt8(ascii: "\"") || attributes[index] == UInt8(ascii: "'")) {
            let quote = attributes[index]
            let valueStart = index + 1
            var valueEnd = valueStart
            while valueEnd < attributes.endIndex && attributes[valueEnd] != quote { valueEnd += 1 }
            value = attributes[valueStart..<valueEnd]
            index = min(attributes.endIndex, valueEnd + 1)
          } else {
            let valueStart = index
            while index < attributes.endIndex && !isSpace(attributes[index]) { index += 1 }
            value = attributes[valueStart..<index]
          }
        }
        if name.count == keyBytes.count && zip(name, keyBytes).allSatisfy({ lower($0) == $1 }) {
          return value.map { HTMLEntities.decode(String(decoding: $0, as: UTF8.self)) } ?? ""
        }
        if nameStart == index { index += 1 }
      }
      return nil
    }

    func collapse(_ text: String) -> String {
      var result = ""
      var space = false
      for scalar in text.unicodeScalars {
        if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{A0}" || scalar == "\u{0C}" {
          space = !result.isEmpty
          continue
        }
        if space { result.unicodeScalars.append(" ") }
        space = false
        result.unicodeScalars.append(scalar)
      }
      return result
    }

    mutating func skipPast(_ byte: UInt8, from start: Int) {
      if byte == UInt8(ascii: ">"), let at = nextGT(from: start) {
        position = at + 1
      } else {
        position = bytes.count
      }
    }

    func starts(with text: String, at offset: Int) -> Bool {
      let pattern = Array(text.utf8)
      guard offset + pattern.count <= bytes.count else { return false }
      for (index, byte) in pattern.enumerated() where lower(bytes[offset + index]) != lower(byte) { return false }
      return true
    }

    func find(_ text: String, from start: Int) -> Int? {
      let pattern = Array(text.utf8)
      guard let first = pattern.first else { return nil }
      var index = start
      while index + pattern.count <= bytes.count {
        if bytes[index] == first && bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
        index += 1
      }
      return nil
    }

    func findCaseInsensitive(_ text: String, from start: Int) -> Int? {
      let pattern = Array(text.utf8).map(lower)
      var index = start
      while index + pattern.count <= bytes.count {
        if bytes[index] == UInt8(ascii: "<") {
          var matched = true
          for offset in 1..<pattern.count where lower(bytes[index + offset]) != pattern[offset] {
            matched = false
            break
          }
          if matched {
            let after = index + pattern.count
            if after >= bytes.count || !isNameByte(bytes[after]) { return index }
          }
        }
        index += 1
      }
      return nil
    }

    func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
    func isNameByte(_ byte: UInt8) -> Bool { isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") }
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }
    func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
  }
}

/// HTML character references: numeric ones, and the named ones wiki exports use.
enum HTMLEntities {
  static let named: [String: String] = [
    "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®", "trade": "™",
    "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "sbquo": "‚", "bdquo": "„",
    "bull": "•", "middot": "·", "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "times": "×", "divide": "÷", "deg": "°",
    "plusmn": "±", "para": "¶", "sect": "§", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "shy": "", "zwj": "\u{200D}",
    "zwnj": "\u{200C}", "ensp": " ", "emsp": " ", "thinsp": " ", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔",
    "lArr": "⇐", "rArr": "⇒", "hArr": "⇔", "le": "≤", "ge": "≥", "ne": "≠", "asymp": "≈", "infin": "∞", "minus": "−", "check": "✓",
    "dagger": "†", "Dagger": "‡", "permil": "‰", "prime": "′", "Prime": "″", "frac12": "½", "frac14": "¼", "frac34": "¾",
    "iexcl": "¡", "iquest": "¿", "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß",
    "eacute": "é", "egrave": "è", "ecirc": "ê", "aacute": "á", "agrave": "à", "acirc": "â", "ccedil": "ç", "ntilde": "ñ",
    "oacute": "ó", "iacute": "í", "uacute": "ú", "Eacute": "É", "oslash": "ø", "aring": "å", "Aring": "Å", "aelig": "æ",
    "micro": "µ", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ",
    "Omega": "Ω", "larrow": "←", "rarrow": "→",
  ]

  /// Decodes `&name;`, `&#123;` and `&#x7B;`; anything else is kept as written. Numeric
  /// references to nothing valid (0, surrogates, past U+10FFFF) become U+FFFD.
  static func decode(_ text: String) -> String {
    guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
    var result = String.UnicodeScalarView()
    let scalars = Array(text.unicodeScalars)
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      guard scalar == "&" else {
        result.append(scalar)
        index += 1
        continue
      }
      // Look for ';' within 32 scalars.
      var end = index + 1
      while end < scalars.count && end - index <= 33 && scalars[end] != ";" && scalars[end] != "&" && scalars[end] != " " { end += 1 }
      guard end < scalars.count, scalars[end] == ";", end > index + 1 else {
        result.append(scalar)
        index += 1
        continue
      }
      let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
      if name.hasPrefix("#") {
        let digits = name.dropFirst()
        var value: UInt32? = nil
        if digits.hasPrefix("x") || digits.hasPrefix("X") {
          value = digits.count <= 9 ? UInt32(digits.dropFirst(), radix: 16) : nil
        } else {
          value = digits.count <= 8 ? UInt32(digits, radix: 10) : nil
        }
        if let value {
          if value == 0 {
            result.append("\u{FFFD}")
          } else if let decoded = Unicode.Scalar(value) {
            result.append(decoded)
          } else {
            result.append("\u{FFFD}")
          }
          index = end + 1
          continue
        }
      } else if let replacement = named[name] {
        result.append(contentsOf: replacement.unicodeScalars)
        index = end + 1
        continue
      }
      result.append(scalar)
      index += 1
    }
    return String(result)
  }
}

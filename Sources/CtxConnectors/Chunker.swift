import CtxCore

/// Cuts a file into chunks at symbol boundaries, with exact line ranges.
///
/// - A definition that fits in `maxLines` is one chunk, with its doc comment when that sits
///   right above it.
/// - A longer definition is cut at its nested definitions (the methods of a class); what lies
///   between them is cut into windows labelled with the enclosing definition.
/// - Lines no definition covers (imports, top-level statements, prose, files without
///   symbols) are cut into windows of at most `windowLines`.
/// Chunks never overlap, and blank-only stretches produce no chunk.
public struct Chunker: Sendable {
  public var maxLines: Int
  public var windowLines: Int
  /// Lines above a definition (comments, attributes) that join its chunk.
  public var leadingLines: Int

  public init(maxLines: Int = 120, windowLines: Int = 60, leadingLines: Int = 12) {
    self.maxLines = maxLines
    self.windowLines = windowLines
    self.leadingLines = leadingLines
  }

  /// A symbol with a known line range, as a chunk boundary.
  struct Span {
    var start: Int
    var end: Int
    var name: String?
    var kind: String
  }

  /// - Parameter language: `Language.detect`'s name for the file; for languages written with
  ///   braces it lets definitions without an end line end at their closing brace.
  public func chunks(of text: TextLines, symbols: [Symbol], language: String? = nil) -> [Chunk] {
    guard text.count > 0 else { return [] }
    let spans = Chunker.spans(of: symbols, lineCount: text.count, text: text, language: language)
    var output: [Chunk] = []
    cover(1, text.count, spans[...], label: nil, text: text, into: &output)
    return merged(output, text: text)
  }

  /// Line ranges of the symbols. Parsers that give no end line (ctags for JavaScript,
  /// TypeScript and Rust) get one inferred for functions and types: in a language written
  /// with braces, the line of the brace that closes the body (`BlockEnds`); otherwise up to
  /// the line before the next symbol that is not nested in it (by ctags' scope), leaving out
  /// the comments and attributes right above that symbol and trailing blank lines.
  static func spans(of symbols: [Symbol], lineCount: Int, text: TextLines, language: String? = nil) -> [Span] {
    let ordered = symbols.filter { $0.line >= 1 && $0.line <= lineCount }.sorted { $0.line < $1.line }
    let needsEnds = ordered.contains { $0.endLine == nil && standaloneKinds.contains($0.kind) }
    let braces = needsEnds ? BlockEnds.quote(for: language).map { BlockEnds(text, quote: $0) } : nil
    var spans: [Span] = []
    for (index, symbol) in ordered.enumerated() {
      var end = symbol.endLine
      if end == nil, standaloneKinds.contains(symbol.kind) {
        // Not for anonymous functions: a test file's `describe(..., function () {` would be
        // one chunk holding every `it` (measured: worse ranking than the guess below, which
        // cuts at each callback).
        if symbol.kind != "macro", !isAnonymous(symbol.name), let found = braces?.end(ofDefinition: symbol.name, on: symbol.line),
          found >= symbol.line
        {
          end = found
        } else {
          end = nextDefinitionBound(after: index, in: ordered, lineCount: lineCount, text: text)
        }
      }
      guard let last = end, last >= symbol.line else { continue }
      let name = Chunker.isAnonymous(symbol.name) ? Chunker.nameDeclared(onLine: last, among: ordered) : symbol.name
      spans.append(Span(start: symbol.line, end: min(last, lineCount), name: name, kind: symbol.kind))
    }
    return Chunker.withoutDuplicates(spans.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end })
  }

  /// The end guessed for `ordered[index]` from what follows it: the line before the next
  /// symbol not nested in it, less that symbol's comments and attributes and blank lines.
  private static func nextDefinitionBound(after index: Int, in ordered: [Symbol], lineCount: Int, text: TextLines) -> Int {
    let symbol = ordered[index]
    let qualified = [symbol.scope, symbol.name].compactMap { $0 }.joined(separator: ".")
    var inferred = lineCount
    for next in ordered[(index + 1)...] where next.line > symbol.line {
      let scope = next.scope ?? ""
      let nested = scope == symbol.name || scope == qualified || scope.hasPrefix(qualified + ".")
      if !nested {
        inferred = next.line - 1
        while inferred > symbol.line && isCommentOrAttribute(text.unindented(inferred)) { inferred -= 1 }
        break
      }
    }
    while inferred > symbol.line && text.isBlank(inferred) { inferred -= 1 }
    return inferred
  }

  /// A line (without its indentation) that reads as a comment or an attribute (`//`, `/*`,
  /// ` * `, `#[derive]`, `@Override`, `# note`, `-- note`): what sits above a definition and
  /// belongs to it.
  static func isCommentOrAttribute(_ line: ArraySlice<UInt8>) -> Bool {
    commentStarts.contains { line.starts(with: $0.utf8) } || line.elementsEqual("#".utf8)
  }

  private static let commentStarts = ["//", "/*", "*", "#[", "#!", "# ", "@", "--", ";;"]

  /// Kinds a definition ctags tags twice on one line is shown as, before a class.
  private static let callableKinds: Set<String> = ["function", "method", "func", "constructor"]

  /// One span per range: ctags tags `app.param = function param(...)` as a class and a
  /// function on the same line (the function is kept), and some definitions twice.
  static func withoutDuplicates(_ spans: [Span]) -> [Span] {
    var kept: [Span] = []
    for span in spans {
      if let last = kept.last, last.start == span.start, last.end == span.end {
        if !callableKinds.contains(last.kind) && callableKinds.contains(span.kind) { kept[kept.count - 1] = span }
        continue
      }
      kept.append(span)
    }
    return kept
  }

  /// ctags names an anonymous struct, union or enum in C `__anon` and a hash, and an
  /// anonymous function or class in JavaScript `AnonymousFunction` or `AnonymousClass` and a
  /// hash: names no one searches for or would recognise in a bundle.
  static func isAnonymous(_ name: String) -> Bool {
    name.hasPrefix("__anon") || name.hasPrefix("AnonymousFunction") || name.hasPrefix("AnonymousClass")
  }

  /// What an anonymous definition declares, named on its last line (`typedef struct { ... }
  /// point_t;`, `enum { ... } flags;`); nil when nothing is.
  static func nameDeclared(onLine line: Int, among symbols: [Symbol]) -> String? {
    symbols.first { $0.line == line && !isAnonymous($0.name) }?.name
  }

  /// Chunks shorter than this are merged with short neighbours: a run of one-line
  /// properties, or a lone closing brace, is not worth a retrieval unit of its own.
  public var smallLines = 6

  /// Definitions that stay chunks of their own however short: what a query most often wants.
  static let standaloneKinds: Set<String> = [
    "function", "method", "class", "struct", "enum", "protocol", "interface", "actor", "extension", "initializer",
    "type", "trait", "module", "namespace", "func", "constructor", "chapter", "section", "subsection", "macro",
    "implementation",
  ]

  private func merged(_ chunks: [Chunk], text: TextLines) -> [Chunk] {
    var result: [Chunk] = []
    for chunk in chunks {
      if var last = result.last {
        let lastSize = last.endLine - last.startLine + 1
        let size = chunk.endLine - chunk.startLine + 1
        let adjacent = chunk.startLine <= last.endLine + 2
        let closesLast = size <= 2 && text.line(chunk.startLine).allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: ")") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "]") }
        let mergeable = !Chunker.standaloneKinds.contains(last.kind ?? "") && !Chunker.standaloneKinds.contains(chunk.kind ?? "")
        if adjacent && (closesLast || (mergeable && lastSize < smallLines && size < smallLines)) && chunk.endLine - last.startLine + 1 <= windowLines {
          if last.symbol != chunk.symbol && !closesLast {
            // Several small definitions: keep the first name, and call the kind a group.
            last.kind = last.kind == chunk.kind ? last.kind : (last.kind ?? chunk.kind)
          }
          last.endLine = chunk.endLine
          last.text = text.text(from: last.startLine, to: last.endLine)
          result[result.count - 1] = last
          continue
        }
      }
      result.append(chunk)
    }
    return result
  }

  private func cover(_ low: Int, _ high: Int, _ spans: ArraySlice<Span>, label: Span?, text: TextLines, into output: inout [Chunk]) {
    // The outermost spans inside [low, high], in order.
    var roots: [Span] = []
    var children: [[Span]] = []
    for span in spans where span.start >= low && span.end <= high {
      if let last = roots.last, span.start <= last.end {
        if span.end <= last.end { children[children.count - 1].append(span) }
        continue  // nested (or overlapping: ctags is sometimes generous); its root covers it
      }
      roots.append(span)
      children.append([])
    }
    var cursor = low
    for (index, root) in roots.enumerated() {
      // A nameless definition (an anonymous enum in a function) is labelled as the
      // definition around it.
      let shown = root.name == nil ? (label ?? root) : root
      var start = root.start
      if root.start > cursor {
        // Let comments and attributes just above the definition travel with it.
        let gapEnd = root.start - 1
        var attachFrom = root.start
        while attachFrom - 1 >= cursor, root.start - (attachFrom - 1) <= leadingLines, !text.isBlank(attachFrom - 1) {
          attachFrom -= 1
        }
        if attachFrom - 1 >= cursor, !text.isBlank(attachFrom - 1), let decorator = decoratorStart(above: root.start, notBefore: cursor, text: text),
          decorator < attachFrom
        {
          attachFrom = decorator
        }
        if attachFrom == root.start, let doc = docBlock(endingOn: root.start - 2, notBefore: cursor, text: text), text.isBlank(root.start - 1) {
          attachFrom = doc
        }
        if root.end - attachFrom + 1 <= maxLines || root.end - root.start + 1 > maxLines { start = attachFrom }
        if start > cursor { windows(cursor, min(gapEnd, start - 1), label: label, text: text, into: &output) }
      }
      // An `impl` block is cut at its methods however short: each is what a query wants.
      let container = root.kind == "implementation" && !children[index].isEmpty
      if root.end - start + 1 <= maxLines && !container {
        output.append(make(start, root.end, shown.name, shown.kind, text))
      } else if children[index].isEmpty {
        // A long definition with nothing nested: windows, all labelled with it.
        windows(start, root.end, label: shown, text: text, into: &output, keepBlank: false)
      } else {
        // The declaration (with its doc comment) heads its own chunk, so the chunk covering
        // the definition's line is labelled with the definition; it keeps what comes before
        // the first nested definition (a class's docstring and attributes, up to a window),
        // so `class File(ParamType):` is never a one-line item without its body.
        let headerEnd = self.headerEnd(of: root, start: start, firstChild: children[index].first, text: text)
        output.append(make(start, headerEnd, shown.name, shown.kind, text))
        if headerEnd < root.end {
          cover(headerEnd + 1, root.end, children[index][...], label: shown, text: text, into: &output)
        }
      }
      cursor = root.end + 1
    }
    if cursor <= high { windows(cursor, high, label: label, text: text, into: &output) }
  }

  /// The first line of the decorators right above the definition on `line` (`@pytest.mark.parametrize(`
  /// followed by 30 lines of cases), when they run past `leadingLines`: cut there, a test's
  /// cases would be a chunk apart from the test. Nil when no `@` line at the definition's
  /// indentation heads an unbroken run of decorator lines within a window.
  private func decoratorStart(above line: Int, notBefore low: Int, text: TextLines) -> Int? {
    let indentation = text.line(line).count - text.unindented(line).count
    var candidate: Int? = nil
    var current = line - 1
    while current >= low, line - current <= windowLines, !text.isBlank(current) {
      let body = text.unindented(current)
      let depth = text.line(current).count - body.count
      if depth < indentation { break }
      if depth == indentation {
        if body.first == UInt8(ascii: "@") {
          candidate = current
        } else if !(body.first.map { [UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#")].contains($0) } ?? false) {
          break
        }
      }
      current -= 1
    }
    return candidate
  }

  /// The first line of a `/** ... */` comment that ends on `line`, when the whole comment
  /// fits in `leadingLines`: a doc comment written one blank line above its definition
  /// (Express's style), which belongs to it as much as one written right above.
  private func docBlock(endingOn line: Int, notBefore low: Int, text: TextLines) -> Int? {
    guard line >= low, line >= 1, text.line(line).reversed().drop(while: { $0 == 0x20 || $0 == 0x09 }).starts(with: "/*".utf8) else { return nil }  // ends with `*/`
    var first = line
    while first >= low, line - first < leadingLines {
      let trimmed = text.unindented(first)
      if trimmed.starts(with: "/**".utf8) { return first }
      guard trimmed.starts(with: "*".utf8) else { return nil }
      first -= 1
    }
    return nil
  }

  /// The last line of a long definition's header chunk: the line before its first nested
  /// definition and the comments and attributes that travel with it, blank lines trimmed, at
  /// most a window from `start`, never before the declaration line.
  private func headerEnd(of root: Span, start: Int, firstChild: Span?, text: TextLines) -> Int {
    guard let child = firstChild, child.start > root.start + 1 else { return min(root.start, root.end) }
    var end = child.start - 1
    var attached = 0
    while end > root.start, attached < leadingLines, !text.isBlank(end) {
      end -= 1
      attached += 1
    }
    while end > root.start && text.isBlank(end) { end -= 1 }
    return max(root.start, min(end, start + windowLines - 1))
  }

  private func windows(_ low: Int, _ high: Int, label: Span?, text: TextLines, into output: inout [Chunk], keepBlank: Bool = false) {
    var start = low
    while start <= high {
      // Skip leading blank lines so windows start at content.
      while start <= high && text.isBlank(start) { start += 1 }
      guard start <= high else { return }
      var end = min(high, start + windowLines - 1)
      while end > start && text.isBlank(end) { end -= 1 }
      output.append(make(start, end, label?.name, label?.kind, text))
      start = end + 1
    }
  }

  private func make(_ start: Int, _ end: Int, _ symbol: String?, _ kind: String?, _ text: TextLines) -> Chunk {
    Chunk(startLine: start, endLine: end, symbol: symbol, kind: kind, text: text.text(from: start, to: end))
  }
}

/// A file's bytes with the offsets of its lines, 1-based.
public struct TextLines: Sendable {
  public let bytes: [UInt8]
  /// `starts[i]` is the byte offset of line i+1; one extra entry marks the end.
  private let starts: [Int]

  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
    var starts = [0]
    starts.reserveCapacity(bytes.count / 32 + 2)
    for (offset, byte) in bytes.enumerated() where byte == 0x0A {
      starts.append(offset + 1)
    }
    if starts.last != bytes.count { starts.append(bytes.count) }
    self.starts = starts
  }

  public var count: Int { starts.count - 1 }

  /// The bytes of one line, without its newline.
  public func line(_ number: Int) -> ArraySlice<UInt8> {
    var end = starts[number]
    let start = starts[number - 1]
    if end > start && bytes[end - 1] == 0x0A { end -= 1 }
    if end > start && bytes[end - 1] == 0x0D { end -= 1 }
    return bytes[start..<end]
  }

  /// One line without its indentation (leading spaces and tabs).
  public func unindented(_ number: Int) -> ArraySlice<UInt8> {
    line(number).drop { $0 == 0x20 || $0 == 0x09 }
  }

  public func isBlank(_ number: Int) -> Bool {
    line(number).allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0C }
  }

  /// Lines `from` through `to`, joined by newlines, without a trailing newline.
  public func text(from: Int, to: Int) -> String {
    var end = starts[to]
    if end > starts[from - 1] && bytes[end - 1] == 0x0A { end -= 1 }
    return String(decoding: bytes[starts[from - 1]..<end], as: UTF8.self)
  }

  /// The longest line, in bytes (minified files have very long ones).
  public var longestLine: Int {
    var longest = 0
    for index in 1..<starts.count { longest = max(longest, starts[index] - starts[index - 1]) }
    return longest
  }
}

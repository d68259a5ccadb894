import CtxCore
import Foundation

/// Replaces secrets in text with `[REDACTED:<rule-id>]` before anything is indexed.
///
/// One pass over the UTF-8 bytes finds the few places a secret could start (see `Scanner`);
/// only those are checked precisely. Text without secrets comes back as the same string.
/// A `Redactor` is immutable and safe to share between tasks.
public struct Redactor: Sendable {
  /// The built-in rules followed by the extra rules, in that order.
  public let rules: [RedactionRule]
  let allow: [AllowPattern]
  let triggers: [UInt8]
  let markers: [[UInt8]]
  let prefixed: [PrefixedRule]
  let fullText: [(rule: Int, regex: SharedRegex)]

  /// The built-in rules and no allow-list.
  public init() {
    self.init(validated: [], allow: [])
  }

  /// - Parameters:
  ///   - extraRules: connector-configured rules (`RedactionRule.custom`), tried after the
  ///     built-in ones.
  ///   - allowPatterns: values to keep even when a rule matches them. Each is a regular
  ///     expression searched in the value; a value equal to the pattern is kept too, so a
  ///     plain literal works.
  /// - Throws: `.invalidConfig` naming the pattern when an allow pattern is not a valid
  ///   regular expression, or when two rules share an id.
  public init(extraRules: [RedactionRule] = [], allowPatterns: [String] = []) throws(CtxError) {
    var ids = Set(RedactionRule.builtin.map(\.id))
    for rule in extraRules where !ids.insert(rule.id).inserted {
      throw CtxError(.invalidConfig, "redaction rule id `\(rule.id)` is used twice; give each extra rule its own id")
    }
    var allow: [AllowPattern] = []
    for pattern in allowPatterns {
      do {
        allow.append(AllowPattern(literal: pattern, regex: SharedRegex(try NSRegularExpression(pattern: pattern))))
      } catch {
        throw CtxError(.invalidConfig, "the redaction allow pattern `\(pattern)` is not a valid regular expression", cause: error)
      }
    }
    self.init(validated: extraRules, allow: allow)
  }

  private init(validated extraRules: [RedactionRule], allow: [AllowPattern]) {
    rules = RedactionRule.builtin + extraRules
    self.allow = allow
    markers = rules.map { Array("[REDACTED:\($0.id)]".utf8) }
    var prefixed: [PrefixedRule] = []
    var fullText: [(rule: Int, regex: SharedRegex)] = []
    for (index, rule) in rules.enumerated() {
      guard case .custom(let custom) = rule.kind else { continue }
      if let prefix = custom.prefix {
        prefixed.append(PrefixedRule(rule: index, prefix: prefix, regex: custom.regex))
      } else {
        fullText.append((index, custom.regex))
      }
    }
    self.prefixed = prefixed
    self.fullText = fullText
    triggers = Trigger.table(customFirstBytes: prefixed.map { $0.prefix[0] })
  }

  /// The text with every secret replaced, how many values each rule replaced, and where.
  public func redact(_ text: String) -> Redaction {
    if text.isEmpty { return Redaction(text: text, counts: [:], findings: []) }
    var contiguous = text
    return contiguous.withUTF8 { buffer in
      let bytes = Bytes(base: buffer.baseAddress!, count: buffer.count)
      var spans = Redactor.merge(candidates(in: bytes, text: { text }), in: bytes)
      if spans.isEmpty { return Redaction(text: text, counts: [:], findings: []) }
      var output = rewrite(bytes, spans)
      // Settle. A marker can change a neighbour's context (a token glued to the value after
      // it gains a boundary once that value is a marker), so scan the output again and fold
      // anything new back into the input's spans. Redacting twice then changes nothing.
      for _ in 0..<3 {
        let again = output.withUnsafeBufferPointer { out in
          let outBytes = Bytes(base: out.baseAddress!, count: out.count)
          return candidates(in: outBytes, text: { outBytes.string(0..<outBytes.count) })
        }
        if again.isEmpty { break }
        spans = Redactor.merge(spans + again.map { inputSpan(of: $0, after: spans, in: bytes) }, in: bytes)
        output = rewrite(bytes, spans)
      }
      return report(bytes, spans, output)
    }
  }

  /// Every span a rule wants redacted, minus allowed values, unsorted.
  private func candidates(in bytes: Bytes, text: () -> String) -> [Candidate] {
    var candidates = FormatTables.with { tables in
      var scanner = Scanner(bytes: bytes, prefixed: prefixed, formatTables: tables)
      triggers.withUnsafeBufferPointer { scanner.scan(triggers: $0.baseAddress!) }
      return scanner.found
    }
    if !fullText.isEmpty {
      let text = text()
      for (rule, regex) in fullText {
        for match in regex.regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
          guard let range = CustomMatch.utf8Range(of: match, in: text) else { continue }
          candidates.append(Candidate(start: range.lowerBound, end: range.upperBound, rule: rule, priority: 2))
        }
      }
    }
    if !allow.isEmpty && !candidates.isEmpty {
      candidates.removeAll { candidate in
        let value = bytes.string(candidate.start..<candidate.end)
        return allow.contains { $0.allows(value) }
      }
    }
    return candidates
  }

  /// A span found in the output of `rewrite(_, spans)`, as input offsets. An end inside a
  /// marker stretches to the whole redacted value.
  private func inputSpan(of found: Candidate, after spans: [Candidate], in bytes: Bytes) -> Candidate {
    func map(_ position: Int, isEnd: Bool) -> Int {
      var delta = 0
      for span in spans {
        let length = replacement(bytes, span).count
        let markerStart = span.start + delta
        let markerEnd = markerStart + length
        if position <= markerStart { break }
        if position < markerEnd { return isEnd ? span.end : span.start }
        delta += length - (span.end - span.start)
      }
      return position - delta
    }
    var mapped = found
    mapped.start = map(found.start, isEnd: false)
    mapped.end = map(found.end, isEnd: true)
    return mapped
  }

  /// Sorted, non-overlapping spans on character boundaries. At the same start the
  /// higher-priority rule names the span; overlapping spans are joined so no secret byte
  /// survives either match.
  static func merge(_ candidates: [Candidate], in bytes: Bytes) -> [Candidate] {
    let sorted = candidates.sorted { $0.start != $1.start ? $0.start < $1.start : $0.priority > $1.priority }
    var spans: [Candidate] = []
    for var candidate in sorted {
      // Never split a multi-byte character.
      while candidate.start > 0 && bytes[candidate.start] & 0xC0 == 0x80 { candidate.start -= 1 }
      while candidate.end < bytes.count && bytes[candidate.end] & 0xC0 == 0x80 { candidate.end += 1 }
      guard candidate.end > candidate.start else { continue }
      if let last = spans.last, candidate.start < last.end {
        spans[spans.count - 1].end = max(last.end, candidate.end)
      } else {
        spans.append(candidate)
      }
    }
    return spans
  }

  /// The input with each span replaced by its marker.
  /// A span's replacement: its marker, then as many newlines as the span held, so every line
  /// after a multi-line secret (a PEM block) keeps its number and chunks keep exact ranges.
  private func replacement(_ bytes: Bytes, _ span: Candidate) -> [UInt8] {
    var newlines = 0
    for position in span.start..<span.end where bytes[position] == ASCII.newline { newlines += 1 }
    return newlines == 0 ? markers[span.rule] : markers[span.rule] + Array(repeating: ASCII.newline, count: newlines)
  }

  private func rewrite(_ bytes: Bytes, _ spans: [Candidate]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count + spans.count * 24)
    var position = 0
    for span in spans {
      output.append(contentsOf: UnsafeBufferPointer(start: bytes.base + position, count: span.start - position))
      output.append(contentsOf: replacement(bytes, span))
      position = span.end
    }
    output.append(contentsOf: UnsafeBufferPointer(start: bytes.base + position, count: bytes.count - position))
    return output
  }

  /// Counts and findings (lines and columns in the input) for the final spans.
  private func report(_ bytes: Bytes, _ spans: [Candidate], _ output: [UInt8]) -> Redaction {
    var counts: [String: Int] = [:]
    var findings: [Finding] = []
    findings.reserveCapacity(spans.count)
    var position = 0
    var line = 1
    var lineStart = 0
    func advance(to target: Int) {
      while position < target {
        if bytes[position] == ASCII.newline {
          line += 1
          lineStart = position + 1
        }
        position += 1
      }
    }
    for span in spans {
      advance(to: span.start)
      let startLine = line
      let startColumn = span.start - lineStart + 1
      advance(to: span.end)
      let id = rules[span.rule].id
      counts[id, default: 0] += 1
      findings.append(
        Finding(rule: id, line: startLine, column: startColumn, endLine: line, endColumn: span.end - lineStart + 1, utf8Range: span.start..<span.end))
    }
    return Redaction(text: String(decoding: output, as: UTF8.self), counts: counts, findings: findings)
  }
}

/// The result of `Redactor.redact`.
public struct Redaction: Sendable {
  /// The text with each secret replaced by `[REDACTED:<rule-id>]`; the input itself when
  /// nothing matched.
  public var text: String
  /// Rule id → how many values it replaced. Empty when nothing matched.
  public var counts: [String: Int]
  /// Where each replaced value was, in input order. Never holds the value itself.
  public var findings: [Finding]

  public init(text: String, counts: [String: Int], findings: [Finding]) {
    self.text = text
    self.counts = counts
    self.findings = findings
  }

  /// Whether anything was replaced.
  public var didRedact: Bool { !findings.isEmpty }
}

/// One replaced value: the rule and its place in the input, never the value.
public struct Finding: Sendable, Hashable, Codable {
  public var rule: String
  /// 1-based line of the first replaced byte.
  public var line: Int
  /// 1-based column of the first replaced byte, counted in UTF-8 bytes (as ripgrep does).
  public var column: Int
  /// Line and column (exclusive) just past the last replaced byte; differ from `line` for a
  /// private key block.
  public var endLine: Int
  public var endColumn: Int
  /// The replaced bytes' offsets in the input's UTF-8.
  public var utf8Range: Range<Int>

  public init(rule: String, line: Int, column: Int, endLine: Int, endColumn: Int, utf8Range: Range<Int>) {
    self.rule = rule
    self.line = line
    self.column = column
    self.endLine = endLine
    self.endColumn = endColumn
    self.utf8Range = utf8Range
  }
}

/// A value to keep: equal to the pattern, or matching it as a regular expression.
struct AllowPattern: Sendable {
  var literal: String
  var regex: SharedRegex

  func allows(_ value: String) -> Bool {
    value == literal || regex.regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
  }
}

extension Redactor {
  /// The redactor a source's connector file asks for: the built-in rules plus its own.
  /// Patterns were checked when the connector file was read, so failure here means a bug.
  public init(settings: RedactionSettings) throws(CtxError) {
    var extra: [RedactionRule] = []
    for (id, pattern) in settings.rules.sorted(by: { $0.key < $1.key }) { extra.append(try RedactionRule.custom(id: id, pattern: pattern)) }
    try self.init(extraRules: extra, allowPatterns: settings.allow)
  }
}

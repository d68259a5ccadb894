import CtxCore
import CtxConnectors
import Foundation

/// Finds a decision record's status (see docs/docs-connector.md, "Decision records").
///
/// Recognised, in this order of precedence:
/// 1. Front matter: `status: accepted`, `superseded_by: ADR-012` (also `superseded-by`,
///    `supersededBy`), `supersedes: ADR-003` or a list.
/// 2. The body, outside code blocks: a `Status: Accepted` line in the first 60 lines (also
///    `**Status:** Accepted`, `**Status**: Accepted`, `* Status: accepted`, `:Status: Accepted`,
///    `| Status | Accepted |`), or a heading `Status` whose first non-empty line is the
///    status (`Accepted`, `~~Proposed~~ Accepted`, `Superseded by [ADR-012](0012-foo.md)`).
/// 3. Lines anywhere outside code that start with `Superseded by …` or `Supersedes …`.
/// A value's first word decides the state; an unknown value is kept raw (`.other`). A
/// `Superseded by` with no status word means `.superseded`.
enum StatusDetector {
  static let topLines = 60

  static func detect(frontMatter: FrontMatter, model: LineModel, bodyStart: Int, headings: [Heading], path: String) -> DocStatus? {
    var state: DocStatus.State? = nil
    var line: Int? = nil
    var supersededBy: String? = nil
    var supersedes: [String] = []

    func addSupersedes(_ refs: [String]) {
      for ref in refs where !supersedes.contains(ref) { supersedes.append(ref) }
    }

    // 1. Front matter.
    var normalized: [String: (key: String, value: String)] = [:]
    for (key, value) in frontMatter.values {
      normalized[key.lowercased().replacingAll("_", with: "").replacingAll("-", with: "")] = (key, value)
    }
    if let (key, value) = normalized["status"], let parsed = parseValue(value, path: path) {
      state = parsed.state
      supersededBy = parsed.supersededBy
      line = frontMatter.keyLines[key]
    }
    if let (key, value) = normalized["supersededby"], !value.isEmpty {
      supersededBy = supersededBy ?? reference(in: value, path: path)
      if line == nil { line = frontMatter.keyLines[key] }
    }
    if let (key, value) = normalized["supersedes"] {
      let items = frontMatter.lists[key] ?? value.split(separator: ",").map { String($0).trimmingWhitespace() }
      addSupersedes(items.compactMap { references(in: $0, path: path).first ?? ($0.isEmpty ? nil : $0) })
    }

    // 2. and 3. The body.
    let statusHeadings = headings.filter { normalizedHeading($0.text) == "status" }
    var statusSectionLines: Set<Int> = []
    for heading in statusHeadings {
      let next = headings.first { $0.startLine > heading.startLine }?.startLine ?? model.count + 1
      var index = heading.endLine  // the 0-based index of the line after the heading
      while index < next - 1 && index < model.count {
        statusSectionLines.insert(index)
        index += 1
      }
    }
    var statusSectionSeen = Set<Int>()
    var index = max(0, bodyStart)
    while index < model.count {
      defer { index += 1 }
      if model.code[index] { continue }
      let text = model.lines[index].trimmingWhitespace()
      if text.isEmpty { continue }
      let inStatusSection = statusSectionLines.contains(index)
      if state == nil {
        if index - bodyStart < topLines || inStatusSection, let value = statusLineValue(text), let parsed = parseValue(value, path: path) {
          state = parsed.state
          line = model.originalStart(index)
          if supersededBy == nil { supersededBy = parsed.supersededBy }
          continue
        }
        if inStatusSection {
          // The first non-empty line of a Status section.
          let section = statusHeadings.last { $0.endLine <= index }?.startLine ?? -1
          if !statusSectionSeen.contains(section) {
            statusSectionSeen.insert(section)
            if let parsed = parseValue(stripListMarker(text), path: path) {
              state = parsed.state
              line = model.originalStart(index)
              if supersededBy == nil { supersededBy = parsed.supersededBy }
              continue
            }
          }
        }
      }
      let plain = stripListMarker(clean(text))
      let lower = plain.lowercased()
      if lower.hasPrefix("superseded by ") || lower.hasPrefix("superseded by:") {
        if supersededBy == nil { supersededBy = reference(in: String(plain.dropFirst("superseded by".count)), path: path) }
        if line == nil { line = model.originalStart(index) }
      } else if lower.hasPrefix("supersedes ") || lower.hasPrefix("supersedes:") {
        addSupersedes(references(in: String(plain.dropFirst("supersedes".count)), path: path))
      }
    }

    if state == nil && supersededBy != nil { state = .superseded }
    guard let state else { return nil }
    return DocStatus(state: state, supersededBy: supersededBy, supersedes: supersedes, line: line)
  }

  // MARK: Values

  /// `Accepted`, `accepted (2024-01-02)`, `~~Proposed~~ Accepted`, `Superseded by ADR-012`.
  static func parseValue(_ raw: String, path: String) -> (state: DocStatus.State, supersededBy: String?)? {
    let value = clean(raw)
    guard !value.isEmpty else { return nil }
    let lower = value.lowercased()
    if lower.hasPrefix("superseded") {
      var rest = Substring(value.dropFirst("superseded".count)).drop { $0 == " " || $0 == ":" || $0 == "-" || $0 == "," }
      if rest.lowercased().hasPrefix("by") { rest = rest.dropFirst(2) }
      return (.superseded, reference(in: String(rest), path: path))
    }
    let firstWord = value.prefix { $0.isLetter }
    guard !firstWord.isEmpty else { return nil }
    let state = DocStatus.State(word: String(firstWord))
    if case .other = state {
      // Keep the value as written, up to the first clause break.
      var kept = Substring(value)
      if let stop = kept.firstIndex(where: { $0 == "," || $0 == ";" || $0 == "(" || $0 == "." || $0 == "—" || $0 == "|" }) { kept = kept[..<stop] }
      let text = String(kept.prefix(60)).trimmingWhitespace()
      return (.other(text.isEmpty ? String(firstWord) : text), nil)
    }
    return (state, nil)
  }

  /// The value of a `Status: X` line in any of its dressings, or nil.
  static func statusLineValue(_ line: String) -> String? {
    var text = line.trimmingWhitespace()
    if text.hasPrefix("|") {
      let cells = text.split(separator: "|").map { clean(String($0)) }.filter { !$0.isEmpty }
      if cells.count >= 2 && cells[0].lowercased() == "status" { return cells[1] }
      return nil
    }
    text = stripListMarker(text)
    text = text.replacingAll("**", with: "").replacingAll("__", with: "")
    if text.hasPrefix(":") { text.removeFirst() }
    guard text.lowercased().hasPrefix("status") else { return nil }
    let rest = text.dropFirst("status".count).drop { $0 == " " || $0 == "\t" }
    guard rest.first == ":" else { return nil }
    return String(rest.dropFirst()).trimmingWhitespace()
  }

  /// Emphasis, code marks and struck-out text removed.
  static func clean(_ raw: String) -> String {
    var text = raw
    // Struck-out words (~~Proposed~~) are the old status.
    while let open = text.range(of: "~~"), let close = text.range(of: "~~", range: open.upperBound..<text.endIndex) {
      text.removeSubrange(open.lowerBound..<close.upperBound)
    }
    text = text.replacingAll("**", with: "").replacingAll("__", with: "").replacingAll("`", with: "")
    if text.hasPrefix("*") && text.hasSuffix("*") && text.count > 2 { text = String(text.dropFirst().dropLast()) }
    if text.hasPrefix("_") && text.hasSuffix("_") && text.count > 2 { text = String(text.dropFirst().dropLast()) }
    return text.trimmingWhitespace()
  }

  static func stripListMarker(_ text: String) -> String {
    var result = Substring(text)
    while let first = result.first, first == "-" || first == "*" || first == "+" || first == ">" {
      let after = result.dropFirst()
      guard after.first == " " || after.first == "\t" || (first == ">" && after.isEmpty) else { break }
      result = after.drop { $0 == " " || $0 == "\t" }
    }
    return String(result)
  }

  static func normalizedHeading(_ text: String) -> String {
    clean(text).lowercased().trimming(charactersIn: " :")
  }

  // MARK: References

  /// The first reference in `text`: a Markdown link's target (resolved against the
  /// document's folder), else the first word (`ADR-012`, `0012-foo.md`, `ADR 12`).
  static func reference(in text: String, path: String) -> String? {
    if let first = references(in: text, path: path, firstOnly: true).first { return first }
    return nil
  }

  /// Every reference in `text`: link targets, `ADR-12`-style keys, `.md` paths, `#12`.
  static func references(in text: String, path: String, firstOnly: Bool = false) -> [String] {
    var results: [String] = []
    var rest = Substring(text.trimmingWhitespace())
    while !rest.isEmpty {
      rest = rest.drop { $0 == " " || $0 == "," || $0 == ";" || $0 == ":" || $0 == "(" || $0 == ")" || $0 == "\t" }
      guard !rest.isEmpty else { break }
      if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
        let label = String(rest[rest.index(after: rest.startIndex)..<close])
        let afterLabel = rest[rest.index(after: close)...]
        if afterLabel.hasPrefix("("), let end = afterLabel.firstIndex(of: ")") {
          let target = String(afterLabel[afterLabel.index(after: afterLabel.startIndex)..<end]).split(separator: " ").first.map(String.init) ?? ""
          results.append(resolve(target, label: label, path: path))
          rest = afterLabel[afterLabel.index(after: end)...]
        } else {
          results.append(clean(label))
          rest = afterLabel
        }
        if firstOnly { break }
        continue
      }
      var word = String(rest.prefix { $0 != " " && $0 != "," && $0 != ";" && $0 != "\t" && $0 != ")" })
      rest = rest.dropFirst(word.count)
      while let last = word.last, last == "." || last == ":" || last == "!" { word.removeLast() }
      word = clean(word)
      guard !word.isEmpty else { continue }
      let lower = word.lowercased()
      if ["and", "or", "by", "the", "adr", "rfc"].contains(lower) {
        // "ADR 12": join a bare prefix with the number that follows.
        if lower == "adr" || lower == "rfc" {
          let number = rest.drop { $0 == " " }.prefix { $0.isNumber }
          if !number.isEmpty {
            results.append("\(word) \(number)")
            rest = rest.drop { $0 == " " }.dropFirst(number.count)
            if firstOnly { break }
          }
        }
        continue
      }
      let looksLikeReference = word.contains("-") && word.contains(where: { $0.isNumber }) || word.hasSuffix(".md") || word.hasPrefix("#")
        || word.contains("/")
      if looksLikeReference || firstOnly {
        results.append(word.hasSuffix(".md") && !word.contains("://") ? resolve(word, label: word, path: path) : word)
        if firstOnly { break }
      }
    }
    return results
  }

  /// A link target as a path relative to the source root: relative targets are resolved
  /// against the document's folder, `/x` is taken from the root, URLs are kept.
  static func resolve(_ target: String, label: String, path: String) -> String {
    var target = target
    if target.contains("://") || target.hasPrefix("mailto:") { return target }
    if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
    if target.isEmpty { return clean(label) }
    var parts: [Substring]
    if target.hasPrefix("/") {
      parts = []
    } else {
      parts = path.split(separator: "/")
      if !parts.isEmpty { parts.removeLast() }
    }
    for part in target.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return parts.joined(separator: "/")
  }
}

extension String {
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty, contains(target) else { return self }
    var result = ""
    var rest = self[...]
    while let range = rest.range(of: target) {
      result += rest[..<range.lowerBound]
      result += replacement
      rest = rest[range.upperBound...]
    }
    result += rest
    return result
  }

  func trimming(charactersIn set: String) -> String {
    var text = Substring(self)
    while let first = text.first, set.contains(first) { text = text.dropFirst() }
    while let last = text.last, set.contains(last) { text = text.dropLast() }
    return String(text)
  }
}

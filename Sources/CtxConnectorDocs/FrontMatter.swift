import CtxCore
import CtxConnectors
import Yams

/// YAML front matter: a `---` line at the very top, YAML, and a closing `---` (or `...`) line.
struct FrontMatter: Sendable {
  /// Flattened scalar values (see `ParsedDocument.frontMatter`).
  var values: [String: String] = [:]
  /// List values item by item, under the same flattened keys (for `supersedes:`).
  var lists: [String: [String]] = [:]
  /// The 1-based line of each top-level key.
  var keyLines: [String: Int] = [:]
  /// The first line after the closing delimiter (1 when there is no front matter).
  var bodyStart = 1

  /// Reads the front matter of `lines`, if any.
  ///
  /// - A first line of `---` with no closing line is not front matter (it is a thematic
  ///   break), unless the next line looks like a YAML key (`title: …`): then it is an
  ///   unclosed block, an error.
  /// - YAML that does not parse, or that is not a mapping, is an error naming the line.
  static func read(_ lines: TextLines, path: String) throws(DocParseError) -> FrontMatter {
    guard lines.count >= 2, isDelimiter(lines.line(1), closing: false) else { return FrontMatter() }
    var closing: Int? = nil
    for number in 2...lines.count where isDelimiter(lines.line(number), closing: true) {
      closing = number
      break
    }
    guard let closing else {
      if looksLikeYAMLKey(lines.line(2)) {
        throw DocParseError(
          kind: .unclosedFrontMatter, path: path, line: 1,
          message: "front matter opened with `---` on line 1 is never closed; add a `---` line after the last key")
      }
      return FrontMatter()
    }
    var result = FrontMatter()
    result.bodyStart = closing + 1
    guard closing > 2 else { return result }
    let yaml = lines.text(from: 2, to: closing - 1)
    let node: Node?
    do {
      node = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      throw describe(error, path: path)
    } catch {
      throw DocParseError(kind: .malformedFrontMatter, path: path, line: 2, message: "front matter is not valid YAML: \(error)")
    }
    guard let node else { return result }
    guard let mapping = node.mapping else {
      throw DocParseError(
        kind: .malformedFrontMatter, path: path, line: (node.mark?.line ?? 1) + 1,
        message: "front matter must be a mapping of keys such as `title: …`, not a \(node.sequence != nil ? "list" : "single value")")
    }
    for (keyNode, valueNode) in mapping {
      guard let key = keyNode.string else { continue }
      if let line = keyNode.mark?.line { result.keyLines[key] = line + 1 }
      result.flatten(valueNode, key: key, depth: 0)
    }
    return result
  }

  private mutating func flatten(_ node: Node, key: String, depth: Int) {
    guard depth < 8 else { return }
    switch node {
    case .scalar(let scalar):
      values[key] = scalar.string
    case .mapping(let mapping):
      for (childKey, childValue) in mapping {
        guard let name = childKey.string else { continue }
        flatten(childValue, key: key + "." + name, depth: depth + 1)
      }
    case .sequence(let sequence):
      var items: [String] = []
      for item in sequence {
        switch item {
        case .scalar(let scalar): items.append(scalar.string)
        case .mapping(let mapping):
          let pairs = mapping.compactMap { pair -> String? in
            guard let name = pair.key.string, let value = pair.value.scalar?.string else { return nil }
            return "\(name)=\(value)"
          }
          if !pairs.isEmpty { items.append(pairs.joined(separator: " ")) }
        case .sequence(let inner):
          items.append(contentsOf: inner.compactMap { $0.scalar?.string })
        case .alias:
          continue
        }
      }
      values[key] = items.joined(separator: ", ")
      lists[key] = items
    case .alias:
      break
    }
  }

  private static func describe(_ error: YamlError, path: String) -> DocParseError {
    // Yams marks are 1-based within the YAML, which starts on the file's line 2.
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
      return DocParseError(kind: .malformedFrontMatter, path: path, line: mark.line + 1, message: "front matter is not valid YAML: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return DocParseError(
        kind: .malformedFrontMatter, path: path, line: context.mark.line + 1,
        message: "front matter repeats the key \(duplicates.joined(separator: ", ")); keep one")
    default:
      return DocParseError(kind: .malformedFrontMatter, path: path, line: 2, message: "front matter is not valid YAML: \(error)")
    }
  }

  private static func isDelimiter(_ line: ArraySlice<UInt8>, closing: Bool) -> Bool {
    var trimmed = line
    while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
    if trimmed.elementsEqual("---".utf8) { return true }
    return closing && trimmed.elementsEqual("...".utf8)
  }

  private static func looksLikeYAMLKey(_ line: ArraySlice<UInt8>) -> Bool {
    guard let first = line.first, (first >= 0x61 && first <= 0x7A) || (first >= 0x41 && first <= 0x5A) || first == UInt8(ascii: "_") else {
      return false
    }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
    let key = line[line.startIndex..<colon]
    guard key.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D })
    else { return false }
    return colon + 1 == line.endIndex || line[colon + 1] == 0x20 || line[colon + 1] == 0x09
  }
}

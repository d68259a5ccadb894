import CtxCore
import Foundation
import Yams

/// A front-matter value as annotations use them: a scalar, a mapping of scalars, or a list of
/// scalars, with the line it was on (1-based, in the file).
struct FrontMatterEntry {
  enum Value {
    case scalar(String)
    case mapping([String: String])
    case list([String])
  }

  var line: Int
  var value: Value

  var string: String? {
    if case .scalar(let text) = value { return text }
    return nil
  }
}

/// Reads annotation front matter. The files ctx writes (and most written by hand) use a small
/// subset of YAML, read here by hand: 10,000 annotations parse in a fraction of the time Yams
/// takes. Anything outside the subset (block lists, multi-line scalars, anchors) goes to Yams.
enum FrontMatterReader {
  /// - Parameter firstLine: the file line of `lines.first`.
  static func read(_ lines: ArraySlice<Substring>, firstLine: Int, path: String) throws(CtxError) -> [String: FrontMatterEntry] {
    if let simple = simple(lines, firstLine: firstLine) { return simple }
    return try yams(lines.joined(separator: "\n"), firstLine: firstLine, path: path)
  }

  /// The subset: `key: scalar`, `key: [a, b]`, and `key:` followed by `  sub: scalar` lines;
  /// comments and blank lines. Nil when the text uses anything else.
  static func simple(_ lines: ArraySlice<Substring>, firstLine: Int) -> [String: FrontMatterEntry]? {
    var entries: [String: FrontMatterEntry] = [:]
    var open: (key: String, line: Int, values: [String: String])? = nil
    func close() {
      if let current = open { entries[current.key] = FrontMatterEntry(line: current.line, value: .mapping(current.values)) }
      open = nil
    }
    for (offset, raw) in lines.enumerated() {
      let line = firstLine + offset
      let text = String(raw)
      let trimmed = text.trimmedSpaces
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let indented = text.hasPrefix(" ")
      guard let colon = trimmed.firstIndex(of: ":") else { return nil }
      let key = String(trimmed[..<colon])
      guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else { return nil }
      let rest = trimmed[trimmed.index(after: colon)...].trimmedSpaces
      if indented {
        guard open != nil, !rest.isEmpty, let value = scalar(rest) else { return nil }
        open!.values[key] = value
        continue
      }
      close()
      guard entries[key] == nil else { return nil }  // duplicates: let Yams word the error
      if rest.isEmpty {
        open = (key, line, [:])
      } else if rest.hasPrefix("[") {
        guard rest.hasSuffix("]"), let items = list(String(rest.dropFirst().dropLast())) else { return nil }
        entries[key] = FrontMatterEntry(line: line, value: .list(items))
      } else {
        guard let value = scalar(rest) else { return nil }
        entries[key] = FrontMatterEntry(line: line, value: .scalar(value))
      }
    }
    close()
    return entries
  }

  /// A plain, double-quoted or single-quoted scalar; nil for anything fancier.
  static func scalar(_ text: String) -> String? {
    if text.hasPrefix("\"") {
      guard text.count >= 2, text.hasSuffix("\"") else { return nil }
      var result = ""
      var escaping = false
      var characters = Array(text.dropFirst().dropLast())
      var index = 0
      while index < characters.count {
        let character = characters[index]
        if escaping {
          switch character {
          case "n": result.append("\n")
          case "t": result.append("\t")
          case "\"", "\\", "/": result.append(character)
          case "x":
            guard index + 2 < characters.count, let value = UInt8(String(characters[index + 1...index + 2]), radix: 16) else { return nil }
            result.unicodeScalars.append(Unicode.Scalar(value))
            index += 2
          default: return nil
          }
          escaping = false
        } else if character == "\\" {
          escaping = true
        } else if character == "\"" {
          return nil
        } else {
          result.append(character)
        }
        index += 1
      }
      characters = []
      return escaping ? nil : result
    }
    if text.hasPrefix("'") {
      guard text.count >= 2, text.hasSuffix("'") else { return nil }
      let inner = String(text.dropFirst().dropLast())
      guard !inner.replacingOccurrences(of: "''", with: "").contains("'") else { return nil }
      return inner.replacingOccurrences(of: "''", with: "'")
    }
    // Plain: no YAML indicators that would change the meaning.
    guard let first = text.first, !"[]{}&*!|>%@`,#".contains(first), !text.contains(" #"), !text.contains(": ") else { return nil }
    return text
  }

  static func list(_ text: String) -> [String]? {
    var items: [String] = []
    for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
      let item = piece.trimmedSpaces
      if item.isEmpty { continue }
      guard let value = scalar(item) else { return nil }
      items.append(value)
    }
    return items
  }

  /// Full YAML through Yams, reduced to the same entries.
  static func yams(_ yaml: String, firstLine: Int, path: String) throws(CtxError) -> [String: FrontMatterEntry] {
    let node: Node
    do {
      guard let parsed = try Yams.compose(yaml: yaml) else {
        throw CtxError(.invalidConfig, "the front matter is empty; it needs at least `target:` and `kind:`", path: path, line: firstLine)
      }
      node = parsed
    } catch let error as CtxError {
      throw error
    } catch let error as YamlError {
      throw CtxError(
        .invalidConfig, "the front matter is not valid YAML: \(describe(error))", path: path, line: line(of: error).map { $0 + firstLine - 1 }, cause: error)
    } catch {
      throw CtxError(.invalidConfig, "the front matter is not valid YAML: \(error)", path: path, line: firstLine, cause: error)
    }
    guard let mapping = node.mapping else {
      throw CtxError(.invalidConfig, "the front matter must be a mapping such as `target: symbol:validateSession`", path: path, line: firstLine)
    }
    var entries: [String: FrontMatterEntry] = [:]
    for (key, value) in mapping {
      let line = (key.mark?.line).map { $0 + firstLine - 1 } ?? firstLine  // Yams lines are 1-based
      guard let name = key.string else {
        throw CtxError(.invalidConfig, "keys must be plain words such as `target`", path: path, line: line)
      }
      if let scalar = value.string {
        entries[name] = FrontMatterEntry(line: line, value: .scalar(scalar))
      } else if let sequence = value.sequence {
        entries[name] = FrontMatterEntry(line: line, value: .list(sequence.compactMap(\.string)))
      } else if let fields = value.mapping {
        var values: [String: String] = [:]
        for (field, fieldValue) in fields {
          if let field = field.string, let text = fieldValue.string { values[field] = text }
        }
        entries[name] = FrontMatterEntry(line: line, value: .mapping(values))
      } else {
        entries[name] = FrontMatterEntry(line: line, value: .scalar(""))
      }
    }
    return entries
  }

  static func line(of error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
    default: nil
    }
  }

  static func describe(_ error: YamlError) -> String {
    switch error {
    case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
    case .duplicatedKeysInMapping(let duplicates, _): "duplicate key \(duplicates.joined(separator: ", ")); keep one"
    default: "\(error)"
    }
  }
}

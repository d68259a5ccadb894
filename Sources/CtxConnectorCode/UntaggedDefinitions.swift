import CtxConnectors
import CtxCore

/// Definitions universal-ctags 5.9 does not tag at all, found line by line:
/// - Rust `const` items (`pub const MAX_DEPTH: usize = 64;`), kind `constant`; ctags tags
///   `static` items and `const fn`, but not these.
/// - JavaScript and TypeScript functions assigned along a chain, on one line or several
///   (Express's `res.set =` then `res.header = function header(field, val) {`): ctags tags
///   nothing there, so `res.header` had no definition. Each property becomes a function scoped
///   to its object, declared on the chain's first line.
/// Only lines where ctags found nothing are read, so nothing is tagged twice.
enum UntaggedDefinitions {
  static func added(to symbols: [Symbol], lines: TextLines, language: String?) -> [Symbol] {
    guard language == "rust" || language == "javascript" || language == "typescript" else { return symbols }
    let tagged = Set(symbols.map(\.line))
    var found: [Symbol] = []
    for number in 1...max(lines.count, 1) where number <= lines.count && !tagged.contains(number) {
      switch language {
      case "rust": found += rustConstants(lines.unindented(number), number)
      default: found += chainedFunctions(lines, endingOn: number, tagged: tagged)
      }
    }
    guard !found.isEmpty else { return symbols }
    return (symbols + found).sorted { $0.line < $1.line }
  }

  /// `const NAME:` after an optional `pub` or `pub(...)`.
  static func rustConstants(_ line: ArraySlice<UInt8>, _ number: Int) -> [Symbol] {
    var rest = line
    if rest.starts(with: "pub".utf8) {
      rest = rest.dropFirst(3)
      if rest.first == UInt8(ascii: "(") {
        guard let close = rest.firstIndex(of: UInt8(ascii: ")")) else { return [] }
        rest = rest[(close + 1)...]
      }
      guard rest.first == 0x20 || rest.first == 0x09 else { return [] }
      rest = rest.drop { $0 == 0x20 || $0 == 0x09 }
    }
    guard rest.starts(with: "const ".utf8) else { return [] }
    rest = rest.dropFirst(6).drop { $0 == 0x20 }
    let name = rest.prefix(while: isIdentifierByte)
    let after = rest.dropFirst(name.count).drop { $0 == 0x20 }
    guard !name.isEmpty, !name.elementsEqual("_".utf8), !(name.first.map { $0 >= 48 && $0 <= 57 } ?? true), after.first == UInt8(ascii: ":") else { return [] }
    return [Symbol(name: String(decoding: name, as: UTF8.self), kind: "constant", line: number, endLine: nil)]
  }

  /// `a.b = a.c = function` on line `number`, with the `a.d =` lines right above it that
  /// continue into it; the symbols are declared on the chain's first line.
  static func chainedFunctions(_ lines: TextLines, endingOn number: Int, tagged: Set<Int>) -> [Symbol] {
    let (targets, rest) = assignmentTargets(lines.unindented(number))
    guard !targets.isEmpty, rest.starts(with: "function".utf8) else { return [] }
    let next = rest.dropFirst(8).first
    guard next == nil || !isIdentifierByte(next!) else { return [] }  // not `functions`
    var all = targets
    var first = number
    while first > 1, number - first < 8, !tagged.contains(first - 1) {
      let (above, after) = assignmentTargets(lines.unindented(first - 1))
      guard !above.isEmpty, after.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { break }
      all = above + all
      first -= 1
    }
    // One assignment on its own line is ctags' to name (`res.append = function append`).
    guard all.count >= 2 else { return [] }
    return all.map { Symbol(name: $0.property, kind: "function", line: first, endLine: nil, scope: $0.object) }
  }

  /// The `object.property =` assignments a line starts with, and what follows the last `=`.
  static func assignmentTargets(_ line: ArraySlice<UInt8>) -> (targets: [(object: String, property: String)], rest: ArraySlice<UInt8>) {
    var rest = line
    var targets: [(object: String, property: String)] = []
    while true {
      let object = rest.prefix(while: isIdentifierByte)
      guard !object.isEmpty else { break }
      var cursor = rest.dropFirst(object.count)
      guard cursor.first == UInt8(ascii: ".") else { break }
      cursor = cursor.dropFirst()
      let property = cursor.prefix(while: isIdentifierByte)
      cursor = cursor.dropFirst(property.count).drop { $0 == 0x20 || $0 == 0x09 }
      guard !property.isEmpty, cursor.first == UInt8(ascii: "="), cursor.dropFirst().first != UInt8(ascii: "=") else { break }
      targets.append((String(decoding: object, as: UTF8.self), String(decoding: property, as: UTF8.self)))
      rest = cursor.dropFirst().drop { $0 == 0x20 || $0 == 0x09 }
    }
    return (targets, rest)
  }

  static func isIdentifierByte(_ byte: UInt8) -> Bool {
    byte == 0x5F || byte == 0x24 || (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
  }
}

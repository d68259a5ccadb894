/// Where definitions end in languages with braces, for parsers that give no end line.
///
/// ctags gives no end line for JavaScript, TypeScript and Rust. Guessing "up to the next
/// definition" put a definition's doc comment at the end of the chunk before it, ran a
/// constructor function over the prototype methods assigned after it, and cut a function
/// in two at a callback nested in it. Here one pass over the file reads its braces the way
/// the compiler would (skipping strings, characters and comments), and a definition ends at
/// the brace that closes its body.
public struct BlockEnds {
  /// How a language writes `'`: a string (C, JavaScript) or, in Rust, a character literal or
  /// a lifetime (`'a`).
  enum Quote { case string, rustCharacterOrLifetime }

  /// A bracket or `;` outside strings and comments, in file order.
  private struct Mark {
    var byte: UInt8
    var offset: Int
    var line: Int
    /// For `{`: the line of the `}` that closes it; nil when nothing does.
    var closedOn: Int?
  }

  private var marks: [Mark] = []
  private let text: TextLines

  /// Lines a declaration may take before its body's `{` (`function f(a,\n b) {`).
  static let headerLines = 12

  /// The quoting rules of `language`, when it is written with braces; nil otherwise.
  static func quote(for language: String?) -> Quote? {
    switch language {
    case "rust": return .rustCharacterOrLifetime
    case "javascript", "typescript", "java", "kotlin", "scala", "c#", "php", "dart", "groovy", "c", "c++", "objective-c",
      "objective-c++", "go", "zig", "swift":
      return .string
    default: return nil
    }
  }

  init(_ text: TextLines, quote: Quote) {
    self.text = text
    let bytes = text.bytes
    var line = 1
    var open: [Int] = []  // indexes of unclosed `{` marks
    var index = 0
    let count = bytes.count
    var marks: [Mark] = []
    func mark(_ byte: UInt8) {
      marks.append(Mark(byte: byte, offset: index, line: line))
    }
    // Skips a quoted run that starts at `index` (the opening quote); `multiline` lets it go
    // on past a newline (Rust strings, template literals), else a newline ends it, so one
    // misread quote costs a line, not the rest of the file.
    func skipQuoted(_ close: UInt8, multiline: Bool) {
      index += 1
      while index < count {
        let byte = bytes[index]
        if byte == 0x5C {  // backslash
          if index + 1 < count && bytes[index + 1] == 0x0A { line += 1 }
          index += 2
          continue
        }
        if byte == 0x0A {
          if !multiline { return }
          line += 1
        }
        index += 1
        if byte == close { return }
      }
    }
    while index < count {
      let byte = bytes[index]
      switch byte {
      case 0x0A:
        line += 1
        index += 1
      case 0x2F where index + 1 < count && bytes[index + 1] == 0x2F:  // `//` to the end of the line
        while index < count && bytes[index] != 0x0A { index += 1 }
      case 0x2F where index + 1 < count && bytes[index + 1] == 0x2A:  // `/* ... */`
        index += 2
        while index < count && !(bytes[index] == 0x2A && index + 1 < count && bytes[index + 1] == 0x2F) {
          if bytes[index] == 0x0A { line += 1 }
          index += 1
        }
        index += 2
      case 0x22:  // "
        skipQuoted(0x22, multiline: quote == .rustCharacterOrLifetime)
      case 0x60:  // ` (template literals, Go's raw strings)
        skipQuoted(0x60, multiline: true)
      case 0x27:  // '
        if quote == .string {
          skipQuoted(0x27, multiline: false)
        } else if index + 1 < count && bytes[index + 1] == 0x5C {
          skipQuoted(0x27, multiline: false)  // '\n', '\''
        } else if let close = stride(from: index + 2, to: min(index + 6, count), by: 1).first(where: { bytes[$0] == 0x27 }),  // none near the end
          bytes[(index + 1)..<close].allSatisfy({ $0 != 0x0A && $0 != 0x20 })
        {
          index = close + 1  // 'x', or one character of several UTF-8 bytes
        } else {
          index += 1  // a lifetime: 'a, 'static
        }
      case 0x7B:  // {
        open.append(marks.count)
        mark(byte)
        index += 1
      case 0x7D:  // }
        if let opening = open.popLast() { marks[opening].closedOn = line }
        index += 1
      case 0x28, 0x29, 0x5B, 0x5D, 0x3B:  // ( ) [ ] ;
        mark(byte)
        index += 1
      default:
        index += 1
      }
    }
    self.marks = marks
  }

  /// The last line of the definition `name` declared on `line`: where the `}` closing its
  /// body is, or the line of the `;` that ends a declaration without one (`struct Unit;`, an
  /// overload). Read from the name on (an anonymous function: from its `function`), so a
  /// call around it (`engine(path, function onRender() {`) is not taken for its header. nil
  /// when no body starts within `headerLines`, or nothing closes it.
  func end(ofDefinition name: String, on line: Int) -> Int? {
    guard line >= 1, line <= text.count else { return nil }
    let lineBytes = text.line(line)
    let from = BlockEnds.offset(ofWord: Array(name.utf8), in: lineBytes)
      ?? BlockEnds.lastOffset(ofWord: Array("function".utf8), in: lineBytes) ?? lineBytes.startIndex
    var low = 0
    var high = marks.count
    while low < high {
      let middle = (low + high) / 2
      if marks[middle].offset < from { low = middle + 1 } else { high = middle }
    }
    var depth = 0  // parentheses and brackets: a `{` inside them is a default value or a pattern
    var index = low
    while index < marks.count, marks[index].line < line + BlockEnds.headerLines {
      let mark = marks[index]
      switch mark.byte {
      case 0x28, 0x5B: depth += 1
      case 0x29, 0x5D: depth -= 1
      case 0x3B where depth == 0: return mark.line
      case 0x7B where depth == 0: return mark.closedOn
      default: break
      }
      if depth < 0 { return nil }  // what the definition sits in closed first: no body here
      index += 1
    }
    return nil
  }

  /// Where `word` first stands alone in `line` (not inside a longer identifier).
  public static func offset(ofWord word: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
    occurrences(of: word, in: line).first
  }

  static func lastOffset(ofWord word: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
    occurrences(of: word, in: line).last
  }

  private static func occurrences(of word: [UInt8], in line: ArraySlice<UInt8>) -> [Int] {
    guard !word.isEmpty, line.count >= word.count else { return [] }
    func isWordByte(_ byte: UInt8) -> Bool {
      byte == 0x5F || byte == 0x24 || byte >= 0x80 || (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }
    var found: [Int] = []
    var start = line.startIndex
    while start + word.count <= line.endIndex {
      if line[start] == word[0] && line[start..<(start + word.count)].elementsEqual(word)
        && (start == line.startIndex || !isWordByte(line[start - 1]))
        && (start + word.count == line.endIndex || !isWordByte(line[start + word.count]))
      {
        found.append(start)
      }
      start += 1
    }
    return found
  }
}

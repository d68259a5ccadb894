import CtxCore
import Foundation

/// What a bug report points at, read the way an engineer reads one (docs/ranking.md, "Bug
/// reports"): the error lines and the messages in them, names in backticks, imported modules
/// and names, methods called on objects, and which traceback frame is the deepest. Pure: no
/// IO, never throws; linear in the text.
public struct ReportClues: Sendable, Hashable {
  /// Names the report points at as code: in backticks, imported, called (`obj.method(...)`),
  /// or in an error line. As written.
  public var names: [String] = []
  /// The subset of `names` written in error lines (`TypeError: ... 'PersonName3' ...`).
  public var errorNames: Set<String> = []
  /// Modules imported by the report's code, as paths without extension (`pkg/mod`).
  public var modules: [String] = []
  /// Runs of three or more words from error and log messages, outside quoted values: what
  /// the string literal that produces the message most likely spells.
  public var phrases: [[String]] = []
  /// Whether a Python traceback lists its frames outermost first (then the deepest is last).
  public var deepestFrameLast = false

  public init(_ text: String) {
    var names: [String] = []
    var seen = Set<String>()
    func add(_ name: String, error: Bool = false) {
      let trimmed = name.trimmingCharacters(in: CharacterSet(charactersIn: "`'\"()[]{}.,:;"))
      guard trimmed.count >= 3, trimmed.first.map({ $0.isLetter || $0 == "_" }) == true,
        trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
      else { return }
      if seen.insert(trimmed).inserted { names.append(trimmed) }
      if error { errorNames.insert(trimmed) }
    }
    deepestFrameLast = text.contains("Traceback (most recent call last)")
    var modules: [String] = []
    for rawLine in text.split(whereSeparator: \.isNewline) {
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if let error = ReportClues.errorLine(line) {
        if let type = error.type { add(type, error: true) }
        for quoted in ReportClues.quoted(error.message) {
          for part in quoted.split(whereSeparator: { $0 == "." || $0 == " " }) { add(String(part), error: true) }
        }
        phrases += ReportClues.phrases(error.message)
      }
      // Imports from a package's submodule point at that module and its names; importing the
      // package's public API (`from click import command`) is how every snippet starts.
      if let imported = ReportClues.pythonImport(line), let module = imported.module, module.contains("/") {
        modules.append(module)
        imported.names.forEach { add($0) }
      }
      for called in ReportClues.calls(line) { add(called) }
    }
    // Quoted strings are meant verbatim; and a one-line question of a few words may be a
    // pasted message without its exception prefix ("Working outside of application context.").
    for quoted in ReportClues.quoted(text) where quoted.split(separator: " ").count >= 3 {
      phrases += ReportClues.phrases(quoted)
    }
    if !text.contains(where: \.isNewline), ReportClues.errorLine(text.trimmingCharacters(in: .whitespaces)) == nil {
      let words = text.split(whereSeparator: { !$0.isLetter }).count
      if (4...12).contains(words) { phrases += ReportClues.phrases(text) }
    }
    for quoted in ReportClues.backticked(text) {
      // `pkg.mod.Name`, `obj.method()`, `name`: each dotted part that looks like a name.
      for part in quoted.split(whereSeparator: { $0 == "." || $0 == "(" || $0 == ")" || $0 == " " }) { add(String(part)) }
    }
    self.names = names
    self.modules = Array(NSOrderedSet(array: modules).array as? [String] ?? modules)
  }

  /// `TypeError: message`, `E   ValueError: message` (pytest), `ERROR: message`,
  /// `panic: message`, `[error] message`; the exception type when there is one.
  static func errorLine(_ line: String) -> (type: String?, message: String)? {
    var body = Substring(line)
    if body.hasPrefix("E ") || body.hasPrefix("> ") { body = body.dropFirst(2).drop(while: { $0 == " " }) }
    guard let colon = body.firstIndex(of: ":") else { return nil }
    let head = body[..<colon]
    let message = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    guard !message.isEmpty, !head.isEmpty, !head.contains(" ") else { return nil }
    let type = head.split(separator: ".").last.map(String.init) ?? String(head)
    let lower = type.lowercased()
    if ["error", "fatal", "panic", "warning", "critical", "exception"].contains(lower) { return (nil, message) }
    guard type.first?.isUppercase == true,
      ["Error", "Exception", "Warning", "Exit", "Interrupt", "Fault", "Failure"].contains(where: { type.hasSuffix($0) })
    else { return nil }
    return (type, message)
  }

  /// The runs of three or more plain words of a message between quoted values
  /// (`argument of type 'X' is not iterable` → `argument of type`, `is not iterable`), each at
  /// most eight words, at most three runs.
  static func phrases(_ message: String) -> [[String]] {
    var runs: [[String]] = [[]]
    var inQuote: Character? = nil
    var word = ""
    func endWord(breaksRun: Bool) {
      if !word.isEmpty { runs[runs.count - 1].append(word.lowercased()) }
      word = ""
      if breaksRun && !(runs.last?.isEmpty ?? true) { runs.append([]) }
    }
    for character in message {
      if let quote = inQuote {
        if character == quote { inQuote = nil }
        continue
      }
      if character == "'" || character == "\"" || character == "`" {
        endWord(breaksRun: true)
        inQuote = character
      } else if character.isLetter {
        word.append(character)
      } else if character == " " {
        endWord(breaksRun: false)
      } else {
        endWord(breaksRun: true)
      }
    }
    endWord(breaksRun: true)
    return runs.filter { $0.count >= 3 }.prefix(3).map { Array($0.prefix(8)) }
  }

  /// Values quoted in a message: `'PersonName3'`, `"x"`, `` `y` ``.
  static func quoted(_ text: String) -> [String] {
    var found: [String] = []
    var current = ""
    var length = 0
    var open = false
    var quote: Character = "'"
    for character in text {
      if open {
        if character == quote {
          found.append(current)
          open = false
        } else if length < 200 {
          current.append(character)
          length += 1
        }
      } else if character == "'" || character == "\"" || character == "`" {
        quote = character
        current = ""
        length = 0
        open = true
      }
    }
    return found
  }

  /// Text between single backticks (not code fences), each at most 120 characters.
  static func backticked(_ text: String) -> [String] {
    var found: [String] = []
    var current = ""
    var length = 0
    var open = false
    var previous: Character = " "
    for character in text {
      if character == "`" {
        if open {
          if length > 0 && length <= 120 && !current.contains("\n") { found.append(current) }
          open = false
        } else if previous != "`" {
          current = ""
          length = 0
          open = true
        }
      } else if open {
        if length >= 120 || character == "\n" {
          open = false
        } else {
          current.append(character)
          length += 1
        }
      }
      previous = character
    }
    return found
  }

  /// `from pkg.mod import A, B as C` → module `pkg/mod`, names A, B; `import pkg.mod` →
  /// module `pkg/mod`.
  static func pythonImport(_ line: String) -> (module: String?, names: [String])? {
    let words = line.split(separator: " ", omittingEmptySubsequences: true)
    if words.count >= 4, words[0] == "from", words[2] == "import" {
      let module = words[1].hasPrefix(".") ? nil : words[1].replacingOccurrences(of: ".", with: "/")
      var names: [String] = []
      var skipNext = false
      for word in words[3...] {
        if skipNext { skipNext = false; continue }
        if word == "as" { skipNext = true; continue }
        let name = word.trimmingCharacters(in: CharacterSet(charactersIn: "(),"))
        if !name.isEmpty && name != "*" { names.append(name) }
      }
      return (module, names)
    }
    if words.count >= 2, words[0] == "import", !words[1].hasPrefix("{") {
      let module = words[1].trimmingCharacters(in: CharacterSet(charactersIn: ",;'\""))
      guard module.contains("."), module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else { return nil }
      return (module.replacingOccurrences(of: ".", with: "/"), [])
    }
    return nil
  }

  /// Methods called on a class: `Matrix.col_insert(` → `Matrix`, `col_insert`. Calls on
  /// objects and modules (`runner.invoke(`, `click.echo(`) are how snippets use the public API
  /// and say little about where a bug is.
  static func calls(_ line: String) -> [String] {
    var found: [String] = []
    let characters = Array(line)
    var index = 0
    while index < characters.count {
      guard characters[index] == "." else {
        index += 1
        continue
      }
      // The name after the dot, then `(`.
      var end = index + 1
      while end < characters.count && (characters[end].isLetter || characters[end].isNumber || characters[end] == "_") { end += 1 }
      if end > index + 1, end < characters.count, characters[end] == "(" {
        var start = index - 1
        while start >= 0 && (characters[start].isLetter || characters[start].isNumber || characters[start] == "_") { start -= 1 }
        let receiver = String(characters[(start + 1)..<index])
        if receiver.first?.isUppercase == true {
          found.append(receiver)
          found.append(String(characters[(index + 1)..<end]))
        }
      }
      index = max(end, index + 1)
    }
    return found
  }
}

import CtxCore
import CtxStore
import Foundation

/// Estimates how many tokens a text costs a language model, without a tokenizer.
///
/// Counts what BPE tokenizers split text into: a run of ASCII letters is one token plus one
/// per further 7 letters (long words are split); a run of digits costs one per 3 digits (as
/// cl100k splits numbers); a run of punctuation costs one per 2 marks (`("`, `),` merge);
/// whitespace is free; each non-ASCII character is one. Measured against cl100k_base on this
/// repository's Swift, Markdown, Python and JSON and on moby's Go, shell and YAML it is within
/// -9% to +7% of the real count (`Tests/CtxQueryTests/TokenEstimateTests.swift`, which runs the
/// real tokenizer), where bytes ÷ 4 undercounted by 4% to 24%.
public enum TokenEstimate {
  public static func of(_ text: String) -> Int {
    var count = 0
    var letters = 0
    var digits = 0
    var marks = 0
    func endRuns() {
      if letters > 0 { count += 1 + (letters - 1) / 7 }
      if digits > 0 { count += (digits + 2) / 3 }
      if marks > 0 { count += 1 + (marks - 1) / 2 }
      letters = 0
      digits = 0
      marks = 0
    }
    for byte in text.utf8 {
      if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) {
        if letters == 0 { endRuns() }
        letters += 1
      } else if byte >= 0x30 && byte <= 0x39 {
        if digits == 0 { endRuns() }
        digits += 1
      } else if byte >= 0x80 {
        endRuns()
        if byte >= 0xC0 { count += 1 }  // a non-ASCII character (continuation bytes are free)
      } else if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x5F {
        endRuns()  // whitespace, and `_` inside identifiers, are free
      } else {
        if marks == 0 { endRuns() }
        marks += 1
      }
    }
    endRuns()
    return count
  }
}

public enum CodeBundle {
  public struct Item: Sendable {
    public var hit: CodeHit
    /// The code shown: the whole chunk or, when it had to be cut, its signature and the lines
    /// that matched (each then prefixed with its line number).
    public var code: String
    public var shownStart: Int
    public var shownEnd: Int
    public var truncated: Bool
    /// The file now, against the index: nil when not checked.
    public var freshness: Freshness? = nil
    /// The item's lines as they are now, when the file changed since it was indexed.
    public var current: String? = nil
    /// Where `current` was read: "on disk", or "at `REVISION`" for a `revision:` source.
    public var currentPlace = "on disk"
    /// Other places that use the symbol (`path:line`).
    public var usages: [String] = []
    /// What the symbol is defined in (a method's class, a nested function's function), so a
    /// title reads `Option.__init__` rather than one `__init__` among dozens.
    public var scope: String? = nil

    public init(hit: CodeHit, code: String, shownStart: Int, shownEnd: Int, truncated: Bool) {
      self.hit = hit
      self.code = code
      self.shownStart = shownStart
      self.shownEnd = shownEnd
      self.truncated = truncated
    }
  }

  /// The signature (first lines) and the lines that mention a query word, a line either side,
  /// each with its line number and gaps marked: what is shown of a definition too long to fit.
  static func excerpt(_ item: Item, words: Set<String>, toFit tokens: Int) -> Item? {
    let lines = item.code.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.count > 6, !words.isEmpty else { return nil }
    // Lines matching more (and longer) query words first; numbers must match whole.
    let scored = lines.indices.compactMap { index -> (index: Int, score: Int)? in
      let lower = lines[index].lowercased()
      let tokens = Set(lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
      let score = words.filter { $0.allSatisfy(\.isNumber) ? tokens.contains($0) : lower.contains($0) }.reduce(0) { $0 + $1.count }
      return score > 0 ? (index, score) : nil
    }
    let matched = scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }.map(\.index)
    guard !matched.isEmpty else { return nil }
    var budgetLines = matched.count
    while budgetLines > 0 {
      var keep = Set(0..<min(2, lines.count))
      for index in matched.prefix(budgetLines) {
        for neighbour in max(0, index - 1)...min(lines.count - 1, index + 1) { keep.insert(neighbour) }
      }
      let width = String(item.shownStart + lines.count).count
      var out: [String] = []
      var previous = -1
      for index in keep.sorted() {
        if previous >= 0 && index > previous + 1 { out.append(String(repeating: " ", count: width) + "  …") }
        let number = String(item.shownStart + index)
        out.append(String(repeating: " ", count: width - number.count) + number + "| " + lines[index])
        previous = index
      }
      if previous < lines.count - 1 { out.append(String(repeating: " ", count: width) + "  …") }
      var candidate = item
      candidate.code = out.joined(separator: "\n")
      candidate.truncated = true
      if TokenEstimate.of(render(candidate)) <= tokens { return candidate }
      budgetLines -= max(1, budgetLines / 3)
    }
    return nil
  }

  /// The longest head of the item's lines that fits in `tokens`.
  static func cut(_ item: Item, toFit tokens: Int) -> Item? {
    let lines = item.code.split(separator: "\n", omittingEmptySubsequences: false)
    var count = lines.count - 1
    while count > 0 {
      var candidate = item
      candidate.code = lines.prefix(count).joined(separator: "\n")
      candidate.shownEnd = item.shownStart + count - 1
      candidate.truncated = true
      if TokenEstimate.of(render(candidate)) <= tokens { return candidate }
      count = count > 40 ? count * 3 / 4 : count - 1
    }
    return nil
  }

  /// How the language writes a member of a scope: `Path::convert` in Rust and C++,
  /// `Choice.convert` elsewhere.
  static func qualified(_ symbol: String, scope: String?, path: String) -> String {
    guard let scope else { return symbol }
    switch Language.detect(path: path) {
    case "rust", "c++": return scope + "::" + symbol
    default: return scope + "." + symbol
    }
  }

  static func render(_ item: Item) -> String {
    let chunk = item.hit.chunk
    var title = "### `\(chunk.path):\(item.shownStart)-\(item.shownEnd)`"
    if let symbol = chunk.symbol {
      title += " \(inline(qualified(symbol, scope: item.scope, path: chunk.path)))"
      if let kind = chunk.kind { title += " (\(kind))" }
    }
    var lines = [title]
    var provenance = "source: \(chunk.source)"
    if let freshness = item.freshness { provenance += "; \(freshness.rawValue)" }
    if !item.hit.reasons.isEmpty { provenance += "; why: " + item.hit.reasons.joined(separator: "; ") }
    if item.truncated { provenance += "; cut to fit (the whole of it: `ctx show \(chunk.path):\(chunk.startLine)-\(chunk.endLine)`)" }
    lines.append(provenance)
    if !item.usages.isEmpty { lines.append("also used in: " + item.usages.map { "`\($0)`" }.joined(separator: ", ")) }
    let fence = fenceFor(item.code)
    let language = Language.detect(path: chunk.path) ?? ""
    lines.append(fence + language)
    lines.append(item.code)
    lines.append(fence)
    if let current = item.current {
      // The file changed since it was indexed: the same lines as they are now.
      let currentFence = fenceFor(current)
      lines.append("now, \(item.currentPlace) (lines \(chunk.startLine)-\(chunk.endLine)):")
      lines += [currentFence + language, current, currentFence]
    } else if item.freshness == .deleted {
      lines.append(item.currentPlace == "on disk" ? "the file was deleted since it was indexed" : "the file is no longer \(item.currentPlace)")
    }
    return lines.joined(separator: "\n") + "\n\n"
  }

  /// A backtick fence longer than any backtick run inside `text`, so indexed text can never
  /// close the fence early and pass itself off as ctx's own words.
  static func fenceFor(_ text: String) -> String {
    var longest = 0
    var run = 0
    for character in text {
      if character == "`" {
        run += 1
        longest = max(longest, run)
      } else {
        run = 0
      }
    }
    return String(repeating: "`", count: max(3, longest + 1))
  }

  static func inline(_ text: String) -> String {
    let flat = IndexedText.clean(text).replacingOccurrences(of: "\n", with: " ")
    // A CommonMark code span: a fence longer than any run of backticks inside, and a space
    // inside each end when the text starts or ends with one (a commit summary that opens with
    // `click.prompt` came out as broken Markdown).
    var longest = 0
    var run = 0
    for character in flat {
      run = character == "`" ? run + 1 : 0
      longest = max(longest, run)
    }
    let fence = String(repeating: "`", count: longest + 1)
    let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
    return fence + pad + flat + pad + fence
  }
}

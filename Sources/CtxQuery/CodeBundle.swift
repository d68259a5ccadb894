import CtxCore
import CtxStore
import Foundation

/// Estimates how many tokens a text costs a language model, without a tokenizer.
///
/// Counts what BPE tokenizers split text into: each run of ASCII letters or of digits is one
/// token, plus one per further 8 characters (long words are split); each punctuation mark is
/// one; whitespace is free; each non-ASCII character is one. Measured against cl100k_base on
/// this repository's Swift, Markdown and JSON and on moby's Go, Python, shell and YAML, it is
/// within -2% to +9% of the real count (docs/bundles.md; `Tests/CtxQueryTests`), where bytes ÷ 4
/// undercounted by 4% to 24%. It errs high, so a budget is not exceeded by real counts either.
public enum TokenEstimate {
  public static func of(_ text: String) -> Int {
    var count = 0
    var run = 0
    var runIsDigits = false
    func endRun() {
      if run > 0 { count += 1 + (run - 1) / 8 }
      run = 0
    }
    for byte in text.utf8 {
      let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
      let isDigit = byte >= 0x30 && byte <= 0x39
      if isLetter || isDigit {
        if run > 0 && runIsDigits != isDigit { endRun() }
        runIsDigits = isDigit
        run += 1
        continue
      }
      endRun()
      switch byte {
      case 0x20, 0x09, 0x0A, 0x0D, 0x5F: break  // whitespace and `_` (inside identifiers) are free
      case 0x80..<0xC0: break  // continuation bytes: counted with their leading byte
      default: count += 1  // punctuation, or the first byte of a non-ASCII character
      }
    }
    endRun()
    return count
  }
}

public enum CodeBundle {
  public struct Item: Sendable {
    public var hit: CodeHit
    /// The code shown: the whole chunk, or its first lines when it had to be cut.
    public var code: String
    public var shownStart: Int
    public var shownEnd: Int
    public var truncated: Bool
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

  static func render(_ item: Item) -> String {
    let chunk = item.hit.chunk
    var title = "### `\(chunk.path):\(item.shownStart)-\(item.shownEnd)`"
    if let symbol = chunk.symbol {
      title += " \(inline(symbol))"
      if let kind = chunk.kind { title += " (\(kind))" }
    }
    var lines = [title]
    var provenance = "source: \(chunk.source)"
    if !item.hit.reasons.isEmpty { provenance += "; why: " + item.hit.reasons.joined(separator: "; ") }
    if item.truncated { provenance += "; cut to fit: lines \(chunk.startLine)-\(chunk.endLine) in full" }
    lines.append(provenance)
    let fence = fenceFor(item.code)
    let language = Language.detect(path: chunk.path) ?? ""
    lines.append(fence + language)
    lines.append(item.code)
    lines.append(fence)
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
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    let fence = String(repeating: "`", count: (flat.contains("`") ? 2 : 1))
    return fence + flat + fence
  }
}

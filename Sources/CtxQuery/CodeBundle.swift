import CtxCore
import CtxStore
import Foundation

/// Estimates how many tokens a text costs a language model.
///
/// About four bytes of English or code per token for the tokenizers in use; an estimate, and
/// rounded up so a budget is never exceeded by the estimate's own rounding.
public enum TokenEstimate {
  public static func of(_ text: String) -> Int {
    (text.utf8.count + 3) / 4
  }
}

/// The code layer of a bundle, fitted to a token budget and rendered as Markdown.
public struct CodeBundle: Sendable {
  public var query: String
  public var budget: Int
  public var items: [Item] = []
  /// Hits left out because the budget was spent.
  public var omitted = 0
  public var usedTokens = 0

  public struct Item: Sendable {
    public var hit: CodeHit
    /// The code shown: the whole chunk, or its first lines when it had to be cut.
    public var code: String
    public var shownStart: Int
    public var shownEnd: Int
    public var truncated: Bool
  }

  /// Takes hits in rank order while they fit in `budget` tokens (the rendered Markdown,
  /// headers included). The first hit is cut to fit rather than dropped.
  public init(query: String, hits: [CodeHit], budget: Int) {
    self.query = query
    self.budget = budget
    usedTokens = TokenEstimate.of(header())
    for hit in hits {
      let full = Item(hit: hit, code: hit.chunk.text, shownStart: hit.chunk.startLine, shownEnd: hit.chunk.endLine, truncated: false)
      let cost = TokenEstimate.of(CodeBundle.render(full))
      if usedTokens + cost <= budget {
        items.append(full)
        usedTokens += cost
        continue
      }
      if items.isEmpty, let cut = CodeBundle.cut(full, toFit: budget - usedTokens) {
        items.append(cut)
        usedTokens += TokenEstimate.of(CodeBundle.render(cut))
        continue
      }
      omitted += 1
    }
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

  func header() -> String {
    "# Context for: \(CodeBundle.inline(query))\n\n## Code\n\n"
  }

  public func markdown() -> String {
    var output = header()
    if items.isEmpty {
      output += "_No code matched._\n"
      return output
    }
    for item in items { output += CodeBundle.render(item) }
    var footer = "_\(items.count) code item(s), about \(usedTokens) of \(budget) tokens"
    if omitted > 0 { footer += "; \(omitted) more left out to fit the budget (raise --budget)" }
    output += footer + "._\n"
    return output
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

import Foundation

// Scoring against a labeled set (Tests/CtxRedactionTests/Fixtures/labeled.jsonl), shared by the
// test that gates recall and precision and by `ctx-bench-redaction --report`.

/// One line of the labeled set: a text, the rule expected to fire (nil: nothing may fire), and
/// the category it is scored under.
package struct LabeledExample: Decodable, Sendable {
  package var text: String
  package var rule: String?
  package var category: String
  /// 1-based line in the file, for failure messages.
  package var line = 0

  enum CodingKeys: String, CodingKey { case text, rule, category }
}

package struct CategoryScore: Sendable {
  package var category: String
  package var positives = 0
  package var negatives = 0
  /// Positive examples whose expected rule fired.
  package var found = 0
  /// Findings with the expected rule, and findings with any other rule (or on a negative).
  package var truePositives = 0
  package var falsePositives = 0

  package var recall: Double { positives == 0 ? 1 : Double(found) / Double(positives) }
  package var precision: Double {
    truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
  }
}

package struct LabeledReport: Sendable {
  package var categories: [CategoryScore]
  package var overall: CategoryScore
  /// One line per wrong example: where, what was expected and what fired (never the text).
  package var mistakes: [String]

  /// A fixed-width table, one row per category and a total row.
  package func table() -> String {
    func row(_ s: CategoryScore) -> String {
      let name = s.category.padding(toLength: 14, withPad: " ", startingAt: 0)
      let counts = String(format: "%4d %4d  %4d %4d", s.positives, s.negatives, s.truePositives, s.falsePositives)
      return "\(name) \(counts)  \(String(format: "%6.1f%%  %6.1f%%", s.recall * 100, s.precision * 100))"
    }
    var lines = ["category        pos  neg    tp   fp  recall  precision"]
    lines += categories.map(row)
    lines.append(row(overall))
    return lines.joined(separator: "\n")
  }
}

package enum LabeledSet {
  /// Reads a JSON Lines file; blank lines and lines starting with `//` are skipped.
  package static func load(_ path: String) throws -> [LabeledExample] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var examples: [LabeledExample] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("//") { continue }
      var example = try JSONDecoder().decode(LabeledExample.self, from: Data(trimmed.utf8))
      example.line = index + 1
      examples.append(example)
    }
    return examples
  }

  package static func evaluate(_ examples: [LabeledExample], with redactor: Redactor) -> LabeledReport {
    var scores: [String: CategoryScore] = [:]
    var overall = CategoryScore(category: "overall")
    var mistakes: [String] = []
    for example in examples {
      let rules = redactor.redact(example.text).findings.map(\.rule)
      var score = scores[example.category] ?? CategoryScore(category: example.category)
      var delta = CategoryScore(category: example.category)
      if let expected = example.rule {
        delta.positives = 1
        delta.found = rules.contains(expected) ? 1 : 0
      } else {
        delta.negatives = 1
      }
      delta.truePositives = rules.filter { $0 == example.rule }.count
      delta.falsePositives = rules.count - delta.truePositives
      if delta.found < delta.positives || delta.falsePositives > 0 {
        let fired = rules.isEmpty ? "nothing" : rules.joined(separator: ", ")
        mistakes.append("line \(example.line) (\(example.category)): expected \(example.rule ?? "nothing"), got \(fired)")
      }
      for target in [\CategoryScore.positives, \.negatives, \.found, \.truePositives, \.falsePositives] {
        score[keyPath: target] += delta[keyPath: target]
        overall[keyPath: target] += delta[keyPath: target]
      }
      scores[example.category] = score
    }
    return LabeledReport(categories: scores.values.sorted { $0.category < $1.category }, overall: overall, mistakes: mistakes)
  }
}

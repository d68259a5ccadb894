import CtxRedaction
import Foundation
import Testing

/// The labeled set (Fixtures/labeled.jsonl, written by Fixtures/make_labeled.py) gates the
/// rules: every positive found with its rule, and at least 95% precision overall and in every
/// category. `scripts/redaction_report.sh` prints the same table.
@Suite struct LabeledSetTests {
  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/labeled.jsonl").path

  @Test func recallIsCompleteAndPrecisionAtLeast95Percent() throws {
    let examples = try LabeledSet.load(Self.fixture)
    #expect(examples.filter { $0.rule != nil }.count >= 100)
    #expect(examples.filter { $0.rule == nil }.count >= 100)
    let report = LabeledSet.evaluate(examples, with: Redactor())
    let failing = report.categories + [report.overall]
    let ok = failing.allSatisfy { $0.recall == 1 && $0.precision >= 0.95 }
    #expect(ok, "\n\(report.table())\n\(report.mistakes.joined(separator: "\n"))")
  }

  @Test func everyBuiltinRuleHasAPositiveExample() throws {
    let expected = Set(try LabeledSet.load(Self.fixture).compactMap(\.rule))
    for rule in RedactionRule.builtin {
      #expect(expected.contains(rule.id), "no labeled example for \(rule.id)")
    }
  }
}

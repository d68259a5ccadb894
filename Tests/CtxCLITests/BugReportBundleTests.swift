import CtxTestSupport
import Foundation
import Testing

/// A pasted bug report's bundle holds the code its clues point at (docs/bundles.md, "Long
/// questions"): the title and the names it writes as code weigh more than the reporter's
/// prose, the best hit of each leading file gets the lenient floor, hits the report
/// pinpoints come first, and a block of imports is never an item.
@Suite struct BugReportBundleTests {
  static let report = """
    `str(request.headers)` is empty
    Greetings from the monitoring team, thanks for your work! Our tests started failing after the \
    upgrade, turns out related (somehow) to the new release. Tried three interpreters. Strangely, \
    all other variables look perfectly fine and tcpdump shows them being sent without problem.

    ```
    @app.route('/hook', methods=['POST'])
    def hook():
        p = request.headers
    ```

    but `request.headers` is always empty. Downgrading fixed it. Thanks again, greetings!
    """

  @Test func theCluesOfAReportOutweighItsProse() throws {
    let scratch = ScratchDirectory()
    // `letters.py` holds the report's rarest prose words and nothing it is about; `headers.py`
    // holds what its title names, in words common across the code.
    var files: [String: String] = [
      "pkg/letters.py": "# Greetings, thanks, perfectly, somehow, tried, strangely, tcpdump, interpreters, downgrading.\ndef greetings_banner(team):\n    return 'Greetings and thanks from ' + team\n",
      "pkg/headers.py": "class Headers:\n    def __init__(self, items):\n        self.items = list(items)\n\n    def __str__(self):\n        return ''.join(f'{key}: {value}\\r\\n' for key, value in self.items) + '\\r\\n'\n",
      "pkg/client.py": "from pkg.headers import Headers\nfrom pkg.request import request\nfrom pkg.response import Response\n\n\ndef fetch(url):\n    return Response(Headers([]), request(url))\n",
    ]
    // Common words (request, headers, str, empty) across many files, so that they are cheap.
    for index in 0..<12 {
      files["pkg/module\(index).py"] = "def handler_\(index)(request):\n    headers = request.headers\n    if not headers:\n        return str(headers) + 'empty'\n    return str(request)\n"
    }
    let workspace = try IndexedCodeWorkspace.make(files, in: scratch)

    let result = try CtxBinary.run(["query", "-", "--format", "json", "--budget", "2000"], in: workspace, stdin: Self.report)
    let bundle = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    let code = (bundle["layers"] as? [String: [[String: Any]]])?["code"] ?? []
    let refs = code.compactMap { $0["ref"] as? String }
    #expect(refs.first?.hasPrefix("pkg/headers.py") == true, "the report's title names Headers.__str__: \(refs)")
    #expect(!refs.contains { $0.hasPrefix("pkg/letters.py") }, "rare prose words are not evidence: \(refs)")
    // client.py's first lines only import what the report names.
    #expect(!code.contains { ($0["code"] as? String)?.hasPrefix("from pkg.headers import Headers") == true }, "\(refs)")
  }
}

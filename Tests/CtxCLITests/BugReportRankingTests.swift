import CtxTestSupport
import Foundation
import Testing

/// A pasted bug report finds the code it is about through its strongest clues: the error
/// message's string literal, the module its snippet imports, the deepest traceback frame.
@Suite struct BugReportRankingTests {
  @Test func errorLinesImportsAndFramesPointAtTheirCode() throws {
    let scratch = ScratchDirectory()
    // `chatty.py` repeats the report's words; the answers are elsewhere.
    let chatty = (0..<30).map { "# dataset element value load file iterable person name row \($0)\ndef helper_\($0)(dataset, element, value):\n    return dataset\n" }.joined()
    let workspace = try IndexedCodeWorkspace.make(
      [
        "pkg/chatty.py": chatty,
        "pkg/loader.py": "def load(path):\n    if not exists(path):\n        raise ValueError('Unable to load file %s' % path)\n    return read(path)\n",
        "pkg/valuerep.py": "class PersonName:\n    def __init__(self, value):\n        self.value = value\n",
        "pkg/app.py": "from pkg.loader import load\n\ndef run(path):\n    return load(path)\n",
      ], in: scratch)

    func first(_ report: String) throws -> [String: Any]? {
      let result = try CtxBinary.run(["search", "-", "--json", "--limit", "5"], in: workspace, stdin: report)
      let hits = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["hits"] as? [[String: Any]]
      return hits?.first
    }
    func top(_ report: String) throws -> String? { try first(report)?["path"] as? String }
    // The message's literal is in loader.py.
    #expect(try top("Loading a dataset element value fails\nValueError: Unable to load file 'data/x.row' (dataset element value)") == "pkg/loader.py")
    // The same message pasted without its exception prefix, or quoted in a question.
    for pasted in ["Unable to load file.", "why do I get \"Unable to load file\" for every dataset element value?"] {
      let hit = try first(pasted)
      #expect(hit?["path"] as? String == "pkg/loader.py")
      #expect((hit?["why"] as? [String])?.contains { $0.hasPrefix("spells the message") } == true, "\(String(describing: hit))")
    }
    // The snippet imports pkg.valuerep.
    #expect(try top("Person name value is not iterable\n```\nfrom pkg.valuerep import PersonName\nname = PersonName('x')\n'x' in name\n```\ndataset element value") == "pkg/valuerep.py")
    // Python lists frames outermost first: the deepest frame is loader.py's line 3.
    let traceback = """
      Traceback (most recent call last):
        File "/srv/pkg/app.py", line 4, in run
        File "/srv/pkg/loader.py", line 3, in load
      dataset element value
      """
    #expect(try top(traceback) == "pkg/loader.py")
  }

  /// A report's first line is its title: a file its words name outranks files its prose
  /// talks about (werkzeug's "Multipart parsing fails occasionally" is about `multipart.py`).
  @Test func aFileTheTitleNamesRanksFirst() throws {
    let scratch = ScratchDirectory()
    let workspace = try IndexedCodeWorkspace.make(
      [
        "pkg/multipart.py": "def parse_parts(stream, boundary):\n    chunks = stream.split(boundary)\n    return [chunk.strip() for chunk in chunks]\n",
        "pkg/upload.py": "def upload_video(request):\n    # upload the media part of a request: json part then video part, each segment\n    media = request.files['media']\n    return save(media, segment=request.form['request'])\n",
      ], in: scratch)
    let report = "Multipart parsing fails occasionally\nOur application uploads a video: a json part called request, then the media part. The media part of the request starts with two extra bytes when a segment ends at the boundary of the upload.\n"
    func top(_ arguments: [String]) throws -> String? {
      let result = try CtxBinary.run(["search", "-", "--layer", "code", "--json", "--limit", "3"] + arguments, in: workspace, stdin: report)
      let hits = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["hits"] as? [[String: Any]]
      return hits?.first?["path"] as? String
    }
    #expect(try top([]) == "pkg/multipart.py")
  }

  /// An identifier defined in dozens of places (`__init__` from "missing __init__.py") gives
  /// none of them definition points, as a plain word naming that many does not, and does not
  /// crowd the other names out of the lookup (found on astroid: every `__init__` ranked above
  /// the module that loads files). Written with its class, it still points at one.
  @Test func aNameDefinedEverywhereDoesNotFloodTheRanking() throws {
    var files: [String: String] = [
      "pkg/modutils.py": "def load_module_from_file(filepath):\n    # an empty package folder has no module file to load\n    return _load(filepath)\n"
    ]
    for index in 0..<30 {
      files["pkg/node\(index).py"] = "class Node\(index):\n    def __init__(self, parent):\n        self.parent = parent\n        self.index = \(index)\n"
    }
    let scratch = ScratchDirectory()
    let workspace = try IndexedCodeWorkspace.make(files, in: scratch)
    func hits(_ report: String) throws -> [[String: Any]] {
      let result = try CtxBinary.run(["search", "-", "--json", "--limit", "5", "--layer", "code"], in: workspace, stdin: report)
      return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["hits"] as? [[String: Any]] ?? []
    }
    let report = "Unable to load module file: missing `__init__` in an empty package folder, `load_module_from_file` fails"
    let ranked = try hits(report)
    #expect(ranked.first?["path"] as? String == "pkg/modutils.py", "\(ranked)")
    #expect(!ranked.contains { ($0["why"] as? [String])?.contains { $0.hasPrefix("definition of `__init__`") } == true }, "\(ranked)")
    // With its class it is one definition again.
    #expect(try hits("`Node7.__init__` sets the parent").first?["path"] as? String == "pkg/node7.py")
  }
}

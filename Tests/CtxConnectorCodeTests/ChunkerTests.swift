@testable import CtxConnectors
import CtxCore
import CtxSymbols
import Testing

@testable import CtxConnectorCode

@Suite struct ChunkerTests {
  func lines(_ count: Int) -> TextLines {
    TextLines(Array((1...count).map { "line \($0)" }.joined(separator: "\n").utf8))
  }

  @Test func cutsAtSymbolBoundariesWithExactLines() {
    let text = lines(40)
    let symbols = [
      Symbol(name: "first", kind: "function", line: 3, endLine: 12),
      Symbol(name: "second", kind: "function", line: 20, endLine: 30),
    ]
    let chunks = Chunker(maxLines: 120, windowLines: 60, leadingLines: 0).chunks(of: text, symbols: symbols)
    #expect(chunks.map { [$0.startLine, $0.endLine] } == [[1, 2], [3, 12], [13, 19], [20, 30], [31, 40]])
    #expect(chunks[1].symbol == "first")
    #expect(chunks[1].text.hasPrefix("line 3\n"))
    #expect(chunks[1].text.hasSuffix("line 12"))
  }

  @Test func splitsLongDefinitionsAtNestedOnes() {
    let text = lines(300)
    let symbols = [
      Symbol(name: "Big", kind: "class", line: 1, endLine: 300),
      Symbol(name: "a", kind: "method", line: 2, endLine: 100),
      Symbol(name: "b", kind: "method", line: 101, endLine: 299),
    ]
    let chunks = Chunker(maxLines: 120, windowLines: 60).chunks(of: text, symbols: symbols)
    // Header, method a whole, method b in windows (labelled b), closing line merged.
    #expect(chunks.first?.symbol == "Big")
    #expect(chunks.contains { $0.symbol == "a" && $0.startLine == 2 && $0.endLine == 100 })
    #expect(chunks.filter { $0.symbol == "b" }.count >= 2)
    // No overlap, nothing lost.
    for (previous, next) in zip(chunks, chunks.dropFirst()) { #expect(previous.endLine < next.startLine) }
    #expect(chunks.last?.endLine == 300)
  }

  @Test func aLongClassKeepsItsDocstringAndAttributesWithItsDeclaration() {
    var source = "class File(ParamType):\n    \"\"\"Declares a parameter to be a file.\n\n    Files can be opened lazily.\n    \"\"\"\n\n    name = \"filename\"\n    envvar_list_splitter = os.path.pathsep\n\n    # Opening\n    def convert(self, value):\n"
    source += (0..<130).map { "        step_\($0)()\n" }.joined()
    let text = TextLines(Array(source.utf8))
    let symbols = [
      Symbol(name: "File", kind: "class", line: 1, endLine: text.count),
      Symbol(name: "convert", kind: "method", line: 11, endLine: text.count),
    ]
    let chunks = Chunker(maxLines: 120, windowLines: 60).chunks(of: text, symbols: symbols)
    // The header runs to the attributes; the comment above `convert` travels with it.
    #expect(chunks.first.map { [$0.startLine, $0.endLine] } == [1, 8], "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "") })")
    #expect(chunks.first?.symbol == "File")
    #expect(chunks.dropFirst().first?.startLine == 10)
    for (previous, next) in zip(chunks, chunks.dropFirst()) { #expect(previous.endLine < next.startLine) }
    #expect(chunks.last?.endLine == text.count)
  }

  /// A test's long `@pytest.mark.parametrize(...)` (past `leadingLines`) stays with the test,
  /// at module level and in a class; a decorator run broken by a blank line does not reach
  /// past it.
  @Test func longDecoratorsStayWithTheirDefinition() async throws {
    let cases = (1...16).map { "        (\($0), \($0 * 2))," }.joined(separator: "\n")
    let classCases = (1...16).map { "            (\($0), \($0 * 2))," }.joined(separator: "\n")
    let python = """
      import pytest

      value = compute(
          1,
      )
      @pytest.mark.slow
      @pytest.mark.parametrize(
          ("given", "expected"),
          [
      \(cases)
          ],
      )
      def test_double(given, expected):
          assert double(given) == expected


      class TestTwice:
          @pytest.mark.parametrize(
              ("given", "expected"),
              [
      \(classCases)
              ],
          )
          def test_twice(self, given, expected):
              assert twice(given) == expected

      """
    let bytes = Array(python.utf8)
    let text = TextLines(bytes)
    let tags = try await CtagsSession().symbols(path: "test_double.py", content: bytes)
    let chunks = Chunker().chunks(of: text, symbols: tags)
    let shown = chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") }
    let double = try #require(chunks.first { $0.symbol == "test_double" }, "\(shown)")
    #expect(double.text.hasPrefix("@pytest.mark.slow\n@pytest.mark.parametrize(\n"), "\(shown)")
    #expect(chunks.contains { $0.text.contains("value = compute(") && $0.symbol != "test_double" }, "\(shown)")
    let twice = try #require(chunks.first { $0.symbol == "test_twice" || ($0.symbol == "TestTwice" && $0.text.contains("def test_twice")) }, "\(shown)")
    #expect(twice.text.contains("@pytest.mark.parametrize(\n") && twice.text.contains("(1, 2),") && twice.text.contains("def test_twice"), "\(shown)")
    // No overlap, nothing lost.
    for (previous, next) in zip(chunks, chunks.dropFirst()) { #expect(previous.endLine < next.startLine) }
  }

  @Test func windowsFilesWithoutSymbols() {
    let chunks = Chunker(maxLines: 120, windowLines: 60).chunks(of: lines(130), symbols: [])
    #expect(chunks.map { [$0.startLine, $0.endLine] } == [[1, 60], [61, 120], [121, 130]])
    #expect(Chunker().chunks(of: TextLines([]), symbols: []).isEmpty)
  }

  @Test func docCommentsTravelWithTheirDefinition() {
    let text = TextLines(Array("import X\n\n/// Docs.\n@attr\nfunc f() {\n}\n".utf8))
    let chunks = Chunker().chunks(of: text, symbols: [Symbol(name: "f", kind: "function", line: 5, endLine: 6)])
    #expect(chunks.last?.startLine == 3)
    #expect(chunks.last?.symbol == "f")
  }
}

@Suite struct InferredEndTests {
  @Test func functionsWithoutEndLinesEndBeforeTheNextSymbol() {
    let text = TextLines(Array("function a() {\n  x();\n}\n\nclass B {\n  m() {}\n}\n".utf8))
    let symbols = [
      Symbol(name: "a", kind: "function", line: 1),
      Symbol(name: "B", kind: "class", line: 5),
      Symbol(name: "m", kind: "method", line: 6, scope: "B"),
    ]
    let chunks = Chunker().chunks(of: text, symbols: symbols)
    #expect(chunks.map { [$0.startLine, $0.endLine] } == [[1, 3], [5, 7]])
    #expect(chunks.map(\.symbol) == ["a", "B"])
  }
}

@Suite struct AnonymousDefinitionTests {
  /// ctags calls C's anonymous structs and enums `__anon` and a hash: their chunks carry the
  /// name their last line declares, or none.
  @Test func anonymousDefinitionsAreLabelledWithWhatTheyDeclare() async throws {
    let c = """
      typedef struct {
        int x;
        int y;
        int z;
        int w;
        int v;
      } point_t;

      struct options {
        enum {
          MODE_FAST = 1,
          MODE_SLOW = 2,
          MODE_SAFE = 3,
          MODE_LAST = 4,
          MODE_NONE = 5,
        } mode;
        int level;
      };

      static const struct {
        const char *name;
        int value;
        int extra;
        int more;
        int last;
      } table[] = { { "a", 1, 0, 0, 0 } };

      """
    let bytes = Array(c.utf8)
    let tags = try await CtagsSession().symbols(path: "geometry.c", content: bytes)
    #expect(tags.contains { $0.name.hasPrefix("__anon") }, "ctags names them so; the chunker is what renames them")
    let chunks = Chunker(maxLines: 120, windowLines: 60, leadingLines: 0).chunks(of: TextLines(bytes), symbols: tags)
    #expect(!chunks.contains { $0.symbol?.hasPrefix("__anon") == true }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") })")
    #expect(chunks.contains { $0.startLine == 1 && $0.endLine == 7 && $0.symbol == "point_t" })
    #expect(chunks.contains { $0.startLine == 9 && $0.symbol == "options" })
  }

  /// An anonymous enum that declares nothing, inside a function long enough to be cut at it,
  /// is labelled with the function, as the function's other pieces are.
  @Test func aNamelessDefinitionInsideAFunctionTakesTheFunctionsLabel() async throws {
    let body = (1...70).map { "  step(\($0));" }.joined(separator: "\n")
    let c = "int run(void) {\n\(body)\n  enum {\n    ONE = 1,\n    TWO = 2,\n  };\n\(body)\n  return 0;\n}\n"
    let bytes = Array(c.utf8)
    let tags = try await CtagsSession().symbols(path: "run.c", content: bytes)
    #expect(tags.contains { $0.name.hasPrefix("__anon") && $0.kind == "enum" }, "\(tags.map(\.name))")
    let chunks = Chunker().chunks(of: TextLines(bytes), symbols: tags)
    let enumChunk = try #require(chunks.first { $0.startLine <= 72 && $0.endLine >= 75 }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") })")
    #expect(enumChunk.symbol == "run")
    #expect(enumChunk.kind == "function")
    #expect(chunks.allSatisfy { $0.symbol == "run" }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") })")
  }
}

@Suite struct ImportAliasTests {
  @Test func importAliasesAreNeitherSymbolsNorChunks() async throws {
    let python = "from __future__ import annotations\nimport numpy as np\nfrom os import path as p\n\nclass Greeter(Base):\n    name: str = \"x\"\n\n    def hello(self):\n        return 1\n"
    let bytes = Array(python.utf8)
    let tags = try await CtagsSession().symbols(path: "g.py", content: bytes)
    #expect(tags.contains { $0.name == "np" }, "ctags reports the alias; the filter is what drops it")
    let lines = TextLines(bytes)
    let symbols = FileProcessor.withoutImports(tags, lines: lines)
    #expect(!symbols.contains { $0.name == "np" || $0.name == "p" })
    #expect(symbols.contains { $0.name == "Greeter" })
    let chunks = Chunker().chunks(of: lines, symbols: symbols)
    #expect(!chunks.contains { $0.startLine == 2 && $0.endLine == 2 }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "") })")
  }
}

/// ctags gives no end line for JavaScript, TypeScript and Rust: definitions end at the brace
/// that closes their body, with their doc comments and attributes (real ctags throughout).
@Suite struct BraceEndTests {
  func chunks(_ source: String, path: String) async throws -> [Chunk] {
    let bytes = Array(source.utf8)
    let tags = try await CtagsSession().symbols(path: path, content: bytes)
    #expect(tags.allSatisfy { $0.endLine == nil }, "ctags gave end lines; these tests are about inferring them")
    return Chunker(maxLines: 120, windowLines: 60).chunks(of: TextLines(bytes), symbols: tags, language: Language.detect(path: path))
  }

  func ranges(_ chunks: [Chunk]) -> [String] { chunks.map { "\($0.startLine)-\($0.endLine) \($0.symbol ?? "-")" } }

  @Test(arguments: [
    ("doc.js", "function alphaOne(a) {\n  return a + 1;\n}\n/**\n * Compute the frobnication of b.\n * @param {number} b\n */\nfunction betaTwo(b) {\n  return b * 2;\n}\n\n// Gamma helper.\n// Second line.\nfunction gammaThree(c) {\n  return c - 3;\n}\n"),
    ("doc.rs", "fn alpha_one(a: u32) -> u32 {\n    a + 1\n}\n/// Compute the frobnication of b.\n/// More.\n#[inline]\n/// Last.\nfn beta_two(b: u32) -> u32 {\n    b * 2\n}\n\n// Gamma helper.\n#[inline]\nfn gamma_three(c: u32) -> u32 {\n    c - 3\n}\n"),
  ])
  func commentsAndAttributesTravelWithTheDefinitionBelow(path: String, source: String) async throws {
    let found = ranges(try await chunks(source, path: path))
    let names = path.hasSuffix(".rs") ? ["alpha_one", "beta_two", "gamma_three"] : ["alphaOne", "betaTwo", "gammaThree"]
    #expect(found == ["1-3 \(names[0])", "4-10 \(names[1])", "12-16 \(names[2])"], "\(found)")
  }

  @Test func typeScriptMethodsAndFunctionsKeepTheirDocs() async throws {
    let source = """
      export class Widget {
        /** Render the widget into html. */
        render(): string {
          return "<div/>";
        }
      }

      /** Make a widget. */
      export function makeWidget(): Widget {
        return new Widget();
      }

      """
    let found = ranges(try await chunks(source, path: "doc.ts"))
    #expect(found == ["1-6 Widget", "8-11 makeWidget"], "\(found)")
  }

  /// A constructor function ends at its own brace, not at the next definition ctags does
  /// not scope under it; a callback nested in a method stays in that method's chunk.
  @Test func prototypeMethodsAndNestedCallbacks() async throws {
    let source = """
      function View(name, options) {
        var opts = options || {};
        this.name = name;
        this.root = opts.root;
        this.ext = '{';
      }

      /**
       * Lookup view by the given `name`.
       */
      View.prototype.lookup = function lookup(name) {
        var path = "}";
        return path;
      };

      View.prototype.render = function render(options, callback) {
        var sync = true;
        this.engine(this.path, options, function onRender() {
          var args = `${'}'}`;
          return process.nextTick(function renderTick() {
            return callback.apply(this, args);
          });
        });
        sync = false;
      };

      """
    let found = ranges(try await chunks(source, path: "lib/view.js"))
    #expect(found == ["1-6 View", "8-14 lookup", "16-25 render"], "\(found)")
  }

  /// Lifetimes, character literals and raw strings do not count as braces or quotes.
  @Test func rustLifetimesAndCharacters() async throws {
    let source = """
      pub struct Parser<'a> {
          input: &'a str,
      }

      impl<'a> Parser<'a> {
          /// Opens a block.
          pub fn open(&self) -> char {
              let c = '{';
              let s = "}}";
              c
          }

          pub fn close(&self) -> char { '}' }
      }

      """
    let found = ranges(try await chunks(source, path: "src/parser.rs"))
    // The struct; its `impl` block's header, then each method with its doc comment (the
    // block's closing brace joins the last).
    #expect(found == ["1-3 Parser", "5-5 Parser", "6-11 open", "13-14 close"], "\(found)")
    let ends = BlockEnds(TextLines(Array(source.utf8)), quote: .rustCharacterOrLifetime)
    #expect(ends.end(ofDefinition: "open", on: 7) == 11)
    #expect(ends.end(ofDefinition: "close", on: 13) == 13)
  }

  /// ctags' `AnonymousFunction…` names never label a chunk; `app.param = function param`
  /// (tagged a class and a function) is labelled a function.
  @Test func anonymousFunctionsAndDoubleTags() async throws {
    let source = """
      describe('router', function () {
        it('routes', function () {
          route();
        });
      });

      app.param = function param(name, fn) {
        return fn(name);
      };

      """
    let found = try await chunks(source, path: "test/app.js")
    #expect(!found.contains { $0.symbol?.hasPrefix("Anonymous") == true }, "\(ranges(found))")
    #expect(found.contains { $0.symbol == "param" && $0.kind == "function" && $0.startLine == 7 && $0.endLine == 9 }, "\(found.map { ($0.startLine, $0.endLine, $0.symbol ?? "-", $0.kind ?? "-") })")
  }

  /// Express writes its JSDoc one blank line above the function; it still belongs to it.
  @Test func aDocCommentOneBlankLineAboveBelongsToTheDefinition() async throws {
    let source = """
      function setCharset(type) {
        return type;
      }

      /**
       * Create an ETag generator function.
       * @private
       */

      function createETagGenerator(options) {
        return options;
      }

      /* not a doc comment */

      function plain() {
        return 1;
      }

      """
    let found = ranges(try await chunks(source, path: "lib/utils.js"))
    #expect(found == ["1-3 setCharset", "5-12 createETagGenerator", "14-14 -", "16-18 plain"], "\(found)")
  }

  /// ctags calls `res.get = function(field) {` a function `res`; it is `get`, scoped `res`.
  @Test func aFunctionAssignedToGetIsNamedGet() async throws {
    let source = "var res = {};\n\nres.get = function(field){\n  return field;\n};\n\nres.send = function send(body) {\n  return body;\n};\n"
    let lines = TextLines(Array(source.utf8))
    let tags = try await CtagsSession().symbols(path: "response.js", content: Array(source.utf8))
    #expect(tags.contains { $0.name == "res" && $0.kind == "function" && $0.line == 3 }, "ctags names it after the object: \(tags)")
    let named = FileProcessor.namingAssignedFunctions(tags, lines: lines)
    #expect(named.contains { $0.name == "get" && $0.scope == "res" && $0.line == 3 }, "\(named)")
    #expect(!named.contains { $0.name == "res" && $0.kind == "function" })
    #expect(named.filter { $0.name == "send" } == tags.filter { $0.name == "send" }, "what ctags named well is kept")
    let chunks = Chunker().chunks(of: lines, symbols: named, language: "javascript")
    #expect(chunks.contains { $0.symbol == "get" && $0.startLine == 3 && $0.endLine == 5 }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") })")
  }

  /// What ctags 5.9 leaves untagged: a function assigned along a chain (Express's
  /// `res.set = res.header = function header`) and Rust's `const` items.
  @Test func definitionsCtagsDoesNotTag() async throws {
    let js = "res.set = res.header = function header(field, val) {\n  return this;\n};\n\nres.get = function(field) {\n  return field;\n};\nconst total = a.b = c;\n"
    let jsTags = try await CtagsSession().symbols(path: "response.js", content: Array(js.utf8))
    #expect(!jsTags.contains { $0.line == 1 }, "ctags tags the chain after all: \(jsTags)")
    let jsLines = TextLines(Array(js.utf8))
    let named = UntaggedDefinitions.added(to: FileProcessor.namingAssignedFunctions(jsTags, lines: jsLines), lines: jsLines, language: "javascript")
    #expect(named.filter { $0.line == 1 }.map { "\($0.scope ?? "-").\($0.name) \($0.kind)" } == ["res.set function", "res.header function"], "\(named)")
    #expect(named.filter { $0.name == "get" }.count == 1, "a line ctags tagged is not read again: \(named)")
    #expect(!named.contains { $0.line == 8 && $0.kind == "function" }, "\(named)")
    let chunks = Chunker().chunks(of: jsLines, symbols: named, language: "javascript")
    #expect(chunks.contains { $0.startLine == 1 && $0.endLine == 3 && $0.kind == "function" }, "\(chunks.map { ($0.startLine, $0.endLine, $0.symbol ?? "-") })")

    // Express writes the chain over two lines.
    let split = "/**\n * Set header.\n */\n\nres.set =\nres.header = function header(field, val) {\n  return this;\n};\n"
    let splitLines = TextLines(Array(split.utf8))
    let splitTags = try await CtagsSession().symbols(path: "response.js", content: Array(split.utf8))
    let splitNamed = UntaggedDefinitions.added(to: splitTags, lines: splitLines, language: "javascript")
    #expect(splitNamed.map { "\($0.line) \($0.scope ?? "-").\($0.name)" } == ["5 res.set", "5 res.header"], "\(splitTags) -> \(splitNamed)")
    let splitChunks = Chunker().chunks(of: splitLines, symbols: splitNamed, language: "javascript")
    #expect(splitChunks.map { "\($0.startLine)-\($0.endLine) \($0.symbol ?? "-")" } == ["1-8 set"], "\(splitChunks)")

    let rust = "pub const MAX_DEPTH: usize = 64;\npub(crate) const LIMIT : u8 = 1;\nconst _: () = ();\nconst fn f() {}\nstatic NAME: &str = \"x\";\nlet constant: u8 = 1;\n"
    let rustTags = try await CtagsSession().symbols(path: "lib.rs", content: Array(rust.utf8))
    #expect(!rustTags.contains { $0.name == "MAX_DEPTH" }, "ctags tags Rust constants after all: \(rustTags)")
    let rustSymbols = UntaggedDefinitions.added(to: rustTags, lines: TextLines(Array(rust.utf8)), language: "rust")
    #expect(rustSymbols.filter { $0.kind == "constant" }.map(\.name) == ["MAX_DEPTH", "LIMIT"], "\(rustSymbols)")
    #expect(rustSymbols.contains { $0.name == "f" } && rustSymbols.contains { $0.name == "NAME" }, "\(rustSymbols)")
  }

  @Test func declarationsWithoutBodiesAndPatternsInParameters() {
    let text = TextLines(Array("function f(a: string): void;\nfunction f({ a, b } = {}) {\n  return a;\n}\nstruct Unit;\n".utf8))
    let ends = BlockEnds(text, quote: .string)
    #expect(ends.end(ofDefinition: "f", on: 1) == 1)
    #expect(ends.end(ofDefinition: "f", on: 2) == 4)
    #expect(ends.end(ofDefinition: "Unit", on: 5) == 5)
  }

  /// Any bytes, in either quoting, chunked with definitions on any line: no crash, and
  /// chunks that never overlap and stay inside the file.
  @Test func arbitraryBytesNeverBreakTheBraceReader() {
    var random = SeededGenerator(seed: 20261207)
    let alphabet = Array("{}()[];'\"`/*\\\n fn a'b x".utf8)
    for round in 0..<3000 {
      let count = Int.random(in: 0...60, using: &random)
      let bytes = (0..<count).map { _ in round % 3 == 0 ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random)! }
      let text = TextLines(bytes)
      guard text.count > 0 else { continue }
      let symbols = (0..<3).map { index in
        Symbol(name: ["fn", "a", "x"][index], kind: "function", line: Int.random(in: 1...text.count, using: &random))
      }
      for language in ["rust", "javascript"] {
        let chunks = Chunker().chunks(of: text, symbols: symbols, language: language)
        for (previous, next) in zip(chunks, chunks.dropFirst()) { #expect(previous.endLine < next.startLine) }
        #expect(chunks.allSatisfy { $0.startLine >= 1 && $0.startLine <= $0.endLine && $0.endLine <= text.count })
      }
    }
  }

  /// A quote in the last bytes of a Rust file (cut off, or a lifetime at the very end) is
  /// read without running past the end.
  @Test(arguments: ["fn f() {}\n'", "fn f() {}\nx'", "fn f() {}\n'a", "fn f() {}\n'a\n", "fn f() {}\n'\\", "'"])
  func aQuoteAtTheEndOfARustFile(_ source: String) {
    let ends = BlockEnds(TextLines(Array(source.utf8)), quote: .rustCharacterOrLifetime)
    #expect(ends.end(ofDefinition: "f", on: 1) == (source.hasPrefix("fn") ? 1 : nil))
  }
}

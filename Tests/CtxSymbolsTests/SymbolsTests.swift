import CtxCore
import Testing

@testable import CtxSymbols

@Suite struct SwiftSymbolsTests {
  @Test func extractsNestedDeclarationsWithExactLines() {
    let source = """
      import Foundation

      /// A store.
      public final class IndexStore {
        let path: String

        func open(at path: String) throws -> Int {
          return 1
        }
      }

      extension IndexStore {
        enum Mode { case readOnly, readWrite }
      }

      func validateSession(_ token: String) -> Bool { true }
      """
    let symbols = SwiftSymbols.extract(from: Array(source.utf8))
    let byName = Dictionary(symbols.map { ($0.name + ":" + $0.kind, $0) }, uniquingKeysWith: { a, _ in a })
    #expect(byName["IndexStore:class"]?.line == 4)
    #expect(byName["IndexStore:class"]?.endLine == 10)
    #expect(byName["open:method"]?.line == 7)
    #expect(byName["open:method"]?.endLine == 9)
    #expect(byName["open:method"]?.scope == "IndexStore")
    #expect(byName["open:method"]?.signature == "(at path: String) throws -> Int")
    #expect(byName["path:property"]?.line == 5)
    #expect(byName["Mode:enum"]?.scope == "IndexStore")
    #expect(byName["readWrite:enumcase"]?.line == 13)
    #expect(byName["validateSession:function"]?.line == 16)
  }
}

@Suite struct CtagsSessionTests {
  @Test func tagsManyFilesThroughOneProcess() async throws {
    let session = CtagsSession()
    let c = "int validate_session(int x) {\n  return x;\n}\nstruct S { int a; };\n"
    let tags = try await session.symbols(path: "a.c", content: Array(c.utf8))
    let function = try #require(tags.first { $0.name == "validate_session" })
    #expect(function.kind == "function")
    #expect(function.line == 1)
    #expect(function.endLine == 3)
    let python = "class Greeter:\n    def hello(self):\n        pass\n"
    let more = try await session.symbols(path: "g.py", content: Array(python.utf8))
    #expect(more.contains { $0.name == "hello" && $0.scope == "Greeter" })
    // A file ctags has no parser for still completes.
    #expect(try await session.symbols(path: "notes.unknownext", content: Array("hello".utf8)).isEmpty)
    // Content with a quote in its name and no trailing newline.
    #expect(try await session.symbols(path: "we\"ird.c", content: Array("int x(void){}".utf8)).contains { $0.name == "x" })
  }

  @Test func missingCtagsIsToolMissing() async {
    let session = CtagsSession(executable: "/nonexistent/ctags")
    await #expect {
      try await session.symbols(path: "a.c", content: [])
    } throws: { error in
      (error as? CtxError)?.code == .toolMissing
    }
  }
}

@Suite struct FlatJSONTests {
  @Test func parsesCtagsLines() throws {
    let line = #"{"_type": "tag", "name": "a\"b\\c\u00e9", "line": 12, "file": true, "end": -1, "x": null}"#
    let object = try #require(FlatJSON.parseObject(Array(line.utf8)[...]))
    #expect(object["name"]?.string == "a\"b\\cé")
    #expect(object["line"]?.int == 12)
    #expect(object["file"] == .bool(true))
    #expect(object["end"]?.int == -1)
    #expect(FlatJSON.parseObject(Array("not json".utf8)[...]) == nil)
  }
}

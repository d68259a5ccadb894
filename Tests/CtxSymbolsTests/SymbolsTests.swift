import CtxCore
import CtxTestSupport
import Foundation
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

  @Test func fileScopedCSymbolsAreTagged() async throws {
    // What a `.c` file keeps to itself (static functions and variables, its macros and
    // structs) is most of a C code base's symbols.
    let session = CtagsSession()
    let c = "#define LOCAL_MAX 10\nstatic int counter;\nstruct entry { int a; };\nstatic void bump(void) {\n  counter++;\n}\nint api(void) { bump(); return 0; }\n"
    let tags = try await session.symbols(path: "lib.c", content: Array(c.utf8))
    #expect(Set(tags.map(\.name)).isSuperset(of: ["LOCAL_MAX", "counter", "entry", "bump", "api"]))
    let bump = try #require(tags.first { $0.name == "bump" })
    #expect(bump.kind == "function")
    #expect(bump.line == 4)
    #expect(bump.endLine == 6)
  }

  @Test func warningsStayInTheirReplyAndRepliesStayInStep() async throws {
    // `ignoring null tag` warnings arrive inside a reply; the tags and `completed` after them
    // belong to the same file, and the next file's reply must be its own.
    let session = CtagsSession()
    let js = "x = {\n  \"\": function() {},\n};\nclass A { \"\" () {} }\n"
    let first = try await session.symbols(path: "lib/jquery.js", content: Array(js.utf8))
    #expect(Set(first.map(\.name)) == ["x", "A"])
    let second = try await session.symbols(path: "b.c", content: Array("int only_b(void) { return 0; }\n".utf8))
    #expect(second.map(\.name) == ["only_b"])
  }

  @Test func anyPathIsSafeInARequest() async throws {
    let session = CtagsSession()
    let c = Array("int tagged(void) { return 1; }\n".utf8)
    let long = String(repeating: "deep/", count: 250) + "x.c"
    for path in ["new\nline.c", "tab\there.c", "cr\rx.c", "esc\u{1B}[31m.c", "bell\u{07}.c", long, "quote\"back\\slash.c", "é/ünï.c", "Makefile.c"] {
      let tags = try await session.symbols(path: path, content: c)
      #expect(tags.map(\.name) == ["tagged"], "path \(path.debugDescription.prefix(60))")
    }
    #expect(CtagsSession.requestName(for: "a/b/Makefile") == "Makefile")
    #expect(CtagsSession.requestName(for: "a/b\nc.py") == "file.py")
    #expect(CtagsSession.requestName(for: "a/\u{1B}") == "file")
  }

  /// A stand-in for ctags at the system edge: answers like `--_interactive` but misbehaves in
  /// the ways real ctags did under load (writes a large reply before reading all of stdin),
  /// never answers, or answers for another file.
  static func fakeCtags(_ scratch: ScratchDirectory, behaviour: String) throws -> String {
    let script = """
      #!/usr/bin/env python3
      import json, sys, time
      out = sys.stdout
      out.write(json.dumps({"_type": "program", "name": "Universal Ctags"}) + "\\n"); out.flush()
      mode = \(behaviour.debugDescription)
      while True:
          line = sys.stdin.buffer.readline()
          if not line:
              break
          request = json.loads(line)
          if mode == "flood":
              # 4 MB of warnings before reading the file: blocks on stdout until read.
              for i in range(40000):
                  out.write(json.dumps({"_type": "error", "message": "ignoring null tag in %s(line: %d)" % (request["filename"], i), "warning": True}) + "\\n")
              out.flush()
          content = sys.stdin.buffer.read(request["size"])
          if mode == "silent":
              time.sleep(3600)
          name = request["filename"] if mode != "other" else "someone-else.c"
          out.write(json.dumps({"_type": "tag", "name": "t%d" % len(content), "path": name, "line": 1, "kind": "function"}) + "\\n")
          out.write(json.dumps({"_type": "completed", "command": "generate-tags"}) + "\\n"); out.flush()
      """
    // Written by a child process: a file this process holds open for writing can be inherited
    // by a child another test spawns at that moment, and then cannot be executed (ETXTBSY).
    let path = scratch.path + "/fake-ctags"
    try Run.program("/bin/sh", ["-c", "cat > \"$0\" && chmod 755 \"$0\"", path], stdin: script)
    return path
  }

  @Test(.timeLimit(.minutes(3))) func aReplyWrittenBeforeTheFileIsReadCannotDeadlock() async throws {
    let scratch = ScratchDirectory()
    let session = CtagsSession(executable: try Self.fakeCtags(scratch, behaviour: "flood"), fileTimeout: .seconds(60))
    let big = [UInt8](repeating: 0x61, count: 3 << 20)
    for _ in 0..<2 {
      let tags = try await session.symbols(path: "big.js", content: big)
      #expect(tags.map(\.name) == ["t\(big.count)"])
    }
  }

  // Without deadlines these would hang: the time limit turns a hang into a failure. (Wall
  // time inside the test is no measure: the parallel suite can starve a test's resumption.)
  @Test(.timeLimit(.minutes(3))) func aSilentCtagsTimesOutAndTheNextFileRestartsIt() async throws {
    let scratch = ScratchDirectory()
    let session = CtagsSession(executable: try Self.fakeCtags(scratch, behaviour: "silent"), fileTimeout: .seconds(2))
    await #expect {
      try await session.symbols(path: "stuck.c", content: Array("int x;".utf8))
    } throws: { error in
      let error = error as? CtxError
      return error?.code == .timedOut && error?.path == "stuck.c" && error?.message.contains("ctags_timeout") == true
    }
    // A big file that ctags never reads: the write side has the same deadline.
    await #expect(throws: CtxError.self) {
      try await session.symbols(path: "big.c", content: [UInt8](repeating: 0x61, count: 8 << 20))
    }
  }

  @Test func aReplyForAnotherFileIsNeverAttributed() async throws {
    let scratch = ScratchDirectory()
    let session = CtagsSession(executable: try Self.fakeCtags(scratch, behaviour: "other"), fileTimeout: .seconds(20))
    for _ in 0..<2 {
      await #expect {
        try await session.symbols(path: "mine.c", content: Array("int x;".utf8))
      } throws: { error in
        (error as? CtxError)?.code == .connectorFailed
      }
    }
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

  @Test func readsTheFieldsOfATagReply() throws {
    let line = #"{"_type": "tag", "name": "q\"x", "path": "a\u00e9.go", "line": 7, "typeref": "typename:int", "kind": "func", "end": 9, "scope": "S", "scopeKind": "struct", "signature": "(a, b)"}"#
    let reply = try #require(CtagsReply(Array(line.utf8)[...]))
    #expect(reply.type == .tag)
    #expect(reply.name == "q\"x")
    #expect(reply.path?.isString("aé.go".utf8) == true)
    #expect(reply.path?.isString("a.go".utf8) == false)
    #expect(reply.line == 7 && reply.end == 9)
    #expect(reply.kind == "func" && reply.scope == "S" && reply.signature == "(a, b)")
    let warning = try #require(CtagsReply(Array(#"{"_type": "error", "message": "ignoring null tag", "warning": true}"#.utf8)[...]))
    #expect(warning.type == .error && warning.warning && warning.message == "ignoring null tag")
    #expect(try #require(CtagsReply(Array(#"{"_type": "completed", "command": "generate-tags"}"#.utf8)[...])).type == .completed)
    #expect(CtagsReply(Array(#"{"_type": "tag", "name": {"nested": 1}}"#.utf8)[...]) == nil)
  }
}

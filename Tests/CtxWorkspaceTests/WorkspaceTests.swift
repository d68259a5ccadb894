import CtxCore
import CtxTestSupport
import CtxWorkspace
import Foundation
import Testing

@Suite struct WorkspaceTests {
  @Test func initMakesTheLayoutAndDiscoveryWalksUp() throws {
    let scratch = ScratchDirectory()
    let created = try Workspace.create(at: scratch.path + "/ws")
    #expect(created.contains { $0.hasSuffix("connectors/code.yaml") })
    #expect(FileManager.default.fileExists(atPath: scratch.path + "/ws/index/.gitignore"))
    try scratch.write(["ws/deep/er/file.txt": "x"])
    let found = try Workspace.locate(explicit: nil, environment: [:], currentDirectory: scratch.path + "/ws/deep/er")
    #expect(found.root.hasSuffix("/ws"))
    let viaEnvironment = try Workspace.locate(explicit: nil, environment: ["CTX_WORKSPACE": scratch.path + "/ws"], currentDirectory: "/")
    #expect(viaEnvironment.root == found.root)
    let (sources, errors) = found.loadSources()
    #expect(errors.isEmpty)
    #expect(sources.map(\.name) == ["code"])
  }

  @Test func missingWorkspaceSaysWhatToDo() throws {
    let scratch = ScratchDirectory()
    #expect {
      try Workspace.locate(explicit: nil, environment: [:], currentDirectory: scratch.path)
    } throws: { error in
      guard let error = error as? CtxError else { return false }
      return error.code == .invalidWorkspace && error.message.contains("ctx init")
    }
    #expect(throws: CtxError.self) {
      try Workspace.locate(explicit: scratch.path, environment: [:], currentDirectory: "/")
    }
  }

  /// A mistyped --workspace names the workspace it most likely meant, not `ctx init` (which
  /// would make an empty second workspace); a subfolder of a workspace names the workspace.
  @Test func aMistypedWorkspacePathNamesTheLikelyOne() throws {
    let scratch = ScratchDirectory()
    _ = try Workspace.create(at: scratch.path + "/trial2")
    try scratch.write(["trial2/src/a.py": "x", "other/readme.md": "x"])
    func message(_ explicit: String) -> String {
      do {
        _ = try Workspace.locate(explicit: explicit, environment: [:], currentDirectory: scratch.path)
        return "found"
      } catch { return error.message }
    }
    let typo = message("trail2")
    #expect(typo.contains("no such folder (from --workspace). Did you mean \(scratch.path)/trial2?"), "\(typo)")
    #expect(!typo.contains("ctx init"))
    let unrelated = message("nothing-like-it")
    #expect(unrelated.contains("no such folder (from --workspace). Check the path"), "\(unrelated)")
    let inside = message("trial2/src")
    #expect(inside.contains("It is inside the workspace \(scratch.path)/trial2: pass --workspace \(scratch.path)/trial2."), "\(inside)")
    #expect(message("other").contains("Run `ctx init other` to make one."))
    #expect(message("trial2") == "found")
  }

  /// Each bad connector file names its file, its line and the fix.
  @Test(arguments: [
    ("kind: code\npath: .\nincldue: [\"src/**\"]\n", 3, "Did you mean `include`"),
    ("kind: code\npath: .\ninclude: 42\n", 3, "must be a list of glob patterns"),
    ("kind: code\npath: connectors/bad.yaml\n", 2, "which is not a folder"),
    ("kind: code\n", 1, "missing `path:`"),
    ("kind: cod\npath: .\n", 1, "is not a connector kind"),
    ("kind: code\npath: .\ndefault_excludes: maybe\n", 3, "must be true or false"),
    ("kind: code\npath: [.\n", 3, "not valid YAML"),
    ("kind: code\npath: .\nmax_file_size: lots\n", 3, "must be a size"),
    // Sizes that overflow are errors, never a trap.
    ("kind: code\npath: .\nmax_file_size: infMiB\n", 3, "must be a size"),
    ("kind: code\npath: .\nmax_file_size: 99999999999999999999GiB\n", 3, "too large"),
    ("kind: code\npath: .\nmax_file_size: 99999999999999999999\n", 3, "too large"),
    ("kind: code\npath: .\nmax_file_size: nanKiB\n", 3, "must be a size"),
    ("kind: chat\nformat: jsonl\npath: .\nmax_message_bytes: 1e300KiB\n", 4, "too large"),
    ("kind: code\npath: .\nctags_timeout: forever\n", 3, "must be a duration"),
    ("kind: docs\npath: .\nread_timeout: later\n", 3, "must be a duration"),
    ("kind: code\npath: .\nctags_timeout: 0s\n", 3, "must be a duration"),
    ("kind: code\npath: .\nctags_timeout: 1e300h\n", 3, "must be a duration"),
  ])
  func badConnectorFilesAreNamedWithLine(yaml: String, line: Int, fragment: String) throws {
    let scratch = ScratchDirectory()
    try scratch.write(["connectors/bad.yaml": yaml])
    let workspace = Workspace(root: scratch.path)
    let (sources, errors) = workspace.loadSources()
    #expect(sources.isEmpty)
    let error = try #require(errors.first)
    #expect(error.code == .invalidConfig)
    #expect(error.path?.hasSuffix("connectors/bad.yaml") == true)
    #expect(error.line == line, "\(error)")
    #expect(error.message.contains(fragment), "\(error)")
  }

  /// A folder that does not exist is not a mistake in the file: the source fails at crawl time
  /// (it may be an unmounted disk), never taken for a source without a connector file.
  @Test func aMissingFolderParsesAndFailsTheSourceInstead() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["connectors/app.yaml": "kind: code\npath: ../gone\n"])
    let (sources, errors) = Workspace(root: scratch.path).loadSources()
    #expect(errors.isEmpty)
    let source = try #require(sources.first)
    let missing = try #require(source.missingFolderError)
    #expect(missing.code == .connectorFailed)
    #expect(missing.line == 2)
    #expect(missing.message.contains("is missing (`path: ../gone`)"), "\(missing)")
    try scratch.write(["gone/a.py": "x = 1\n"], under: "..")
    defer { try? FileManager.default.removeItem(atPath: (scratch.path as NSString).deletingLastPathComponent + "/gone") }
    #expect(source.missingFolderError == nil)
  }

  @Test func discoveryNeedsTheMarkerAndNamesAnUnmarkedFolder() throws {
    let scratch = ScratchDirectory()
    try scratch.write(["app/connectors/sink.yaml": "name: sink\n", "app/src/Main.java": "class Main {}\n"])
    #expect {
      try Workspace.locate(explicit: nil, environment: [:], currentDirectory: scratch.path + "/app/src")
    } throws: { error in
      guard let error = error as? CtxError else { return false }
      return error.code == .invalidWorkspace && error.message.contains("ctx init \(scratch.path)/app") && error.path == scratch.path + "/app"
    }
    // Named explicitly, an unmarked (older) workspace is still taken.
    #expect(try Workspace.locate(explicit: scratch.path + "/app", environment: [:], currentDirectory: "/").root == scratch.path + "/app")
    let created = try Workspace.create(at: scratch.path + "/app")
    #expect(created.contains(scratch.path + "/app/.ctx-workspace"))
    #expect(!created.contains { $0.hasSuffix("code.yaml") })
    #expect(try Workspace.locate(explicit: nil, environment: [:], currentDirectory: scratch.path + "/app/src").root == scratch.path + "/app")
  }

  @Test func parsesEveryCodeOption() throws {
    let scratch = ScratchDirectory()
    try scratch.write([
      "src/a.c": "int a;",
      "connectors/app.yaml": """
        kind: code
        path: src
        include: ["**/*.c"]
        exclude: "gen/**"
        max_file_size: 512KiB
        default_excludes: false
        max_chunk_lines: 80
        use_git: false
        ctags_timeout: 2.5s
        """,
    ])
    let (sources, errors) = Workspace(root: scratch.path).loadSources()
    #expect(errors.isEmpty)
    let source = try #require(sources.first)
    #expect(source.root == scratch.path + "/src")
    #expect(source.include == ["**/*.c"])
    #expect(source.exclude == ["gen/**"])
    #expect(source.code.maxFileSize == 512 * 1024)
    #expect(source.code.defaultExcludes == false)
    #expect(source.code.maxChunkLines == 80)
    #expect(source.code.useGit == false)
    #expect(source.code.ctagsTimeout == .milliseconds(2500))
  }
}

import CtxTestSupport
import Foundation
import Testing

/// `ctx index` with the work-tree listing record (`index/listing-<source>.cache`), through the
/// built binary: a run where nothing changed reads no folder, and changes are still found.
@Suite struct NoChangeIndexTests {
  func codeSource(_ output: String) throws -> [String: Any] {
    let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    let sources = report["sources"] as? [[String: Any]] ?? []
    return try #require(sources.first { $0["name"] as? String == "code" })
  }

  func backdate(_ root: String) throws {
    let past = Date().addingTimeInterval(-3600)
    var folders = [root]
    while let folder = folders.popLast() {
      for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name != ".git" {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), isFolder.boolValue { folders.append(folder + "/" + name) }
      }
      try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: folder)
    }
  }

  @Test func aRunWhereNothingChangedReadsNoFolderAndChangesAreStillIndexed() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write([".gitignore": "*.log\n", "src/app.py": "def start():\n    return 1\n", "src/util/strings.py": "def pad():\n    pass\n"], under: "repo")
    try repo.commitAll("one")
    try scratch.write(["src/draft.py": "def draft():\n    pass\n"], under: "repo")
    try backdate(repo.path)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n"])

    let first = try CtxBinary.run(["index", "--json"], in: workspace)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(FileManager.default.fileExists(atPath: workspace + "/index/listing-code.cache"))
    let second = try codeSource(try CtxBinary.run(["index", "--json"], in: workspace).stdout)
    let listing = try #require(second["listing"] as? [String: Any])
    #expect(listing["folders_read"] as? Int == 0 && listing["read_everything"] as? Bool == false)
    #expect(second["unchanged"] as? Int == 4 && second["added"] as? Int == 0)

    // A new untracked file in a new nested folder, an ignored one, a deleted file.
    try scratch.write(["src/util/fresh/new_module.py": "def zebrafish():\n    pass\n", "src/trace.log": "def ignored():\n"], under: "repo")
    try FileManager.default.removeItem(atPath: repo.path + "/src/draft.py")
    let third = try codeSource(try CtxBinary.run(["index", "--json"], in: workspace).stdout)
    #expect(third["added"] as? Int == 1 && third["deleted"] as? Int == 1)
    #expect(try CtxBinary.run(["search", "zebrafish"], in: workspace).stdout.contains("new_module.py"))

    // A source whose connector file is removed takes its record with it.
    try FileManager.default.removeItem(atPath: workspace + "/connectors/code.yaml")
    try CtxBinary.run(["index"], in: workspace)
    #expect(!FileManager.default.fileExists(atPath: workspace + "/index/listing-code.cache"))
  }
  /// A FIFO named `.gitignore` (in a tracked folder, in a new untracked folder, deeper inside
  /// a new untracked folder) would make libgit2's walk wait forever: `ctx index` and
  /// `ctx status` finish, say which file and what was not listed, and list everything else,
  /// on every run until it is mended.
  @Test func aPipeNamedGitignoreIsReportedNotWaitedOn() throws {
    let scratch = ScratchDirectory()
    let repo = try GitRepoFixture(at: scratch.path + "/repo")
    try scratch.write(["src/app.py": "def start():\n    return 1\n", "lib/util.py": "def pad():\n    pass\n", "README.md": "# Readme\n"], under: "repo")
    try repo.commitAll("one")
    try scratch.write(["lib/new_helper.py": "def helper_marker():\n    pass\n", "src/hidden_draft.py": "def hidden():\n    pass\n"], under: "repo")
    try FileManager.default.createDirectory(atPath: repo.path + "/scratchpad", withIntermediateDirectories: true)
    #expect(mkfifo(repo.path + "/src/.gitignore", 0o600) == 0)
    #expect(mkfifo(repo.path + "/scratchpad/.gitignore", 0o600) == 0)
    try scratch.write(
      ["drafts/notes/nested_marker.py": "def nested_marker():\n    pass\n", "drafts/notes/deep/buried.py": "def buried():\n    pass\n"], under: "repo")
    #expect(mkfifo(repo.path + "/drafts/notes/deep/.gitignore", 0o600) == 0)
    let workspace = scratch.path + "/ws"
    try CtxBinary.run(["init", workspace])
    try scratch.write(["ws/connectors/code.yaml": "kind: code\npath: ../repo\n", "ws/connectors/docs.yaml": "kind: docs\npath: ../repo\n"])

    for _ in 0..<2 {
      // `timeout`: a regression must fail the test, not hang the suite.
      let run = try Run.program("/usr/bin/timeout", ["60", CtxBinary.path, "index", "--json"], in: workspace)
      #expect(run.status == 3, "exit \(run.status): \(run.stderr)")  // partial: the run finished and says so
      let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
      for source in report["sources"] as? [[String: Any]] ?? [] {
        let problems = (source["problems"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(problems.contains { $0.contains("/src/.gitignore is not a regular file") }, "\(source["name"] ?? "")")
        #expect(problems.contains { $0.contains("/scratchpad/.gitignore is not a regular file") })
        #expect(problems.contains { $0.contains("/drafts/notes/deep/.gitignore is not a regular file") })
      }
    }
    // Tracked files and untracked files elsewhere are listed; the folder's untracked file is not.
    let found = try CtxBinary.run(["search", "helper_marker", "--json"], in: workspace)
    #expect(found.stdout.contains("lib/new_helper.py"))
    let start = try CtxBinary.run(["search", "start", "--json"], in: workspace)
    #expect(start.stdout.contains("src/app.py"))
    let hidden = try CtxBinary.run(["search", "hidden", "--json"], in: workspace)
    #expect(!hidden.stdout.contains("hidden_draft.py"))
    // Inside the new folder, what the pipe does not govern is listed.
    let nested = try CtxBinary.run(["search", "nested_marker", "--json"], in: workspace)
    #expect(nested.stdout.contains("drafts/notes/nested_marker.py"))
    let buried = try CtxBinary.run(["search", "buried", "--json"], in: workspace)
    #expect(!buried.stdout.contains("buried.py"))
    let status = try Run.program("/usr/bin/timeout", ["60", CtxBinary.path, "status"], in: workspace)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains(".gitignore is not a regular file"))
  }
}

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
}

import ArgumentParser
import CtxWorkspace
import Foundation

extension Ctx {
  struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make a workspace: connectors/, annotations/ and index/ (with a starter code connector).")

    @Argument(help: "The folder to make a workspace of (default: the current folder).")
    var directory: String?

    func run() async throws {
      let current = FileManager.default.currentDirectoryPath
      let target = directory.map { $0.hasPrefix("/") ? $0 : current + "/" + $0 } ?? current
      let created = try Workspace.create(at: target)
      let workspace = Workspace(root: target)
      if created.isEmpty {
        Output.write("\(workspace.root) is already a ctx workspace; nothing to do.\n")
      } else {
        Output.write("Made a ctx workspace at \(workspace.root):\n")
        for path in created { Output.write("  \(path)\n") }
        Output.write("Next: edit connectors/*.yaml, then run `ctx index`.\n")
      }
    }
  }
}

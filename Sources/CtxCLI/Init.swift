import ArgumentParser
import CtxWorkspace
import Foundation

extension Ctx {
  struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract: "Make a workspace: .ctx-workspace, connectors/, annotations/ and index/ (with a starter code connector); in an existing one, add what is missing.")

    @Argument(help: "The folder to make a workspace of (default: the current folder).")
    var directory: String?

    func run() async throws {
      let current = FileManager.default.currentDirectoryPath
      let target = directory.map { $0.hasPrefix("/") ? $0 : current + "/" + $0 } ?? current
      let workspace = Workspace(root: target)
      // A folder with connectors/ but no marker: a workspace made by an older ctx.
      let unmarked = !workspace.isMarked && FileManager.default.fileExists(atPath: workspace.connectorsDirectory)
      let created = try Workspace.create(at: target)
      if created.isEmpty {
        Output.write("\(workspace.root) is already a ctx workspace; nothing to do.\n")
      } else if unmarked {
        Output.write("Marked \(workspace.root) as a ctx workspace (commit \(Workspace.markerName)); added:\n")
        for path in created { Output.write("  \(path)\n") }
        Output.write("Its connectors, annotations and index are unchanged.\n")
      } else {
        Output.write("Made a ctx workspace at \(workspace.root):\n")
        for path in created { Output.write("  \(path)\n") }
        Output.write("Next: edit connectors/*.yaml, then run `ctx index`.\n")
      }
    }
  }
}

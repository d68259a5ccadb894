import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

extension Ctx {
  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The live content behind a hit: a file's current lines (with how they compare to the index) or a commit.",
      discussion: """
        REF is `path`, `path:10`, `path:10-40` (relative to a code source's root; the first source \
        by name holding it), `source:path:10-40`, or a commit id or unique prefix (7+ hex digits, \
        or `commit:<id>`). A file's freshness is `unchanged`, `changed since indexed` or `deleted`.
        Exit codes: 0 shown; 1 nothing (or several things) has that name; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What to show: path[:start[-end]], source:path[:start[-end]], or a commit id.")
    var ref: String

    @Flag(name: .long, help: "Print it as JSON.")
    var json = false

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
      switch try ShowService(store: store).show(ref) {
      case .found(let item):
        if json {
          try Output.json(item.json)
        } else {
          Output.write(item.rendered())
        }
      case .notFound(let miss):
        if json {
          try Output.json(miss)
        }
        Output.errorLine("ctx: \(miss.message)")
        throw ExitCode(CtxExit.nothing)
      }
    }
  }
}

import ArgumentParser
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation

extension Ctx {
  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "The live content behind a hit: a file's current lines (with how they compare to the index) or a commit.",
      discussion: """
        REF is `path`, `path:10`, `path:10-40` (relative to a code or docs source's root; the first \
        source by name holding it), `source:path:10-40`, a document section `path#anchor` (or \
        `doc:path#anchor`), a chat thread `thread:<channel>/<ts>`, or a commit id or unique prefix \
        (7+ hex digits, or `commit:<id>`). A file's or section's freshness is `unchanged`, \
        `changed since indexed` or `deleted`. A commit with --patch shows its diff (at most 256 KiB; \
        --path limits it to a file or folder). A thread is shown 50 messages a page (--page).
        Exit codes: 0 shown; 1 nothing (or several things) has that name; 2 an error.
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "What to show: path[:start[-end]], source:path[:start[-end]], or a commit id.")
    var ref: String

    @Flag(name: .long, help: "Print it as JSON.")
    var json = false

    @Flag(name: .long, help: "For a commit: show its patch (the diff against its first parent).")
    var patch = false

    @Option(name: .long, help: ArgumentHelp("With --patch: only this file, or the files under this folder.", valueName: "path"))
    var path: String?

    @Option(name: .long, help: ArgumentHelp("For a thread: the page of 50 messages to show (from 1).", valueName: "n"))
    var page: Int = 1

    func validate() throws {
      if path != nil && !patch { throw ValidationError("--path goes with --patch (the files of a commit's patch to show)") }
      if page < 1 { throw ValidationError("--page starts at 1") }
    }

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      let store = try IndexStore(path: workspace.databasePath, mode: .readOnly)
      var options = ShowOptions()
      options.patch = patch
      options.patchPath = path
      options.page = page
      switch try ShowService(store: store, options: options).show(ref) {
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
        // The candidates the message does not already name, one a line, each a ref to show.
        for candidate in miss.candidates where !miss.message.contains(candidate) { Output.errorLine("  \(candidate)") }
        throw ExitCode(CtxExit.nothing)
      }
    }
  }
}

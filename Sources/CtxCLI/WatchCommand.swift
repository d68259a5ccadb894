import ArgumentParser
import CtxConnectorCode
import CtxCore
import CtxIndexer
import CtxWatch
import CtxWorkspace
import Foundation

extension Ctx {
  struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "watch",
      abstract: "Keep the index fresh while people and agents work: re-index the sources that change, within seconds.",
      discussion: """
        Watches the work trees of code and docs sources and the refs of git sources (inotify on Linux; \
        polling where inotify is unavailable or its watch limit is reached, or with --poll), and the chat \
        export files. A burst of changes (a branch switch, a git pull) is one incremental run of the sources it \
        touched. Runs take the same lock as `ctx index` and wait while another run holds it. One line per run \
        on stderr. Stops cleanly on SIGINT or SIGTERM (exit 0).
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .long, help: ArgumentHelp("Poll every target at this interval instead of inotify (e.g. 2s, 500ms).", valueName: "duration"))
    var poll: String?

    @Option(name: .long, help: ArgumentHelp("Quiet time that ends a burst of changes (default 250ms).", valueName: "duration"))
    var settle: String?

    @Option(name: .long, help: ArgumentHelp("Use at most this many inotify watches (one per folder); roots beyond it are polled.", valueName: "n"))
    var maxWatches: Int?

    @Option(name: .long, help: ArgumentHelp("Quiet time after which the term counts of changed full-text tables are refreshed (default 10s); searches count them the slower way until then.", valueName: "duration"))
    var countsAfter: String?

    @Flag(name: .long, help: "Do not bring every source up to date at start; only index what changes from now on.")
    var noInitialRun = false

    @Option(name: .long, help: ArgumentHelp("Files read and parsed at once per run (default: the number of cores, at least 2).", valueName: "n"))
    var workers: Int?

    func validate() throws {
      if let poll, DurationText.seconds(poll, maximum: 3600) == nil { throw ValidationError("--poll must be a duration such as 2s or 500ms") }
      if let settle, DurationText.seconds(settle, maximum: 60) == nil { throw ValidationError("--settle must be a duration such as 250ms or 1s") }
      if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
      if let countsAfter, DurationText.seconds(countsAfter, maximum: 86_400) == nil { throw ValidationError("--counts-after must be a duration such as 10s or 2m") }
      if let maxWatches, maxWatches < 1 { throw ValidationError("--max-watches must be at least 1") }
    }

    func run() async throws {
      let workspace = try workspaceOptions.locate()
      var options = WatchOptions()
      options.initialRun = !noInitialRun
      if let poll, let seconds = DurationText.seconds(poll, maximum: 3600) { options.poll = .milliseconds(Int64(seconds * 1000)) }
      if let settle, let seconds = DurationText.seconds(settle, maximum: 60) { options.settle = .milliseconds(Int64(seconds * 1000)) }
      if let workers { options.index.code.workers = workers }
      options.maxWatches = maxWatches
      if let countsAfter, let seconds = DurationText.seconds(countsAfter, maximum: 86_400) { options.vocabularyAfter = .milliseconds(Int64(seconds * 1000)) }
      if let ctags = ProcessInfo.processInfo.environment["CTX_CTAGS"] { options.index.code.ctagsExecutable = ctags }
      let watcher = Watcher(workspace: workspace, options: options) { line in
        FileHandle.standardError.write(Data(("ctx watch: " + line + "\n").utf8))
      }
      // Signals are handled on a queue, not in a signal handler: stop() wakes the watcher's
      // poll(2) through its pipe and cancels a run in progress (rolled back, index intact).
      var handlers: [any DispatchSourceSignal] = []
      for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { watcher.stop() }
        source.resume()
        handlers.append(source)
      }
      await watcher.run()
      withExtendedLifetime(handlers) {}
      FileHandle.standardError.write(Data("ctx watch: stopped after \(watcher.runs) run(s)\n".utf8))
    }
  }
}

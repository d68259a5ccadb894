import CtxAnnotations
import CtxCore
import CtxGit
import CtxStore
import Foundation

/// What happened to an annotation's target since it was anchored, per definition: the commits
/// that changed the target's own lines after the anchor commit (tracked through edits above
/// it, like `git log -L`), the diff of those lines from then to now, and, for a symbol that is
/// gone, the name its lines define now and the commit that renamed it.
///
/// Needs an anchor with a commit and a `path:start-end` location; older anchors fall back to
/// file-level commits (`TargetResolver.changes`). One per command: repositories stay open.
public final class AnchorHistory {
  let store: IndexStore
  private var repositories: [String: GitLineHistory?] = [:]
  private var roots: [String: (kind: String, root: String)]?
  private var gitSources: [GitSourceRow]?

  public init(store: IndexStore) {
    self.store = store
  }

  /// Fills `state` with precise evidence (commits, diff, rename). Returns false when the
  /// anchor has no commit or location, or no git source holds its file at that commit.
  @discardableResult
  public func explain(_ annotation: Annotation, state: inout TargetState) throws -> Bool {
    guard let anchor = annotation.anchor, let commit = anchor.commit, let location = anchor.location, let lines = TargetState.lines(of: location)
    else { return false }
    let file = TargetState.file(of: location)
    var watch: String? = nil
    if case .symbol(let name) = annotation.target { watch = name }
    for (_, source) in try sourceRoots().sorted(by: { $0.key < $1.key }) where source.kind == "code" || source.kind == "docs" {
      for git in try gitSourceRows() {
        guard let gitPath = HistorySearch.gitPath(of: file, codeRoot: source.root, repositoryRoot: git.root), let history = repository(git.root),
          let trace = history.trace(
            path: gitPath, lines: lines, from: commit, watch: watch, follow: { sha, old in try? self.store.renamedPath(sourceID: git.id, commit: sha, from: old) })
        else { continue }
        // The file's path now, relative to the source again (a followed rename).
        let prefix = gitPath.hasSuffix(file) ? String(gitPath.dropLast(file.count)) : ""
        let nowFile = trace.path.hasPrefix(prefix) ? String(trace.path.dropFirst(prefix.count)) : trace.path
        apply(trace, annotation: annotation, anchorFile: file, nowFile: nowFile, anchorCommit: commit, isCode: source.kind == "code", to: &state)
        return true
      }
    }
    return false
  }

  private func apply(
    _ trace: LineTrace, annotation: Annotation, anchorFile: String, nowFile: String, anchorCommit: String, isCode: Bool, to state: inout TargetState
  ) {
    var commits = trace.commits
    if let moved = trace.movedIn, !commits.contains(moved) { commits.append(moved) }
    state.commits = commits.sorted { $0.time < $1.time }.map(AnchorHistory.change)
    state.changesArePrecise = true
    state.changedBy = state.commits.map(\.line)
    if !state.exists, case .symbol(let name) = annotation.target, let now = trace.lines,
      // The definition in the traced lines closest in spelling to the old name: a large
      // commit can leave several definitions in the range (click 00883dd3 renamed
      // `get_streerror` to `get_strerror` while deleting code around it).
      let renamed = try? store.symbolsDefined(inPath: nowFile).filter({ $0.name != name && now.contains($0.line) })
        .min(by: { (EditDistance.between($0.name.lowercased(), name.lowercased()), $0.line) < (EditDistance.between($1.name.lowercased(), name.lowercased()), $1.line) })
    {
      state.renamedTo = renamed.name
      state.renamedIn = (trace.watchLostIn ?? trace.commits.last).map(AnchorHistory.change)
      state.location = "\(nowFile):\(renamed.line)-\(renamed.endLine ?? now.upperBound)"
    }
    // A file target that was moved: renamed to its new path.
    if !state.exists, case .path = annotation.target, nowFile != anchorFile, let moved = trace.movedIn, trace.lines != nil {
      state.renamedTo = nowFile
      state.renamedIn = AnchorHistory.change(moved)
      state.location = nowFile
    }
    if !state.exists, let tip = trace.tipText { state.excerpt = tip }
    let current = state.exists ? state.content : trace.tipText
    let newLabel = state.exists ? "b/\(state.location ?? anchorFile) (now)" : "b/\(nowFile) (at HEAD)"
    // The diff starts from the anchor commit's lines. An annotation written while those lines
    // had uncommitted edits fingerprinted other text, and the diff then shows those edits too:
    // say so rather than pass them off as later changes. (Code only: a document section's
    // fingerprint is of its sections' joined text, not of the raw lines.)
    let writtenOnEdits = isCode && annotation.anchor.map { TargetResolver.fingerprint(trace.anchoredText) != $0.fingerprint } == true
    let anchoredLines = annotation.anchor?.location.flatMap(TargetState.lines(of:)).map { "\($0.lowerBound)-\($0.upperBound)" } ?? ""
    state.diff = GitLineHistory.unifiedDiff(
      old: trace.anchoredText, new: current ?? "",
      oldLabel: "a/\(anchorFile):\(anchoredLines) @ \(anchorCommit.prefix(12))"
        + (writtenOnEdits ? " (as committed: the annotation was written on uncommitted edits, which this diff includes)" : ""),
      newLabel: newLabel)
  }

  static func change(_ commit: LineCommit) -> ChangeCommit {
    ChangeCommit(sha: commit.sha, author: commit.author, date: Date(timeIntervalSince1970: TimeInterval(commit.time)), summary: commit.summary)
  }

  private func repository(_ root: String) -> GitLineHistory? {
    if let cached = repositories[root] { return cached }
    let opened = try? GitLineHistory(path: root)
    repositories[root] = opened
    return opened
  }

  private func sourceRoots() throws -> [String: (kind: String, root: String)] {
    if let roots { return roots }
    let loaded = try store.sourceRoots()
    roots = loaded
    return loaded
  }

  private func gitSourceRows() throws -> [GitSourceRow] {
    if let gitSources { return gitSources }
    let loaded = try store.gitSources()
    gitSources = loaded
    return loaded
  }
}

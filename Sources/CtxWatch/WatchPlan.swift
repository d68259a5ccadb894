import CtxCore
import CtxWorkspace
import Foundation

/// One thing `ctx watch` watches, and the sources a change to it brings up to date.
///
/// Three shapes: a work tree (code and docs sources; watched recursively, minus `.git/`, the
/// workspace's own `index/` and the folders every member's filter excludes), the refs of a git
/// repository (`HEAD`, `packed-refs`, `refs/**`), and single files or flat folders (a chat
/// export file, the workspace's `connectors/`).
public struct WatchTarget: Sendable {
  public enum Shape: Sendable, Equatable {
    /// A folder watched with everything under it.
    case tree
    /// A folder watched alone (no subfolders); only entries named in `names` count
    /// (all of them when `names` is empty).
    case flat(names: Set<String>)
    /// A git directory: `HEAD` and `packed-refs` in `gitDirectory` (and in the common directory
    /// of a linked work tree), every ref under `refs/`.
    case gitRefs
  }

  /// One source that reads this target, with the filter that decides which paths are its own.
  public struct Member: Sendable {
    public var source: String
    /// Relative paths the source indexes; nil when every path counts (git refs, chat exports).
    public var filter: PathFilter?
  }

  public var root: String
  public var shape: Shape
  public var members: [Member]
  /// Folders (absolute) never watched: the workspace's `index/`, written by every run.
  public var skip: Set<String>

  public var sources: [String] { members.map(\.source) }

  /// Whether no member can index anything under the folder `relative` ("" for the root):
  /// the folder is then not watched at all (`node_modules`, `.build`, `vendor`).
  public func prunes(folder relative: String) -> Bool {
    if relative == ".git" || relative.hasSuffix("/.git") { return true }
    if relative.isEmpty { return false }
    return members.allSatisfy { member in
      guard let filter = member.filter else { return false }
      // The same test the connectors prune their walks with: a pattern excluding everything
      // under the folder.
      return filter.excludingPattern(for: relative + "/\u{1}") != nil
    }
  }

  /// The sources a change at `relative` (a file, or a folder when `isFolder`) concerns.
  public func sources(touching relative: String, isFolder: Bool) -> [String] {
    switch shape {
    case .gitRefs:
      // Git writes `main.lock`, then renames it to `main`: only the rename is the change.
      // The rest of the git directory (`index`, `objects/`, `logs/`) moves no ref.
      guard !relative.hasSuffix(".lock"), relative == "HEAD" || relative == "packed-refs" || relative.hasPrefix("refs/") else { return [] }
      return sources
    case .flat(let names):
      return names.isEmpty || names.contains(relative) ? sources : []
    case .tree:
      return members.filter { member in
        guard let filter = member.filter else { return true }
        // A new or removed folder may hold files of any member that does not prune it.
        if isFolder { return filter.excludingPattern(for: relative + "/\u{1}") == nil }
        return filter.admits(relative)
      }.map(\.source)
    }
  }
}

/// What to watch for a workspace: one target per distinct root and shape, built from the
/// connector files (read again whenever `connectors/` changes).
public enum WatchPlan {
  /// The name the `connectors/` target reports instead of a source: the plan must be rebuilt.
  public static let connectorsChanged = "\u{0}connectors"

  public static func targets(for workspace: Workspace, sources: [SourceConfig]) -> [WatchTarget] {
    // Real paths: inotify never follows a symlink (IN_DONT_FOLLOW), so a root reached through
    // one (`path: ../payments`, a link to the checkout) is watched where it really is.
    let skip: Set<String> = [workspace.indexDirectory, realPath(workspace.indexDirectory)]
    var targets: [WatchTarget] = []
    func add(_ root: String, _ shape: WatchTarget.Shape, _ member: WatchTarget.Member) {
      if let index = targets.firstIndex(where: { $0.root == root && $0.shape == shape }) {
        targets[index].members.append(member)
      } else {
        targets.append(WatchTarget(root: root, shape: shape, members: [member], skip: skip))
      }
    }
    for var source in sources {
      source.root = realPath(source.root)
      switch source.kind {
      case .code:
        if source.code.revision != nil {
          // A pinned revision is read from the object database: only its refs can move it.
          if let git = GitDirectories.enclosing(source.root) { add(git, .gitRefs, .init(source: source.name, filter: nil)) }
          continue
        }
        var exclude = source.exclude
        if source.code.defaultExcludes { exclude += CodeOptions.defaultExcludePatterns }
        add(source.root, .tree, .init(source: source.name, filter: PathFilter(include: source.include.map(Glob.init), exclude: exclude.map(Glob.init))))
      case .docs:
        let include = source.include.isEmpty ? DocsOptions.defaultInclude : source.include
        var exclude = source.exclude
        if source.docs.defaultExcludes { exclude += DocsOptions.defaultExcludePatterns }
        add(source.root, .tree, .init(source: source.name, filter: PathFilter(include: include.map(Glob.init), exclude: exclude.map(Glob.init))))
      case .git:
        // Found again when the repository appears later (a clone after `ctx watch` started):
        // until then the expected `.git` folder is watched as a lost root.
        // `path:` may be a folder inside the repository: its git directory is above it.
        add(GitDirectories.enclosing(source.root) ?? source.root + "/.git", .gitRefs, .init(source: source.name, filter: nil))
      case .chat:
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.root, isDirectory: &isFolder), isFolder.boolValue {
          add(source.root, .tree, .init(source: source.name, filter: nil))
        } else {
          // One export file (a zip, a Discord JSON): its folder, that name only. Editors and
          // exporters replace files by renaming, which a watch on the file itself would miss.
          let url = URL(fileURLWithPath: source.root)
          add(url.deletingLastPathComponent().path, .flat(names: [url.lastPathComponent]), .init(source: source.name, filter: nil))
        }
      }
    }
    targets.append(WatchTarget(root: workspace.connectorsDirectory, shape: .flat(names: []), members: [.init(source: connectorsChanged, filter: nil)], skip: skip))
    return targets
  }
}

/// `path` with symlinks resolved, or as given when it does not exist (yet).
func realPath(_ path: String) -> String {
  guard let resolved = realpath(path, nil) else { return path }
  defer { free(resolved) }
  return String(cString: resolved)
}

/// Where a repository keeps `HEAD` and its refs, read from the files git itself writes (no
/// libgit2 handle for a watcher that may run for weeks).
public enum GitDirectories {
  /// The git directory of the repository at `path`: `path/.git` (a folder, or a `gitdir:` file
  /// in a linked work tree or submodule), or `path` itself when it is bare.
  public static func find(for path: String) -> String? {
    let dotGit = path + "/.git"
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: dotGit, isDirectory: &isFolder) {
      if isFolder.boolValue { return dotGit }
      guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else { return nil }
      let target = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
      return target.hasPrefix("/") ? target : URL(fileURLWithPath: path + "/" + target).standardized.path
    }
    if FileManager.default.fileExists(atPath: path + "/HEAD") && FileManager.default.fileExists(atPath: path + "/refs") { return path }
    return nil
  }

  /// The git directory of the work tree holding `path` (the folder itself or one above it).
  public static func enclosing(_ path: String) -> String? {
    var url = URL(fileURLWithPath: path).standardized
    while true {
      if let found = find(for: url.path), found != url.path { return found }
      let parent = url.deletingLastPathComponent()
      if parent.path == url.path { return nil }
      url = parent
    }
  }

  /// The directory that holds the shared refs (`commondir` of a linked work tree), else
  /// `gitDirectory` itself.
  public static func common(for gitDirectory: String) -> String {
    guard let text = try? String(contentsOfFile: gitDirectory + "/commondir", encoding: .utf8) else { return gitDirectory }
    let target = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return target.hasPrefix("/") ? target : URL(fileURLWithPath: gitDirectory + "/" + target).standardized.path
  }
}

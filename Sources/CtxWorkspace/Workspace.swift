import CtxCore
import Foundation

/// A folder with `connectors/`, `annotations/` and `index/`: what ctx works on.
///
/// A workspace is marked by a `.ctx-workspace` file that `ctx init` writes. Discovery walks up
/// to the first marked folder only: a `connectors/` folder alone is common in unrelated
/// repositories (Kafka Connect, Debezium, ...), and taking one for a workspace once made
/// `ctx index` write `index/` into someone else's repository (docs/design.md, "Workspace").
public struct Workspace: Sendable {
  /// The marker's file name: specific to ctx (a `ctx.yaml` could belong to any tool called
  /// ctx), not a settings file (connector files stay the one configuration), and committed
  /// with `connectors/` and `annotations/`.
  public static let markerName = ".ctx-workspace"

  /// Absolute path of the workspace folder.
  public let root: String

  public init(root: String) {
    self.root = Workspace.standardize(root)
  }

  public var connectorsDirectory: String { root + "/connectors" }
  public var annotationsDirectory: String { root + "/annotations" }
  public var indexDirectory: String { root + "/index" }
  public var markerPath: String { root + "/" + Workspace.markerName }
  /// Whether `ctx init` marked this folder (workspaces made by older versions are not).
  public var isMarked: Bool { FileManager.default.fileExists(atPath: markerPath) }
  /// The SQLite index. Derived: deleting `index/` and re-indexing gives the same answers.
  public var databasePath: String { indexDirectory + "/ctx.sqlite" }

  /// Finds the workspace: `--workspace`, else `CTX_WORKSPACE`, else the first folder holding
  /// a `.ctx-workspace` marker walking up from `currentDirectory`.
  ///
  /// A folder named explicitly (`--workspace`, `CTX_WORKSPACE`) may be an unmarked workspace
  /// made before the marker existed, so nightly cron lines keep working; discovery never takes
  /// an unmarked folder.
  ///
  /// - Throws: `.invalidWorkspace` when none is found or the named folder is not a workspace;
  ///   when discovery passed an unmarked folder holding `connectors/`, the message names it and
  ///   the fix (`ctx init DIR` marks it).
  public static func locate(
    explicit: String?, environment: [String: String], currentDirectory: String
  ) throws(CtxError) -> Workspace {
    if let explicit {
      return try named(explicit, relativeTo: currentDirectory, via: "--workspace")
    }
    if let fromEnvironment = environment["CTX_WORKSPACE"], !fromEnvironment.isEmpty {
      return try named(fromEnvironment, relativeTo: currentDirectory, via: "CTX_WORKSPACE")
    }
    var directory = standardize(currentDirectory)
    var unmarked: String?
    while true {
      if FileManager.default.fileExists(atPath: directory + "/" + markerName) { return Workspace(root: directory) }
      if unmarked == nil && isDirectory(directory + "/connectors") { unmarked = directory }
      let parent = (directory as NSString).deletingLastPathComponent
      if parent == directory || parent.isEmpty { break }
      directory = parent
    }
    if let unmarked {
      throw CtxError(
        .invalidWorkspace,
        "no ctx workspace here: \(unmarked) holds connectors/ but no \(markerName) marker, so it is not taken for one "
          + "(many projects have a connectors/ folder). If it is a ctx workspace made by an older ctx, run "
          + "`ctx init \(unmarked)` once to mark it (nothing else changes), or pass --workspace \(unmarked).",
        path: unmarked)
    }
    throw CtxError(
      .invalidWorkspace,
      "no ctx workspace here: no folder from \(currentDirectory) upward holds a \(markerName) marker. "
        + "Run `ctx init` to make one, or pass --workspace DIR (or set CTX_WORKSPACE).")
  }

  private static func named(_ path: String, relativeTo base: String, via origin: String) throws(CtxError) -> Workspace {
    let absolute = resolve(path, relativeTo: base)
    if isWorkspace(absolute) { return Workspace(root: absolute) }
    // A mistyped path must not be answered with "run ctx init" (that would make a second,
    // empty workspace beside the real one): name the workspace the person most likely meant.
    guard isDirectory(absolute) else {
      let hint = likelyMeant(absolute).map { " Did you mean \($0)?" } ?? " Check the path; `ctx init DIR` makes a new workspace."
      throw CtxError(.invalidWorkspace, "no such folder (from \(origin)).\(hint)", path: absolute)
    }
    var enclosing = (absolute as NSString).deletingLastPathComponent
    while enclosing.count > 1 && !isWorkspace(enclosing) { enclosing = (enclosing as NSString).deletingLastPathComponent }
    let hint =
      isWorkspace(enclosing)
      ? " It is inside the workspace \(enclosing): pass --workspace \(enclosing)."
      : " Run `ctx init \(path)` to make one."
    throw CtxError(
      .invalidWorkspace,
      "not a ctx workspace (from \(origin)): it has no \(markerName) marker and no connectors/ folder.\(hint)",
      path: absolute)
  }

  private static func isWorkspace(_ folder: String) -> Bool {
    FileManager.default.fileExists(atPath: folder + "/" + markerName) || isDirectory(folder + "/connectors")
  }

  /// A workspace beside a missing folder whose name is one or two typos from it, if any.
  static func likelyMeant(_ missing: String) -> String? {
    let parent = (missing as NSString).deletingLastPathComponent
    let name = (missing as NSString).lastPathComponent
    guard let siblings = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return nil }
    let limit = name.count <= 4 ? 1 : 2
    return siblings.map { (name: $0, distance: EditDistance.between($0, name)) }
      .filter { $0.distance <= limit && isWorkspace(parent + "/" + $0.name) }
      .min { ($0.distance, $0.name) < ($1.distance, $1.name) }
      .map { parent == "/" ? "/" + $0.name : parent + "/" + $0.name }
  }

  /// Makes `connectors/`, `annotations/` and `index/` (with a `.gitignore` so the index is never
  /// committed), the `.ctx-workspace` marker and, when there are no connectors yet, a `code`
  /// connector over the folder. In an existing workspace it adds only what is missing, so
  /// `ctx init` marks a workspace made before the marker existed.
  ///
  /// - Returns: the paths it created, for the command to report.
  @discardableResult
  public static func create(at path: String) throws(CtxError) -> [String] {
    let workspace = Workspace(root: path)
    var created: [String] = []
    let manager = FileManager.default
    do {
      for directory in [workspace.root, workspace.connectorsDirectory, workspace.annotationsDirectory, workspace.indexDirectory]
      where !isDirectory(directory) {
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        created.append(directory)
      }
      if !manager.fileExists(atPath: workspace.markerPath) {
        try Workspace.markerText.write(toFile: workspace.markerPath, atomically: true, encoding: .utf8)
        created.append(workspace.markerPath)
      }
      let ignore = workspace.indexDirectory + "/.gitignore"
      if !manager.fileExists(atPath: ignore) {
        try "# Everything here is derived by `ctx index`; never commit it.\n*\n!.gitignore\n"
          .write(toFile: ignore, atomically: true, encoding: .utf8)
        created.append(ignore)
      }
      let existing = (try? manager.contentsOfDirectory(atPath: workspace.connectorsDirectory)) ?? []
      if !existing.contains(where: { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }) {
        let connector = workspace.connectorsDirectory + "/code.yaml"
        try ConnectorFile.starterCodeConnector.write(toFile: connector, atomically: true, encoding: .utf8)
        created.append(connector)
      }
    } catch {
      throw CtxError(.io, "cannot create the workspace at \(workspace.root): \(error.localizedDescription)", path: workspace.root, cause: error)
    }
    return created
  }

  static let markerText = """
    # This folder is a ctx workspace: connectors/ (sources), annotations/ (what people wrote),
    # index/ (derived, never committed). ctx finds a workspace by this file; commit it.
    # Settings live in connectors/*.yaml, not here.

    """

  /// Reads every `connectors/*.yaml` file.
  ///
  /// - Returns: the sources in name order, and one error per bad file (the rest still load).
  public func loadSources() -> (sources: [SourceConfig], errors: [CtxError]) {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: connectorsDirectory)) ?? [])
      .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
      .sorted()
    var sources: [SourceConfig] = []
    var errors: [CtxError] = []
    for name in names {
      do {
        sources.append(try ConnectorFile.parse(path: connectorsDirectory + "/" + name, workspaceRoot: root))
      } catch {
        errors.append(error)
      }
    }
    return (sources, errors)
  }

  static func standardize(_ path: String) -> String {
    var result = (path as NSString).standardizingPath
    while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
    return result
  }

  static func resolve(_ path: String, relativeTo base: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    if expanded.hasPrefix("/") { return standardize(expanded) }
    return standardize(base + "/" + expanded)
  }

  static func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }
}

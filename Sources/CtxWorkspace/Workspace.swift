import CtxCore
import Foundation

/// A folder with `connectors/`, `annotations/` and `index/`: what ctx works on.
public struct Workspace: Sendable {
  /// Absolute path of the workspace folder.
  public let root: String

  public init(root: String) {
    self.root = Workspace.standardize(root)
  }

  public var connectorsDirectory: String { root + "/connectors" }
  public var annotationsDirectory: String { root + "/annotations" }
  public var indexDirectory: String { root + "/index" }
  /// The SQLite index. Derived: deleting `index/` and re-indexing gives the same answers.
  public var databasePath: String { indexDirectory + "/ctx.sqlite" }

  /// Finds the workspace: `--workspace`, else `CTX_WORKSPACE`, else the first folder holding
  /// `connectors/` walking up from `currentDirectory`.
  ///
  /// - Throws: `.invalidWorkspace` when none is found or the named folder is not a workspace.
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
    while true {
      if isDirectory(directory + "/connectors") { return Workspace(root: directory) }
      let parent = (directory as NSString).deletingLastPathComponent
      if parent == directory || parent.isEmpty { break }
      directory = parent
    }
    throw CtxError(
      .invalidWorkspace,
      "no ctx workspace here: no folder from \(currentDirectory) upward holds connectors/. "
        + "Run `ctx init` to make one, or pass --workspace DIR (or set CTX_WORKSPACE).")
  }

  private static func named(_ path: String, relativeTo base: String, via origin: String) throws(CtxError) -> Workspace {
    let absolute = resolve(path, relativeTo: base)
    guard isDirectory(absolute + "/connectors") else {
      throw CtxError(
        .invalidWorkspace,
        "\(absolute) (from \(origin)) is not a ctx workspace: it has no connectors/ folder. "
          + "Run `ctx init \(path)` to make one.", path: absolute)
    }
    return Workspace(root: absolute)
  }

  /// Makes `connectors/`, `annotations/` and `index/` (with a `.gitignore` so the index is never
  /// committed) and, when there are no connectors yet, a `code` connector over the folder.
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

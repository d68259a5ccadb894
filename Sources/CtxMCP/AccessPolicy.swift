import CtxAccess
import CtxQuery
import MCP

/// The one place a caller's grant (`CtxAccess.AccessGrant`) meets the tools. `ToolRegistry.call`
/// runs `admit` before every tool, and the tools build their scope and layers through `scope`
/// and `layers`, so no tool can read a source its caller may not see. The HTTP server calls
/// `admit` too, before the MCP layer, only to answer a violation with HTTP 403.
public enum AccessPolicy {
  /// Tools that show the whole annotation store with evidence drawn from any source (the
  /// review queue, conflicts): only for a grant that sees every source.
  public static let spansSources: Set<String> = ["conflicts", "review_list", "review_show"]

  /// Checks a call against the grant before it runs.
  ///
  /// - Throws: `forbidden` naming what the grant lacks and how to get it.
  public static func admit(tool name: String, isReadOnly: Bool, arguments: [String: Value], access: AccessGrant) throws(ToolError) {
    if !isReadOnly && !access.canWrite {
      throw forbidden("token `\(access.name)` may not write; `\(name)` writes a proposal. Ask for a token with write access (`ctx token create NAME --write ...`)")
    }
    if spansSources.contains(name) && !access.seesEverySource {
      throw forbidden("`\(name)` shows evidence from every source, and token `\(access.name)` sees only \(access.sourcesText); use a token with `--sources '*'`")
    }
    let arguments = ToolArguments(arguments, access: access)
    // Malformed arguments are the tool's to report (`invalid_arguments`); here only names count.
    if let requested = try? arguments.strings("sources") {
      let outside = requested.filter { !access.sees(source: $0) }.sorted()
      if !outside.isEmpty {
        throw forbidden("token `\(access.name)` may read only \(access.sourcesText); not \(outside.map { "`\($0)`" }.joined(separator: ", "))")
      }
    }
    var layers = (try? arguments.strings("layers")) ?? []
    if let layer = try? arguments.string("layer") { layers.append(layer) }
    let hidden = layers.filter { !access.sees(layer: $0) }.sorted()
    if !hidden.isEmpty {
      throw forbidden("token `\(access.name)` may read only the layers \(access.layers?.sorted().joined(separator: ", ") ?? "all"); not \(hidden.joined(separator: ", "))")
    }
  }

  public static func forbidden(_ message: String) -> ToolError { ToolError("forbidden", message) }

  /// The scope a tool searches: the `sources` and `paths` asked for, under the grant's ceiling.
  static func scope(_ arguments: ToolArguments) throws -> Scope {
    Scope(sources: Set(try arguments.strings("sources") ?? []), paths: try arguments.strings("paths") ?? [], ceiling: arguments.access.sources)
  }

  /// The layers a bundle may hold: those asked for (all when none), within the grant's.
  static func layers(_ requested: Set<Layer>, access: AccessGrant) -> Set<Layer> {
    guard let allowed = access.layers else { return requested }
    let permitted = Set(Layer.allCases.filter { allowed.contains($0.rawValue) })
    return requested.isEmpty ? permitted : requested.intersection(permitted)
  }
}

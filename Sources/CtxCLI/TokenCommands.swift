import ArgumentParser
import CtxAccess
import CtxCore
import CtxQuery
import CtxWorkspace
import Foundation

extension Ctx {
  /// `ctx token`: the bearer tokens `ctx serve --http` accepts, each scoped to sources and
  /// layers, with or without write and review rights. Stored hashed in `access/tokens.json`.
  struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "token",
      abstract: "Bearer tokens for `ctx serve --http`: create (scoped to sources and layers), list, revoke.",
      discussion: """
        Tokens are kept as SHA-256 hashes in access/tokens.json; a token's secret is printed once, by \
        `create`. A running server sees changes on its next request. A token sees only the sources it \
        names, in every tool (docs/mcp.md, "Tokens and scopes").
        """,
      subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make a token and print its secret (once).")

      @OptionGroup var workspaceOptions: WorkspaceOptions

      @Argument(help: "Its name: who or what uses it (`ci-bot`, `alice-review`); writes and reviews are attributed to it.")
      var name: String

      @Option(name: .long, help: ArgumentHelp("The sources it sees, by connector name, comma-separated; `*` for every source (also those added later).", valueName: "names"))
      var sources: String

      @Option(name: .long, help: ArgumentHelp("The layers it sees (code, history, docs, chat, annotations), comma-separated; default all.", valueName: "layers"))
      var layers: String?

      @Flag(name: .long, help: "May propose annotations and corrections (the annotate and correct tools).")
      var write = false

      @Flag(name: .long, help: "May accept, reject and supersede on the review page.")
      var review = false

      @Flag(name: .long, help: "Print the token as JSON (with its secret).")
      var json = false

      func run() throws {
        let workspace = try workspaceOptions.locate()
        let sourceNames = TokenText.list(sources)
        if !sourceNames.contains("*") {
          let known = Set(workspace.loadSources().0.map(\.name))
          let unknown = sourceNames.filter { !known.contains($0) }
          if !unknown.isEmpty {
            throw ValidationError(
              "unknown source \(unknown.map { "`\($0)`" }.joined(separator: ", ")); the workspace's sources are: \(known.isEmpty ? "none" : known.sorted().joined(separator: ", ")) (or `*` for all)")
          }
        }
        let layerNames = TokenText.list(layers ?? "")
        let badLayers = layerNames.filter { Layer(rawValue: $0) == nil }
        if !badLayers.isEmpty {
          throw ValidationError("unknown layer \(badLayers.joined(separator: ", ")); use \(Layer.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (token, secret) = try TokenStore(workspace: workspace).create(name: name, sources: sourceNames, layers: layerNames, write: write, review: review)
        if json {
          try Output.json(TokenText.Created(name: token.name, token: secret, sources: token.sources, layers: token.layers, write: token.write, review: token.review))
        } else {
          Output.write(
            """
            \(secret)
            token `\(token.name)`: sources \(token.sources.joined(separator: ", ")); layers \(token.layers.isEmpty ? "all" : token.layers.joined(separator: ", ")); \(token.write ? "may write proposals" : "read-only"); \(token.review ? "may review" : "may not review")
            This secret is shown once; only its hash is kept (access/tokens.json). Agents send it as `Authorization: Bearer <token>`.

            """)
        }
      }
    }

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The tokens (never their secrets), revoked ones included.")

      @OptionGroup var workspaceOptions: WorkspaceOptions

      @Flag(name: .long, help: "Print JSON.")
      var json = false

      func run() throws {
        let tokens = try TokenStore(workspace: try workspaceOptions.locate()).load()
        if json {
          struct Listed: Encodable {
            var name: String
            var sources: [String]
            var layers: [String]
            var write: Bool
            var review: Bool
            var created: String
            var revoked: String?
          }
          try Output.json(tokens.map { Listed(name: $0.name, sources: $0.sources, layers: $0.layers, write: $0.write, review: $0.review, created: $0.created, revoked: $0.revoked) })
          return
        }
        if tokens.isEmpty {
          Output.write("no tokens; make one with `ctx token create NAME --sources ...`\n")
          return
        }
        Output.write(
          tokens.map { token in
            "\(token.name): sources \(token.sources.joined(separator: ",")); layers \(token.layers.isEmpty ? "all" : token.layers.joined(separator: ","))"
              + "\(token.write ? "; write" : "")\(token.review ? "; review" : ""); created \(token.created)"
              + (token.revoked.map { "; REVOKED \($0)" } ?? "")
          }.joined(separator: "\n") + "\n")
      }
    }

    struct Revoke: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token: refused from the next request on (kept in the list, marked revoked).")

      @OptionGroup var workspaceOptions: WorkspaceOptions

      @Argument(help: "The token's name.")
      var name: String

      func run() throws {
        try TokenStore(workspace: try workspaceOptions.locate()).revoke(name: name)
        Output.write("revoked `\(name)`; a running server refuses it from its next request\n")
      }
    }
  }
}

enum TokenText {
  static func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  struct Created: Encodable {
    var name: String
    var token: String
    var sources: [String]
    var layers: [String]
    var write: Bool
    var review: Bool
  }
}

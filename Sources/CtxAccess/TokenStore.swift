import CtxCore
import Crypto
import CtxWorkspace
import Foundation

/// One bearer token as the workspace keeps it: never the secret, only its SHA-256.
public struct AccessToken: Sendable, Codable, Equatable {
  public var name: String
  /// Hex SHA-256 of the secret.
  public var sha256: String
  /// Source names, or `["*"]` for every source.
  public var sources: [String]
  /// Layer names; empty for every layer.
  public var layers: [String]
  public var write: Bool
  public var review: Bool
  public var created: String
  /// Set when revoked; a revoked token is kept (who had access, and until when) but never accepted.
  public var revoked: String?

  public var isRevoked: Bool { revoked != nil }

  /// The grant this token gives.
  public var grant: AccessGrant {
    AccessGrant(
      name: name, sources: sources.contains("*") ? nil : Set(sources), layers: layers.isEmpty ? nil : Set(layers),
      canWrite: write, canReview: review)
  }
}

/// The workspace's tokens: `access/tokens.json`, hashed, written by `ctx token` and read by
/// `ctx serve --http`, which notices a changed file on the next request (no restart).
///
/// The file holds only hashes, so it may be committed like `connectors/`; the secret is shown
/// once, when the token is created.
public struct TokenStore: Sendable {
  public let path: String
  public let directory: String

  public init(workspace: Workspace) {
    directory = workspace.root + "/access"
    path = directory + "/tokens.json"
  }

  /// What a token name may be: short, and safe in logs, metrics labels and annotation authors.
  public static func checkName(_ name: String) throws(CtxError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    guard (1...64).contains(name.count), name.allSatisfy({ allowed.contains($0) }), name != "local" else {
      throw CtxError(.invalidConfig, "token name `\(name)` must be 1-64 letters, digits, `.`, `_` or `-` (and not `local`, which names stdio)")
    }
  }

  /// Every token, revoked ones included, in file order. No file: none.
  public func load() throws(CtxError) -> [AccessToken] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    do {
      return try JSONDecoder().decode(TokenFile.self, from: data).tokens
    } catch {
      throw CtxError(.invalidConfig, "cannot read \(path): \(error); restore it from version control, or move it away and create the tokens again", path: path)
    }
  }

  /// Makes a token and returns it with its secret (shown once; only the hash is stored).
  public func create(name: String, sources: [String], layers: [String], write: Bool, review: Bool, now: Date = Date()) throws(CtxError) -> (token: AccessToken, secret: String) {
    try TokenStore.checkName(name)
    guard !sources.isEmpty else {
      throw CtxError(.invalidConfig, "a token must name the sources it sees (`--sources docs,code`, or `--sources '*'` for every source)")
    }
    let secret = TokenStore.newSecret()
    let token = AccessToken(
      name: name, sha256: TokenStore.hash(secret), sources: sources, layers: layers, write: write, review: review,
      created: Timestamps.string(now), revoked: nil)
    try update { tokens throws(CtxError) in
      if tokens.contains(where: { $0.name == name && !$0.isRevoked }) {
        throw CtxError(.conflict, "there is already a token named `\(name)`; revoke it first (`ctx token revoke \(name)`) or pick another name")
      }
      tokens.append(token)
    }
    return (token, secret)
  }

  /// Revokes the live token of that name.
  public func revoke(name: String, now: Date = Date()) throws(CtxError) {
    try update { tokens throws(CtxError) in
      guard let index = tokens.firstIndex(where: { $0.name == name && !$0.isRevoked }) else {
        let live = tokens.filter { !$0.isRevoked }.map(\.name)
        throw CtxError(.notFound, "no live token named `\(name)`; the live tokens are: \(live.isEmpty ? "none" : live.joined(separator: ", "))")
      }
      tokens[index].revoked = Timestamps.string(now)
    }
  }

  /// The live token whose hash matches `secret`, or nil.
  public static func match(_ secret: String, in tokens: [AccessToken]) -> AccessToken? {
    let digest = hash(secret)
    return tokens.first { !$0.isRevoked && $0.sha256 == digest }
  }

  public static func hash(_ secret: String) -> String {
    Hex.lowercase(SHA256.hash(data: Data(secret.utf8)))
  }

  /// `ctx_` and 32 random bytes in hex (256 bits: no need for a slow hash).
  static func newSecret() -> String {
    var generator = SystemRandomNumberGenerator()
    return "ctx_" + Hex.lowercase((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
  }

  /// Read, change, write back: under an exclusive lock on `access/`, written to a temporary
  /// file and renamed over the old one, so a reader never sees half a file.
  private func update(_ change: (inout [AccessToken]) throws(CtxError) -> Void) throws(CtxError) {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw CtxError(.io, "cannot create \(directory): \(error.localizedDescription); check its permissions", path: directory)
    }
    let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folder >= 0 else { throw CtxError(.io, "cannot open \(directory): \(String(cString: strerror(errno)))", path: directory) }
    defer { close(folder) }
    flock(folder, LOCK_EX)
    defer { flock(folder, LOCK_UN) }
    var tokens = try load()
    try change(&tokens)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data: Data
    do { data = try encoder.encode(TokenFile(tokens: tokens)) } catch { throw CtxError(.io, "cannot encode the tokens: \(error)") }
    let temporary = directory + "/.tokens.json.\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
      throw CtxError(.io, "cannot write \(temporary); check the permissions of \(directory)", path: temporary)
    }
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw CtxError(.io, "cannot replace \(path): \(reason)", path: path)
    }
  }
}

struct TokenFile: Codable {
  var comment = "ctx access tokens: SHA-256 hashes only (the secrets are shown once, by `ctx token create`). Edit with `ctx token`."
  var tokens: [AccessToken]
}

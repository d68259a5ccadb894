import CtxCore
import Foundation

/// The tokens a long-lived server checks requests against: read again when `tokens.json`
/// changes (a `stat` per request), so `ctx token create` and `ctx token revoke` take effect on
/// the next request without a restart.
public final class TokenCache: @unchecked Sendable {
  public let store: TokenStore
  private let lock = NSLock()
  private var stamp: Stamp?
  private var byHash: [String: AccessToken] = [:]

  struct Stamp: Equatable {
    var inode: UInt64
    var size: Int64
    var mtime: Int
    var mtimeNanos: Int
  }

  public init(store: TokenStore) {
    self.store = store
  }

  public enum Outcome: Sendable, Equatable {
    case granted(AccessGrant)
    /// Unknown or revoked: the same answer for both, so a probe learns nothing.
    case unknown
  }

  /// The grant for a bearer secret.
  ///
  /// - Throws: when the token file exists but cannot be read (the server answers 500 and
  ///   names the file; it never falls back to "no tokens").
  public func authenticate(_ secret: String) throws(CtxError) -> Outcome {
    let tokens = try current()
    guard let token = tokens[TokenStore.hash(secret)], !token.isRevoked else { return .unknown }
    return .granted(token.grant)
  }

  /// The grant for a token by its hash (the review page's sessions keep only the hash, so a
  /// revoked token ends its sessions on the next request).
  public func authenticate(hash: String) throws(CtxError) -> Outcome {
    guard let token = try current()[hash], !token.isRevoked else { return .unknown }
    return .granted(token.grant)
  }

  /// Live tokens, for the server's start-up message.
  public func liveCount() throws(CtxError) -> Int {
    try current().values.filter { !$0.isRevoked }.count
  }

  private func current() throws(CtxError) -> [String: AccessToken] {
    var info = stat()
    let now: Stamp? =
      stat(store.path, &info) == 0
      ? Stamp(inode: UInt64(info.st_ino), size: Int64(info.st_size), mtime: info.st_mtim.tv_sec, mtimeNanos: info.st_mtim.tv_nsec) : nil
    lock.lock()
    defer { lock.unlock() }
    if let stamp, stamp == now { return byHash }
    if now == nil {
      stamp = nil
      byHash = [:]
      return byHash
    }
    let loaded = try store.load()
    // A revoked token keeps its entry only if no live token has the same hash (never: the
    // secrets are random), so live entries win.
    var table: [String: AccessToken] = [:]
    for token in loaded where table[token.sha256] == nil || table[token.sha256]?.isRevoked == true {
      table[token.sha256] = token
    }
    byHash = table
    stamp = now
    return byHash
  }
}

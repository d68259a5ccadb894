import CtxAccess
import CtxCore
import CtxTestSupport
import CtxWorkspace
import Foundation
import Testing

@Suite struct TokenStoreTests {
  @Test func createdTokensAreStoredHashedAndGrantTheirScope() throws {
    let scratch = ScratchDirectory()
    let store = TokenStore(workspace: Workspace(root: scratch.path))
    let (token, secret) = try store.create(name: "ci-bot", sources: ["code", "docs"], layers: ["code"], write: true, review: false)
    #expect(secret.hasPrefix("ctx_") && secret.count == 68)
    let file = try String(contentsOfFile: store.path, encoding: .utf8)
    #expect(!file.contains(secret), "the secret must never be written")
    #expect(file.contains(TokenStore.hash(secret)))
    #expect(token.grant == AccessGrant(name: "ci-bot", sources: ["code", "docs"], layers: ["code"], canWrite: true, canReview: false))
    #expect(TokenStore.match(secret, in: try store.load())?.name == "ci-bot")
    #expect(TokenStore.match(secret + "x", in: try store.load()) == nil)
    let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  @Test func everySourceIsStarAndNamesAreChecked() throws {
    let scratch = ScratchDirectory()
    let store = TokenStore(workspace: Workspace(root: scratch.path))
    let (token, _) = try store.create(name: "reviewer", sources: ["*"], layers: [], write: false, review: true)
    #expect(token.grant.seesEverySource && token.grant.layers == nil && token.grant.canReview)
    #expect(throws: CtxError.self) { try store.create(name: "reviewer", sources: ["*"], layers: [], write: false, review: false) }
    #expect(throws: CtxError.self) { try store.create(name: "has space", sources: ["*"], layers: [], write: false, review: false) }
    #expect(throws: CtxError.self) { try store.create(name: "local", sources: ["*"], layers: [], write: false, review: false) }
    #expect(throws: CtxError.self) { try store.create(name: "nosources", sources: [], layers: [], write: false, review: false) }
  }

  @Test func aRunningServerSeesNewAndRevokedTokensWithoutARestart() throws {
    let scratch = ScratchDirectory()
    let store = TokenStore(workspace: Workspace(root: scratch.path))
    let cache = TokenCache(store: store)
    #expect(try cache.authenticate("ctx_nothing") == .unknown)
    let (_, secret) = try store.create(name: "agent", sources: ["code"], layers: [], write: false, review: false)
    guard case .granted(let grant) = try cache.authenticate(secret) else {
      Issue.record("a new token must be accepted at once")
      return
    }
    #expect(grant.name == "agent" && grant.sources == ["code"])
    try store.revoke(name: "agent")
    #expect(try cache.authenticate(secret) == .unknown)
    // Revoked, kept in the list with when.
    #expect(try store.load().first?.revoked != nil)
    #expect(throws: CtxError.self) { try store.revoke(name: "agent") }
    // The name is free again after revoking.
    _ = try store.create(name: "agent", sources: ["code"], layers: [], write: false, review: false)
  }

  @Test func aDamagedTokenFileIsAnErrorNotAnOpenDoor() throws {
    let scratch = ScratchDirectory()
    let store = TokenStore(workspace: Workspace(root: scratch.path))
    try scratch.write(["access/tokens.json": "{not json"])
    #expect(throws: CtxError.self) { try TokenCache(store: store).authenticate("ctx_x") }
  }
}

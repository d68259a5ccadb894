import CtxCore
import CtxStore

/// What a query may draw from: named sources and path globs (`--source`, `--path`; the MCP
/// tools' `sources` and `paths`). Empty means everything.
///
/// A path glob applies to items that have a path: code and document items by their path, a
/// commit when any file it changed matches. Chat threads have no path: a query scoped by
/// path shows none. In a bundle, annotations attach to the items shown (all in scope); a
/// flat scoped search has no annotation hits.
///
/// `ceiling` is what the caller may see at all (an HTTP token's sources): nothing outside it
/// is ever returned, and an error names only the sources inside it. Unlike `sources`, an
/// empty ceiling admits nothing.
public struct Scope: Sendable {
  public var sources: Set<String>
  public var paths: [Glob]
  /// The sources the caller may see; nil for every source.
  public var ceiling: Set<String>?

  public init(sources: Set<String> = [], paths: [String] = [], ceiling: Set<String>? = nil) {
    self.sources = sources
    self.paths = paths.map(Glob.init)
    self.ceiling = ceiling
  }

  public var isEverything: Bool { sources.isEmpty && paths.isEmpty && ceiling == nil }

  /// Whether the caller may see this source at all (the ceiling only, not the request's choice).
  public func permits(source: String) -> Bool { ceiling?.contains(source) ?? true }

  /// Checks the source names against the index: an unknown name is an error listing the known.
  public func validate(against store: IndexStore) throws(CtxError) {
    guard !sources.isEmpty else { return }
    let known: [String]
    do { known = Array(try store.sourceRoots().keys).filter(permits(source:)).sorted() } catch { throw CtxError(.storeFailed, "cannot read the index's sources: \(error)") }
    let unknown = sources.subtracting(known).sorted()
    guard unknown.isEmpty else {
      throw CtxError(
        .invalidQuery,
        "unknown source \(unknown.map { "`\($0)`" }.joined(separator: ", ")); the index has: \(known.isEmpty ? "no sources (run `ctx index`)" : known.joined(separator: ", "))")
    }
  }

  func admits(source: String) -> Bool { (sources.isEmpty || sources.contains(source)) && permits(source: source) }

  func admits(source: String, path: String?) -> Bool {
    guard admits(source: source) else { return false }
    guard !paths.isEmpty else { return true }
    guard let path else { return false }
    return paths.contains { $0.matches(path) }
  }

  func admits(_ hit: CodeHit) -> Bool { admits(source: hit.chunk.source, path: hit.chunk.path) }
  func admits(_ hit: DocHit) -> Bool { admits(source: hit.section.source, path: hit.section.path) }
  func admits(_ hit: ThreadHit) -> Bool { admits(source: hit.thread.source, path: nil) }
  func admits(_ hit: HistoryHit) -> Bool {
    guard admits(source: hit.commit.source) else { return false }
    return paths.isEmpty || hit.changes.contains { change in paths.contains { $0.matches(change.path) } }
  }
}

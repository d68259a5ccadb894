/// What one caller may do: the sources and layers it sees, and whether it may write proposals
/// or review them. Every tool call and every page of the review site runs under one grant.
///
/// stdio (`ctx serve`) runs under `AccessGrant.local`: the person who can run ctx on the
/// workspace can read its files anyway. Over HTTP a grant comes from a bearer token.
public struct AccessGrant: Sendable, Equatable {
  /// Who is calling: the token's name (`local` over stdio). Writes and reviews are attributed to it.
  public var name: String
  /// The sources it sees, by name; nil means every source.
  public var sources: Set<String>?
  /// The layers it sees (`code`, `history`, `docs`, `chat`, `annotations`); nil means every layer.
  public var layers: Set<String>?
  /// May propose annotations and corrections (`annotate`, `correct`).
  public var canWrite: Bool
  /// May decide on the review queue (accept, reject, supersede) on the review page.
  public var canReview: Bool

  public init(name: String, sources: Set<String>?, layers: Set<String>?, canWrite: Bool, canReview: Bool) {
    self.name = name
    self.sources = sources
    self.layers = layers
    self.canWrite = canWrite
    self.canReview = canReview
  }

  /// Everything: stdio and `--jsonl`, started by someone who can read the workspace.
  public static let local = AccessGrant(name: "local", sources: nil, layers: nil, canWrite: true, canReview: true)

  /// Whether it sees every source (and so may see what spans sources: annotations of any
  /// target, the review queue's evidence, totals of the whole index).
  public var seesEverySource: Bool { sources == nil }

  public func sees(source: String) -> Bool { sources?.contains(source) ?? true }

  public func sees(layer: String) -> Bool { layers?.contains(layer) ?? true }

  /// The named sources, for messages ("every source" when unrestricted).
  public var sourcesText: String {
    guard let sources else { return "every source" }
    return sources.isEmpty ? "no source" : sources.sorted().joined(separator: ", ")
  }
}

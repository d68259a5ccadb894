import CtxCore
import CtxStore
import Foundation

/// The layers of the index (DESIGN.md), as `--layer`, `--layers` and the MCP tools name them.
public enum Layer: String, CaseIterable, Sendable, Codable {
  case code, history, docs, chat, annotations
}

/// The query service: one entry point for ranked hits and bundles, used by the command line
/// and by `ctx serve` alike. Read-only; safe to keep open while `ctx index` writes.
public struct QueryService: Sendable {
  public let store: IndexStore
  /// Code ranking's file-level weights (docs/ranking.md); `ctx eval --set` changes them.
  public var rankingWeights = RankingWeights()

  public init(store: IndexStore) {
    self.store = store
  }

  /// Opens the workspace's index read-only.
  public init(databasePath: String) throws {
    store = try IndexStore(path: databasePath, mode: .readOnly)
  }

  /// Code search with this service's ranking weights.
  public var codeSearch: CodeSearch {
    var search = CodeSearch(store: store)
    search.weights = rankingWeights
    return search
  }

  /// The layers that have at least one indexed source.
  public func indexedLayers() -> Set<Layer> {
    var layers = Set<Layer>()
    for (_, source) in (try? store.sourceRoots()) ?? [:] {
      switch source.kind {
      case "code": layers.insert(.code)
      case "git": layers.insert(.history)
      case "docs": layers.insert(.docs)
      case "chat": layers.insert(.chat)
      default: break
      }
    }
    if let rows = try? store.annotations(), !rows.isEmpty { layers.insert(.annotations) }
    return layers
  }

  /// Ranked hits of one layer, or of every layer merged by each hit's score relative to the
  /// best hit of its own layer (layers rank on different scales).
  public func search(_ text: String, layer: Layer?, limit: Int) throws -> [SearchHit] {
    var hits: [(relative: Double, hit: SearchHit)] = []
    if layer == nil || layer == .code {
      let code = try codeSearch.search(text, limit: limit)
      let best = max(code.first?.score ?? 1, 0.001)
      hits += code.map { ($0.score / best, SearchHit($0)) }
    }
    if layer == nil || layer == .history {
      let history = try HistorySearch(store: store).search(text, limit: limit)
      let best = max(history.first?.score ?? 1, 0.001)
      hits += history.map { ($0.score / best, SearchHit($0)) }
    }
    let knowledge = KnowledgeSearch(store: store)
    if layer == nil || layer == .docs {
      let docs = try knowledge.docs(text, limit: limit)
      let best = max(docs.first?.score ?? 1, 0.001)
      hits += docs.map { ($0.score / best, SearchHit($0)) }
    }
    if layer == nil || layer == .chat {
      let threads = try knowledge.threads(text, limit: limit)
      let best = max(threads.first?.score ?? 1, 0.001)
      hits += threads.map { ($0.score / best, SearchHit($0)) }
    }
    if layer == nil || layer == .annotations {
      let found = try AnnotationLayer(store: store).search(text, limit: limit)
      let best = max(found.first?.score ?? 1, 0.001)
      hits += found.map { ($0.score / best, SearchHit(annotation: $0.row, score: $0.score, reasons: $0.reasons)) }
    }
    if layer == nil {
      // Stable: equal relative scores keep layer order.
      hits = hits.enumerated().sorted { $0.element.relative != $1.element.relative ? $0.element.relative > $1.element.relative : $0.offset < $1.offset }
        .map(\.element)
    }
    return hits.prefix(limit).map(\.hit)
  }

  /// Other chunks that use a chunk's symbol, as `path:line` (at most `limit`), other files first.
  public func usages(of chunk: ChunkRecord, limit: Int = 4) throws -> [String] {
    guard let symbol = chunk.symbol, symbol.count >= 3 else { return [] }
    let parts = IdentifierParts.split(symbol[...])
    let term = QueryTerm(whole: parts.joined(), parts: parts.count > 1 ? parts : [])
    let ids = try store.anyChunks(FTSExpression.group(term), limit: 40).filter { $0 != chunk.id }
    var places: [(path: String, line: Int, sameFile: Bool)] = []
    for other in try store.chunks(ids: ids) {
      // A real use spells the name; the index also matches its parts.
      guard let offset = QueryService.lineOffset(of: symbol, in: other.text) else { continue }
      places.append((other.path, other.startLine + offset, other.path == chunk.path))
    }
    places.sort { ($0.sameFile ? 1 : 0, $0.path, $0.line) < ($1.sameFile ? 1 : 0, $1.path, $1.line) }
    return places.prefix(limit).map { "\($0.path):\($0.line)" }
  }

  /// The 0-based line of `text` where `needle` first occurs, or nil. Compares UTF-8 bytes: a
  /// bundle asks this of 40 chunks for each of its code items, and splitting every chunk into
  /// lines to search each with `String.contains` took half of a bundle's time.
  static func lineOffset(of needle: String, in text: String) -> Int? {
    let pattern = Array(needle.utf8)
    guard let first = pattern.first else { return nil }
    var text = text
    return text.withUTF8 { bytes -> Int? in
      guard bytes.count >= pattern.count else { return nil }
      var line = 0
      var index = 0
      let last = bytes.count - pattern.count
      while index <= last {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\n") {
          line += 1
        } else if byte == first {
          var matched = 1
          while matched < pattern.count && bytes[index + matched] == pattern[matched] { matched += 1 }
          if matched == pattern.count { return line }
        }
        index += 1
      }
      return nil
    }
  }

  /// A layered bundle fitted to `budget` tokens; an empty `layers` means every layer.
  public func bundle(_ text: String, budget: Int, layers: Set<Layer> = []) throws -> ContextBundle {
    func wants(_ layer: Layer) -> Bool { layers.isEmpty || layers.contains(layer) }
    let hits = wants(.code) ? try codeSearch.search(text, limit: 40) : []
    let history = HistorySearch(store: store)
    let knowledge = KnowledgeSearch(store: store)
    // The live layer: every file behind a candidate, checked against the disk now.
    let live = try LiveCheck(store: store).check(hits.map { ($0.chunk.source, $0.chunk.path) })
    return try ContextBundle(query: text, codeHits: hits, budget: budget, live: live, usages: { (try? usages(of: $0)) ?? [] }) { chunks in
      var context = ContextBundle.Context()
      if wants(.history) { context.history = try history.explain(code: chunks, query: text, limit: 12) }
      if wants(.docs) || wants(.chat) {
        let around = try knowledge.mentioning(code: chunks, query: text, limit: 8)
        if wants(.docs) {
          context.docs = around.docs
          let files = try LiveCheck(store: store).check(context.docs.map { ($0.section.source, $0.section.path) })
          for index in context.docs.indices {
            context.docs[index].freshness = files[LiveCheck.key(source: context.docs[index].section.source, path: context.docs[index].section.path)]?.freshness
          }
        }
        if wants(.chat) { context.threads = around.threads }
      }
      if wants(.annotations) {
        context.annotations = try AnnotationLayer(store: store).attach(
          query: text, code: chunks, history: context.history, docs: context.docs, threads: context.threads)
      }
      return context
    }
  }
}

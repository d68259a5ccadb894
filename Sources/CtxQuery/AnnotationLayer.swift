import CtxAnnotations
import CtxCore
import CtxStore
import Foundation

/// An annotation attached to items of a bundle, with what a reader must know about it.
public struct AnnotationHit: Sendable {
  public var annotation: AnnotationRow
  /// The bundle items it concerns: "`validateSession` (code)", "`docs/auth.md#expiry`".
  public var attachesTo: [String]
  /// Proposed by an agent or written with --proposed: not reviewed yet.
  public var isProposed: Bool { annotation.status == "proposed" }
  /// Its target changed since it was written (or vanished): it may be stale.
  public var staleNote: String?
  /// Other live annotations stating a different value for the same fact: shown side by side,
  /// never silently resolved.
  public var disagreements: [AnnotationRow]
}

/// Finds the annotations that concern a bundle's items: a symbol's annotations for code
/// defining it, a path or glob's for every file under it, a document's for its sections, a
/// commit's and a thread's for those items, a term's for queries that contain it.
public struct AnnotationLayer: Sendable {
  public let store: IndexStore
  /// The files as they are now; nil reads the index's mirror (as of the last `ctx index`).
  public let current: AnnotationView?

  public init(store: IndexStore, current: AnnotationView? = nil) {
    self.store = store
    self.current = current
  }

  /// Every annotation, by name, with its liveness.
  func allRows() throws -> [AnnotationRow] {
    try current?.allRows() ?? store.annotations()
  }

  /// Whether there is any annotation at all.
  func isEmpty() throws -> Bool {
    try current?.isEmpty() ?? (store.annotationCount() == 0)
  }

  public func attach(
    query text: String, code: [ChunkRecord], history: [HistoryHit], docs: [DocHit], threads: [ThreadHit], limit: Int = 20
  ) throws -> [AnnotationHit] {
    let symbols = code.compactMap(\.symbol)
    let kinds = ["path", "doc", "commit", "thread", "term", IndexStore.qualifiedSymbolKind]
    let rows = try (current?.rows(symbols: symbols, kinds: kinds) ?? store.annotations(symbols: symbols, kinds: kinds)).filter(\.live)
    guard !rows.isEmpty else { return [] }
    var attached: [String: (row: AnnotationRow, to: [String])] = [:]
    func attach(_ row: AnnotationRow, _ item: String) {
      // A row can come twice (by its name and as a scoped symbol); each place is said once.
      if attached[row.name]?.to.contains(item) == true { return }
      attached[row.name, default: (row, [])].to.append(item)
    }
    let lowerQuery = text.lowercased()
    for row in rows {
      switch row.targetKind {
      case "symbol":
        if IndexStore.qualifiedSymbol(row.targetValue) != nil {
          // `symbol:Option.resolve_envvar_value`: the chunk holding its anchored lines (a short
          // class is one chunk, labelled with the class).
          guard let location = row.location, let lines = TargetState.lines(of: location) else { continue }
          let file = TargetState.file(of: location)
          for chunk in code where chunk.path == file && chunk.startLine <= lines.upperBound && chunk.endLine >= lines.lowerBound {
            attach(row, "`\(row.targetValue)` in `\(chunk.path)`")
          }
          continue
        }
        for chunk in code where chunk.symbol.map(IndexStore.normalizedSymbol) == IndexStore.normalizedSymbol(row.targetValue) {
          attach(row, "`\(chunk.symbol ?? "")` in `\(chunk.path)`")
        }
      case "path":
        let glob = Glob(row.targetValue)
        let exact = row.targetValue
        for path in Set(code.map(\.path) + docs.map(\.section.path)) where path == exact || glob.matches(path) {
          attach(row, "`\(path)`")
        }
      case "doc":
        let parts = row.targetValue.split(separator: "#", maxSplits: 1).map(String.init)
        for doc in docs where doc.section.path == parts[0] && (parts.count == 1 || doc.section.anchor == parts[1]) {
          attach(row, "`\(doc.ref)`")
        }
      case "commit":
        for commit in history where commit.commit.sha.hasPrefix(row.targetValue.lowercased()) {
          attach(row, "commit `\(commit.commit.sha.prefix(12))`")
        }
      case "thread":
        for thread in threads where "\(thread.thread.channel)/\(thread.thread.threadTS)" == row.targetValue
          || "\(thread.thread.conversation)/\(thread.thread.threadTS)" == row.targetValue
        {
          attach(row, "`\(thread.ref)`")
        }
      case "term":
        if lowerQuery.contains(row.targetValue.lowercased()) { attach(row, "the query mentions \"\(row.targetValue)\"") }
      default: break
      }
    }
    guard !attached.isEmpty else { return [] }

    // Disagreements: every live annotation sharing a fact key with an attached one, and the
    // other live annotations on the target of an attached correction (or the corrections on
    // an attached annotation's target): competing claims are shown side by side. Claims on
    // an attached row's target are among `rows` already (same symbol, or a non-symbol kind);
    // only fact keys need every annotation.
    let keys = Set(attached.values.compactMap(\.row.factKey))
    let all = keys.isEmpty ? [] : try allRows().filter { $0.live && $0.factKey.map(keys.contains) == true }
    func sameTarget(_ row: AnnotationRow) -> String {
      row.targetKind == "symbol" ? "symbol:" + IndexStore.normalizedSymbol(row.targetValue) : row.target
    }
    let correctedTargets = Set(rows.filter { $0.kind == "correction" }.map(sameTarget))
    let resolver = TargetResolver(store: store)
    var hits: [AnnotationHit] = []
    for (row, items) in attached.values {
      var hit = AnnotationHit(annotation: row, attachesTo: items, staleNote: nil, disagreements: [])
      if let key = row.factKey, keys.contains(key) {
        hit.disagreements = all.filter { $0.factKey == key && $0.factValue != row.factValue && $0.name != row.name }
      }
      let target = sameTarget(row)
      if correctedTargets.contains(target) {
        for other in rows where other.name != row.name && sameTarget(other) == target && (other.kind == "correction" || row.kind == "correction")
          && !hit.disagreements.contains(where: { $0.name == other.name })
        {
          hit.disagreements.append(other)
        }
      }
      if let target = try? AnnotationTarget(parsing: row.target), let state = try? resolver.state(of: target, anchoredAt: row.location) {
        if !state.exists {
          hit.staleNote = "its target no longer exists"
        } else if let anchored = row.fingerprint, let current = state.fingerprint, anchored != current {
          hit.staleNote = row.kind == "correction"
            ? "the code it corrects changed after it was written: re-check it" : "its target changed since it was written: it may be stale"
        }
      }
      hits.append(hit)
    }
    // Accepted corrections first, then accepted annotations, then proposals; newest first.
    func rank(_ hit: AnnotationHit) -> Int {
      (hit.isProposed ? 2 : 0) + (hit.annotation.kind == "correction" ? 0 : 1)
    }
    hits.sort { rank($0) != rank($1) ? rank($0) < rank($1) : ($0.annotation.date, $0.annotation.name) > ($1.annotation.date, $1.annotation.name) }
    return Array(hits.prefix(limit))
  }

  /// `ctx search --layer annotations`: full text over targets and bodies, live ones only.
  public func search(_ text: String, limit: Int) throws -> [(row: AnnotationRow, score: Double, reasons: [String])] {
    let query = QueryAnalysis.of(text)
    guard let any = FTSExpression.any(query.terms) else { return [] }
    func match(_ expression: String) throws -> [(name: String, score: Double)] {
      try current?.match(expression, limit: 100) ?? store.matchAnnotations(expression, limit: 100)
    }
    var scores: [String: (Double, String)] = [:]
    if query.terms.count > 1, let all = FTSExpression.all(query.terms) {
      for (name, score) in try match(all) { scores[name] = (-score * 1.5, "matches all query terms") }
    }
    for (name, score) in try match(any) where scores[name] == nil {
      scores[name] = (-score, query.terms.count > 1 ? "matches some query terms" : "matches `\(query.terms[0].whole)`")
    }
    let names = Array(scores.keys)
    let rows = try (current?.rows(named: names) ?? store.annotations(names: names)).filter { $0.live && scores[$0.name] != nil }
    var results: [(row: AnnotationRow, score: Double, reasons: [String])] = []
    for row in rows {
      guard let (base, reason) = scores[row.name] else { continue }
      var score = base
      var reasons = [reason]
      if row.status == "proposed" {
        score *= 0.8
        reasons.append("proposed, not reviewed")
      }
      results.append((row, score, reasons))
    }
    results.sort { $0.score != $1.score ? $0.score > $1.score : $0.row.name < $1.row.name }
    return Array(results.prefix(limit))
  }
}

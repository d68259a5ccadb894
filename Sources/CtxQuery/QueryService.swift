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
  /// The workspace's `annotations/` as it is now (docs/annotations.md, "In effect at once");
  /// nil uses the index's mirror, as of the last `ctx index`.
  /// One service serves one request (a command, a tool call): the folder is listed once.
  public let annotations: AnnotationView?

  public init(store: IndexStore, annotationsFolder: String? = nil) {
    self.store = store
    annotations = annotationsFolder.map { AnnotationView(folder: $0, store: store) }
  }

  /// Opens the workspace's index read-only.
  public init(databasePath: String, annotationsFolder: String? = nil) throws {
    let store = try IndexStore(path: databasePath, mode: .readOnly)
    self.store = store
    annotations = annotationsFolder.map { AnnotationView(folder: $0, store: store) }
  }

  var annotationLayer: AnnotationLayer { AnnotationLayer(store: store, current: annotations) }

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
    if (try? annotationLayer.isEmpty()) == false { layers.insert(.annotations) }
    return layers
  }

  /// Ranked hits of one layer, or of every layer merged by each hit's score relative to the
  /// best hit of its own layer (layers rank on different scales).
  public func search(_ text: String, layer: Layer?, limit: Int, scope: Scope = Scope()) throws -> [SearchHit] {
    try scope.validate(against: store)
    // A scoped search looks deeper, then keeps what is in scope.
    let depth = scope.isEverything ? limit : max(limit * 5, 200)
    var hits: [(relative: Double, hit: SearchHit)] = []
    var timer = StageTimer()
    // Layers with no source are skipped: even an empty full-text table costs a long query
    // its term lookups (about 30 ms each for a 20 KB report on moby).
    let kinds = Set(try store.sourceRoots().values.map(\.kind))
    if (layer == nil || layer == .code) && kinds.contains("code") {
      let code = try codeSearch.search(text, limit: depth).filter(scope.admits).prefix(limit)
      let best = max(code.first?.score ?? 1, 0.001)
      hits += code.map { ($0.score / best, SearchHit($0, scope: definingScope(of: $0.chunk))) }
      timer.mark("search.code")
    }
    if (layer == nil || layer == .history) && kinds.contains("git") {
      // A search hit lists the changed paths only: no line counts read from the repository.
      let history = try HistorySearch(store: store).search(text, limit: depth, withChanges: true, lineCounts: false).filter(scope.admits).prefix(limit)
      let best = max(history.first?.score ?? 1, 0.001)
      hits += history.map { ($0.score / best, SearchHit($0)) }
      timer.mark("search.history")
    }
    let knowledge = KnowledgeSearch(store: store)
    if (layer == nil || layer == .docs) && kinds.contains("docs") {
      let docs = try knowledge.docs(text, limit: depth).filter(scope.admits).prefix(limit)
      let best = max(docs.first?.score ?? 1, 0.001)
      hits += docs.map { ($0.score / best, SearchHit($0)) }
      timer.mark("search.docs")
    }
    if (layer == nil || layer == .chat) && kinds.contains("chat") {
      let threads = try knowledge.threads(text, limit: depth).filter(scope.admits).prefix(limit)
      let best = max(threads.first?.score ?? 1, 0.001)
      hits += threads.map { ($0.score / best, SearchHit($0)) }
      timer.mark("search.chat")
    }
    if (layer == nil || layer == .annotations) && scope.isEverything {
      let found = try annotationLayer.search(text, limit: limit)
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

  /// What a chunk's symbol is defined in, innermost (`Option` for `Option.__init__`), or nil.
  func definingScope(of chunk: ChunkRecord) -> String? {
    (try? store.definingScope(of: chunk)).flatMap { $0 }.map(CodeSearch.lastScope)
  }

  /// Other chunks that use a chunk's symbol, as `path:line` (at most `limit`), other files first.
  public func usages(of chunk: ChunkRecord, limit: Int = 4, scope: Scope = Scope()) throws -> [String] {
    // A dunder (`__init__`, `__exit__`) is called by the language, not by name: the places
    // spelling it are other classes' definitions of their own.
    guard let symbol = chunk.symbol, symbol.count >= 3, !(symbol.hasPrefix("__") && symbol.hasSuffix("__")) else { return [] }
    let parts = IdentifierParts.split(symbol[...])
    let term = QueryTerm(whole: parts.joined(), parts: parts.count > 1 ? parts : [])
    let ids = try store.anyChunks(FTSExpression.group(term), limit: 40).filter { $0 != chunk.id }
    var places: [(path: String, line: Int, sameFile: Bool)] = []
    for other in try store.chunks(ids: ids) where !CodeSearch.isProse(other.path) && scope.permits(source: other.source) {
      // A real use spells the name; the index also matches its parts. Changelogs and docs
      // mention names too, but "also used in" lists code.
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
  ///
  /// Only candidates with evidence enter (`RelevanceFloor`): the bundle ends where the
  /// evidence ends, and what stayed out below the floor is counted per layer.
  public func bundle(_ text: String, budget: Int, layers: Set<Layer> = [], scope: Scope = Scope()) throws -> ContextBundle {
    try scope.validate(against: store)
    var timer = StageTimer()
    // A layer with no indexed source is not searched (its empty tables still cost a long query
    // its term lookups).
    let roots = try store.sourceRoots()
    let kinds = Set(roots.values.map(\.kind))
    func wants(_ layer: Layer) -> Bool {
      guard layers.isEmpty || layers.contains(layer) else { return false }
      switch layer {
      case .code: return kinds.contains("code")
      case .history: return kinds.contains("git")
      case .docs: return kinds.contains("docs")
      case .chat: return kinds.contains("chat")
      case .annotations: return true
      }
    }
    let analysis = QueryAnalysis.of(text)
    var searched = wants(.code) ? try codeSearch.search(text, limit: scope.isEverything ? 40 : 200).filter(scope.admits) : []
    // A prose file that a docs source holds too (a code source on the repository, a docs
    // source on its docs/) is shown once: as document sections, with their headings, not again
    // as code chunks of the same lines.
    if wants(.docs), searched.contains(where: { CodeSearch.isProse($0.chunk.path) }) {
      let documents = try store.documentFiles()
      searched.removeAll { hit in
        guard CodeSearch.isProse(hit.chunk.path), let root = roots[hit.chunk.source]?.root else { return false }
        return documents.contains(root + "/" + hit.chunk.path)
      }
    }
    let hits = Array(searched.prefix(40))
    timer.mark("bundle.code")
    let history = HistorySearch(store: store)
    let knowledge = KnowledgeSearch(store: store)
    let evidence = try Evidence(query: analysis, store: store)
    timer.mark("bundle.evidence")

    // What each layer offers for the question alone sets the best evidence and the sources
    // the question is about, before any item is chosen.
    let probeDocs = wants(.docs) ? try knowledge.docs(text, limit: 8).filter(scope.admits) : []
    let probeThreads = wants(.chat) ? try knowledge.threads(text, limit: 8).filter(scope.admits) : []
    // Paths are evidence; line counts are not (`explain` counts them for the commits shown).
    let probeCommits = wants(.history) ? try history.search(text, limit: 10, withChanges: true, lineCounts: false).filter(scope.admits) : []
    timer.mark("bundle.probes")
    let codeCoverage = try evidence.coverage(of: hits.map(QueryService.evidenceText))
    var candidates = zip(hits, codeCoverage).map { ($0.chunk.source, $1) }
    candidates += zip(probeDocs, try evidence.coverage(of: probeDocs.map(QueryService.evidenceText))).map { ($0.section.source, $1) }
    candidates += zip(probeThreads, try evidence.coverage(of: probeThreads.map(QueryService.evidenceText))).map { ($0.thread.source, $1) }
    candidates += zip(probeCommits, try evidence.coverage(of: probeCommits.map(QueryService.evidenceText))).map { ($0.commit.source, $1) }
    let floor = RelevanceFloor(candidates: candidates, evidence: evidence, sourceRoots: roots)
    if ProcessInfo.processInfo.environment["CTX_DEBUG_FLOOR"] == "1" {
      var lines = ["terms: " + evidence.terms.map { "\($0.word)/\($0.stem)=\(String(format: "%.2f", $0.weight))" }.joined(separator: " ")]
      lines.append("best \(floor.best) focus \(floor.focus.sorted())")
      let labels = hits.map { "code \($0.chunk.path):\($0.chunk.startLine)" } + probeDocs.map { "doc \($0.ref)" } + probeThreads.map { "chat \($0.ref)" }
        + probeCommits.map { "commit \($0.commit.summary.prefix(50))" }
      for (label, candidate) in zip(labels, candidates) { lines.append(String(format: "%.3f ", candidate.1) + candidate.0 + " " + label) }
      FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    var belowFloor: [String: Int] = [:]
    let bestCodeScore = hits.first?.score ?? 0
    var admittedCode: [CodeHit] = []
    // A long question (a bug report) spreads its words thin, so coverage says less than the
    // ranking does: the best hit of each of its five best-ranked files gets the lenient floor.
    var leadingFiles = Set<String>()
    var leadingHits = Set<Int>()
    if !evidence.isShort {
      for (index, hit) in hits.enumerated() where leadingFiles.count < QueryService.longQuestionLeadingFiles {
        if leadingFiles.insert(hit.chunk.source + "\u{0}" + hit.chunk.path).inserted { leadingHits.insert(index) }
      }
    }
    var itemsPerFile: [String: Int] = [:]
    for (rank, (hit, coverage)) in zip(hits, codeCoverage).enumerated() {
      // The code ranking has evidence words alone do not show (definitions and files the
      // question names, past commits like it): its best hit, in a source the question is
      // about, needs only some evidence, and hits close to it half the floor.
      let structural = hit.reasons.contains { $0.hasPrefix("definition of") || $0.contains("named in the query") || $0.contains("line named") }
      let lenient = structural || hit.score >= bestCodeScore * RelevanceFloor.codeScoreLenient || leadingHits.contains(rank)
      let onlyImports = !structural && hit.chunk.symbol == nil && ImportBlock.isOnlyImports(hit.chunk.text)
      let admitted =
        !onlyImports
        && (rank == 0
          ? floor.isInFocus(hit.chunk.source) && coverage > 0 && coverage >= floor.floor(source: hit.chunk.source, lenient: true) * 0.5
          : hit.score >= bestCodeScore * RelevanceFloor.codeScoreShare && floor.admits(source: hit.chunk.source, coverage: coverage, lenient: lenient))
      // More chunks of one file that only share its file-level evidence ("39 matching chunks
      // in this file": every test of an API) repeat each other: a few show the way.
      let fileKey = hit.chunk.source + "\u{0}" + hit.chunk.path
      let repeatsFile = admitted && !QueryService.isPinpointed(hit) && itemsPerFile[fileKey, default: 0] >= QueryService.maxItemsPerFile
      if admitted && !repeatsFile {
        admittedCode.append(hit)
        if !QueryService.isPinpointed(hit) { itemsPerFile[fileKey, default: 0] += 1 }
      } else {
        belowFloor["code", default: 0] += 1
      }
    }

    // Hits the question points at (a definition it names, a traceback line, the literal that
    // spells its error message) come first, so a small budget holds them before hits that only
    // share its words; each group keeps the ranking's order.
    let pinpointed = admittedCode.filter(QueryService.isPinpointed)
    admittedCode = pinpointed + admittedCode.filter { !QueryService.isPinpointed($0) }

    // A signal that fires on nearly every item ("changed recently" on a busy repository)
    // tells the reader nothing about any one of them: it is not shown.
    if admittedCode.count >= 3 {
      var counts: [String: Int] = [:]
      for hit in admittedCode { for reason in Set(hit.reasons) { counts[reason, default: 0] += 1 } }
      let everywhere = Set(counts.filter { Double($0.value) >= Double(admittedCode.count) * 0.8 && QueryService.uninformative.contains($0.key) }.keys)
      for index in admittedCode.indices {
        admittedCode[index].reasons.removeAll { everywhere.contains($0) }
      }
    }
    timer.mark("bundle.floor")
    // The live layer: every file behind a candidate, checked against the disk now.
    let live = try LiveCheck(store: store).check(admittedCode.map { ($0.chunk.source, $0.chunk.path) })
    timer.mark("bundle.live")
    var bundle = try ContextBundle(query: text, codeHits: admittedCode, budget: budget, live: live, usages: { (try? usages(of: $0, scope: scope)) ?? [] },
      scope: definingScope
    ) { chunks in
      var context = ContextBundle.Context()
      if wants(.history) {
        let commits = try history.explain(code: chunks, query: text, matching: probeCommits, limit: 12).filter(scope.admits)
        let coverage = try evidence.coverage(of: commits.map(QueryService.evidenceText))
        // A commit that changed a file shown whole changed the very lines shown: it explains
        // them whatever its words. Any other commit needs evidence of its own.
        let lineCounts = try store.lineCounts(fileIDs: chunks.map(\.fileID))
        let wholeFiles = Set(chunks.filter { $0.startLine <= 1 && $0.endLine >= (lineCounts[$0.fileID] ?? Int.max) }.map(\.path))
        context.history = zip(commits, coverage).filter { hit, coverage in
          let explainsShownLines = hit.reasons.contains { reason in wholeFiles.contains { reason.hasSuffix("changed `\($0)`") } }
          return explainsShownLines || floor.admits(source: hit.commit.source, coverage: coverage)
        }.map(\.0)
        belowFloor["history"] = commits.count - context.history.count
      }
      if wants(.docs) || wants(.chat) {
        var around = try knowledge.mentioning(code: chunks, commits: context.history, query: text, limit: 8)
        around.docs = around.docs.filter(scope.admits)
        around.threads = around.threads.filter(scope.admits)
        if wants(.docs) {
          let coverage = try evidence.coverage(of: around.docs.map(QueryService.evidenceText))
          context.docs = zip(around.docs, coverage).filter { hit, coverage in
            floor.admits(source: hit.section.source, coverage: coverage, lenient: hit.reasons.contains { $0.hasPrefix("mentions") })
          }.map(\.0)
          belowFloor["docs"] = around.docs.count - context.docs.count
          let files = try LiveCheck(store: store).check(context.docs.map { ($0.section.source, $0.section.path) })
          for index in context.docs.indices {
            context.docs[index].freshness = files[LiveCheck.key(source: context.docs[index].section.source, path: context.docs[index].section.path)]?.freshness
          }
        }
        if wants(.chat) {
          let coverage = try evidence.coverage(of: around.threads.map(QueryService.evidenceText))
          var admitted = zip(around.threads, coverage).filter { hit, coverage in
            floor.admits(
              source: hit.thread.source, coverage: coverage, lenient: hit.reasons.contains { $0.hasPrefix("mentions") || $0.hasPrefix("linked from commit") })
          }.map(\.0)
          // An issue a pull request in the bundle says it fixes is part of that pull request's
          // "why": it comes with it, whatever its own words.
          let pullRequests = Set(admitted.compactMap { $0.messages.first?.text.split(separator: ":").first.map(String.init) }.filter { $0.hasPrefix("Pull request #") })
          for hit in around.threads where !admitted.contains(where: { $0.thread.id == hit.thread.id }) {
            if hit.reasons.contains(where: { reason in pullRequests.contains { reason.hasPrefix("referenced by \($0) ") } }) { admitted.append(hit) }
          }
          context.threads = admitted
          belowFloor["chat"] = around.threads.count - context.threads.count
        }
      }
      if wants(.annotations) {
        // What people said about the items shown, which are all in scope.
        context.annotations = try annotationLayer.attach(
          query: text, code: chunks, history: context.history, docs: context.docs, threads: context.threads)
      }
      return context
    }
    bundle.belowFloor = belowFloor.filter { $0.value > 0 }
    timer.mark("bundle.assemble")
    return bundle
  }

  /// Reasons that can be dropped when every item has them; the others always say something
  /// particular about the item.
  static let longQuestionLeadingFiles = 5
  /// Code items of one file a bundle shows beyond those the question pinpoints.
  static let maxItemsPerFile = 3

  /// Whether the question names this hit itself, not only its words.
  static func isPinpointed(_ hit: CodeHit) -> Bool {
    hit.reasons.contains { $0.hasPrefix("definition of") || $0.hasPrefix("holds line") || $0.hasPrefix("spells the message") }
  }

  static let uninformative: Set<String> = ["changed recently", "changed by past commits whose messages match the query", "matches some query terms", "its path is named by the query"]

  /// The text a candidate's evidence is read from.
  static func evidenceText(_ hit: CodeHit) -> String {
    hit.chunk.path + "\n" + (hit.chunk.symbol ?? "") + "\n" + hit.chunk.text
  }

  static func evidenceText(_ hit: DocHit) -> String {
    hit.section.path + "\n" + hit.section.heading + "\n" + (hit.section.title ?? "") + "\n" + hit.section.text
  }

  static func evidenceText(_ hit: ThreadHit) -> String {
    ([hit.thread.channel] + hit.messages.map(\.text)).joined(separator: "\n")
  }

  static func evidenceText(_ hit: HistoryHit) -> String {
    ([hit.commit.summary, hit.commit.body] + hit.changes.map(\.path)).joined(separator: "\n")
  }
}

import CtxCore
import CtxStore
import Foundation

/// Which candidates of a bundle carry enough evidence to enter it (docs/bundles.md, "What
/// earns a place"). Every layer is measured by `Evidence` coverage, on one scale:
///
/// - **Relative floor.** An item needs at least `relative` × the best coverage of any
///   candidate of any layer: when the question is answered by an ADR that holds all its words,
///   code that shares one common word with it stays out.
/// - **Absolute floor** (short questions only): `absolute` of the question's weight. Two
///   common words are not evidence, however poor the best candidate is.
/// - **Sources the question is about.** Sources are grouped by the folder they read (a
///   repository's code, history and docs are one group). The group holding the best candidate
///   is the question's, and so is any group whose best candidate reaches `focusShare` × the
///   best and that holds at least `focusTopShare` of the `topItems` best candidates of all:
///   one stray document that happens to share the words does not make a repository the
///   subject. An item from any other group needs
///   `outsideFocus` × the best: strong evidence of its own.
/// - Code also needs a ranking score of at least `codeScoreShare` × the best code hit's, and a
///   code hit ranked on structure (a definition or a file the question names) or scoring at
///   least `codeScoreLenient` × the best passes with half the relative floor; the best code
///   hit, in a source the question is about, with a quarter (QueryService.bundle).
struct RelevanceFloor: Sendable {
  static let relative = 0.5
  static let absolute = 0.3
  static let focusShare = 0.75
  static let focusTopShare = 0.3
  static let topItems = 10
  static let outsideFocus = 0.85
  static let codeScoreShare = 0.2
  static let codeScoreLenient = 0.6

  /// The best coverage of any candidate.
  let best: Double
  let isShortQuery: Bool
  /// Source name to its group key.
  let groups: [String: String]
  /// Groups the question is about.
  let focus: Set<String>

  /// - Parameter candidates: every candidate of every layer, with its source and coverage.
  init(candidates: [(source: String, coverage: Double)], evidence: Evidence, sourceRoots: [String: (kind: String, root: String)]) {
    best = candidates.map(\.coverage).max() ?? 0
    isShortQuery = evidence.isShort
    groups = RelevanceFloor.group(sourceRoots)
    let groups = self.groups
    let ranked = candidates.map { (group: groups[$0.source] ?? $0.source, coverage: $0.coverage) }.sorted { $0.coverage > $1.coverage }
    var groupBest: [String: Double] = [:]
    for candidate in ranked where groupBest[candidate.group] == nil { groupBest[candidate.group] = candidate.coverage }
    var topCount: [String: Int] = [:]
    for candidate in ranked.prefix(RelevanceFloor.topItems) { topCount[candidate.group, default: 0] += 1 }
    let best = self.best
    let topTotal = Double(min(ranked.count, RelevanceFloor.topItems))
    focus = Set(
      groupBest.filter { group, top in
        top >= best || (top >= best * RelevanceFloor.focusShare && Double(topCount[group] ?? 0) >= topTotal * RelevanceFloor.focusTopShare)
      }.keys)
  }

  /// The floor an item of `source` must reach; `lenient` halves the relative part (structural
  /// code evidence, a section or thread that names the code shown).
  func floor(source: String, lenient: Bool = false) -> Double {
    let inFocus = focus.contains(groups[source] ?? source)
    var floor = best * (inFocus ? RelevanceFloor.relative : RelevanceFloor.outsideFocus)
    if lenient && inFocus { floor *= 0.5 }
    if isShortQuery { floor = max(floor, RelevanceFloor.absolute * (lenient ? 0.5 : 1)) }
    return floor
  }

  func isInFocus(_ source: String) -> Bool { focus.contains(groups[source] ?? source) }

  func admits(source: String, coverage: Double, lenient: Bool = false) -> Bool {
    best > 0 && coverage >= floor(source: source, lenient: lenient)
  }

  /// Sources whose folders nest (a repository and its `docs/`, its git history) share a group:
  /// the group is the shortest root among them.
  static func group(_ roots: [String: (kind: String, root: String)]) -> [String: String] {
    func normal(_ path: String) -> String {
      var path = URL(fileURLWithPath: path).standardizedFileURL.path
      while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
      return path
    }
    let normalized = roots.mapValues { normal($0.root) }
    var result: [String: String] = [:]
    for (name, root) in normalized {
      var key = root
      for other in normalized.values where other.count < key.count && (root.hasPrefix(other + "/")) {
        key = other
      }
      result[name] = key
    }
    return result
  }
}

import CtxAnnotations
import CtxCore
import CtxQuery
import Foundation

/// `ctx review` on a terminal: one item at a time, with its evidence, answered accept /
/// reject / edit / skip / quit. Answers are lines read from `read` (stdin), so a script or a
/// test can pipe them; the end of input ends the pass. After each decision the queue is
/// built again, since one decision can settle other items (a supersede ends a disagreement).
struct GuidedReview {
  let queue: ReviewQueue
  let decisions: ReviewDecisions
  let kind: ReviewItem.Kind?
  let read: () -> String?
  let write: (String) -> Void

  /// Runs the pass; returns how many items it presented (0: nothing was pending).
  func run() throws -> Int {
    var seen = Set<String>()
    var presented = 0
    var tally: [String: Int] = [:]
    while let item = try pending().first(where: { !seen.contains($0.id) }) {
      seen.insert(item.id)
      presented += 1
      write("\n" + ReviewText.render(item, position: "\(presented)") + "\n")
      guard let outcome = try decide(item) else { break }
      tally[outcome, default: 0] += 1
    }
    if presented == 0 {
      write("nothing to review: no proposals and no conflicts\n")
      return 0
    }
    let order = ["accepted", "rejected", "edited", "skipped"]
    write("\n\(presented) item(s) shown: " + order.map { "\(tally[$0] ?? 0) \($0)" }.joined(separator: ", ") + "\n")
    return presented
  }

  private func pending() throws -> [ReviewItem] {
    try queue.contents().items.filter { kind == nil || $0.kind == kind }
  }

  /// Asks until an answer applies; nil when the input ended or the reviewer quit.
  private func decide(_ item: ReviewItem) throws -> String? {
    while true {
      write("accept, reject, edit, skip or quit? [a/r/e/s/q] ")
      guard let answer = read()?.trimmingCharacters(in: .whitespaces).lowercased() else {
        write("\n(end of input)\n")
        return nil
      }
      switch answer {
      case "a", "accept":
        if let done = try accept(item) { return done }
      case "r", "reject":
        guard let id = try choose(item, verb: "reject") else { continue }
        let annotation = try decisions.reject(id)
        write("rejected \(annotation.id)\n")
        return "rejected"
      case "e", "edit":
        guard !item.claims.isEmpty else {
          write("there is no annotation to edit here: \(item.actions.first ?? "skip it")\n")
          continue
        }
        write("the replacement text, ended by a line holding only `.`:\n")
        var lines: [String] = []
        while let line = read(), line != "." { lines.append(line) }
        let text = lines.joined(separator: "\n")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
          write("empty text: nothing written\n")
          continue
        }
        let written = try decisions.edit(item.claims.map(\.annotation), text: text)
        write("wrote \(written.id), superseding \(written.supersedes.joined(separator: ", "))\n")
        return "edited"
      case "s", "skip", "":
        return "skipped"
      case "q", "quit":
        return nil
      default:
        write("`\(answer)`: answer a (accept), r (reject), e (edit), s (skip) or q (quit)\n")
      }
    }
  }

  private func accept(_ item: ReviewItem) throws -> String? {
    switch item.kind {
    case .proposal:
      let annotation = try decisions.accept(item.claims[0].annotation)
      write("accepted \(annotation.id)\n")
    case .staleAnchor, .correctionRecheck, .renamed:
      let annotation = try decisions.confirm(item.claims[0].annotation, acceptRename: item.kind == .renamed)
      write("confirmed \(annotation.id): re-anchored to \(annotation.target) at \(annotation.anchor?.location ?? "?")\n")
    case .factDisagreement, .competingCorrections:
      guard let keep = try choose(item, verb: "keep") else { return nil }
      let others = item.claims.map(\.annotation).filter { $0 != keep }
      let annotation = try decisions.accept(keep, supersedes: others)
      write("accepted \(annotation.id), superseding \(others.joined(separator: ", "))\n")
    case .dangling, .ambiguousAnchor, .supersededDocument:
      write("a \(item.kind.rawValue) cannot be accepted as it is: reject it, edit it (a replacement), or skip\n")
      return nil
    }
    return "accepted"
  }

  /// The annotation an answer applies to: the item's only one, or the one the reviewer picks.
  private func choose(_ item: ReviewItem, verb: String) throws -> String? {
    if let sole = item.soleAnnotation { return sole }
    guard !item.claims.isEmpty else {
      write("there is no annotation to \(verb) here: \(item.actions.first ?? "skip it")\n")
      return nil
    }
    while true {
      write("\(verb) which? [1-\(item.claims.count)] ")
      guard let answer = read()?.trimmingCharacters(in: .whitespaces) else { return nil }
      if let number = Int(answer), (1...item.claims.count).contains(number) { return item.claims[number - 1].annotation }
      if let match = item.claims.first(where: { $0.annotation == answer }) { return match.annotation }
      write("`\(answer)`: a number from 1 to \(item.claims.count)\n")
    }
  }
}

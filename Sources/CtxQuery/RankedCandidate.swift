/// A candidate being ranked in any layer: its score so far and the reasons that earned it,
/// each named once (they become a hit's `why`).
struct RankedCandidate {
  var score: Double = 0
  var reasons: [String] = []

  mutating func add(_ points: Double, _ reason: String) {
    score += points
    if !reasons.contains(reason) { reasons.append(reason) }
  }
}

import Foundation

/// The liveness rule of `ConflictDetector.live` (not rejected, and not superseded by one that
/// is not rejected) for any record with an id, so readers can apply it to the index's rows
/// without parsing files again. A test holds the two to the same answers.
public enum Liveness {
  public static func live<Item>(_ items: [Item], id: (Item) -> String, rejected: (Item) -> Bool, supersedes: (Item) -> [String]) -> Set<String> {
    let active = items.filter { !rejected($0) }
    let superseded = Set(active.flatMap(supersedes))
    return Set(active.map(id).filter { !superseded.contains($0) })
  }
}

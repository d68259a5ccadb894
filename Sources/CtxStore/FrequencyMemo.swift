import Foundation
import GRDB

/// Document frequencies already looked up in this process, per table, kept until the index
/// changes (a new `source_run` row). Counting a term's documents walks its whole doclist, about
/// 0.3 ms per word on moby, and one search asks for the same few hundred words of a long bug
/// report from the code, document and chat layers; a server asks again for every request.
final class FrequencyMemo: @unchecked Sendable {
  private let lock = NSLock()
  private var generation: Int64 = -1
  private var tables: [String: [String: Int]] = [:]

  /// The frequencies of `terms` in `table`, fetching only the ones not known for this
  /// generation of the index.
  func frequencies(
    _ table: String, _ terms: [String], in db: Database, fetch: (Database, [String]) throws -> [String: Int]
  ) throws -> [String: Int] {
    let current = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM source_run") ?? 0
    var result: [String: Int] = [:]
    var missing: [String] = []
    lock.withLock {
      if generation != current {
        generation = current
        tables = [:]
      }
      let known = tables[table] ?? [:]
      for term in terms {
        if let count = known[term] { result[term] = count } else { missing.append(term) }
      }
    }
    guard !missing.isEmpty else { return result }
    let fetched = try fetch(db, missing)
    lock.withLock {
      if generation == current {
        // Bounded: a server answering many long reports keeps at most this many words.
        if (tables[table]?.count ?? 0) > 200_000 { tables[table] = [:] }
        tables[table, default: [:]].merge(fetched) { _, new in new }
      }
    }
    return result.merging(fetched) { _, new in new }
  }
}

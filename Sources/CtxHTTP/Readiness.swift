import CtxMCP
import CtxStore
import Foundation

/// `/readyz`: the index is there and every source has had a successful run recently enough.
/// The answer counts sources but never names them: the probe needs no token.
enum Readiness {
  static func check(context: ToolContext, maxAge: Double, now: Date = Date()) -> (ready: Bool, reason: String) {
    let records: [SourceRecord]
    do {
      records = try context.store().sourceRecords()
    } catch {
      return (false, "not ready: no readable index (run `ctx index`)")
    }
    guard !records.isEmpty else { return (false, "not ready: the index has no sources yet (run `ctx index`)") }
    let never = records.filter { $0.lastSuccess == nil }.count
    let old = records.filter { record in record.lastSuccess.map { now.timeIntervalSince($0.finished) > maxAge } ?? false }.count
    guard never == 0, old == 0 else {
      var parts: [String] = []
      if never > 0 { parts.append("\(never) of \(records.count) sources never indexed successfully") }
      if old > 0 { parts.append("\(old) of \(records.count) sources last indexed more than \(Int(maxAge)) s ago (--ready-max-age)") }
      return (false, "not ready: " + parts.joined(separator: "; "))
    }
    return (true, "ready: \(records.count) sources indexed")
  }
}

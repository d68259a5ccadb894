import Foundation

/// When `ctx index` runs SQLite's `quick_check` on the index before writing: at most every six
/// hours (every nightly run, but not every run of a frequent refresh, where it would cost more
/// than the run: 0.3 s of a 0.43 s no-change run on moby), and always for `--full`. The time of
/// the last clean check is the modification time of `index/integrity-checked`.
struct IntegritySchedule {
  let indexDirectory: String
  var interval: TimeInterval = 6 * 3600

  var markerPath: String { indexDirectory + "/integrity-checked" }

  func isDue(now: Date = Date()) -> Bool {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: markerPath),
      let checked = attributes[.modificationDate] as? Date
    else { return true }
    return now.timeIntervalSince(checked) >= interval || checked > now
  }

  /// Records a clean check now (best effort: a missed mark only means the next run checks).
  func markChecked() {
    if FileManager.default.fileExists(atPath: markerPath) {
      try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: markerPath)
    } else {
      _ = FileManager.default.createFile(atPath: markerPath, contents: Data("last clean PRAGMA quick_check of ctx.sqlite (its modification time)\n".utf8))
    }
  }
}

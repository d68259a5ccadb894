import Foundation
import GRDB

/// Copies the write-ahead log into the index file (a checkpoint) on a connection and a thread of
/// its own, after a source's commit.
///
/// A source is written in one transaction, so its commit leaves everything it wrote in the log
/// (moby: 190 MB of code, 65 MB of history). SQLite's automatic checkpoint would copy it inside
/// the COMMIT, on the writer, while the other core idles; here the copy runs beside what the run
/// does next (the next source, the vocabulary copy), and `IndexStore.checkpoint()` waits for it
/// before truncating the log.
///
/// The copy is PASSIVE: it waits for no lock. Pages a reader still needs, or a copy another
/// process has under way, are left for the next checkpoint (the run's last, or SQLite's
/// automatic one after a later commit). So nothing here can hang, and nothing is lost if the
/// copy fails: the log keeps every page until a checkpoint succeeds.
final class LogCopier: @unchecked Sendable {
  private let path: String
  private let lock = NSLock()
  private var connection: DatabaseQueue?
  private var opened = false
  private let pending = DispatchGroup()

  init(path: String) {
    self.path = path
  }

  /// Starts copying what is committed now; returns at once.
  func start() {
    guard let connection = openConnection() else { return }
    pending.enter()
    connection.asyncWriteWithoutTransaction { [pending] db in
      _ = try? db.checkpoint(.passive)
      pending.leave()
    }
  }

  /// Waits until the copies started so far have ended, or two minutes have passed (a passive
  /// copy waits for no lock, so only a stalled disk gets there); false then. A checkpoint
  /// after a wait that gave up meets the copy's lock, and its own busy timeout ends it.
  @discardableResult
  func wait() -> Bool {
    pending.wait(timeout: .now() + .seconds(120)) == .success
  }

  /// Waits for the copies under way and closes the connection (left open, for the process's
  /// end to close, when a copy is still stuck).
  func close() {
    guard wait() else { return }
    lock.lock()
    defer { lock.unlock() }
    try? connection?.close()
    connection = nil
  }

  /// The copier's connection, opened at the first copy; nil when it cannot be opened (the
  /// run's last checkpoint then copies everything, as before).
  private func openConnection() -> DatabaseQueue? {
    lock.lock()
    defer { lock.unlock() }
    if opened { return connection }
    opened = true
    SQLiteSettings.apply()
    var configuration = Configuration()
    configuration.label = "ctx.logcopier"
    connection = try? DatabaseQueue(path: path, configuration: configuration)
    return connection
  }
}

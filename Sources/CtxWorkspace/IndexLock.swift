import CtxCore
import Foundation

/// The one-writer lock of a workspace: `index/lock`, held with `flock(2)` for as long as a
/// `ctx index` runs.
///
/// A kernel lock, not a marker file: it is released when the holder exits or dies (even by
/// SIGKILL), so no stale lock can block the next night's run. The file keeps the holder's pid
/// and start time only to word the message a second run prints.
public final class IndexLock: @unchecked Sendable {
  private let descriptor: Int32
  public let path: String

  private init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  /// Takes the lock without waiting.
  ///
  /// - Throws: `.locked` naming the holder when another process has it; `.io` when the lock
  ///   file cannot be created (a read-only `index/`, say).
  public static func acquire(_ workspace: Workspace, command: String = "ctx index") throws(CtxError) -> IndexLock {
    let path = workspace.indexDirectory + "/lock"
    do {
      try FileManager.default.createDirectory(atPath: workspace.indexDirectory, withIntermediateDirectories: true)
    } catch {
      throw CtxError(.io, "cannot create \(workspace.indexDirectory): \(error.localizedDescription); check its permissions", path: workspace.indexDirectory)
    }
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw CtxError(.io, "cannot open the index lock \(path): \(reason); check the permissions of index/", path: path)
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
      close(descriptor)
      throw CtxError(
        .locked,
        "another ctx index is already running on this workspace" + (holder.isEmpty ? "" : " (\(holder))")
          + "; this run exits without touching the index. It is safe to run again once that one finishes.",
        path: path)
    }
    let note = "pid \(getpid()), \(command), started \(ISO8601DateFormatter().string(from: Date()))\n"
    _ = ftruncate(descriptor, 0)
    _ = note.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    return IndexLock(descriptor: descriptor, path: path)
  }
}

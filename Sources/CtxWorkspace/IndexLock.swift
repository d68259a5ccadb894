import CtxCore
import Foundation

/// The one-writer lock of a workspace: `flock(2)` on the workspace folder itself, held for as
/// long as a `ctx index` runs.
///
/// A kernel lock, not a marker file: it is released when the holder exits or dies (even by
/// SIGKILL), so no stale lock can block the next night's run. It is taken on the workspace
/// folder, not on a file in `index/`: `rm -r index` while a run goes on used to let the next
/// run create a new `index/lock` (a new inode, unlocked) and write beside the first. The
/// folder cannot be replaced under a running writer short of removing the whole workspace.
/// `index/lock` still keeps the holder's pid and start time, only to word the message a
/// second run prints.
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
  /// - Throws: `.locked` naming the holder when another process has it; `.io` when the
  ///   workspace folder cannot be opened or `index/` cannot be created (a read-only `index/`, say).
  public static func acquire(_ workspace: Workspace, command: String = "ctx index") throws(CtxError) -> IndexLock {
    let path = workspace.indexDirectory + "/lock"
    // O_DIRECTORY: flock on the folder's own inode; O_CLOEXEC: ctags and other children must
    // not inherit (and so keep holding) the lock.
    let descriptor = open(workspace.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw CtxError(.io, "cannot open the workspace folder \(workspace.root) to lock it: \(reason); check its permissions", path: workspace.root)
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
      close(descriptor)
      throw CtxError(
        .locked,
        "another ctx index is already running on this workspace" + (holder.isEmpty ? "" : " (\(holder))")
          + "; this run exits without touching the index. It is safe to run again once that one finishes.",
        path: workspace.root)
    }
    let lock = IndexLock(descriptor: descriptor, path: path)
    do {
      try FileManager.default.createDirectory(atPath: workspace.indexDirectory, withIntermediateDirectories: true)
    } catch {
      throw CtxError(.io, "cannot create \(workspace.indexDirectory): \(error.localizedDescription); check its permissions", path: workspace.indexDirectory)
    }
    // The note only words the message a second run prints; failing to write it means index/
    // is not writable, which this run could not get past anyway: say so now, plainly.
    let noteDescriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard noteDescriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw CtxError(.io, "cannot open the index lock note \(path): \(reason); check the permissions of index/", path: path)
    }
    defer { close(noteDescriptor) }
    let note = "pid \(getpid()), \(command), started \(Timestamps.string(Date()))\n"
    _ = ftruncate(noteDescriptor, 0)
    _ = note.withCString { pwrite(noteDescriptor, $0, strlen($0), 0) }
    return lock
  }
}

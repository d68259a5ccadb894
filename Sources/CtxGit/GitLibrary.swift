import CLibGit2
import CtxCore
import Foundation

/// Process-wide libgit2 set-up, done once before the first call.
public enum GitLibrary {
  /// `git_libgit2_init` is reference counted and cheap to call again, but once is enough.
  static let initialized: Bool = {
    git_libgit2_init()
    return true
  }()

  static func ensureInitialized() {
    _ = initialized
  }

  /// Starts libgit2's set-up on a thread of its own and returns at once. Its TLS back end
  /// parses the system's CA bundle at init (several ms): a run that will use git overlaps it
  /// with its own start (opening the index, reading stamps). The first real call waits for it.
  public static func initializeInBackground() {
    Thread.detachNewThread { ensureInitialized() }
  }

  /// Turns a libgit2 return code into a `CtxError` carrying `git_error_last()`'s text.
  static func check(_ code: Int32, _ what: String, path: String? = nil) throws(CtxError) {
    guard code < 0 else { return }
    throw error(code, what, path: path)
  }

  static func error(_ code: Int32, _ what: String, path: String? = nil) -> CtxError {
    var detail = "libgit2 error \(code)"
    if let last = git_error_last(), let message = last.pointee.message {
      detail = String(cString: message)
    }
    return CtxError(.gitFailed, "\(what): \(detail)", path: path)
  }

  /// The version of the linked libgit2, for `ctx doctor`.
  public static var version: String {
    var major: Int32 = 0
    var minor: Int32 = 0
    var revision: Int32 = 0
    git_libgit2_version(&major, &minor, &revision)
    return "\(major).\(minor).\(revision)"
  }
}

/// Object ids as text. (A file's blob id is `CtxCore.BlobHash`.)
public enum ContentHash {
  static func hex(_ oid: git_oid) -> String {
    withUnsafeBytes(of: oid.id) { Hex.lowercase($0) }
  }
}

/// Reading one blob as text.
enum TextBlob {
  /// Hands the bytes of blob `id` to `body`; nil when the blob is missing or binary (git's
  /// test: a NUL byte near the start).
  static func withBytes<T>(_ id: git_oid, in repository: OpaquePointer, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
    var id = id
    var blob: OpaquePointer? = nil
    guard git_blob_lookup(&blob, repository, &id) == 0, let blob else { return nil }
    defer { git_blob_free(blob) }
    guard git_blob_is_binary(blob) == 0 else { return nil }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let raw = git_blob_rawcontent(blob) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return body(UnsafeRawBufferPointer(start: raw, count: size))
  }
}

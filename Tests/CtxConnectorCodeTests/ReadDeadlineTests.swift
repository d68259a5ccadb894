import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing

/// Issue 16: every file read has a deadline (`read_timeout`). A read that never finishes is
/// simulated with a FIFO that no one writes: `open` blocks in the kernel, as a read from a
/// hung network mount does.
@Suite struct ReadDeadlineTests {
  @Test func aReadThatNeverFinishesIsGivenUpAtItsDeadline() throws {
    let scratch = ScratchDirectory()
    let fifo = scratch.path + "/stuck"
    #expect(mkfifo(fifo, 0o600) == 0)
    let started = ContinuousClock.now
    #expect(FileSystem.read(fifo, within: .milliseconds(300)) == nil)
    let waited = ContinuousClock.now - started
    #expect(waited >= .milliseconds(300) && waited < .seconds(5), "\(waited)")
    // Let the abandoned read finish: a writer opens and closes the FIFO, the reader sees EOF.
    let writer = open(fifo, O_WRONLY | O_NONBLOCK)
    if writer >= 0 { close(writer) }

    // A normal file is read as before.
    try scratch.write(["plain.txt": "hello\n"])
    guard case .bytes(let bytes, _)? = FileSystem.read(scratch.path + "/plain.txt", within: .seconds(5)) else {
      Issue.record("a plain file must be read")
      return
    }
    #expect(bytes == Array("hello\n".utf8))
  }

  /// The deadline costs a thread hand-off per file, so it applies where reads can hang
  /// (network and FUSE mounts); a local folder is read directly.
  @Test func localFoldersAreReadDirectly() throws {
    let scratch = ScratchDirectory()
    #expect(!FilesystemKind.mayHang(scratch.path))
    #expect(FileReader(root: scratch.path, timeout: .seconds(1)).timeout == nil)
    try scratch.write(["a.txt": "x\n"])
    guard case .bytes(let bytes, _)? = FileReader(root: scratch.path, timeout: .seconds(1)).read(scratch.path + "/a.txt") else {
      Issue.record("a local file must be read")
      return
    }
    #expect(bytes == Array("x\n".utf8))
  }
}

import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Turns file-system activity under the watch targets into the set of sources to bring up to
/// date, one settled burst at a time.
///
/// inotify where it can (no work at all while nothing happens), polling stamps where it cannot
/// (inotify unavailable, its watch limit reached, or `--poll`), and a once-a-second check for
/// roots that are gone (deleted, or not created yet) so a recreated folder is watched again.
/// Used from one thread; only `stop()` may be called from another.
final class ChangeMonitor: @unchecked Sendable {
  enum Mode: Equatable {
    case inotify
    case polled
    /// The root does not exist: checked again every second.
    case lost
  }

  struct Settings {
    /// How long the tree must stay quiet before a run starts (a burst ends).
    var settle: Duration
    /// The longest a change waits while activity goes on.
    var maxDelay: Duration
    /// Polling every target at this interval instead of inotify (`--poll`).
    var forcedPoll: Duration?
    /// The interval of targets polled because inotify could not watch them.
    var fallbackPoll: Duration
    /// At most this many inotify watches (`--max-watches`); targets beyond it are polled.
    var maxWatches: Int? = nil
    /// While git holds `index.lock` in a watched work tree (a checkout, pull, merge or rebase
    /// writing the tree), a run waits, up to this long: one run for the whole operation.
    var gitBusyMax: Duration = .seconds(60)
  }

  private(set) var targets: [WatchTarget]
  private(set) var modes: [Mode]
  private let settings: Settings
  private let note: (String) -> Void

  private var descriptor: Int32 = -1
  /// Each watch: the targets and folders it stands for (one folder can belong to two targets).
  private var watches: [Int32: [(target: Int, relative: String, absolute: String)]] = [:]
  private var watchesOfTarget: [Int: Set<Int32>] = [:]
  private var fingerprints: [Int: Int] = [:]
  private var pending = Set<String>()
  private var limitReported = false
  private let stopPipe: [Int32]
  private let stopLock = NSLock()
  private var stopped = false

  private static let eventMask: UInt32 =
    UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CREATE) | UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM) | UInt32(IN_MOVED_TO)
    | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)
  /// IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK: folders only, never through a symlink,
  /// nothing from files already unlinked.
  private static let watchFlags: UInt32 = 0x0100_0000 | 0x0200_0000 | 0x0400_0000
  private static let isFolderBit: UInt32 = 0x4000_0000

  init(targets: [WatchTarget], settings: Settings, note: @escaping (String) -> Void) {
    self.targets = targets
    self.settings = settings
    self.note = note
    modes = Array(repeating: .lost, count: targets.count)
    var fds: [Int32] = [-1, -1]
    // The stop pipe: stop() writes a byte to wake a poll(2) in progress. Close-on-exec, so
    // ctags and other children never inherit it.
    if pipe(&fds) == 0 {
      for fd in fds {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      }
    }
    stopPipe = fds
  }

  deinit {
    close()
    for fd in stopPipe where fd >= 0 { Glibc.close(fd) }
  }

  /// Puts every watch in place; says how each target is watched through `note`.
  func start() {
    if settings.forcedPoll == nil {
      descriptor = inotify_init1(O_CLOEXEC | O_NONBLOCK)
      if descriptor < 0 {
        let reason = String(cString: strerror(errno))
        note(
          "inotify is not available (\(reason))"
            + (errno == EMFILE ? ": too many inotify instances; raise fs.inotify.max_user_instances (sudo sysctl fs.inotify.max_user_instances=1024)" : "")
            + "; polling every \(Self.text(settings.fallbackPoll)) instead")
      }
    }
    for index in targets.indices { attach(index) }
  }

  /// Number of folders watched through inotify.
  var watchCount: Int { watches.count }

  func close() {
    if descriptor >= 0 { Glibc.close(descriptor) }
    descriptor = -1
    watches = [:]
    watchesOfTarget = [:]
  }

  /// Ends a `wait` in progress (from any thread) and every later one.
  func stop() {
    stopLock.withLock { stopped = true }
    var byte: UInt8 = 1
    _ = write(stopPipe[1], &byte, 1)
  }

  private var isStopped: Bool { stopLock.withLock { stopped } }

  /// Blocks until some sources changed and the burst settled; an empty set when `idle` passed
  /// with nothing changing; nil once stopped.
  func wait(idle: Duration? = nil) -> Set<String>? {
    let clock = ContinuousClock()
    let idleDeadline = idle.map { clock.now + $0 }
    var firstChange: ContinuousClock.Instant? = pending.isEmpty ? nil : clock.now
    var lastChange = firstChange
    var nextPoll = clock.now + pollInterval
    var nextLostCheck = clock.now + .seconds(1)
    while !isStopped {
      let now = clock.now
      if let first = firstChange, let last = lastChange {
        let due = min(last + settings.settle, first + settings.maxDelay)
        if now >= due {
          if let lock = gitLockHeld() {
            guard now >= first + settings.gitBusyMax else {
              lastChange = now  // look again one settle period later
              continue
            }
            note("\(lock) has existed for over \(Self.text(settings.gitBusyMax)) (a long git command, or one that crashed: remove the file if no git command runs); indexing anyway")
          }
          let result = pending
          pending = []
          return result
        }
      } else if let idleDeadline, now >= idleDeadline {
        return []
      }
      var deadlines: [ContinuousClock.Instant] = []
      if let first = firstChange, let last = lastChange { deadlines.append(min(last + settings.settle, first + settings.maxDelay)) }
      if firstChange == nil, let idleDeadline { deadlines.append(idleDeadline) }
      if modes.contains(.polled) { deadlines.append(nextPoll) }
      if modes.contains(.lost) { deadlines.append(nextLostCheck) }
      // No deadline at all: nothing to do until the kernel or stop() wakes us (idle is free).
      let timeout = deadlines.min().map { max(0, Int32(min(($0 - now).milliseconds, 60_000))) } ?? -1
      var fds = [pollfd(fd: stopPipe[0], events: Int16(POLLIN), revents: 0)]
      if descriptor >= 0 { fds.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)) }
      let ready = poll(&fds, nfds_t(fds.count), timeout)
      if ready < 0 && errno != EINTR { usleep(100_000) }
      if isStopped { break }
      let before = pending.count
      var changed = false
      if fds.count > 1 && fds[1].revents != 0 { changed = readEvents() }
      if clock.now >= nextLostCheck {
        nextLostCheck = clock.now + .seconds(1)
        changed = checkLost() || changed
      }
      if modes.contains(.polled) && clock.now >= nextPoll {
        nextPoll = clock.now + pollInterval
        changed = pollTargets() || changed
      }
      if changed || pending.count != before {
        let at = clock.now
        if firstChange == nil { firstChange = at }
        lastChange = at
      }
    }
    return nil
  }

  private var pollInterval: Duration { settings.forcedPoll ?? settings.fallbackPoll }

  /// The git directories of the work trees watched, found once.
  private lazy var treeGitDirectories: [Int: String] = {
    var found: [Int: String] = [:]
    for (index, target) in targets.enumerated() where target.shape == .tree {
      if let git = GitDirectories.enclosing(target.root) { found[index] = git }
    }
    return found
  }()

  /// The `index.lock` of a work tree some pending source reads, when git holds it: it exists
  /// while a checkout, pull, merge or rebase updates the files (and briefly during `add`).
  private func gitLockHeld() -> String? {
    for (index, git) in treeGitDirectories where !pending.isDisjoint(with: targets[index].sources) {
      if access(git + "/index.lock", F_OK) == 0 { return git + "/index.lock" }
    }
    return nil
  }

  // MARK: Watches

  /// The folders to watch for `target`: its root, and for a linked work tree's git refs the
  /// common git directory too.
  private func roots(of target: WatchTarget) -> [String] {
    guard target.shape == .gitRefs else { return [target.root] }
    let common = GitDirectories.common(for: target.root)
    return common == target.root ? [target.root] : [target.root, common]
  }

  private func attach(_ index: Int) {
    let target = targets[index]
    guard Folders.isFolder(target.root) else {
      modes[index] = .lost
      note("\(target.root) does not exist (sources \(target.sources.filter { $0 != WatchPlan.connectorsChanged }.joined(separator: ", "))); watching for it to appear")
      return
    }
    if descriptor >= 0 {
      do {
        for root in roots(of: target) { try addTree(index, absolute: root, relative: "") }
        modes[index] = .inotify
        return
      } catch {
        detach(index)
        if !limitReported {
          limitReported = true
          note(limitMessage(error, root: target.root))
        } else {
          note("\(target.root) is polled every \(Self.text(settings.fallbackPoll)) (inotify watch limit)")
        }
      }
    }
    modes[index] = .polled
    fingerprints[index] = fingerprint(of: index)
  }

  private func detach(_ index: Int) {
    for wd in watchesOfTarget[index] ?? [] {
      watches[wd]?.removeAll { $0.target == index }
      if watches[wd]?.isEmpty ?? false {
        watches[wd] = nil
        if descriptor >= 0 { inotify_rm_watch(descriptor, wd) }
      }
    }
    watchesOfTarget[index] = nil
  }

  /// inotify cannot take another watch: the kernel's limit (ENOSPC), or `--max-watches`.
  struct WatchLimit: Error {
    var ownCap: Bool
  }

  private func limitMessage(_ limit: WatchLimit, root: String) -> String {
    if limit.ownCap {
      return "--max-watches \(settings.maxWatches ?? 0) is reached after \(watches.count) folders; \(root) is polled every \(Self.text(settings.fallbackPoll)) instead"
    }
    return "the inotify watch limit is reached (fs.inotify.max_user_watches, now \(Self.watchLimit() ?? "unknown")) after \(watches.count) folders; "
      + "\(root) is polled every \(Self.text(settings.fallbackPoll)) instead. To watch it with inotify, raise the limit: "
      + "sudo sysctl fs.inotify.max_user_watches=524288 (and add `fs.inotify.max_user_watches=524288` to /etc/sysctl.d/90-ctx.conf to keep it)"
  }

  /// Watches `absolute` and, as the target's shape says, the folders under it. Folders created
  /// while this runs are caught either way: listed after the watch is in place.
  private func addTree(_ index: Int, absolute: String, relative: String) throws(WatchLimit) {
    let target = targets[index]
    if let cap = settings.maxWatches, watches.count >= cap { throw WatchLimit(ownCap: true) }
    let wd = inotify_add_watch(descriptor, absolute, Self.eventMask | Self.watchFlags)
    if wd < 0 {
      if errno == ENOSPC { throw WatchLimit(ownCap: false) }
      return  // gone already, or not readable: nothing under it can be indexed either
    }
    watches[wd, default: []].removeAll { $0.target == index }
    watches[wd, default: []].append((index, relative, absolute))
    watchesOfTarget[index, default: []].insert(wd)
    for entry in Folders.entries(of: absolute) where entry.isFolder {
      let childRelative = relative.isEmpty ? entry.name : relative + "/" + entry.name
      if descends(target, into: childRelative, absolute: absolute + "/" + entry.name) {
        try addTree(index, absolute: absolute + "/" + entry.name, relative: childRelative)
      }
    }
  }

  private func descends(_ target: WatchTarget, into relative: String, absolute: String) -> Bool {
    switch target.shape {
    case .flat: return false
    case .gitRefs: return relative == "refs" || relative.hasPrefix("refs/")
    case .tree: return !target.skip.contains(absolute) && !target.prunes(folder: relative)
    }
  }

  // MARK: Events

  /// Reads every queued inotify event; true when one concerned some source.
  private func readEvents() -> Bool {
    var changed = false
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      var offset = 0
      while offset + 16 <= count {
        let (wd, mask, length) = buffer.withUnsafeBytes { raw in
          (raw.loadUnaligned(fromByteOffset: offset, as: Int32.self), raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
           Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
        }
        let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, count)].prefix { $0 != 0 }
        let name = String(decoding: nameBytes, as: UTF8.self)
        offset += 16 + length
        changed = handle(wd: wd, mask: mask, name: name) || changed
      }
    }
    return changed
  }

  private func handle(wd: Int32, mask: UInt32, name: String) -> Bool {
    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
      // Events were lost: every watched source may have changed, and folders created meanwhile
      // may lack watches. Watch everything again and run everything.
      for index in targets.indices where modes[index] == .inotify {
        detach(index)
        attach(index)
        pending.formUnion(targets[index].sources)
      }
      return true
    }
    guard let owners = watches[wd] else { return false }
    var changed = false
    for owner in owners {
      let target = targets[owner.target]
      if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_IGNORED)) != 0 {
        if owner.relative.isEmpty {
          // The root itself went away: wait for it to come back (a vanished root would only
          // fail the source's run, keeping its index as it was).
          if !Folders.isFolder(owner.absolute) || mask & UInt32(IN_MOVE_SELF) != 0 {
            detach(owner.target)
            modes[owner.target] = .lost
            // The deletions just seen would only fail the run (a missing root): nothing to do
            // until it is back, when the whole source runs.
            pending.subtract(target.sources)
            note("\(owner.absolute) was removed or moved; watching for it to come back")
          }
        } else if mask & UInt32(IN_IGNORED) != 0 {
          watches[wd]?.removeAll { $0.target == owner.target }
          if watches[wd]?.isEmpty ?? false { watches[wd] = nil }
          watchesOfTarget[owner.target]?.remove(wd)
        }
        continue
      }
      guard !name.isEmpty else { continue }
      let relative = owner.relative.isEmpty ? name : owner.relative + "/" + name
      let absolute = owner.absolute + "/" + name
      let isFolder = mask & Self.isFolderBit != 0
      if target.shape == .tree && target.skip.contains(absolute) { continue }
      if isFolder && mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0 && descends(target, into: relative, absolute: absolute) {
        do {
          try addTree(owner.target, absolute: absolute, relative: relative)
        } catch {
          note(limitMessage(error, root: target.root))
          detach(owner.target)
          modes[owner.target] = .polled
          fingerprints[owner.target] = fingerprint(of: owner.target)
          pending.formUnion(target.sources)
        }
      }
      if isFolder && target.shape == .tree && target.prunes(folder: relative) { continue }
      let sources = target.sources(touching: relative, isFolder: isFolder)
      if !sources.isEmpty {
        pending.formUnion(sources)
        changed = true
      }
    }
    return changed
  }

  // MARK: Lost roots and polling

  private func checkLost() -> Bool {
    var changed = false
    for index in targets.indices where modes[index] == .lost && Folders.isFolder(targets[index].root) {
      attach(index)
      if modes[index] != .lost {
        note("\(targets[index].root) is back; watching it again")
        pending.formUnion(targets[index].sources)
        changed = true
      }
    }
    return changed
  }

  private func pollTargets() -> Bool {
    var changed = false
    for index in targets.indices where modes[index] == .polled {
      guard Folders.isFolder(targets[index].root) else {
        modes[index] = .lost
        note("\(targets[index].root) was removed; watching for it to come back")
        continue
      }
      let now = fingerprint(of: index)
      if now != fingerprints[index] {
        fingerprints[index] = now
        pending.formUnion(targets[index].sources)
        changed = true
      }
    }
    return changed
  }

  /// A hash of the stamps of every file and folder the target covers (pruned folders left
  /// out): what polling compares between two looks.
  private func fingerprint(of index: Int) -> Int {
    let target = targets[index]
    var hasher = Hasher()
    for root in roots(of: target) {
      var pendingFolders = [(root, "")]
      while let (absolute, relative) = pendingFolders.popLast() {
        hasher.combine(Folders.stamp(absolute))
        for entry in Folders.entries(of: absolute) {
          let childRelative = relative.isEmpty ? entry.name : relative + "/" + entry.name
          let childAbsolute = absolute + "/" + entry.name
          if entry.isFolder {
            if descends(target, into: childRelative, absolute: childAbsolute) { pendingFolders.append((childAbsolute, childRelative)) }
          } else if !target.sources(touching: childRelative, isFolder: false).isEmpty {
            hasher.combine(childRelative)
            hasher.combine(Folders.stamp(childAbsolute))
          }
        }
      }
    }
    return hasher.finalize()
  }

  static func watchLimit() -> String? {
    (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func text(_ duration: Duration) -> String {
    let ms = duration.milliseconds
    return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
  }
}

extension Duration {
  var milliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }
}

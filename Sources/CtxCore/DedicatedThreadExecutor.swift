import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A thread of its own for the tasks that prefer it (`TaskGroup.addTask(executorPreference:)`,
/// SE-0417): their nonisolated code, and the default actors they call, run here.
///
/// A crawl worker runs on one, so that its blocking exchange with ctags (a `poll` on pipes,
/// under a deadline) can run where it is called: on Swift's cooperative pool it had to hop to
/// a dispatch queue and back for every file, two thread wake-ups each, which on moby were half
/// of a full index's 90,000 context switches (docs/benchmarks.md). Blocking here holds no
/// thread of the pool, which a server answering queries beside `ctx watch` needs free.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var next = 0
  private var stopped = false

  nonisolated(unsafe) private static let marker: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  /// Whether the calling code runs on a dedicated thread (where blocking is allowed).
  public static var isCurrent: Bool { pthread_getspecific(marker) != nil }

  /// Starts the thread; call `stop()` when the tasks that prefer it have ended.
  public init(name: String) {
    let thread = Thread { [self] in run() }
    thread.name = name
    thread.start()
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    condition.lock()
    jobs.append(unowned)
    condition.signal()
    condition.unlock()
  }

  /// Ends the thread once the jobs already queued have run.
  public func stop() {
    condition.lock()
    stopped = true
    condition.signal()
    condition.unlock()
  }

  private func run() {
    pthread_setspecific(DedicatedThreadExecutor.marker, UnsafeRawPointer(bitPattern: 1))
    while true {
      condition.lock()
      while next == jobs.count && !stopped { condition.wait() }
      if next == jobs.count {
        condition.unlock()
        return
      }
      let job = jobs[next]
      next += 1
      if next == jobs.count {
        jobs.removeAll(keepingCapacity: true)
        next = 0
      }
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

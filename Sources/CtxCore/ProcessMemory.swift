import CSpawn

/// Memory settings for short-lived processes.
public enum ProcessMemory {
  /// glibc gives freed memory at the top of the heap back to the system and serves large
  /// blocks from their own mappings, so a run's growing tables were mapped, faulted in page by
  /// page and unmapped again: about a sixth of a no-change `ctx index` on moby went to page
  /// faults. A run that ends soon loses nothing by keeping up to 128 MiB it freed. Long-lived
  /// processes (`ctx serve`, `ctx watch`) keep glibc's defaults.
  public static func keepFreedMemory() {
    ctx_keep_freed_memory()
  }
}

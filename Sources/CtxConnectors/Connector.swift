import CtxCore

/// What a connector knows about a file from the previous run: enough to skip it unread.
public struct KnownFile: Sendable, Hashable {
  public var stamp: FileStamp
  public var contentHash: String

  public init(stamp: FileStamp, contentHash: String) {
    self.stamp = stamp
    self.contentHash = contentHash
  }
}

/// What a connector reports while it crawls.
public enum CrawlEvent: Sendable {
  /// How many items the crawl will look at, once the listing is done (for progress).
  case listed(total: Int)
  /// New or changed content, read and cut into chunks.
  case file(CodeFile)
  /// A known file whose size and modification time are unchanged: not read again.
  case unchanged(path: String)
  /// Many known files unchanged at once, decided while listing (no stat of ctx's own when
  /// git's status walk has just compared them with the git index): one event, not one each.
  case unchangedFiles([String])
  /// A known file that was re-read because its stamp changed, but whose content hash is the
  /// same: only the stamp needs updating.
  case restamped(path: String, stamp: FileStamp)
  /// A file that was seen but is not indexed, or a problem with one item.
  case issue(CrawlIssue)
  /// What the work-tree listing read (with a `ListingCache`), once per crawl.
  case listing(ListingCounts)
}

/// What a cached work-tree listing did: folders `stat`ed and folders read.
public struct ListingCounts: Sendable, Codable, Hashable {
  /// Folders whose entries were read (`getdents`): 0 when nothing changed since the last run.
  public var foldersRead: Int
  /// Recorded folders `stat`ed to see whether their entries changed.
  public var foldersChecked: Int
  /// No usable record (first run, `--full`, tracked paths or ignore rules changed): every
  /// folder was read.
  public var readEverything: Bool

  public init(foldersRead: Int, foldersChecked: Int, readEverything: Bool) {
    self.foldersRead = foldersRead
    self.foldersChecked = foldersChecked
    self.readEverything = readEverything
  }
}

/// Where connectors send what they find. Connectors never see the database: the indexer
/// implements this, tests collect events in memory.
public protocol DocumentSink: Sendable {
  func accept(_ event: CrawlEvent) async throws
}

/// A source of documents: code on disk, git history, documents, chat exports.
public protocol Connector: Sendable {
  /// Crawls the source, sending one event per item to `sink`.
  ///
  /// - Parameter known: the files indexed by the previous run, by path, so unchanged ones
  ///   are skipped without being read.
  /// - Throws: only when the whole source cannot be crawled (its folder is gone, say); a bad
  ///   item becomes a `.issue` event and the crawl goes on.
  func crawl(known: [String: KnownFile], into sink: any DocumentSink) async throws
}

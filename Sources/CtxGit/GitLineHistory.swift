import CLibGit2
import CtxCore
import Foundation

/// A commit that changed a tracked range of lines.
public struct LineCommit: Sendable, Hashable, Codable {
  public var sha: String
  public var author: String
  /// Author time, seconds since 1970.
  public var time: Int64
  public var summary: String

  public init(sha: String, author: String, time: Int64, summary: String) {
    self.sha = sha
    self.author = author
    self.time = time
    self.summary = summary
  }
}

/// What happened to a range of lines of one file between an anchor commit and a tip.
public struct LineTrace: Sendable, Hashable {
  /// The lines at the anchor commit (the text an annotation was written against).
  public var anchoredText: String
  /// Where those lines are at the tip (1-based, inclusive); nil when they were all deleted or
  /// the file is gone.
  public var lines: ClosedRange<Int>?
  /// Commits after the anchor (never the anchor itself) whose diff touched the tracked lines,
  /// oldest first. A commit that changed other lines of the same file is not here.
  public var commits: [LineCommit]
  /// The commit that removed the file, when it did (and no rename was followed).
  public var fileRemovedIn: LineCommit?
  /// The file's path at the tip (another one when a rename was followed), and the commit.
  public var path: String
  public var movedIn: LineCommit?
  /// The first commit after which `watch` no longer appears in the tracked lines (a rename).
  public var watchLostIn: LineCommit?
  /// The tracked lines' text at the tip.
  public var tipText: String?
}

/// Follows a range of lines of one file through the first-parent history from an anchor
/// commit to a tip (through the merge, when the anchor was on a branch merged since), like `git log -L`, with libgit2: per definition, not per file, so a commit
/// that edited another method of the same file is not a change of this one.
///
/// Owns its `git_repository`; not thread-safe: one per task.
public final class GitLineHistory {
  private let repository: OpaquePointer
  /// Commits of `anchor..tip` by anchor (oldest first), reused across many traces.
  private var walks: [String: [git_oid]] = [:]
  /// Lookups reused across traces (thousands of annotations share a few commits).
  private var revisions: [String: git_oid?] = [:]
  private var trees: [String: OpaquePointer] = [:]
  private var described: [String: LineCommit] = [:]
  private var mergedAdditionsCache: [String: [(commit: git_oid, added: Set<String>)]] = [:]

  public init(path: String) throws(CtxError) {
    GitLibrary.ensureInitialized()
    var handle: OpaquePointer? = nil
    try GitLibrary.check(git_repository_open_ext(&handle, path, 0, nil), "cannot open the git repository at \(path)", path: path)
    guard let handle else { throw CtxError(.gitFailed, "cannot open the git repository at \(path)", path: path) }
    repository = handle
  }

  deinit {
    for tree in trees.values { git_tree_free(tree) }
    git_repository_free(repository)
  }

  /// Traces `lines` of `path` (repository-relative) from `anchor` (a sha or prefix) to `tip`.
  ///
  /// - Parameters:
  ///   - watch: a word (a symbol's name) whose disappearance from the tracked lines is
  ///     reported as `watchLostIn`.
  ///   - follow: where a commit (full sha) moved a path, when the file vanishes in it (the
  ///     index knows the renames each commit made).
  /// - Returns: nil when the anchor commit or the file at it cannot be read.
  public func trace(
    path: String, lines: ClosedRange<Int>, from anchor: String, to tip: String = "HEAD", watch: String? = nil,
    follow: (_ commit: String, _ path: String) -> String? = { _, _ in nil }
  ) -> LineTrace? {
    guard let anchorID = resolve(anchor), let tipID = resolve(tip) else { return nil }
    guard let anchorBlob = blob(commit: anchorID, path: path), var current = text(of: anchorBlob) else { return nil }
    let anchorLines = current.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.lowerBound >= 1, lines.lowerBound <= anchorLines.count else { return nil }
    var range: ClosedRange<Int>? = lines.lowerBound...min(lines.upperBound, anchorLines.count)
    let anchoredText = anchorLines[(range!.lowerBound - 1)..<range!.upperBound].joined(separator: "\n")
    var trace = LineTrace(anchoredText: anchoredText, lines: range, commits: [], path: path)
    var currentBlob = anchorBlob
    var path = path
    var previous = anchorID
    for commit in commits(from: anchorID, to: tipID) {
      defer { previous = commit }
      guard let tracked = range else { break }
      var found = blob(commit: commit, path: path)
      if found == nil, let moved = follow(ContentHash.hex(commit), path), let movedBlob = blob(commit: commit, path: moved) {
        path = moved
        found = movedBlob
        trace.movedIn = describe(commit)
      }
      guard let newBlob = found else {
        trace.fileRemovedIn = describe(commit)
        trace.commits.append(describe(commit))
        range = nil
        break
      }
      if git_oid_equal([newBlob], [currentBlob]) == 1 { continue }
      guard let newText = text(of: newBlob) else { break }
      var hunks = GitLineHistory.hunks(old: current, new: newText)
      for index in hunks.indices where hunks[index].oldLines == 0 && hunks[index].oldStart == tracked.upperBound {
        hunks[index].continuesRange = GitLineHistory.continues(GitLineHistory.slice(current, tracked), with: GitLineHistory.slice(newText, hunks[index].newStart...hunks[index].newStart))
      }
      let mapped = GitLineHistory.map(tracked, through: hunks)
      let oldText = current
      current = newText
      currentBlob = newBlob
      range = mapped.lines
      if mapped.touched {
        let after = range.map { GitLineHistory.slice(newText, $0) } ?? ""
        for change in attribution(of: commit, from: previous, path: path, before: GitLineHistory.slice(oldText, tracked), after: after)
        where !trace.commits.contains(change) {
          trace.commits.append(change)
        }
        if let watch, trace.watchLostIn == nil, !GitLineHistory.containsWord(after, watch) { trace.watchLostIn = describe(commit) }
      }
    }
    trace.lines = range
    trace.path = path
    trace.tipText = range.map { GitLineHistory.slice(current, $0) }
    return trace
  }

  // MARK: Who changed the lines

  /// The commits to name for a change `commit` made to the tracked lines (compared with
  /// `previous`, the commit before it on the traced chain): the commit itself, or, for a
  /// merge, first the commits it brought in that added those lines to the file, so a reviewer
  /// sees the change where it was made and why, then the merge (which names the pull request
  /// or branch it came with). Only the merge when no merged commit added them (a conflict
  /// resolved in the merge, or only deletions).
  private func attribution(of commit: git_oid, from previous: git_oid, path: String, before: String, after: String) -> [LineCommit] {
    let parents = parentIDs(of: commit)
    guard parents.count > 1 else { return [describe(commit)] }
    let added = GitLineHistory.addedLines(before, after)
    guard !added.isEmpty else { return [describe(commit)] }
    let found = mergedAdditions(merge: commit, parents: parents, from: previous, path: path).filter { !$0.added.isDisjoint(with: added) }
    return found.map { describe($0.commit) } + [describe(commit)]
  }

  /// The commits a merge brought in (reachable from its other parents, not from `previous`)
  /// that changed `path`, oldest first, each with the lines it added; computed once per merge
  /// and path, since many annotations on one file cross the same merges.
  private func mergedAdditions(merge: git_oid, parents: [git_oid], from previous: git_oid, path: String) -> [(commit: git_oid, added: Set<String>)] {
    let key = ContentHash.hex(merge) + "\0" + ContentHash.hex(previous) + "\0" + path
    if let cached = mergedAdditionsCache[key] { return cached }
    var result: [(commit: git_oid, added: Set<String>)] = []
    defer { mergedAdditionsCache[key] = result }
    var walker: OpaquePointer? = nil
    guard git_revwalk_new(&walker, repository) == 0, let walker else { return result }
    defer { git_revwalk_free(walker) }
    git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
    var hidden = previous
    guard git_revwalk_hide(walker, &hidden) == 0 else { return result }
    for parent in parents where git_oid_equal([parent], [previous]) != 1 {
      var id = parent
      git_revwalk_push(walker, &id)
    }
    var next = git_oid()
    // A long-lived branch can bring thousands of commits: at most 2,000 that touched the
    // file are read.
    while git_revwalk_next(&next, walker) == 0, result.count < 2_000 {
      let merged = next
      guard let newBlob = blob(commit: merged, path: path) else { continue }
      let oldBlob = firstParent(of: merged).flatMap { blob(commit: $0, path: path) }
      if let oldBlob, git_oid_equal([oldBlob], [newBlob]) == 1 { continue }
      guard let newText = text(of: newBlob) else { continue }
      result.append((merged, GitLineHistory.addedLines(oldBlob.flatMap { text(of: $0) } ?? "", newText)))
    }
    return result
  }

  /// The lines of `new` that are not in `old`, trimmed, leaving out lines with no letter
  /// (braces, blank lines) that any change could have added.
  static func addedLines(_ old: String, _ new: String) -> Set<String> {
    func lines(_ text: String) -> Set<String> {
      Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count >= 3 && $0.contains(where: \.isLetter) })
    }
    return lines(new).subtracting(lines(old))
  }

  // MARK: Mapping lines through a diff

  /// One hunk of a zero-context diff: `oldLines` lines at `oldStart` became `newLines` at
  /// `newStart` (git's numbering: for an insertion `oldStart` is the line it follows).
  public struct Hunk: Sendable, Hashable {
    public var oldStart: Int
    public var oldLines: Int
    public var newStart: Int
    public var newLines: Int
    /// An insertion right after the range's last line that continues it (indented deeper
    /// than the range's first line: a statement appended to a Python body).
    public var continuesRange = false

    public init(oldStart: Int, oldLines: Int, newStart: Int, newLines: Int, continuesRange: Bool = false) {
      self.oldStart = oldStart
      self.oldLines = oldLines
      self.newStart = newStart
      self.newLines = newLines
      self.continuesRange = continuesRange
    }
  }

  /// Where `range` is after the hunks, and whether any of them changed lines inside it
  /// (edits above it only move it).
  public static func map(_ range: ClosedRange<Int>, through hunks: [Hunk]) -> (lines: ClosedRange<Int>?, touched: Bool) {
    let start = range.lowerBound
    let end = range.upperBound
    var startShift = 0
    var endShift = 0
    var newStart: Int? = nil
    var newEnd: Int? = nil
    var touched = false
    for hunk in hunks {
      let delta = hunk.newLines - hunk.oldLines
      if hunk.oldLines == 0 {
        // An insertion after line `oldStart`.
        if hunk.oldStart < start {
          startShift += delta
          endShift += delta
        } else if hunk.oldStart < end || (hunk.oldStart == end && hunk.continuesRange) {
          touched = true
          endShift += delta
        }
        continue
      }
      let oldEnd = hunk.oldStart + hunk.oldLines - 1
      if oldEnd < start {
        startShift += delta
        endShift += delta
      } else if hunk.oldStart > end {
        continue
      } else {
        touched = true
        if hunk.oldStart <= start { newStart = hunk.newLines == 0 ? hunk.newStart + 1 : hunk.newStart }
        if oldEnd >= end {
          newEnd = hunk.newLines == 0 ? hunk.newStart : hunk.newStart + hunk.newLines - 1
        } else {
          endShift += delta
        }
      }
    }
    let mappedStart = newStart ?? start + startShift
    let mappedEnd = newEnd ?? end + endShift
    return (mappedEnd >= mappedStart ? mappedStart...mappedEnd : nil, touched)
  }

  /// The hunks of a zero-context line diff between two texts.
  public static func hunks(old: String, new: String) -> [Hunk] {
    withPatch(old: old, new: new, context: 0) { patch in
      var hunks: [Hunk] = []
      for index in 0..<git_patch_num_hunks(patch) {
        var hunk: UnsafePointer<git_diff_hunk>? = nil
        var lineCount = 0
        guard git_patch_get_hunk(&hunk, &lineCount, patch, index) == 0, let hunk else { continue }
        hunks.append(
          Hunk(
            oldStart: Int(hunk.pointee.old_start), oldLines: Int(hunk.pointee.old_lines), newStart: Int(hunk.pointee.new_start),
            newLines: Int(hunk.pointee.new_lines)))
      }
      return hunks
    } ?? []
  }

  /// A unified diff of two texts (three lines of context), or nil when they are the same.
  /// `oldLabel`/`newLabel` name the sides (`a/src/x.py@1d1a8fe`).
  public static func unifiedDiff(old: String, new: String, oldLabel: String, newLabel: String) -> String? {
    let oldText = old.hasSuffix("\n") || old.isEmpty ? old : old + "\n"
    let newText = new.hasSuffix("\n") || new.isEmpty ? new : new + "\n"
    guard oldText != newText else { return nil }
    let body: String? = withPatch(old: oldText, new: newText, context: 3) { patch in
      var buffer = git_buf()
      defer { git_buf_dispose(&buffer) }
      guard git_patch_to_buf(&buffer, patch) == 0, let pointer = buffer.ptr else { return nil }
      return String(cString: pointer)
    } ?? nil
    guard let body else { return nil }
    // libgit2 prints a header for nameless buffers; replace it with the sides' names.
    let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
    guard let firstHunk = lines.firstIndex(where: { $0.hasPrefix("@@") }) else { return nil }
    var result = "--- \(oldLabel)\n+++ \(newLabel)\n" + lines[firstHunk...].joined(separator: "\n")
    while result.hasSuffix("\n") { result.removeLast() }
    return result
  }

  private static func withPatch<T>(old: String, new: String, context: UInt32, _ body: (OpaquePointer) -> T) -> T? {
    GitLibrary.ensureInitialized()
    var options = git_diff_options()
    git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
    options.context_lines = context
    options.interhunk_lines = 0
    let oldBytes = Array(old.utf8)
    let newBytes = Array(new.utf8)
    // The patch points into both buffers (libgit2 does not copy them), so it is used and freed
    // while they are pinned: read after `withUnsafeBytes` returned, it printed freed memory.
    return oldBytes.withUnsafeBytes { oldBuffer in
      newBytes.withUnsafeBytes { newBuffer -> T? in
        var patch: OpaquePointer? = nil
        guard git_patch_from_buffers(&patch, oldBuffer.baseAddress, oldBuffer.count, nil, newBuffer.baseAddress, newBuffer.count, nil, &options) == 0,
          let patch
        else { return nil }
        defer { git_patch_free(patch) }
        return body(patch)
      }
    }
  }

  /// Whether `line` (inserted right after `range`) is indented deeper than the range's first
  /// line, so belongs to the same definition.
  static func continues(_ range: String, with line: String) -> Bool {
    func indent(_ text: Substring) -> Int { text.prefix(while: { $0 == " " || $0 == "\t" }).count }
    guard let first = range.split(separator: "\n").first, !line.trimmingCharacters(in: .whitespaces).isEmpty else { return false }
    return indent(Substring(line)) > indent(first)
  }

  static func slice(_ text: String, _ range: ClosedRange<Int>) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard range.lowerBound >= 1, range.lowerBound <= lines.count else { return "" }
    return lines[(range.lowerBound - 1)..<min(range.upperBound, lines.count)].joined(separator: "\n")
  }

  /// Whether `word` appears in `text` as a whole identifier.
  public static func containsWord(_ text: String, _ word: String) -> Bool {
    var searchFrom = text.startIndex
    while let found = text.range(of: word, range: searchFrom..<text.endIndex) {
      let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
      let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
      let isIdentifier = { (character: Character?) in character.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
      if !isIdentifier(before) && !isIdentifier(after) { return true }
      searchFrom = found.upperBound
    }
    return false
  }

  // MARK: libgit2

  private func resolve(_ revision: String) -> git_oid? {
    if let cached = revisions[revision] { return cached }
    let resolved = lookUp(revision)
    revisions[revision] = resolved
    return resolved
  }

  private func lookUp(_ revision: String) -> git_oid? {
    var object: OpaquePointer? = nil
    guard git_revparse_single(&object, repository, revision) == 0, let object else { return nil }
    defer { git_object_free(object) }
    var peeled: OpaquePointer? = nil
    guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0, let peeled else { return nil }
    defer { git_object_free(peeled) }
    return git_object_id(peeled).pointee
  }

  /// The commits from `anchor` to `tip`, oldest first, each a child of the one before (the
  /// first is a child of the anchor): the chain whose file versions a trace compares.
  ///
  /// Usually the tip's first-parent line. When the anchor is not on it (written on a branch
  /// that was merged later), that line would compare the anchor's text with a sibling's, and
  /// a definition the branch added would look deleted by an unrelated commit; then the chain
  /// is the ancestry path (`git log --ancestry-path`), through the merge that brought the
  /// branch in, first parents where there is a choice.
  private func commits(from anchor: git_oid, to tip: git_oid) -> [git_oid] {
    let key = ContentHash.hex(anchor) + ".." + ContentHash.hex(tip)
    if let cached = walks[key] { return cached }
    var result = walk(hiding: anchor, from: tip, firstParentOnly: true)
    if let oldest = result.first, firstParent(of: oldest).map({ git_oid_equal([$0], [anchor]) == 1 }) != true {
      result = ancestryPath(from: anchor, to: tip) ?? result
    }
    walks[key] = result
    return result
  }

  /// `anchor..tip`, parents before children.
  private func walk(hiding anchor: git_oid, from tip: git_oid, firstParentOnly: Bool) -> [git_oid] {
    var walker: OpaquePointer? = nil
    guard git_revwalk_new(&walker, repository) == 0, let walker else { return [] }
    defer { git_revwalk_free(walker) }
    git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
    if firstParentOnly { git_revwalk_simplify_first_parent(walker) }
    var tipID = tip
    var anchorID = anchor
    guard git_revwalk_push(walker, &tipID) == 0, git_revwalk_hide(walker, &anchorID) == 0 else { return [] }
    var result: [git_oid] = []
    var next = git_oid()
    while git_revwalk_next(&next, walker) == 0 { result.append(next) }
    return result
  }

  /// A chain from `anchor` to `tip` through commits that descend from the anchor, or nil when
  /// the anchor is not an ancestor of the tip.
  private func ancestryPath(from anchor: git_oid, to tip: git_oid) -> [git_oid]? {
    let anchorKey = ContentHash.hex(anchor)
    var parents: [String: [git_oid]] = [:]
    var descends: Set<String> = []
    for commit in walk(hiding: anchor, from: tip, firstParentOnly: false) {
      let key = ContentHash.hex(commit)
      let ids = parentIDs(of: commit)
      parents[key] = ids
      if ids.contains(where: { let parent = ContentHash.hex($0); return parent == anchorKey || descends.contains(parent) }) {
        descends.insert(key)
      }
    }
    guard descends.contains(ContentHash.hex(tip)) else { return nil }
    var chain: [git_oid] = []
    var current = tip
    while ContentHash.hex(current) != anchorKey {
      chain.append(current)
      guard
        let next = parents[ContentHash.hex(current)]?.first(where: {
          let parent = ContentHash.hex($0)
          return parent == anchorKey || descends.contains(parent)
        })
      else { return nil }
      current = next
    }
    return chain.reversed()
  }

  private func parentIDs(of commit: git_oid) -> [git_oid] {
    var id = commit
    var handle: OpaquePointer? = nil
    guard git_commit_lookup(&handle, repository, &id) == 0, let handle else { return [] }
    defer { git_commit_free(handle) }
    return (0..<git_commit_parentcount(handle)).compactMap { git_commit_parent_id(handle, $0)?.pointee }
  }

  private func firstParent(of commit: git_oid) -> git_oid? {
    parentIDs(of: commit).first
  }

  private func blob(commit: git_oid, path: String) -> git_oid? {
    guard let tree = tree(of: commit) else { return nil }
    var entry: OpaquePointer? = nil
    guard git_tree_entry_bypath(&entry, tree, path) == 0, let entry else { return nil }
    defer { git_tree_entry_free(entry) }
    guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
    return git_tree_entry_id(entry).pointee
  }

  /// A commit's root tree, kept for the life of this object.
  private func tree(of commit: git_oid) -> OpaquePointer? {
    let key = ContentHash.hex(commit)
    if let cached = trees[key] { return cached }
    var id = commit
    var commitHandle: OpaquePointer? = nil
    guard git_commit_lookup(&commitHandle, repository, &id) == 0, let commitHandle else { return nil }
    defer { git_commit_free(commitHandle) }
    var tree: OpaquePointer? = nil
    guard git_commit_tree(&tree, commitHandle) == 0, let tree else { return nil }
    if trees.count >= 4096 {  // a long history: keep memory bounded
      for cached in trees.values { git_tree_free(cached) }
      trees = [:]
    }
    trees[key] = tree
    return tree
  }

  private func text(of blobID: git_oid) -> String? {
    TextBlob.withBytes(blobID, in: repository) { String(decoding: $0, as: UTF8.self) }
  }

  private func describe(_ commit: git_oid) -> LineCommit {
    let key = ContentHash.hex(commit)
    if let cached = described[key] { return cached }
    let found = lookUpCommit(commit)
    described[key] = found
    return found
  }

  private func lookUpCommit(_ commit: git_oid) -> LineCommit {
    var id = commit
    var handle: OpaquePointer? = nil
    guard git_commit_lookup(&handle, repository, &id) == 0, let handle else {
      return LineCommit(sha: ContentHash.hex(commit), author: "", time: 0, summary: "")
    }
    defer { git_commit_free(handle) }
    let author = GitHistory.signature(git_commit_author(handle))
    let summary = git_commit_summary(handle).map { String(cString: $0) } ?? ""
    return LineCommit(sha: ContentHash.hex(commit), author: author.name, time: author.time, summary: summary)
  }
}

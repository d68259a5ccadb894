import CtxCore
import Foundation

/// The `annotations/` folder: reads every annotation, and writes new ones atomically without
/// ever overwriting another file.
///
/// A write goes to a hidden temporary file, is flushed to disk, and is then hard-linked under
/// its final name: `link(2)` fails if the name exists, so two writers racing for one name
/// never clobber each other (the loser takes the next name), and a crash leaves either no
/// annotation or a complete one (a stray `.tmp-*` file is ignored and cleaned up later).
public struct AnnotationFolder: Sendable {
  public let path: String

  public init(path: String) {
    self.path = path
  }

  /// What reading the folder found.
  public struct Loaded: Sendable {
    public var annotations: [Annotation] = []
    /// Files that could not be read or parsed, with file and line.
    public var errors: [CtxError] = []
    /// Files whose ids clash (all of them are in `annotations` or `errors`).
    public var clashes: [IdClash] = []
    /// Each parsed file's stamp when it was read, by id (the index's mirror keeps it).
    public var stamps: [String: AnnotationFileStamp] = [:]
  }

  /// Every annotation file `AnnotationListing` finds, sorted by id.
  public func load() -> Loaded {
    var loaded = Loaded()
    let entries = AnnotationListing.list(path)
    loaded.clashes = IdClashes.find(entries)
    for entry in entries {
      switch AnnotationFolder.read(entry) {
      case .success(let annotation):
        loaded.annotations.append(annotation)
        loaded.stamps[entry.id] = entry.stamp
      case .failure(let error): loaded.errors.append(error)
      }
    }
    loaded.annotations.sort { $0.id < $1.id }
    loaded.errors.sort { ($0.path ?? "") < ($1.path ?? "") }
    return loaded
  }

  /// Reads and parses one listed file.
  public static func read(_ entry: AnnotationFileEntry) -> Result<Annotation, CtxError> {
    let text: String
    do {
      text = try String(contentsOfFile: entry.path, encoding: .utf8)
    } catch {
      return .failure(CtxError(.invalidConfig, "cannot read the annotation: \(error.localizedDescription)", path: entry.path))
    }
    do throws(CtxError) {
      return .success(try Annotation.parse(text, id: entry.id, path: entry.path))
    } catch {
      return .failure(error)
    }
  }

  /// A stable, readable file name: `2026-11-23-symbol-validatesession-caveat`.
  public static func baseName(for annotation: Annotation) -> String {
    var slug = ""
    for character in (annotation.target.kind + "-" + annotation.target.value).lowercased() {
      if character.isASCII && (character.isLetter || character.isNumber) {
        slug.append(character)
      } else if !slug.hasSuffix("-") {
        slug.append("-")
      }
    }
    slug = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(60))
    return "\(Timestamps.day(annotation.date))-\(slug)-\(annotation.kind.rawValue)"
  }

  /// Writes a new annotation under a fresh name (its `id` is set to it) and returns it.
  ///
  /// - Throws: `.io` when the folder cannot be written.
  public func create(_ annotation: Annotation) throws(CtxError) -> Annotation {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw CtxError(.io, "cannot create \(path): \(error.localizedDescription)", path: path)
    }
    let base = AnnotationFolder.baseName(for: annotation)
    var written = annotation
    written.id = base
    let temporary = try writeTemporary(written.rendered())
    defer { unlink(temporary) }
    for attempt in 1...1000 {
      let id = attempt == 1 ? base : "\(base)-\(attempt)"
      written.id = id
      // The id is in the file name only, so the content written above stays right.
      if link(temporary, path + "/" + id + ".md") == 0 {
        syncFolder()
        return written
      }
      guard errno == EEXIST else {
        throw CtxError(.io, "cannot write \(path)/\(id).md: \(String(cString: strerror(errno)))", path: path)
      }
    }
    throw CtxError(.io, "too many annotations named \(base)-*; choose another target or kind", path: path)
  }

  /// Replaces an existing annotation's file with `annotation` (review, re-anchoring).
  public func replace(_ annotation: Annotation) throws(CtxError) {
    let final = path + "/" + annotation.id + ".md"
    guard FileManager.default.fileExists(atPath: final) else {
      throw CtxError(.notFound, "no annotation \(annotation.id) in \(path)", path: final)
    }
    let temporary = try writeTemporary(annotation.rendered())
    guard rename(temporary, final) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw CtxError(.io, "cannot replace \(final): \(reason)", path: final)
    }
    syncFolder()
  }

  /// Removes temporary files left by writers that died (older than an hour).
  public func cleanUp() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
    for name in names where name.hasPrefix(".tmp-") {
      let file = path + "/" + name
      if let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date, modified.timeIntervalSinceNow < -3600 {
        try? FileManager.default.removeItem(atPath: file)
      }
    }
  }

  private func writeTemporary(_ text: String) throws(CtxError) -> String {
    let temporary = path + "/.tmp-\(getpid())-\(UUID().uuidString)"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw CtxError(.io, "cannot write in \(path): \(String(cString: strerror(errno))); check its permissions", path: path)
    }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw CtxError(.io, "cannot write in \(path): \(reason)", path: path)
      }
      offset += count
    }
    guard fsync(descriptor) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw CtxError(.io, "cannot flush an annotation to disk in \(path): \(reason)", path: path)
    }
    return temporary
  }

  /// Makes the new directory entry durable.
  private func syncFolder() {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }
}

import Foundation

/// Files whose ids are the same annotation id to people and to other machines.
///
/// An id is the file's path under `annotations/` without `.md`. Two ids are the same when they
/// are equal ignoring case and Unicode normalization (`Foo` and `foo`, `é` written as one or
/// two code points): macOS and Windows check such files out as one, so after a merge from a
/// Linux machine one of them would silently vanish there, and `supersedes` could not say
/// which it means. Both files are kept and read; the clash is reported (`ctx index`,
/// `ctx conflicts`) so a person renames one.
public struct IdClash: Sendable, Hashable, Codable {
  /// The ids, exactly as spelled, sorted.
  public var ids: [String]
  /// Their files.
  public var files: [String]

  public var message: String {
    "annotation ids clash (they differ only in case or Unicode normalization, so case-insensitive file systems keep one): "
      + files.joined(separator: " and ") + "; both are kept: rename one (and the `supersedes` that name it)"
  }
}

public enum IdClashes {
  /// The key two ids share when they are the same id.
  public static func key(_ id: String) -> String {
    id.precomposedStringWithCanonicalMapping.lowercased()
  }

  public static func find(_ entries: [AnnotationFileEntry]) -> [IdClash] {
    var groups: [String: [AnnotationFileEntry]] = [:]
    for entry in entries { groups[key(entry.id), default: []].append(entry) }
    return groups.values.filter { $0.count > 1 }.map { group in
      let sorted = group.sorted { $0.id < $1.id }
      return IdClash(ids: sorted.map(\.id), files: sorted.map(\.path))
    }.sorted { $0.ids[0] < $1.ids[0] }
  }
}

import Foundation

/// A symbol name written with its scope: `Option.resolve_envvar_value`, `Path::convert`,
/// `Router#route`. One reading shared by the index's lookups and the annotation log.
public enum QualifiedSymbol {
  /// The innermost scope written and the bare name (`a.b.C.run` → `C`, `run`); nil for a
  /// plain name.
  public static func split(_ name: String) -> (scope: String, name: String)? {
    for separator in ["::", "#", "."] {
      if let range = name.range(of: separator, options: .backwards) {
        let scope = name[..<range.lowerBound]
        let bare = name[range.upperBound...]
        guard !bare.isEmpty, !scope.isEmpty else { return nil }
        let innermost = scope.range(of: separator, options: .backwards).map { scope[$0.upperBound...] } ?? scope
        return (String(innermost), String(bare))
      }
    }
    return nil
  }
}

/// Tells a chunk that only imports names (`from .utils import _LazyFile`, `import (` ... `)`,
/// `#include`, `use`) from code that does something. Such a block shares the question's words
/// with the definitions it imports, so it looks like evidence, but it shows an agent nothing
/// about them: bundles leave it out unless the ranking found it on structure.
enum ImportBlock {
  private static let starts = ["import ", "from ", "#include", "#import", "using ", "use ", "package ", "require ", "require(", "extern crate "]

  static func isOnlyImports(_ text: String) -> Bool {
    var sawImport = false
    var insideList = false  // `from x import (` / Go's `import (`: names until `)`
    for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let line = raw.drop { $0 == " " || $0 == "\t" }
      if line.isEmpty || line.hasPrefix("#!") || line.hasPrefix("//") || (line.hasPrefix("#") && !line.hasPrefix("#include") && !line.hasPrefix("#import")) {
        continue
      }
      if insideList {
        if line.contains(")") { insideList = false }
        continue
      }
      guard starts.contains(where: { line.hasPrefix($0) }) else { return false }
      sawImport = true
      if line.hasSuffix("(") { insideList = true }
    }
    return sawImport
  }
}

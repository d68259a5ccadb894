/// Detects a file's language from its name.
///
/// The name is what ctx shows and what decides which symbol extractor runs (`swift` goes to
/// swift-syntax, everything else to universal-ctags, which knows its own mapping too).
public enum Language {
  private static let byExtension: [String: String] = [
    "swift": "swift", "c": "c", "h": "c", "cc": "c++", "cpp": "c++", "cxx": "c++", "hpp": "c++",
    "hh": "c++", "hxx": "c++", "m": "objective-c", "mm": "objective-c++", "go": "go", "rs": "rust",
    "py": "python", "pyi": "python", "rb": "ruby", "js": "javascript", "mjs": "javascript",
    "cjs": "javascript", "jsx": "javascript", "ts": "typescript", "tsx": "typescript",
    "java": "java", "kt": "kotlin", "kts": "kotlin", "scala": "scala", "cs": "c#", "php": "php",
    "sh": "shell", "bash": "shell", "zsh": "shell", "pl": "perl", "pm": "perl", "lua": "lua",
    "r": "r", "sql": "sql", "proto": "protobuf", "md": "markdown", "markdown": "markdown",
    "rst": "restructuredtext", "txt": "text", "json": "json", "yaml": "yaml", "yml": "yaml",
    "toml": "toml", "xml": "xml", "html": "html", "htm": "html", "css": "css", "scss": "scss",
    "ex": "elixir", "exs": "elixir", "erl": "erlang", "hs": "haskell", "ml": "ocaml",
    "clj": "clojure", "dart": "dart", "zig": "zig", "vim": "vim", "el": "lisp", "tf": "terraform",
    "ini": "ini", "cfg": "ini", "cmake": "cmake", "mk": "make", "gradle": "groovy",
    "groovy": "groovy", "ps1": "powershell", "bat": "batch", "asm": "asm", "s": "asm",
  ]
  private static let byName: [String: String] = [
    "Makefile": "make", "makefile": "make", "GNUmakefile": "make", "Dockerfile": "dockerfile",
    "CMakeLists.txt": "cmake", "Rakefile": "ruby", "Gemfile": "ruby", "Package.swift": "swift",
  ]

  /// The language of `path` (a relative path), or `nil` when unknown.
  public static func detect(path: String) -> String? {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    if let language = byName[name] { return language }
    if name.hasPrefix("Dockerfile") { return "dockerfile" }
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
    return byExtension[name[name.index(after: dot)...].lowercased()]
  }
}

/// Knobs of document parsing.
public struct DocParseOptions: Sendable, Hashable {
  /// Sections longer than this many lines are split into parts (`max_section_lines`).
  public var maxSectionLines: Int
  /// Plain text is grouped into paragraphs of at most about this many lines (`text_group_lines`).
  public var textGroupLines: Int

  public init(maxSectionLines: Int = 200, textGroupLines: Int = 60) {
    self.maxSectionLines = max(10, maxSectionLines)
    self.textGroupLines = max(5, textGroupLines)
  }
}

/// Knobs of a docs crawl (connector file keys in parentheses).
public struct DocsOptions: Sendable, Hashable {
  /// Files larger than this are skipped (`max_file_size`, default 4 MiB).
  public var maxFileSize: Int64
  /// Whether the built-in vendored-folder exclusions apply (`default_excludes`, default true).
  public var defaultExcludes: Bool
  /// Whether a git work tree is listed through git, so ignored files stay out (`use_git`).
  public var useGit: Bool
  /// Sectioning limits (`max_section_lines`, `text_group_lines`).
  public var parse: DocParseOptions

  public init(maxFileSize: Int64 = 4 << 20, defaultExcludes: Bool = true, useGit: Bool = true, parse: DocParseOptions = DocParseOptions()) {
    self.maxFileSize = maxFileSize
    self.defaultExcludes = defaultExcludes
    self.useGit = useGit
    self.parse = parse
  }

  /// What a docs source indexes when its connector file lists no `include`.
  public static let defaultInclude = ["**/*.md", "**/*.markdown", "**/*.txt", "**/*.html", "**/*.htm", "**/*.rst"]

  /// Vendored and generated folders skipped unless `default_excludes: false`.
  public static let defaultExcludePatterns = [
    "**/node_modules/**", "**/vendor/**", "**/third_party/**", "**/Pods/**", "**/Carthage/**", "**/.build/**", "**/bower_components/**",
    "**/__pycache__/**", "**/.venv/**", "**/_build/**", "**/site-packages/**",
  ]
}

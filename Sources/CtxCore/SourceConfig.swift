/// What a connector file in `connectors/` describes: one source to crawl.
public struct SourceConfig: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case code
    case git
    case docs
    case chat
  }

  /// The connector file's name without `.yaml`: the source's name everywhere.
  public var name: String
  public var kind: Kind
  /// Absolute path of the source root.
  public var root: String
  /// Absolute path of the connector file, for messages.
  public var configFile: String
  /// `path:` as written in the connector file, and its line, for messages.
  public var pathWritten: String? = nil
  public var pathLine: Int? = nil
  public var include: [String]
  public var exclude: [String]
  public var code: CodeOptions
  public var git: GitOptions
  public var docs: DocsOptions
  /// For `kind: chat`: the format and the privacy choices (`path` is `root`).
  public var chat: ChatOptions?
  /// Extra secret rules and allowed values for this source (`redaction:`).
  public var redaction = RedactionSettings()
  /// How long reading one file may take (code and docs sources on network or FUSE mounts,
  /// `read_timeout`, default 60 s): a read stuck on a hung mount makes the file a named
  /// problem and the crawl goes on. Local disks are read directly (`FileReader`).
  public var readTimeout: Duration = .seconds(60)

  public init(
    name: String, kind: Kind, root: String, configFile: String, include: [String] = [],
    exclude: [String] = [], code: CodeOptions = CodeOptions(), git: GitOptions = GitOptions(), docs: DocsOptions = DocsOptions(),
    chat: ChatOptions? = nil
  ) {
    self.name = name
    self.kind = kind
    self.root = root
    self.configFile = configFile
    self.include = include
    self.exclude = exclude
    self.code = code
    self.git = git
    self.docs = docs
    self.chat = chat
  }
}

/// Options of `kind: git` sources.
public struct GitOptions: Sendable, Hashable {
  /// The refs whose history is indexed (`refs`, default `HEAD`).
  public var refs: [String]
  /// Open a repository owned by another user (`trust_owner`), as `safe.directory` would.
  public var trustOwner: Bool
  /// How many of the newest new commits get line counts per run (`line_counts`); older ones
  /// are counted when shown. Counting reads every changed blob, which costs far more than the
  /// walk itself (docs/history.md, "Line counts").
  public var lineCountsPerRun: Int

  public init(refs: [String] = ["HEAD"], trustOwner: Bool = false, lineCountsPerRun: Int = 200) {
    self.refs = refs
    self.trustOwner = trustOwner
    self.lineCountsPerRun = lineCountsPerRun
  }
}

/// Options of `kind: code` sources.
public struct CodeOptions: Sendable, Hashable {
  /// Files larger than this are skipped (`max_file_size`, default 1 MiB).
  public var maxFileSize: Int64
  /// Whether the built-in vendored/generated exclusions apply (`default_excludes`).
  public var defaultExcludes: Bool
  /// Largest chunk, in lines, before a definition is split (`max_chunk_lines`).
  public var maxChunkLines: Int
  /// Whether `.git` work trees are listed through git (`use_git`, default true).
  public var useGit: Bool
  /// Index the tree of this revision (a sha, branch or tag) straight from the git object
  /// database instead of the files on disk (`revision:`); nil for the files on disk.
  public var revision: String? = nil
  /// How long ctags may take on one file before it is stopped and the file indexed without
  /// symbols (`ctags_timeout`, default 30 s).
  public var ctagsTimeout: Duration = .seconds(30)

  public init(maxFileSize: Int64 = 1 << 20, defaultExcludes: Bool = true, maxChunkLines: Int = 120, useGit: Bool = true) {
    self.maxFileSize = maxFileSize
    self.defaultExcludes = defaultExcludes
    self.maxChunkLines = maxChunkLines
    self.useGit = useGit
  }

  /// Vendored, dependency and generated paths skipped unless `default_excludes: false`.
  public static let defaultExcludePatterns: [String] = [
    "**/vendor/**", "**/node_modules/**", "**/third_party/**", "**/Pods/**", "**/Carthage/**",
    "**/.build/**", "**/bower_components/**", "**/__pycache__/**", "**/.venv/**",
    "**/*.min.js", "**/*.min.css", "**/*.map", "**/*.pb.go", "**/*_pb2.py", "**/*.pb.swift",
    "**/package-lock.json", "**/yarn.lock", "**/pnpm-lock.yaml", "**/Cargo.lock",
    "**/Gemfile.lock", "**/poetry.lock", "**/composer.lock", "**/go.sum", "**/Package.resolved",
    "**/*.lock",
  ]
}

/// A source's additions to the built-in secret rules (docs/redaction.md).
public struct RedactionSettings: Sendable, Hashable {
  /// Values matching any of these (a regex, or a literal) are kept (`redaction.allow`).
  public var allow: [String]
  /// Extra rules, id → regex (`redaction.rules`).
  public var rules: [String: String]

  public init(allow: [String] = [], rules: [String: String] = [:]) {
    self.allow = allow
    self.rules = rules
  }
}

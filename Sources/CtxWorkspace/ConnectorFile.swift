import CtxCore
import CtxRedaction
import Foundation
import Yams

/// Parses one `connectors/NAME.yaml` file into a `SourceConfig`.
///
/// Every mistake names the file, the line and the fix: an unknown key lists the known ones, a
/// wrong type shows the expected shape, and a path that is not a folder shows the resolved path.
public enum ConnectorFile {
  static let commonKeys = ["kind", "path", "include", "exclude", "description", "redaction"]
  static let codeKeys = ["max_file_size", "default_excludes", "max_chunk_lines", "use_git", "revision", "ctags_timeout", "read_timeout"]
  static let gitKeys = ["refs", "trust_owner", "line_counts"]
  static let docsKeys = ["max_file_size", "default_excludes", "use_git", "max_section_lines", "text_group_lines", "read_timeout"]
  static let chatKeys = [
    "format", "channels", "include_private", "include_dms", "include_group_dms", "include_unlisted", "include_bots", "keep_subtypes",
    "max_message_bytes", "max_file_size", "zip_max_entries", "zip_max_total_bytes", "zip_max_ratio",
  ]

  static func keys(for kind: SourceConfig.Kind) -> [String] {
    switch kind {
    case .code: commonKeys + codeKeys
    case .git: commonKeys + gitKeys
    case .docs: commonKeys + docsKeys
    case .chat: ["kind", "path", "description", "redaction"] + chatKeys
    }
  }

  static let starterCodeConnector = """
    # The code in this workspace folder. See README.md, "Connectors", for every key.
    kind: code
    path: .
    include: ["**"]
    exclude: ["index/**"]

    """

  public static func parse(path: String, workspaceRoot: String) throws(CtxError) -> SourceConfig {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw CtxError(.invalidConfig, "cannot read the connector file: \(error.localizedDescription)", path: path, cause: error)
    }
    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw CtxError(.invalidConfig, "the connector file is empty; it needs at least `kind:` and `path:`", path: path, line: 1)
      }
      root = node
    } catch let error as CtxError {
      throw error
    } catch let error as YamlError {
      throw yamlError(error, path: path)
    } catch {
      throw CtxError(.invalidConfig, "not valid YAML: \(error)", path: path, cause: error)
    }
    guard let mapping = root.mapping else {
      throw CtxError(.invalidConfig, "the connector file must be a mapping of keys such as `kind: code` and `path: .`", path: path, line: root.mark?.line)
    }

    var values: [String: Node] = [:]
    var lines: [String: Int] = [:]
    for (keyNode, valueNode) in mapping {
      guard let key = keyNode.string else {
        throw CtxError(.invalidConfig, "keys must be plain words such as `kind`", path: path, line: keyNode.mark?.line)
      }
      values[key] = valueNode
      lines[key] = keyNode.mark?.line
    }

    guard let kindNode = values["kind"] else {
      throw CtxError(.invalidConfig, "missing `kind:`; add `kind: code` (one of \(SourceConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")))", path: path, line: 1)
    }
    guard let kindText = kindNode.string, let kind = SourceConfig.Kind(rawValue: kindText) else {
      throw CtxError(
        .invalidConfig,
        "`kind: \(kindNode.string ?? "?")` is not a connector kind; use one of \(SourceConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))",
        path: path, line: kindNode.mark?.line)
    }
    let known = keys(for: kind)
    for (key, line) in lines.sorted(by: { ($0.value) < ($1.value) }) where !known.contains(key) {
      let hint = known.min(by: { editDistance($0, key) < editDistance($1, key) }).map { " Did you mean `\($0)`?" } ?? ""
      throw CtxError(
        .invalidConfig, "unknown key `\(key)` for a \(kind.rawValue) connector.\(hint) Known keys: \(known.joined(separator: ", ")).",
        path: path, line: line)
    }

    guard let pathNode = values["path"] else {
      throw CtxError(.invalidConfig, "missing `path:`; add the folder to index, e.g. `path: .` or `path: ../payments`", path: path, line: 1)
    }
    guard let sourcePath = pathNode.string, !sourcePath.isEmpty else {
      throw CtxError(.invalidConfig, "`path` must be a folder path string, e.g. `path: ../payments`", path: path, line: pathNode.mark?.line)
    }
    // No file name can hold NUL; the system would read the path only up to it (the walk then
    // started at the workspace itself).
    guard !sourcePath.unicodeScalars.contains("\u{0}") else {
      throw CtxError(.invalidConfig, "`path` holds a NUL character, which no file name can; fix the path", path: path, line: pathNode.mark?.line)
    }
    let resolved = Workspace.resolve(sourcePath, relativeTo: workspaceRoot)
    // A chat export may be a folder, a .zip or one file; every other kind is a folder. A path
    // that does not exist is not a mistake in this file: the folder may have vanished
    // (unmounted disk, deleted checkout), and the source then fails at `ctx index` with its
    // previous index kept (`SourceConfig.missingFolderError`), rather than being taken for a
    // source with no connector file.
    if kind != .chat && FileManager.default.fileExists(atPath: resolved) && !Workspace.isDirectory(resolved) {
      throw CtxError(
        .invalidConfig, "`path: \(sourcePath)` resolves to \(resolved), which is not a folder; fix the path (relative paths start at the workspace folder)",
        path: path, line: pathNode.mark?.line)
    }

    var config = SourceConfig(name: name, kind: kind, root: resolved, configFile: path)
    config.pathWritten = sourcePath
    config.pathLine = pathNode.mark?.line
    config.include = try stringList(values["include"], key: "include", path: path)
    config.exclude = try stringList(values["exclude"], key: "exclude", path: path)
    if let node = values["redaction"] { config.redaction = try redaction(node, path: path) }
    if let node = values["read_timeout"] {
      config.readTimeout = try duration(node, key: "read_timeout", path: path)
    }
    if kind == .docs {
      try parseDocs(values, into: &config, path: path)
      return config
    }
    if kind == .chat {
      config.chat = try parseChat(values, root: resolved, path: path, formatLine: lines["format"])
      return config
    }
    if let node = values["max_file_size"] {
      config.code.maxFileSize = try byteSize(node, path: path)
    }
    if let node = values["default_excludes"] {
      config.code.defaultExcludes = try bool(node, key: "default_excludes", path: path)
    }
    if let node = values["use_git"] {
      config.code.useGit = try bool(node, key: "use_git", path: path)
    }
    if let node = values["revision"] {
      config.code.revision = try revision(node, path: path)
    }
    if let node = values["refs"] {
      let refs = try revisionList(node, path: path)
      guard !refs.isEmpty else {
        throw CtxError(.invalidConfig, "`refs` must name at least one ref, e.g. `refs: [HEAD]` or `refs: [main, release]`", path: path, line: node.mark?.line)
      }
      config.git.refs = refs
    }
    if let node = values["trust_owner"] {
      config.git.trustOwner = try bool(node, key: "trust_owner", path: path)
    }
    if let node = values["line_counts"] {
      guard let value = node.int, value >= 0 else {
        throw CtxError(.invalidConfig, "`line_counts` must be a whole number of commits (0 or more), e.g. `line_counts: 200`", path: path, line: node.mark?.line)
      }
      config.git.lineCountsPerRun = value
    }
    if let node = values["ctags_timeout"] {
      config.code.ctagsTimeout = try duration(node, key: "ctags_timeout", path: path)
    }
    if let node = values["max_chunk_lines"] {
      guard let value = node.int, value >= 10 else {
        throw CtxError(.invalidConfig, "`max_chunk_lines` must be a whole number of at least 10, e.g. `max_chunk_lines: 120`", path: path, line: node.mark?.line)
      }
      config.code.maxChunkLines = value
    }
    return config
  }

  private static func parseDocs(_ values: [String: Node], into config: inout SourceConfig, path: String) throws(CtxError) {
    if config.include.isEmpty { config.include = DocsOptions.defaultInclude }
    if let node = values["max_file_size"] { config.docs.maxFileSize = try byteSize(node, path: path) }
    if let node = values["default_excludes"] { config.docs.defaultExcludes = try bool(node, key: "default_excludes", path: path) }
    if let node = values["use_git"] { config.docs.useGit = try bool(node, key: "use_git", path: path) }
    if let node = values["max_section_lines"] {
      config.docs.parse.maxSectionLines = try count(node, key: "max_section_lines", minimum: 10, path: path)
    }
    if let node = values["text_group_lines"] {
      config.docs.parse.textGroupLines = try count(node, key: "text_group_lines", minimum: 5, path: path)
    }
  }

  private static func parseChat(_ values: [String: Node], root: String, path: String, formatLine: Int?) throws(CtxError) -> ChatOptions {
    let formats = ChatFormat.allCases.map(\.rawValue).joined(separator: ", ")
    guard let formatNode = values["format"] else {
      throw CtxError(.invalidConfig, "missing `format:`; a chat source names its export format, one of \(formats)", path: path, line: 1)
    }
    guard let text = formatNode.string, let format = ChatFormat(rawValue: text) else {
      throw CtxError(
        .invalidConfig, "`format: \(formatNode.string ?? "?")` is not a chat export format; use one of \(formats)", path: path,
        line: formatNode.mark?.line)
    }
    var options = ChatOptions(format: format, path: root)
    options.channels = try stringList(values["channels"], key: "channels", path: path, what: "channel names")
    options.includePrivate = try stringList(values["include_private"], key: "include_private", path: path, what: "channel names")
    options.includeDMs = try stringList(values["include_dms"], key: "include_dms", path: path, what: "user names or conversation ids")
    options.includeGroupDMs = try stringList(values["include_group_dms"], key: "include_group_dms", path: path, what: "group DM names")
    options.includeUnlisted = try stringList(values["include_unlisted"], key: "include_unlisted", path: path, what: "folder names")
    options.keepSubtypes = try stringList(values["keep_subtypes"], key: "keep_subtypes", path: path, what: "message subtypes")
    if let node = values["include_bots"] { options.includeBots = try bool(node, key: "include_bots", path: path) }
    if let node = values["max_message_bytes"] { options.maxMessageBytes = max(256, Int(try byteSize(node, path: path, key: "max_message_bytes"))) }
    if let node = values["max_file_size"] { options.maxFileBytes = try byteSize(node, path: path) }
    if let node = values["zip_max_entries"] { options.zip.maxEntries = try count(node, key: "zip_max_entries", minimum: 1, path: path) }
    if let node = values["zip_max_total_bytes"] { options.zip.maxTotalBytes = try byteSize(node, path: path, key: "zip_max_total_bytes") }
    if let node = values["zip_max_ratio"] { options.zip.maxRatio = Int64(try count(node, key: "zip_max_ratio", minimum: 2, path: path)) }
    return options
  }

  /// `redaction: {allow: [...], rules: {id: regex}}`, each pattern checked now so a bad one is
  /// an error with its line rather than a failed crawl.
  private static func redaction(_ node: Node, path: String) throws(CtxError) -> RedactionSettings {
    guard let mapping = node.mapping else {
      throw CtxError(
        .invalidConfig, "`redaction` must be a mapping such as `redaction: {allow: [\"EXAMPLE.*\"], rules: {internal-token: \"itk_[A-Za-z0-9]{32}\"}}`",
        path: path, line: node.mark?.line)
    }
    var settings = RedactionSettings()
    for (keyNode, value) in mapping {
      switch keyNode.string {
      case "allow":
        settings.allow = try stringList(value, key: "redaction.allow", path: path, what: "patterns")
        for pattern in settings.allow {
          do { _ = try Redactor(allowPatterns: [pattern]) } catch {
            throw CtxError(.invalidConfig, "`redaction.allow`: \(error.message)", path: path, line: value.mark?.line)
          }
        }
      case "rules":
        guard let rules = value.mapping else {
          throw CtxError(.invalidConfig, "`redaction.rules` must map rule ids to patterns, e.g. `internal-token: \"itk_[A-Za-z0-9]{32}\"`", path: path, line: value.mark?.line)
        }
        for (idNode, patternNode) in rules {
          guard let id = idNode.string, let pattern = patternNode.string else {
            throw CtxError(.invalidConfig, "every `redaction.rules` entry is `rule-id: \"regex\"`", path: path, line: idNode.mark?.line)
          }
          do { _ = try RedactionRule.custom(id: id, pattern: pattern) } catch {
            throw CtxError(.invalidConfig, "`redaction.rules.\(id)`: \(error.message)", path: path, line: patternNode.mark?.line)
          }
          settings.rules[id] = pattern
        }
      default:
        throw CtxError(.invalidConfig, "unknown key `\(keyNode.string ?? "?")` under `redaction`; use `allow` and `rules`", path: path, line: keyNode.mark?.line)
      }
    }
    return settings
  }

  private static func count(_ node: Node, key: String, minimum: Int, path: String) throws(CtxError) -> Int {
    guard let value = node.int, value >= minimum else {
      throw CtxError(.invalidConfig, "`\(key)` must be a whole number of at least \(minimum)", path: path, line: node.mark?.line)
    }
    return value
  }

  private static func stringList(_ node: Node?, key: String, path: String, what: String = "glob patterns") throws(CtxError) -> [String] {
    guard let node else { return [] }
    // A single pattern may be written without brackets; numbers and booleans are mistakes.
    if let single = node.scalar?.string, node.int == nil, node.float == nil, node.bool == nil, node.null == nil {
      return [single]
    }
    guard let sequence = node.sequence else {
      throw CtxError(.invalidConfig, "`\(key)` must be a list of \(what), e.g. `\(key): [\"a\", \"b\"]`", path: path, line: node.mark?.line)
    }
    var result: [String] = []
    for item in sequence {
      guard let text = item.scalar?.string, !text.isEmpty else {
        throw CtxError(.invalidConfig, "every `\(key)` entry must be a non-empty string (\(what))", path: path, line: item.mark?.line)
      }
      result.append(text)
    }
    return result
  }

  /// A revision as written: a sha such as `1234567` or `12e4567` is a string here, not a number.
  private static func revision(_ node: Node, path: String) throws(CtxError) -> String {
    guard let text = node.scalar?.string.trimmingCharacters(in: .whitespaces), !text.isEmpty, node.null == nil else {
      throw CtxError(.invalidConfig, "`revision` must name one commit: a sha, branch or tag, e.g. `revision: 1a2b3c4` or `revision: v1.2`", path: path, line: node.mark?.line)
    }
    return text
  }

  /// `refs:` entries: branches, tags or commit ids (all-digit shas included).
  private static func revisionList(_ node: Node, path: String) throws(CtxError) -> [String] {
    if node.scalar != nil { return [try revision(node, path: path)] }
    guard let sequence = node.sequence else {
      throw CtxError(.invalidConfig, "`refs` must be a list of refs or commit ids, e.g. `refs: [main, 1a2b3c4]`", path: path, line: node.mark?.line)
    }
    var result: [String] = []
    for item in sequence { result.append(try revision(item, path: path)) }
    return result
  }

  private static func bool(_ node: Node, key: String, path: String) throws(CtxError) -> Bool {
    guard let value = node.bool else {
      throw CtxError(.invalidConfig, "`\(key)` must be true or false", path: path, line: node.mark?.line)
    }
    return value
  }

  /// `1048576`, `512KiB`, `1MiB`, `2MB`.
  private static func byteSize(_ node: Node, path: String, key: String = "max_file_size") throws(CtxError) -> Int64 {
    if let value = node.int, value > 0 { return Int64(value) }
    let text = (node.string ?? "").trimmingCharacters(in: .whitespaces)
    let units: [(String, Int64)] = [("KiB", 1024), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("K", 1024), ("M", 1 << 20)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
      let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
      guard let value = Double(number), value > 0, value.isFinite else { break }
      // Range-checked before converting: `infMiB` or `1e300KiB` must be an error, not a trap.
      let bytes = value * Double(factor)
      guard bytes < Double(maximumByteSize) else {
        throw CtxError(.invalidConfig, "`\(key): \(text)` is too large; the most is 1TiB", path: path, line: node.mark?.line)
      }
      return max(1, Int64(bytes))
    }
    if let value = Double(text), value.isFinite, value >= Double(maximumByteSize) {
      throw CtxError(.invalidConfig, "`\(key): \(text)` is too large; the most is 1TiB", path: path, line: node.mark?.line)
    }
    throw CtxError(.invalidConfig, "`\(key)` must be a size such as 1048576, 512KiB or 1MiB", path: path, line: node.mark?.line)
  }

  /// The largest size any `max_*` key accepts (1 TiB): far above any real file, far below overflow.
  static let maximumByteSize: Int64 = 1 << 40

  /// A duration such as `30s`, `500ms`, `2m` or a plain number of seconds (`DurationText`).
  private static func duration(_ node: Node, key: String, path: String) throws(CtxError) -> Duration {
    guard let seconds = DurationText.seconds(node.string ?? "", maximum: 86_400) else {
      throw CtxError(
        .invalidConfig, "`\(key)` must be a duration between 1ms and 24h, such as 30s, 500ms or 2m", path: path, line: node.mark?.line)
    }
    return .milliseconds(Int64(max(1, (seconds * 1000).rounded())))
  }

  private static func yamlError(_ error: YamlError, path: String) -> CtxError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
      return CtxError(.invalidConfig, "not valid YAML: \(problem)", path: path, line: mark.line, cause: error)
    case .duplicatedKeysInMapping(let duplicates, let context):
      return CtxError(.invalidConfig, "duplicate key \(duplicates.joined(separator: ", ")); keep one", path: path, line: context.mark.line, cause: error)
    default:
      return CtxError(.invalidConfig, "not valid YAML: \(error)", path: path, cause: error)
    }
  }

  private static func editDistance(_ a: String, _ b: String) -> Int {
    EditDistance.between(a, b)
  }
}

extension SourceConfig {
  /// Why the source cannot be crawled at all because its folder (or chat export) is gone, or
  /// nil when it is there.
  ///
  /// A missing folder fails the source, never the connector file: the folder may only be
  /// unmounted for the night, and its previous index must stay served, not be dropped or
  /// reported as an orphan.
  public var missingFolderError: CtxError? { missingFolderError(indexedBefore: true) }

  /// - Parameter indexedBefore: whether a run of this source ever succeeded (else there is no
  ///   previous index to keep, and the message says so).
  ///   Asked only when the folder is missing (the index run reads the source's runs for it).
  public func missingFolderError(indexedBefore: @autoclosure () -> Bool) -> CtxError? {
    guard !FileManager.default.fileExists(atPath: root) else { return nil }
    let what = kind == .chat ? "the chat export" : "the source folder"
    let written = pathWritten.map { "`path: \($0)`" } ?? "`path:`"
    let kept = indexedBefore() ? "Its previous index is kept and still served. " : "Nothing of it has been indexed yet. "
    return CtxError(
      .connectorFailed,
      "\(what) \(root) is missing (\(written)): an unmounted disk, or a moved or deleted checkout? "
        + kept + "Restore it, fix \(written), or delete "
        + "\((configFile as NSString).lastPathComponent) to drop the source",
      path: configFile, line: pathLine, source: name)
  }
}

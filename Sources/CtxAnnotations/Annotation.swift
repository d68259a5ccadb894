import CtxCore
import Foundation
import Yams

/// One annotation or correction: a Markdown file in `annotations/` with YAML front matter.
/// The files are the source of truth (docs/annotations.md); the index only mirrors them.
public struct Annotation: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
    case note, caveat, definition, decision, owner, deprecated, correction
  }

  public enum Status: String, Sendable, Hashable, CaseIterable, Codable {
    /// Written by an agent (or with `--proposed`): shown as unreviewed until a person accepts it.
    case proposed
    case accepted
    /// Kept for the record, shown nowhere.
    case rejected
  }

  /// Where the target resolved when the annotation was written, to detect drift later.
  public struct Anchor: Sendable, Hashable, Codable {
    /// `sha256:<hex>` of the target's content (see `TargetFingerprint`).
    public var fingerprint: String
    /// Where it was: `src/auth/session.ts:10-24`, a section, a thread.
    public var location: String?
    /// The git source's commit at the time, when there is one.
    public var commit: String?

    public init(fingerprint: String, location: String? = nil, commit: String? = nil) {
      self.fingerprint = fingerprint
      self.location = location
      self.commit = commit
    }
  }

  /// A person's decision on this annotation (`ctx review accept|reject|supersede`): who, when
  /// and, optionally, why. Recorded in the file so the decision is reviewed like the claim.
  public struct Review: Sendable, Hashable, Codable {
    public var by: String
    public var at: Date
    public var reason: String?

    public init(by: String, at: Date, reason: String? = nil) {
      self.by = by
      self.at = at
      self.reason = reason
    }
  }

  /// The file name without `.md`: stable, readable, unique in the folder.
  public var id: String
  public var target: AnnotationTarget
  public var kind: Kind
  public var author: String
  public var date: Date
  public var status: Status
  /// A fact this annotation states, `key = value`: two live annotations stating different
  /// values for one key are a disagreement.
  public var factKey: String?
  public var factValue: String?
  /// Ids of annotations this one replaces.
  public var supersedes: [String]
  public var anchor: Anchor?
  /// The last review decision; nil for files never reviewed (and every older file).
  public var review: Review?
  public var body: String
  /// False for a file written by hand without `date:`; a rewrite then invents none.
  public var dateGiven = true
  /// `# ...` lines a person wrote in the front matter, kept when ctx rewrites the file.
  public var frontMatterComments: [String] = []

  public init(
    id: String, target: AnnotationTarget, kind: Kind, author: String, date: Date, status: Status = .accepted, factKey: String? = nil,
    factValue: String? = nil, supersedes: [String] = [], anchor: Anchor? = nil, review: Review? = nil, body: String
  ) {
    self.id = id
    self.target = target
    self.kind = kind
    self.author = author
    self.date = date
    self.status = status
    self.factKey = factKey
    self.factValue = factValue
    self.supersedes = supersedes
    self.anchor = anchor
    self.review = review
    self.body = body
  }

  static let keys = ["target", "kind", "author", "date", "status", "reviewed_by", "reviewed_at", "review_reason", "fact", "supersedes", "anchor"]

  // MARK: Reading

  /// Parses one annotation file.
  ///
  /// - Throws: `.invalidConfig` naming the file and line: no front matter, malformed YAML,
  ///   an unknown key, a missing or unparsable target, an unknown kind or status.
  public static func parse(_ text: String, id: String, path: String) throws(CtxError) -> Annotation {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    // Two machines wrote one name and git merged them into one file: say so, not "bad YAML".
    if let marker = lines.firstIndex(where: { $0.hasPrefix("<<<<<<< ") || $0 == "<<<<<<<" }) {
      throw CtxError(
        .invalidConfig,
        "git merge conflict markers: two annotations were written under this name on different machines; both are in this file: "
          + "move one side into a new file (e.g. the same name with -2) and remove the markers",
        path: path, line: marker + 1)
    }
    guard lines.first?.trimmedSpaces == "---" else {
      throw CtxError(.invalidConfig, "an annotation starts with YAML front matter between `---` lines (see docs/annotations.md)", path: path, line: 1)
    }
    guard let close = lines.indices.dropFirst().first(where: { lines[$0].trimmedSpaces == "---" }) else {
      throw CtxError(.invalidConfig, "the front matter is not closed: add a `---` line after it", path: path, line: 1)
    }
    let body = lines[(close + 1)...].joined(separator: "\n").trimmedWhitespace
    let values = try FrontMatterReader.read(lines[1..<close], firstLine: 2, path: path)
    for (key, entry) in values where !keys.contains(key) {
      throw CtxError(.invalidConfig, "unknown key `\(key)`; the keys are \(keys.joined(separator: ", "))", path: path, line: entry.line)
    }
    guard let targetEntry = values["target"], let targetText = targetEntry.string else {
      throw CtxError(.invalidConfig, "missing `target:` (e.g. `target: symbol:validateSession`)", path: path, line: 2)
    }
    let target: AnnotationTarget
    do { target = try AnnotationTarget(parsing: targetText) } catch {
      throw CtxError(.invalidConfig, error.message, path: path, line: targetEntry.line)
    }
    guard let kindEntry = values["kind"], let kindText = kindEntry.string else {
      throw CtxError(.invalidConfig, "missing `kind:`; one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))", path: path, line: 2)
    }
    guard let kind = Kind(rawValue: kindText.lowercased()) else {
      throw CtxError(
        .invalidConfig, "`kind: \(kindText)` is not an annotation kind; use one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))",
        path: path, line: kindEntry.line)
    }
    var status = Status.accepted
    if let entry = values["status"] {
      guard let text = entry.string, let parsed = Status(rawValue: text.lowercased()) else {
        throw CtxError(.invalidConfig, "`status` is proposed, accepted or rejected", path: path, line: entry.line)
      }
      status = parsed
    }
    var date = Date(timeIntervalSince1970: 0)
    if let entry = values["date"] {
      guard let text = entry.string, let parsed = Annotation.parseDate(text) else {
        throw CtxError(.invalidConfig, "`date` must be ISO 8601, e.g. 2026-11-23T20:00:00Z or 2026-11-23", path: path, line: entry.line)
      }
      date = parsed
    }
    var factKey: String? = nil
    var factValue: String? = nil
    if let entry = values["fact"] {
      guard case .mapping(let fact) = entry.value, let key = fact["key"], let value = fact["value"], !key.isEmpty else {
        throw CtxError(.invalidConfig, "`fact` is a mapping with `key` and `value`, e.g. `fact: {key: session.ttl, value: 3600}`", path: path, line: entry.line)
      }
      factKey = key
      factValue = value
    }
    var supersedes: [String] = []
    if let entry = values["supersedes"] {
      switch entry.value {
      case .scalar(let single): supersedes = [single]
      case .list(let list): supersedes = list
      case .mapping: throw CtxError(.invalidConfig, "`supersedes` is an annotation id or a list of them", path: path, line: entry.line)
      }
    }
    var anchor: Anchor? = nil
    if let entry = values["anchor"] {
      guard case .mapping(let fields) = entry.value, let fingerprint = fields["fingerprint"] else {
        throw CtxError(.invalidConfig, "`anchor` is a mapping with `fingerprint` (and `at`, `commit`)", path: path, line: entry.line)
      }
      anchor = Anchor(fingerprint: fingerprint, location: fields["at"], commit: fields["commit"])
    }
    var review: Review? = nil
    if let entry = values["reviewed_by"] {
      guard let by = entry.string, !by.isEmpty else {
        throw CtxError(.invalidConfig, "`reviewed_by` is the name of the person who decided", path: path, line: entry.line)
      }
      var at = date
      if let atEntry = values["reviewed_at"] {
        guard let text = atEntry.string, let parsed = Annotation.parseDate(text) else {
          throw CtxError(.invalidConfig, "`reviewed_at` must be ISO 8601, e.g. 2026-11-23T20:00:00Z", path: path, line: atEntry.line)
        }
        at = parsed
      }
      review = Review(by: by, at: at, reason: values["review_reason"]?.string)
    } else if let entry = values["reviewed_at"] ?? values["review_reason"] {
      throw CtxError(.invalidConfig, "`reviewed_at` and `review_reason` need `reviewed_by` (who decided)", path: path, line: entry.line)
    }
    var annotation = Annotation(
      id: id, target: target, kind: kind, author: values["author"]?.string ?? "", date: date, status: status, factKey: factKey,
      factValue: factValue, supersedes: supersedes, anchor: anchor, review: review, body: body)
    annotation.dateGiven = values["date"] != nil
    annotation.frontMatterComments = lines[1..<close].filter { $0.trimmedSpaces.hasPrefix("#") }.map { String($0.trimmedSpaces) }
    return annotation
  }

  static func parseDate(_ text: String) -> Date? {
    Timestamps.parse(text)
  }

  // MARK: Writing

  /// The file's text: front matter in a fixed key order, then the body.
  public func rendered() -> String {
    var lines = ["---"]
    lines.append("target: \(Annotation.scalar(target.description))")
    lines.append("kind: \(kind.rawValue)")
    lines.append("author: \(Annotation.scalar(author))")
    if dateGiven { lines.append("date: \(Timestamps.string(date))") }
    lines.append("status: \(status.rawValue)")
    if let review {
      lines.append("reviewed_by: \(Annotation.scalar(review.by))")
      lines.append("reviewed_at: \(Timestamps.string(review.at))")
      if let reason = review.reason, !reason.isEmpty { lines.append("review_reason: \(Annotation.scalar(reason))") }
    }
    if let factKey, let factValue {
      lines.append("fact:")
      lines.append("  key: \(Annotation.scalar(factKey))")
      lines.append("  value: \(Annotation.scalar(factValue))")
    }
    if !supersedes.isEmpty { lines.append("supersedes: [" + supersedes.map(Annotation.scalar).joined(separator: ", ") + "]") }
    if let anchor {
      lines.append("anchor:")
      lines.append("  fingerprint: \(anchor.fingerprint)")
      if let location = anchor.location { lines.append("  at: \(Annotation.scalar(location))") }
      if let commit = anchor.commit { lines.append("  commit: \(Annotation.scalar(commit))") }
    }
    lines += frontMatterComments
    lines.append("---")
    lines.append(body)
    return lines.joined(separator: "\n") + "\n"
  }

  /// A YAML scalar, double-quoted (with escapes) unless it is plainly safe.
  static func scalar(_ text: String) -> String {
    let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./@ ".contains($0) }
      && !text.hasPrefix(" ") && !text.hasSuffix(" ") && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
      && Double(text) == nil
    if plain { return text }
    var escaped = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      case "\t": escaped += "\\t"
      default:
        if scalar.value < 0x20 { escaped += String(format: "\\x%02X", scalar.value) } else { escaped.unicodeScalars.append(scalar) }
      }
    }
    return escaped + "\""
  }

  /// Live: not rejected (a superseded one is judged against the whole set, see `Conflicts`).
  public var isLive: Bool { status != .rejected }
}

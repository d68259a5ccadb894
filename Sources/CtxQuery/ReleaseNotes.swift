import Foundation

/// Release notes (a changelog) answer "when did this change" and "which version added it".
/// For other questions they crowd the guides out: each version's section is a long list of
/// one-line entries that match many words ("add", "option", "version") without explaining
/// any (docs/ranking.md, "Release notes").
enum ReleaseNotes {
  /// A changelog by its file name (`CHANGES.rst`, `CHANGELOG.md`, `HISTORY.rst`, `NEWS`,
  /// `docs/changes.rst`, `RELEASE_NOTES.md`) or its folder (`changelog/`, `release-notes/`,
  /// `whatsnew/`).
  static func holds(_ path: String) -> Bool {
    let parts = path.lowercased().split(separator: "/")
    guard let file = parts.last else { return false }
    let name = file.split(separator: ".").first.map(String.init) ?? String(file)
    if fileNames.contains(name) { return true }
    return parts.dropLast().contains { folderNames.contains(String($0)) }
  }

  static let fileNames: Set<String> = ["changes", "changelog", "history", "news", "releases", "release-notes", "release_notes", "releasenotes"]
  static let folderNames: Set<String> = ["changelog", "changelogs", "changes", "release-notes", "releasenotes", "whatsnew"]

  /// Whether a question asks when something changed or in which version: "when was X
  /// added", "which release removed Y", "since 3.0", "deprecated".
  static func asked(in text: String) -> Bool {
    let lowered = text.lowercased()
    let range = NSRange(lowered.startIndex..., in: lowered)
    return intent.firstMatch(in: lowered, range: range) != nil
  }

  private static let intent: NSRegularExpression = {
    let phrases = [
      #"when (was|were|did|is|are|does|do)\b"#, #"(which|what) (version|release)s?\b"#, #"since (which|what|version|release)\b"#,
      #"\b(changelog|release notes?|released|deprecated|deprecation|introduced|removed|breaking change|regression|upgrad(e|ed|ing)|migrat(e|ed|ing|ion))\b"#,
      #"\bwhat('s| is| has)? (changed|new)\b"#, #"\bchanged (in|since)\b"#, #"\bnew in\b"#,
      #"\bv?\d+\.\d+(\.\d+)?\b"#,
    ]
    // Built from constants above: a failure is a programming error caught by the tests.
    return try! NSRegularExpression(pattern: phrases.joined(separator: "|"))
  }()
}

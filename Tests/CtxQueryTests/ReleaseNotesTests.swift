@testable import CtxQuery
import Testing

/// Which documents are release notes, and which questions ask about versions (docs ranking).
@Suite struct ReleaseNotesTests {
  @Test(arguments: [
    ("CHANGES.rst", true), ("CHANGELOG.md", true), ("docs/changes.rst", true), ("HISTORY.rst", true), ("NEWS", true),
    ("RELEASE_NOTES.md", true), ("release-notes/1.2.md", true), ("docs/whatsnew/3.0.rst", true), ("changelog/4921.bugfix.rst", true),
    ("docs/guide.md", false), ("docs/history-of-the-project.md", false), ("docs/options.md", false), ("README.md", false),
    ("docs/upgrading.rst", false),
  ])
  func releaseNotesByPath(path: String, expected: Bool) {
    #expect(ReleaseNotes.holds(path) == expected, "\(path)")
  }

  @Test(arguments: [
    ("when was SECRET_KEY_FALLBACKS added", true), ("which release added PowerShell shell completion", true),
    ("in which version does show_envvar show in errors", true), ("since which release are async views supported", true),
    ("is BaseCommand deprecated", true), ("what changed in the json provider", true), ("breaking change to Nested", true),
    ("behaviour since 3.0", true), ("upgrading to 9", true),
    ("hide the password while the user types it", false), ("add a --version option to my tool", false),
    ("run code when the app starts", false), ("change the default port", false), ("make a field required", false),
  ])
  func questionsAboutVersions(text: String, expected: Bool) {
    #expect(ReleaseNotes.asked(in: text) == expected, "\(text)")
  }
}

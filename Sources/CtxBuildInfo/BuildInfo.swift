/// What the running binary was built from, stamped at build time by the `BuildCommit` plugin
/// (scripts/build-commit.sh): the git commit, `-dirty` when the tree had uncommitted changes,
/// `unknown` when built outside a git checkout.
public enum BuildInfo {
  /// The short commit id (`3788b91c2f0a`, `3788b91c2f0a-dirty`, or `unknown`).
  public static let commit: String = generatedBuildCommit
  /// The commit's date (`2026-12-06`), empty when unknown.
  public static let commitDate: String = generatedBuildCommitDate
}

import Foundation
import PackagePlugin

/// Stamps the git commit the binaries are built from into `CtxBuildInfo`, so that
/// `ctx --version` names it. A prebuild command runs before every build (a commit changes no
/// input SwiftPM could watch); the script rewrites its file only when the stamp changes, so an
/// unchanged commit recompiles nothing.
@main
struct BuildCommit: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appending(path: "generated")
    let script = context.package.directoryURL.appending(path: "scripts/build-commit.sh")
    return [
      .prebuildCommand(
        displayName: "Stamping the git commit for ctx --version",
        executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: [script.path, context.package.directoryURL.path, output.path],
        outputFilesDirectory: output)
    ]
  }
}

import CtxTestSupport
import Foundation
import Testing

/// `ctx search -zebra` (the reliability issue): free text starting with `-` is usable. A word
/// with one `-` that is not an option of search is text; `--` ends the options; an unknown
/// `--word` before `--` is a usage error that says how to search for it.
@Suite struct SearchDashTextTests {
  @Test(.timeLimit(.minutes(1))) func dashTextIsSearchedAndMistypedOptionsAreErrors() throws {
    let fixture = try IndexedWorkspace(files: ["src/flags.py": "ZEBRA_FLAG = '-zebra'  # passed as -zebra\n"])
    for (arguments, query) in [(["-zebra"], "-zebra"), (["--", "-zebra"], "-zebra"), (["--json", "--", "--json"], "--json"), (["-zebra", "--limit", "3"], "-zebra")] {
      let run = try CtxBinary.run(["search", "--json"] + arguments, in: fixture.workspace)
      #expect(run.status == 0 || run.status == 1, "\(arguments): \(run.stderr)")
      #expect(try fixture.json(run.stdout)["query"] as? String == query, "\(arguments): \(run.stdout)")
    }
    let zebra = try CtxBinary.run(["search", "--json", "-zebra"], in: fixture.workspace)
    #expect(zebra.status == 0 && zebra.stdout.contains("src/flags.py"), "\(zebra.stdout)")

    let typo = try CtxBinary.run(["search", "--jsno", "zebra"], in: fixture.workspace)
    #expect(typo.status == 2 && typo.stderr.contains("Unknown option '--jsno'") && typo.stderr.contains("ctx search --"), "\(typo.stderr)")
    let alone = try CtxBinary.run(["search", "--jsno"], in: fixture.workspace)
    #expect(alone.status == 2 && alone.stderr.contains("Unknown option '--jsno'"), "\(alone.stderr)")
    let two = try CtxBinary.run(["search", "a", "b"], in: fixture.workspace)
    #expect(two.status == 2 && two.stderr.contains("one TEXT argument"), "\(two.stderr)")
    let help = try CtxBinary.run(["search", "--help"], in: fixture.workspace)
    #expect(help.stdout.contains("ctx search -- --json"), "\(help.stdout)")
  }
}

import ArgumentParser
import CtxConnectors
import CtxCore
import CtxRedaction
import Foundation

/// `ctx redact --check --json`: findings per file (never the values) and counts per rule.
struct RedactCheckJSON: Encodable {
  struct File: Encodable {
    var path: String
    var findings: [FindingJSON]
  }

  struct FindingJSON: Encodable {
    var line: Int
    var column: Int
    var rule: String
  }

  /// Files with at least one finding, in the order checked.
  var files: [File]
  var counts: [String: Int]
  var filesChecked: Int
}

extension Ctx {
  struct Redact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "redact",
      abstract: "Show what redaction would remove from files (--check), or print them redacted.",
      discussion: """
        Folders are read recursively, without .git and binary files. `-` reads stdin. \
        Exit codes with --check: 0 nothing would be redacted; 1 something would; 2 an error \
        (an unreadable file is named). Without --check: 0, or 2 on an error.
        """)

    @Argument(help: ArgumentHelp("Files or folders to read; `-` for stdin.", valueName: "path"))
    var paths: [String]

    @Flag(name: .long, help: "List findings as path:line:col  rule (never the values) and count them per rule.")
    var check = false

    @Flag(name: .long, help: "With --check: print {\"files\": [...], \"counts\": {...}} as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Keep values matching this regular expression (or equal to it). Repeatable.", valueName: "pattern"))
    var allow: [String] = []

    @Option(name: .long, help: ArgumentHelp("An extra rule as id=regex (group 1, if any, is what gets redacted). Repeatable.", valueName: "id=regex"))
    var rule: [String] = []

    func validate() throws {
      if paths.isEmpty { throw ValidationError("name at least one file or folder, or `-` for stdin") }
      if json && !check { throw ValidationError("--json goes with --check") }
      for spec in rule where !spec.contains("=") {
        throw ValidationError("--rule takes id=regex, got `\(spec)`")
      }
    }

    func run() async throws {
      var extraRules: [RedactionRule] = []
      for spec in rule {
        let separator = spec.firstIndex(of: "=")!
        do {
          extraRules.append(try RedactionRule.custom(id: String(spec[..<separator]), pattern: String(spec[spec.index(after: separator)...])))
        } catch { throw ValidationError(error.message) }
      }
      // A bad pattern here is a bad flag (exit 2), not a bad connector file (78).
      let redactor: Redactor
      do { redactor = try Redactor(extraRules: extraRules, allowPatterns: allow) } catch { throw ValidationError(error.message) }
      var failed = false
      var report = RedactCheckJSON(files: [], counts: [:], filesChecked: 0)
      var listing = ""
      for input in inputs(&failed) {
        guard let bytes = read(input, &failed) else { continue }
        let result = redactor.redact(String(decoding: bytes, as: UTF8.self))
        report.filesChecked += 1
        if !check {
          Output.write(result.text)
          continue
        }
        guard result.didRedact else { continue }
        for (rule, count) in result.counts { report.counts[rule, default: 0] += count }
        report.files.append(.init(path: input.display, findings: result.findings.map { .init(line: $0.line, column: $0.column, rule: $0.rule) }))
        for finding in result.findings { listing += "\(input.display):\(finding.line):\(finding.column)  \(finding.rule)\n" }
      }
      if check {
        if json {
          try Output.json(report)
        } else {
          Output.write(listing + summary(report))
        }
      }
      if failed { throw ExitCode(2) }
      if check && !report.files.isEmpty { throw ExitCode(1) }
    }

    func summary(_ report: RedactCheckJSON) -> String {
      let files = report.filesChecked == 1 ? "1 file" : "\(report.filesChecked) files"
      guard !report.files.isEmpty else { return "nothing to redact in \(files)\n" }
      let total = report.counts.values.reduce(0, +)
      var text = "\n\(total) \(total == 1 ? "value" : "values") would be redacted in \(report.files.count) of \(files):\n"
      let width = report.counts.keys.map(\.count).max() ?? 0
      for (rule, count) in report.counts.sorted(by: { $0.key < $1.key }) {
        text += "  \(rule.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)\n"
      }
      return text
    }

    struct Input {
      var path: String
      var display: String
      /// Found by walking a folder: binary files are skipped quietly.
      var walked: Bool
    }

    /// The files named, and the text files inside the folders named, in order.
    func inputs(_ failed: inout Bool) -> [Input] {
      var inputs: [Input] = []
      for path in paths {
        if path == "-" {
          inputs.append(Input(path: "-", display: "<stdin>", walked: false))
          continue
        }
        guard case .directory = FileSystem.statKind(path) else {
          inputs.append(Input(path: path, display: path, walked: false))
          continue
        }
        let (entries, issues) = DirectoryWalker().walk(root: path, prune: { _ in false })
        for issue in issues {
          Output.error(CtxError(.io, issue.message, path: path + "/" + (issue.path ?? "")))
          failed = true
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        for entry in entries where !entry.isSymlink {
          inputs.append(Input(path: prefix + entry.path, display: prefix + entry.path, walked: true))
        }
      }
      return inputs
    }

    func read(_ input: Input, _ failed: inout Bool) -> [UInt8]? {
      if input.path == "-" { return DescriptorReading.readAll(0) }
      switch FileSystem.read(input.path) {
      case .bytes(let bytes, _):
        if input.walked && bytes.prefix(8192).contains(0) { return nil }
        return bytes
      case .missing:
        Output.error(CtxError(.notFound, "no such file or folder", path: input.display))
      case .failed(let code):
        Output.error(CtxError(.io, "cannot read this file: \(FileSystem.describe(errno: code))", path: input.display))
      }
      failed = true
      return nil
    }
  }
}

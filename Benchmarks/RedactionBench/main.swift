// ctx-bench-redaction: throughput of Redactor.redact against a plain decode-and-count-lines
// pass over the same bytes, and the labeled-set report.
//
//   ctx-bench-redaction DIR [--runs N] [--findings]   time every text file under DIR
//   ctx-bench-redaction --report FILE                per-category recall and precision
//
// Build with `swift build -c release --product ctx-bench-redaction` for meaningful figures
// (scripts/bench_redaction.sh does).

import CtxRedaction
import Foundation

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("ctx-bench-redaction: \(message)\n".utf8))
  exit(2)
}

let usage = "usage: ctx-bench-redaction DIR [--runs N] [--findings] | --report FILE"
var arguments = Array(CommandLine.arguments.dropFirst())
guard !arguments.isEmpty else { fail(usage) }

// MARK: Labeled-set report

if arguments[0] == "--report" {
  guard arguments.count == 2 else { fail(usage) }
  let examples: [LabeledExample]
  do { examples = try LabeledSet.load(arguments[1]) } catch { fail("cannot read \(arguments[1]): \(error)") }
  let report = LabeledSet.evaluate(examples, with: Redactor())
  print(report.table())
  if !report.mistakes.isEmpty {
    print("\nmistakes:")
    for mistake in report.mistakes { print("  \(mistake)") }
  }
  exit(report.mistakes.isEmpty ? 0 : 1)
}

// MARK: Throughput

var runs = 3
var listFindings = false
var root: String?
while !arguments.isEmpty {
  let argument = arguments.removeFirst()
  switch argument {
  case "--runs":
    guard let value = arguments.first.flatMap(Int.init), value > 0 else { fail(usage) }
    runs = value
    arguments.removeFirst()
  case "--findings": listFindings = true
  default:
    guard root == nil else { fail(usage) }
    root = argument
  }
}
guard let root else { fail(usage) }

/// Every regular file under `root` except inside `.git`, and except binary files (a NUL in the
/// first 8 KiB), which connectors do not index as text either.
func loadFiles(under root: String) -> (files: [(path: String, bytes: [UInt8])], skipped: Int) {
  guard let walker = FileManager.default.enumerator(atPath: root) else { fail("cannot list \(root)") }
  var files: [(String, [UInt8])] = []
  var skipped = 0
  while let relative = walker.nextObject() as? String {
    if relative == ".git" || relative.hasSuffix("/.git") {
      walker.skipDescendants()
      continue
    }
    let path = root + "/" + relative
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular,
      let data = FileManager.default.contents(atPath: path)
    else {
      skipped += 1
      continue
    }
    let bytes = [UInt8](data)
    if bytes.prefix(8192).contains(0) {
      skipped += 1
      continue
    }
    files.append((relative, bytes))
  }
  return (files.sorted { $0.0 < $1.0 }, skipped)
}

let (files, skipped) = loadFiles(under: root)
let totalBytes = files.reduce(0) { $0 + $1.bytes.count }
let megabytes = Double(totalBytes) / 1_000_000
print("\(files.count) text files, \(String(format: "%.1f", megabytes)) MB (\(skipped) binary or unreadable files skipped)")

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The best of `runs` timings of `body` over all files.
func best(runs: Int, _ body: () -> Int) -> (seconds: Double, checksum: Int) {
  var fastest = Double.infinity
  var checksum = 0
  for _ in 0..<runs {
    let clock = ContinuousClock()
    var result = 0
    let elapsed = clock.measure { result = body() }
    fastest = min(fastest, seconds(elapsed))
    checksum = result
  }
  return (fastest, checksum)
}

let baseline = best(runs: runs) {
  var lines = 0
  for file in files {
    let text = String(decoding: file.bytes, as: UTF8.self)
    lines += text.utf8.withContiguousStorageIfAvailable { buffer in
      var count = 0
      for byte in buffer where byte == 0x0A { count += 1 }
      return count
    } ?? 0
  }
  return lines
}

let redactor = Redactor()
var counts: [String: Int] = [:]
let redaction = best(runs: runs) {
  var found = 0
  for file in files {
    let text = String(decoding: file.bytes, as: UTF8.self)
    found += redactor.redact(text).findings.count
  }
  return found
}

// Untimed pass for the per-rule summary (and the listing with --findings).
for file in files {
  let result = redactor.redact(String(decoding: file.bytes, as: UTF8.self))
  for finding in result.findings {
    counts[finding.rule, default: 0] += 1
    if listFindings { print("\(file.path):\(finding.line):\(finding.column)  \(finding.rule)") }
  }
}

let baselineRate = megabytes / baseline.seconds
let redactionRate = megabytes / redaction.seconds
print(String(format: "baseline (decode + count newlines): %8.1f MB/s  %.3f s  (%d lines)", baselineRate, baseline.seconds, baseline.checksum))
print(String(format: "redact  (decode + Redactor.redact):  %8.1f MB/s  %.3f s  (%d values)", redactionRate, redaction.seconds, redaction.checksum))
print(String(format: "redact time / baseline time: %.2fx", redaction.seconds / baseline.seconds))
for (rule, count) in counts.sorted(by: { $0.key < $1.key }) {
  print("  \(rule.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count)")
}

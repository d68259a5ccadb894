import CtxCore
import Foundation

/// Writes to stdout and stderr. A closed pipe (`ctx search x | head -1`) ends the process
/// quietly with status 0, as ripgrep does.
enum Output {
  static func write(_ text: String) {
    if !writeAll(text, to: 1) && errno == EPIPE { exit(0) }
  }

  static func errorLine(_ text: String) {
    _ = writeAll(text + "\n", to: 2)
  }

  /// Raw text to stderr (progress lines).
  static func errorRaw(_ text: String) {
    _ = writeAll(text, to: 2)
  }

  private static func writeAll(_ text: String, to descriptor: Int32) -> Bool {
    var text = text
    return text.withUTF8 { buffer in
      var offset = 0
      while offset < buffer.count {
        let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if count < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += count
      }
      return true
    }
  }

  static func error(_ error: CtxError, verbose: Bool = false) {
    errorLine("ctx: error: " + (verbose ? error.detailedDescription() : error.description))
  }

  static func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    write(String(decoding: data, as: UTF8.self) + "\n")
  }

  static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Reads a query argument, or stdin when it is `-`.
enum QueryText {
  static func resolve(_ argument: String) throws -> String {
    guard argument == "-" else { return argument }
    let data = DescriptorReading.readAll(0)
    let text = String(decoding: data, as: UTF8.self)
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw CtxError(.invalidQuery, "the query read from stdin is empty")
    }
    return text
  }
}

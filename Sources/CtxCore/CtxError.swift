/// The one error type ctx shows to people and programs.
///
/// Modelled on NIO's `FileSystemError`: a machine-readable `code` to match on, a `message`
/// worded for the user (what happened and what to do next), an optional underlying `cause`,
/// and optional location context. Match on `code`, never on `message`.
public struct CtxError: Error, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable, Codable {
    case invalidWorkspace
    case invalidConfig
    case storeBusy
    case schemaTooNew
    case storeFailed
    case invalidQuery
    case connectorFailed
    case gitFailed
    case notFound
    case io
    case toolMissing
    case conflict
    /// Another process holds the workspace's index lock.
    case locked
    /// An external process, read or request did not finish within its deadline.
    case timedOut
  }

  public var code: Code
  public var message: String
  public var path: String?
  public var line: Int?
  public var source: String?
  public var cause: (any Error)?

  public init(
    _ code: Code, _ message: String, path: String? = nil, line: Int? = nil, source: String? = nil,
    cause: (any Error)? = nil
  ) {
    self.code = code
    self.message = message
    self.path = path
    self.line = line
    self.source = source
    self.cause = cause
  }

  /// `file:line: message`, the form editors and people both recognise.
  public var description: String {
    var location = ""
    if let path {
      location = path
      if let line { location += ":\(line)" }
      location += ": "
    }
    var prefix = ""
    if let source { prefix = "[\(source)] " }
    return prefix + location + message
  }

  /// The message followed by the chain of causes, for `--verbose`.
  public func detailedDescription() -> String {
    var lines = ["\(description) (\(code.rawValue))"]
    var next = cause
    var depth = 1
    while let error = next {
      let indent = String(repeating: "  ", count: depth)
      if let nested = error as? CtxError {
        lines.append("\(indent)caused by: \(nested.description) (\(nested.code.rawValue))")
        next = nested.cause
      } else {
        lines.append("\(indent)caused by: \(String(describing: error))")
        next = nil
      }
      depth += 1
    }
    return lines.joined(separator: "\n")
  }
}

import CtxAccess
import CtxCore
import CtxQuery
import CtxStore
import CtxWorkspace
import Foundation
import MCP

/// One tool of `ctx serve`. MCP (`tools/call`) and `--jsonl` both call it, so the two
/// protocols cannot drift apart.
///
/// Adding a tool is one conforming type and one entry in `ToolRegistry.standard`.
public protocol CtxTool: Sendable {
  /// The name agents call it by.
  var name: String { get }
  /// What it is for, written for an agent choosing between tools.
  var description: String { get }
  /// A JSON Schema object for its arguments.
  var inputSchema: Value { get }
  /// False for the tools that write (proposed annotations): MCP `readOnlyHint`.
  var isReadOnly: Bool { get }
  /// Runs the tool. Blocking (it reads the index); callers keep it off the cooperative pool.
  ///
  /// - Throws: `ToolError` (or any error, which `ToolError.from` words for the agent).
  func call(_ arguments: ToolArguments, context: ToolContext) throws -> ToolOutput
}

extension CtxTool {
  public var isReadOnly: Bool { true }
}

/// What a tool returns.
public struct ToolOutput: Sendable {
  /// What an agent reads: MCP text content.
  public var text: String
  /// The JSON result: `result` in a `--jsonl` reply.
  public var result: Data
  /// MCP `structuredContent` (JSON): the result, or, when the text already carries part of it,
  /// the rest (`context` puts the Markdown in the text and the bundle JSON here).
  public var structured: Data

  public init(text: String, result: Data, structured: Data? = nil) {
    self.text = text
    self.result = result
    self.structured = structured ?? result
  }

  /// A JSON result whose text is the same JSON.
  public static func json(_ value: some Encodable) throws -> ToolOutput {
    let data = try CtxJSON.data(value)
    return ToolOutput(text: String(decoding: data, as: UTF8.self), result: data)
  }
}

/// A failure worded for the agent, with a stable code scripts can match on (docs/mcp.md,
/// "Errors").
public struct ToolError: Error, Sendable, CustomStringConvertible {
  /// `parse_error`, `invalid_request`, `unknown_tool`, `invalid_arguments`, `no_index`,
  /// `not_found`, `store_busy`, `invalid_workspace`, `schema_too_new`, `internal`, ...
  public var code: String
  public var message: String
  /// For `not_found`: what the ref could have meant.
  public var candidates: [String]

  public init(_ code: String, _ message: String, candidates: [String] = []) {
    self.code = code
    self.message = message
    self.candidates = candidates
  }

  public var description: String { message }

  public static func invalidArguments(_ message: String) -> ToolError { ToolError("invalid_arguments", message) }

  /// Words any error for the agent: a `CtxError` keeps its message and gets its code in
  /// snake_case; anything else is `internal`.
  public static func from(_ error: any Error) -> ToolError {
    if let error = error as? ToolError { return error }
    if let error = error as? CtxError {
      switch error.code {
      case .invalidQuery: return ToolError("invalid_arguments", error.description)
      case .invalidConfig: return ToolError("invalid_workspace", error.description)
      default: return ToolError(snakeCase(error.code.rawValue), error.description)
      }
    }
    return ToolError("internal", "\(error)")
  }

  static func snakeCase(_ name: String) -> String {
    var result = ""
    for character in name {
      if character.isUppercase {
        result += "_" + character.lowercased()
      } else {
        result.append(character)
      }
    }
    return result
  }
}

/// A tool call's arguments, with typed accessors that fail as `invalid_arguments`.
public struct ToolArguments: Sendable {
  public let values: [String: Value]
  /// Who is calling and what they may see (`AccessPolicy`): `.local` over stdio.
  public let access: AccessGrant

  public init(_ values: [String: Value], access: AccessGrant = .local) {
    self.values = values
    self.access = access
  }

  /// Rejects names the tool does not take, so a typo (`querry`) is an error, not a default.
  public func only(_ names: Set<String>) throws(ToolError) {
    let unknown = values.keys.filter { !names.contains($0) }.sorted()
    guard unknown.isEmpty else {
      let takes = names.isEmpty ? "no arguments" : names.sorted().map { "`\($0)`" }.joined(separator: ", ")
      throw .invalidArguments("unknown argument(s) \(unknown.map { "`\($0)`" }.joined(separator: ", ")); this tool takes \(takes)")
    }
  }

  public func string(_ name: String) throws(ToolError) -> String? {
    switch values[name] {
    case nil, .null?: return nil
    case .string(let text)?: return text
    default: throw .invalidArguments("`\(name)` must be a string")
    }
  }

  public func bool(_ name: String) throws(ToolError) -> Bool? {
    switch values[name] {
    case nil, .null?: return nil
    case .bool(let value)?: return value
    case .string("true")?: return true
    case .string("false")?: return false
    default: throw .invalidArguments("`\(name)` must be true or false")
    }
  }

  public func requiredString(_ name: String) throws(ToolError) -> String {
    guard let text = try string(name), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw .invalidArguments("`\(name)` is required (a non-empty string)")
    }
    return text
  }

  public func int(_ name: String, in range: ClosedRange<Int>) throws(ToolError) -> Int? {
    let number: Int
    switch values[name] {
    case nil, .null?: return nil
    case .int(let value)?: number = value
    case .double(let value)? where value.rounded() == value && abs(value) < 1e15: number = Int(value)
    case .string(let text)? where Int(text) != nil: number = Int(text) ?? 0
    default: throw .invalidArguments("`\(name)` must be an integer")
    }
    guard range.contains(number) else {
      throw .invalidArguments("`\(name)` must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
    }
    return number
  }

  /// An array of strings; a comma-separated string is taken too (`"code,history"`).
  public func strings(_ name: String) throws(ToolError) -> [String]? {
    switch values[name] {
    case nil, .null?: return nil
    case .string(let text)?: return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    case .array(let items)?:
      var result: [String] = []
      for item in items {
        guard case .string(let text) = item else { throw .invalidArguments("`\(name)` must be an array of strings") }
        result.append(text)
      }
      return result
    default: throw .invalidArguments("`\(name)` must be an array of strings")
    }
  }

  public func layer(_ name: String) throws(ToolError) -> Layer? {
    guard let text = try string(name) else { return nil }
    guard let layer = Layer(rawValue: text) else {
      throw .invalidArguments("unknown layer `\(text)` in `\(name)`; use one of \(Layer.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return layer
  }
}

/// What tools share for the life of a server: the workspace and its index, opened once and
/// reopened when the file is replaced (`rm -r index && ctx index`).
///
/// The store is a WAL `DatabasePool`: every request runs its reads in transactions of their
/// own, none held between requests, so a long-lived server sees what `ctx index` commits in
/// another process as soon as it is committed.
public final class ToolContext: @unchecked Sendable {
  public let workspace: Workspace
  /// Seconds a request may run before its index statements are interrupted (nil: no limit).
  public var requestTimeout: Double? = 30
  private let lock = NSLock()
  private var cached: (store: IndexStore, device: UInt64, inode: UInt64)?

  public init(workspace: Workspace) {
    self.workspace = workspace
  }

  /// The workspace's index, read-only.
  ///
  /// - Throws: `no_index` when there is none yet (run `ctx index`), or the store's error.
  public func store() throws -> IndexStore {
    let path = workspace.databasePath
    var info = stat()
    guard stat(path, &info) == 0 else {
      lock.withLock { cached = nil }
      throw ToolError("no_index", "there is no index yet at \(path); run `ctx index` in \(workspace.root) first")
    }
    let device = UInt64(info.st_dev)
    let inode = UInt64(info.st_ino)
    return try lock.withLock {
      if let cached, cached.device == device, cached.inode == inode { return cached.store }
      let store: IndexStore
      do {
        store = try IndexStore(path: path, mode: .readOnly)
      } catch let error as CtxError where error.code == .notFound {
        // Deleted between the stat and the open.
        throw ToolError("no_index", error.message)
      }
      cached = (store, device, inode)
      return store
    }
  }

  public func queryService() throws -> QueryService {
    QueryService(store: try store(), annotationsFolder: workspace.annotationsDirectory)
  }
}

/// The tools `ctx serve` offers, by name.
///
public struct ToolRegistry: Sendable {
  public let tools: [any CtxTool]

  public init(_ tools: [any CtxTool]) {
    self.tools = tools
  }

  public static let standard = ToolRegistry([
    ContextTool(), SearchTool(), ShowTool(), AnnotateTool(), CorrectTool(), ConflictsTool(), ReviewListTool(), ReviewShowTool(), StatusTool(),
  ])

  public func tool(named name: String) -> (any CtxTool)? {
    tools.first { $0.name == name }
  }

  public var names: [String] { tools.map(\.name) }

  /// Runs a tool by name, turning every failure into a `ToolError`. A call still running at
  /// the context's request deadline has its index statements interrupted and answers
  /// `timed_out` (the server goes on with the next request).
  public func call(_ name: String, arguments: [String: Value], context: ToolContext, access: AccessGrant = .local) -> Result<ToolOutput, ToolError> {
    guard let tool = tool(named: name) else {
      return .failure(ToolError("unknown_tool", "there is no tool `\(name)`; the tools are \(names.joined(separator: ", "))"))
    }
    do {
      try AccessPolicy.admit(tool: name, isReadOnly: tool.isReadOnly, arguments: arguments, access: access)
    } catch {
      return .failure(error)
    }
    let watchdog = RequestWatchdog(context: context)
    let outcome: Result<ToolOutput, ToolError>
    do {
      outcome = .success(try tool.call(ToolArguments(arguments, access: access), context: context))
    } catch {
      outcome = .failure(ToolError.from(error))
    }
    watchdog.finish()
    // Past the deadline the answer may be missing what an interrupted statement would have
    // read (some steps treat a failed read as "nothing"): never sent as if complete.
    guard !watchdog.fired else {
      let seconds = context.requestTimeout.map { $0 < 1 ? String(format: "%.3f", $0) : String(format: "%.0f", $0) } ?? "?"
      return .failure(
        ToolError(
          "timed_out", "`\(name)` took longer than the request deadline (\(seconds) s) and was stopped; narrow the request, or start the server with a longer --request-timeout"))
    }
    return outcome
  }
}

/// Interrupts the index's statements when a request outlives `ToolContext.requestTimeout`.
final class RequestWatchdog: @unchecked Sendable {
  private let lock = NSLock()
  private var done = false
  private var didFire = false

  init(context: ToolContext) {
    guard let seconds = context.requestTimeout, seconds > 0 else { return }
    schedule(after: seconds, context: context)
  }

  /// SQLite interrupts only the statements running at that moment, so after the deadline
  /// this repeats every 20 ms until the call ends: the call's next statement fails.
  private func schedule(after seconds: Double, context: ToolContext) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
      let store: IndexStore? = lock.withLock {
        guard !done else { return nil }
        didFire = true
        return try? context.store()
      }
      guard let store else { return }
      store.interrupt()
      schedule(after: 0.02, context: context)
    }
  }

  var fired: Bool { lock.withLock { didFire } }

  func finish() { lock.withLock { done = true } }
}

import CtxCore
import SwiftParser
import SwiftSyntax

/// Symbols of a Swift file, from swift-syntax.
///
/// Debian's universal-ctags has no Swift parser, and this repository is Swift. swift-syntax is
/// the compiler's own parser: exact line ranges for every declaration, nesting included.
public enum SwiftSymbols {
  public static func extract(from content: [UInt8]) -> [Symbol] {
    content.withUnsafeBufferPointer { buffer in
      let tree = Parser.parse(source: buffer)
      let visitor = DeclarationVisitor(converter: SourceLocationConverter(fileName: "", tree: tree))
      visitor.walk(tree)
      return visitor.symbols
    }
  }
}

private final class DeclarationVisitor: SyntaxVisitor {
  let converter: SourceLocationConverter
  var symbols: [Symbol] = []
  var scopes: [String] = []

  init(converter: SourceLocationConverter) {
    self.converter = converter
    super.init(viewMode: .sourceAccurate)
  }

  private func lines(_ node: some SyntaxProtocol) -> (Int, Int) {
    // Start at the declaration itself, after its leading comments; end at its last token.
    let start = converter.location(for: node.positionAfterSkippingLeadingTrivia).line
    let end = converter.location(for: node.endPositionBeforeTrailingTrivia).line
    return (start, end)
  }

  private func add(_ name: String, _ kind: String, _ node: some SyntaxProtocol, signature: String? = nil) {
    let (start, end) = lines(node)
    symbols.append(
      Symbol(name: name, kind: kind, line: start, endLine: end, scope: scopes.isEmpty ? nil : scopes.joined(separator: "."), signature: signature))
  }

  private var memberKind: String { scopes.isEmpty ? "function" : "method" }

  override func visit(_ node: ClassDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "class", node)
    scopes.append(node.name.text)
    return .visitChildren
  }
  override func visitPost(_ node: ClassDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: StructDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "struct", node)
    scopes.append(node.name.text)
    return .visitChildren
  }
  override func visitPost(_ node: StructDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: EnumDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "enum", node)
    scopes.append(node.name.text)
    return .visitChildren
  }
  override func visitPost(_ node: EnumDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: ActorDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "actor", node)
    scopes.append(node.name.text)
    return .visitChildren
  }
  override func visitPost(_ node: ActorDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: ProtocolDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "protocol", node)
    scopes.append(node.name.text)
    return .visitChildren
  }
  override func visitPost(_ node: ProtocolDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: ExtensionDeclSyntax) -> SyntaxVisitorContinueKind {
    let name = node.extendedType.trimmedDescription
    add(name, "extension", node)
    scopes.append(name)
    return .visitChildren
  }
  override func visitPost(_ node: ExtensionDeclSyntax) { scopes.removeLast() }

  override func visit(_ node: FunctionDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, memberKind, node, signature: node.signature.trimmedDescription)
    return .skipChildren
  }

  override func visit(_ node: InitializerDeclSyntax) -> SyntaxVisitorContinueKind {
    add("init", "initializer", node, signature: node.signature.trimmedDescription)
    return .skipChildren
  }

  override func visit(_ node: DeinitializerDeclSyntax) -> SyntaxVisitorContinueKind {
    add("deinit", "deinitializer", node)
    return .skipChildren
  }

  override func visit(_ node: SubscriptDeclSyntax) -> SyntaxVisitorContinueKind {
    add("subscript", "subscript", node, signature: node.parameterClause.trimmedDescription)
    return .skipChildren
  }

  override func visit(_ node: TypeAliasDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "typealias", node)
    return .skipChildren
  }

  override func visit(_ node: AssociatedTypeDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "associatedtype", node)
    return .skipChildren
  }

  override func visit(_ node: MacroDeclSyntax) -> SyntaxVisitorContinueKind {
    add(node.name.text, "macro", node)
    return .skipChildren
  }

  override func visit(_ node: EnumCaseDeclSyntax) -> SyntaxVisitorContinueKind {
    for element in node.elements {
      add(element.name.text, "enumcase", node)
    }
    return .skipChildren
  }

  override func visit(_ node: VariableDeclSyntax) -> SyntaxVisitorContinueKind {
    let kind = scopes.isEmpty ? "variable" : "property"
    for binding in node.bindings {
      if let pattern = binding.pattern.as(IdentifierPatternSyntax.self) {
        add(pattern.identifier.text, kind, node)
      }
    }
    return .skipChildren
  }
}

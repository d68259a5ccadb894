// swift-tools-version:6.1
//
// ctx: an organizational context and memory indexer for AI agents.
// Library targets hold all the logic; `ctx` only wires them together. Dependencies flow
// downward (see docs/modules.md).

import PackageDescription

/// Release builds link the Swift runtime and Foundation statically (`extra`: more libraries
/// for the same link group).
func staticRuntime(_ extra: [String] = []) -> [LinkerSetting] {
  let foundation = [
    "-lFoundation", "-lFoundationInternationalization", "-lFoundationEssentials", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims",
    "-l_FoundationCollections", "-lswiftSynchronization",
  ]
  // SwiftPM exports every symbol of an executable (`--export-dynamic`); nothing loads ctx as a
  // library, and `dladdr` scans the whole table (52k symbols) on each of the runtime's calls
  // at start-up.
  return [
    .unsafeFlags(
      ["-static-stdlib", "-Xlinker", "--start-group"] + foundation + extra + ["-Xlinker", "--end-group", "-Xlinker", "--no-export-dynamic"],
      .when(configuration: .release))
  ]
}

let package = Package(
  name: "ctx",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "ctx", targets: ["ctx"]),
    .executable(name: "ctx-mcp", targets: ["ctx-mcp"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    // Only for `ctx serve --http` (CtxHTTP, linked into ctx-mcp alone). No traits: the
    // swift-configuration support is not used.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
    .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    // MARK: Core values
    // Two GNU extensions for spawning children (close-on-exec pipes, close-from), which
    // Swift's Glibc module does not expose.
    .target(name: "CSpawn"),
    .target(name: "CtxCore", dependencies: ["CSpawn", .product(name: "Crypto", package: "swift-crypto")]),
    .testTarget(name: "CtxCoreTests", dependencies: ["CtxCore"]),

    // MARK: libgit2
    .systemLibrary(
      name: "CLibGit2",
      pkgConfig: "libgit2",
      providers: [.apt(["libgit2-dev"])]
    ),
    // liblz4 from the system: chunk texts are stored in LZ4's block format (CtxStore.ChunkText).
    .systemLibrary(
      name: "CLZ4",
      pkgConfig: "liblz4",
      providers: [.apt(["liblz4-dev"])]
    ),
    // SQLite's process-wide settings: sqlite3_config is variadic, so a C header calls it.
    .systemLibrary(
      name: "CSQLiteSettings",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    .target(
      name: "CtxGit",
      dependencies: [
        "CLibGit2",
        "CtxCore",
      ]
    ),
    .testTarget(
      name: "CtxGitTests",
      dependencies: [
        "CtxGit",
        "CtxTestSupport",
      ]
    ),

    // MARK: Workspace and connector configuration
    .target(
      name: "CtxWorkspace",
      dependencies: [
        "CtxCore",
        "CtxRedaction",
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .testTarget(
      name: "CtxWorkspaceTests",
      dependencies: [
        "CtxTestSupport",
        "CtxWorkspace",
      ]
    ),

    // MARK: Access tokens and scopes (ctx token; enforced by CtxMCP)
    .target(
      name: "CtxAccess",
      dependencies: [
        "CtxCore",
        "CtxWorkspace",
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .testTarget(
      name: "CtxAccessTests",
      dependencies: [
        "CtxAccess",
        "CtxTestSupport",
        "CtxWorkspace",
      ]
    ),

    // MARK: Symbols (universal-ctags and swift-syntax)
    .target(
      name: "CtxSymbols",
      dependencies: [
        "CtxCore",
        .product(name: "SwiftParser", package: "swift-syntax"),
        .product(name: "SwiftSyntax", package: "swift-syntax"),
      ]
    ),
    .testTarget(
      name: "CtxSymbolsTests",
      dependencies: [
        "CtxSymbols",
        "CtxTestSupport",
      ]
    ),

    // MARK: Connectors
    .target(
      name: "CtxConnectors",
      dependencies: ["CtxCore"]
    ),
    .target(
      name: "CtxConnectorCode",
      dependencies: [
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
        "CtxRedaction",
        "CtxSymbols",
      ]
    ),
    .testTarget(
      name: "CtxConnectorCodeTests",
      dependencies: [
        "CtxConnectorCode",
        "CtxConnectors",
        "CtxSymbols",
        "CtxTestSupport",
      ]
    ),
    .target(
      name: "CtxConnectorDocs",
      dependencies: [
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
        "CtxRedaction",
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .testTarget(
      name: "CtxConnectorDocsTests",
      dependencies: [
        "CtxConnectorDocs",
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
        "CtxTestSupport",
      ],
      exclude: ["Fixtures"]
    ),
    .target(
      name: "CtxConnectorChat",
      dependencies: [
        "CtxConnectors",
        "CtxCore",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]
    ),
    .testTarget(
      name: "CtxConnectorChatTests",
      dependencies: [
        "CtxConnectorChat",
        "CtxConnectors",
        "CtxCore",
        "CtxTestSupport",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      exclude: ["Fixtures"]
    ),

    .target(
      name: "CtxConnectorGit",
      dependencies: [
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
      ]
    ),
    .testTarget(
      name: "CtxConnectorGitTests",
      dependencies: [
        "CtxConnectorGit",
        "CtxConnectors",
        "CtxGit",
        "CtxTestSupport",
      ]
    ),

    // MARK: Annotations (files, targets, conflict rules)
    .target(
      name: "CtxAnnotations",
      dependencies: [
        "CtxCore",
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .testTarget(
      name: "CtxAnnotationsTests",
      dependencies: [
        "CtxAnnotations",
        "CtxCore",
        "CtxTestSupport",
      ]
    ),

    // MARK: Store
    .target(
      name: "CtxStore",
      dependencies: [
        "CLZ4",
        "CSQLiteSettings",
        "CtxCore",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
    .testTarget(
      name: "CtxStoreTests",
      dependencies: [
        "CtxStore",
        "CtxTestSupport",
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      resources: [.copy("Fixtures")]
    ),

    // MARK: Indexer
    .target(
      name: "CtxIndexer",
      dependencies: [
        "CtxAnnotations",
        "CtxConnectorChat",
        "CtxConnectorCode",
        "CtxConnectorDocs",
        "CtxConnectorGit",
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
        "CtxRedaction",
        "CtxStore",
        "CtxWorkspace",
      ]
    ),

    // MARK: Watch mode (inotify or polling, then incremental runs of the changed sources)
    .target(
      name: "CtxWatch",
      dependencies: [
        "CtxCore",
        "CtxIndexer",
        "CtxWorkspace",
      ]
    ),

    // MARK: Query analysis and search
    .target(
      name: "CtxQuery",
      dependencies: [
        "CtxAnnotations",
        "CtxConnectors",
        "CtxCore",
        "CtxGit",
        "CtxRedaction",
        "CtxStore",
      ]
    ),
    .testTarget(
      name: "CtxQueryTests",
      dependencies: [
        "CtxQuery",
        "CtxTestSupport",
      ]
    ),

    // MARK: Evaluation (ctx eval)
    .target(
      name: "CtxEval",
      dependencies: [
        "CtxConnectorCode",
        "CtxCore",
        "CtxGit",
        "CtxIndexer",
        "CtxQuery",
        "CtxStore",
        "CtxWorkspace",
      ]
    ),
    .testTarget(
      name: "CtxEvalTests",
      dependencies: [
        "CtxCore",
        "CtxEval",
        "CtxGit",
        "CtxIndexer",
        "CtxQuery",
        "CtxStore",
        "CtxTestSupport",
        "CtxWorkspace",
      ]
    ),

    // MARK: Redaction
    .target(
      name: "CtxRedaction",
      dependencies: ["CtxCore"]
    ),
    .testTarget(
      name: "CtxRedactionTests",
      dependencies: ["CtxCore", "CtxRedaction"],
      exclude: ["Fixtures"]
    ),
    .executableTarget(
      name: "ctx-bench-redaction",
      dependencies: ["CtxRedaction"],
      path: "Benchmarks/RedactionBench"
    ),

    // MARK: MCP server (the only module importing the MCP SDK)
    .target(
      name: "CtxMCP",
      dependencies: [
        "CtxAccess",
        "CtxAnnotations",
        "CtxCore",
        "CtxIndexer",
        "CtxQuery",
        "CtxStore",
        "CtxWorkspace",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "MCP", package: "swift-sdk"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .testTarget(
      name: "CtxMCPTests",
      dependencies: [
        "CtxIndexer",
        "CtxMCP",
        "CtxTestSupport",
        "CtxWorkspace",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "MCP", package: "swift-sdk"),
      ]
    ),

    // MARK: MCP over HTTP (`ctx serve --http`; only ctx-mcp links it, and with it Hummingbird)
    .target(
      name: "CtxHTTP",
      dependencies: [
        "CtxAccess",
        "CtxAnnotations",
        "CtxCore",
        "CtxMCP",
        "CtxQuery",
        "CtxStore",
        "CtxWorkspace",
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "MCP", package: "swift-sdk"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]
    ),
    .testTarget(
      name: "CtxHTTPTests",
      dependencies: ["CtxHTTP", "CtxAnnotations"]
    ),

    // MARK: Command line
    // The git commit `ctx --version` names, stamped at build time (Plugins/BuildCommit).
    .plugin(name: "BuildCommit", capability: .buildTool()),
    .target(name: "CtxBuildInfo", plugins: ["BuildCommit"]),
    .target(
      name: "CtxCLI",
      dependencies: [
        "CtxAccess",
        "CtxAnnotations",
        "CtxBuildInfo",
        "CtxConnectorCode",
        "CtxConnectorGit",
        "CtxConnectors",
        "CtxCore",
        "CtxEval",
        "CtxGit",
        "CtxIndexer",
        "CtxQuery",
        "CtxRedaction",
        "CtxStore",
        "CtxSymbols",
        "CtxWatch",
        "CtxWorkspace",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(
      name: "ctx",
      dependencies: ["CtxCLI"],
      // Loading and relocating the runtime's shared libraries was 18 of the 50 ms of a
      // `ctx search` (startup).
      linkerSettings: staticRuntime()
    ),
    // `ctx serve`'s server, its own executable so that the MCP SDK's libraries load only there.
    .target(
      name: "CtxServe",
      dependencies: [
        "CtxCLI",
        "CtxCore",
        "CtxHTTP",
        "CtxMCP",
        "CtxWatch",
        "CtxWorkspace",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(
      name: "ctx-mcp",
      dependencies: ["CtxServe"],
      // Statically linked like `ctx`, so that an installed server needs no Swift toolchain;
      // its FoundationNetworking links libcurl (libcurl4-openssl-dev at build time).
      linkerSettings: staticRuntime(["-lFoundationNetworking", "-l_CFURLSessionInterface", "-lcurl"])
    ),
    .testTarget(
      name: "CtxCLITests",
      dependencies: [
        "CtxCLI",
        "CtxCore",
        "CtxIndexer",
        "CtxQuery",
        "CtxStore",
        "CtxTestSupport",
        "CtxWorkspace",
      ]
    ),

    // MARK: Test support
    .target(
      name: "CtxTestSupport",
      dependencies: ["CtxCore"]
    ),
  ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  target.swiftSettings = settings
}
package.swiftLanguageModes = [.v6]

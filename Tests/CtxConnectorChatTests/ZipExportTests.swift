import CtxConnectorChat
import CtxConnectors
import CtxCore
import CtxTestSupport
import Foundation
import Testing
import ZIPFoundation

@Suite struct ZipExportTests {
  @Test func zippedExportReadsLikeTheFolder() async throws {
    let scratch = ScratchDirectory()
    let zipPath = scratch.path + "/export.zip"
    try Fixture.zip(folder: Fixture.path("slack"), to: zipPath, wrapper: "Acme Slack export Jan 2024")
    let folder = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: Fixture.path("slack")))
    let zipped = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: zipPath))
    #expect(zipped.messages.map(\.key) == folder.messages.map(\.key))
    #expect(zipped.messages.map(\.text) == folder.messages.map(\.text))
    #expect(zipped.skippedConversations == folder.skippedConversations)
    #expect(Set(zipped.fileStamps.map(\.path)) == Set(folder.fileStamps.map(\.path)))
    #expect(!allStrings(in: zipped).contains { $0.contains("ZEBRA") })

    // Incremental over a zip: stamps come from the central directory (time and CRC-32).
    let again = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: zipPath), knownFiles: zipped.known)
    #expect(again.messages.isEmpty)
    #expect(again.unchanged.count == zipped.fileStamps.count)
  }

  @Test func pathTraversalEntriesAreRejected() async throws {
    let scratch = ScratchDirectory()
    let zipPath = scratch.path + "/evil.zip"
    let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
    let channels = Data(#"[{"id": "C1", "name": "general"}]"#.utf8)
    let day = Data(#"[{"type": "message", "user": "U1", "ts": "1704186100.000200", "text": "hello"}]"#.utf8)
    let evil = Data(#"[{"type": "message", "user": "U1", "ts": "1704186100.000300", "text": "EVILTEXT"}]"#.utf8)
    try Fixture.addEntry(archive, path: "channels.json", data: channels)
    try Fixture.addEntry(archive, path: "general/2024-01-02.json", data: day)
    try Fixture.addEntry(archive, path: "../general/2024-01-03.json", data: evil)
    try Fixture.addEntry(archive, path: "/etc/general/2024-01-04.json", data: evil)
    try Fixture.addEntry(archive, path: "general/../../2024-01-05.json", data: evil)
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: zipPath))
    #expect(result.messages.map(\.text) == ["hello"])
    let rejected = result.issues.filter { $0.message.contains("leaves the export") }
    #expect(Set(rejected.compactMap(\.path)) == ["../general/2024-01-03.json", "/etc/general/2024-01-04.json", "general/../../2024-01-05.json"])
    #expect(!allStrings(in: result.messages).contains { $0.contains("EVILTEXT") })
  }

  @Test func highlyCompressedEntriesAreRejected() async throws {
    let scratch = ScratchDirectory()
    let zipPath = scratch.path + "/bomb.zip"
    let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
    try Fixture.addEntry(archive, path: "channels.json", data: Data(#"[{"id": "C1", "name": "general"}]"#.utf8))
    // 8 MiB of one repeated message: deflates far past 100:1.
    let line = #"{"type": "message", "user": "U1", "ts": "1704186100.000200", "text": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"#
    var bomb = "[" + String(repeating: line, count: (8 << 20) / line.utf8.count)
    bomb.removeLast()
    bomb += "]"
    try Fixture.addEntry(archive, path: "general/2024-01-02.json", data: Data(bomb.utf8))
    try Fixture.addEntry(archive, path: "general/2024-01-03.json", data: Data(#"[{"type": "message", "user": "U1", "ts": "1704272600.000100", "text": "small"}]"#.utf8))
    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: zipPath))
    #expect(result.issues(for: "general/2024-01-02.json").first?.message.contains("zip_max_ratio") == true)
    #expect(result.messages.map(\.text) == ["small"])
  }

  @Test func tooManyEntriesOrBytesRefuseTheArchive() async throws {
    let scratch = ScratchDirectory()
    let zipPath = scratch.path + "/many.zip"
    let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
    for index in 0..<30 {
      try Fixture.addEntry(archive, path: "general/2024-01-\(index).json", data: Data("[]".utf8))
    }
    var config = ChatOptions(format: .slackExport, path: zipPath)
    config.zip.maxEntries = 10
    await #expect(throws: CtxError.self) { try await ChatExportReader.read(config: config) }

    var small = ChatOptions(format: .slackExport, path: zipPath)
    small.zip.maxTotalBytes = 20
    await #expect(throws: CtxError.self) { try await ChatExportReader.read(config: small) }
  }

  /// A header that lies about the size cannot make the reader inflate more than it declared.
  @Test func lyingSizesStopAtTheDeclaredSize() async throws {
    let scratch = ScratchDirectory()
    let zipPath = scratch.path + "/liar.zip"
    let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
    try Fixture.addEntry(archive, path: "channels.json", data: Data(#"[{"id": "C1", "name": "general"}]"#.utf8))
    let big = "[" + String(repeating: #"{"type": "message", "user": "U1", "ts": "1.1", "text": "x"},"#, count: 4000) + "{}]"
    try Fixture.addEntry(archive, path: "general/2024-01-02.json", data: Data(big.utf8))
    // Patch the entry's uncompressed size to 100 bytes, in the local and central headers.
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zipPath)))
    let name = Array("general/2024-01-02.json".utf8)
    func patch(signature: [UInt8], sizeOffset: Int, nameOffset: Int) {
      var index = 0
      while index + nameOffset + name.count <= bytes.count {
        if Array(bytes[index..<(index + 4)]) == signature && Array(bytes[(index + nameOffset)..<(index + nameOffset + name.count)]) == name {
          bytes.replaceSubrange((index + sizeOffset)..<(index + sizeOffset + 4), with: [100, 0, 0, 0])
        }
        index += 1
      }
    }
    patch(signature: [0x50, 0x4B, 0x03, 0x04], sizeOffset: 22, nameOffset: 30)
    patch(signature: [0x50, 0x4B, 0x01, 0x02], sizeOffset: 24, nameOffset: 46)
    try Data(bytes).write(to: URL(fileURLWithPath: zipPath))

    let result = try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: zipPath))
    let issue = try #require(result.issues(for: "general/2024-01-02.json").first)
    #expect(issue.message.contains("declared size"))
    #expect(result.messages.isEmpty)
  }

  @Test func garbageZipThrowsAConnectorError() async throws {
    let scratch = ScratchDirectory()
    try scratch.writeBytes("broken.zip", Array("PK\u{03}\u{04} not really a zip".utf8))
    await #expect(throws: CtxError.self) {
      try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: scratch.path + "/broken.zip"))
    }
    await #expect(throws: CtxError.self) {
      try await ChatExportReader.read(config: ChatOptions(format: .slackExport, path: scratch.path + "/missing"))
    }
  }
}

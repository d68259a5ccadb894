import Testing

@testable import CtxHTTP

@Suite struct HostCheckTests {
  @Test(arguments: [
    ("8765", nil, 8765), ("127.0.0.1:8765", "127.0.0.1", 8765), ("0.0.0.0:0", "0.0.0.0", 0), ("[::1]:9000", "::1", 9000),
  ] as [(String, String?, Int)])
  func addressesParse(_ text: String, _ host: String?, _ port: Int) {
    let parsed = HTTPServeOptions.parseAddress(text)
    #expect(parsed?.host == host && parsed?.port == port)
  }

  @Test(arguments: ["", "host:", ":80", "1:2:3", "70000", "localhost:http", "[::1]"])
  func badAddressesAreRefused(_ text: String) {
    #expect(HTTPServeOptions.parseAddress(text) == nil)
  }

  @Test func loopbackNamesAndConfiguredOnesPassOthersAreRefused() {
    let check = HostCheck(bindHost: "127.0.0.1", extraHosts: ["ctx.internal"], extraOrigins: ["https://review.example.com/"])
    #expect(check.refusal(host: "127.0.0.1:8765", origin: nil) == nil)
    #expect(check.refusal(host: "localhost:8765", origin: "http://localhost:8765") == nil)
    #expect(check.refusal(host: "[::1]:8765", origin: nil) == nil)
    #expect(check.refusal(host: "ctx.internal", origin: "https://review.example.com") == nil)
    #expect(check.refusal(host: nil, origin: nil) == nil)
    // DNS rebinding: a foreign name pointed at 127.0.0.1.
    #expect(check.refusal(host: "attacker.example:8765", origin: nil)?.status == 421)
    #expect(check.refusal(host: "127.0.0.1:8765", origin: "http://attacker.example")?.status == 403)
    #expect(check.refusal(host: "127.0.0.1:8765", origin: "null")?.status == 403)
    #expect(check.refusal(host: "127.0.0.1:8765", origin: "http://127.0.0.1.attacker.example")?.status == 403)
  }

  @Test func aWildcardBindAddsNoName() {
    let check = HostCheck(bindHost: "0.0.0.0", extraHosts: [], extraOrigins: [])
    #expect(check.refusal(host: "0.0.0.0:8765", origin: nil)?.status == 421)
  }

  @Test func formsAndEscaping() {
    #expect(HTML.form("token=ctx_ab%2Bc&reason=looks+good&x") == ["token": "ctx_ab+c", "reason": "looks good", "x": ""])
    #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  }
}

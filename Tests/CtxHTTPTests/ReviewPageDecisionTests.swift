import CtxAnnotations
import Testing

@testable import CtxHTTP

/// The review page offers "Accept" only where accepting settles the item, and refuses it
/// elsewhere (it accepted an ambiguous anchor's annotation, which changed its reviewer and
/// left the item in the queue).
@Suite struct ReviewPageDecisionTests {
  func item(_ kind: String, claims: Int) -> [String: Any] {
    [
      "id": "\(kind):x", "kind": kind, "target": "symbol:x", "summary": "s", "evidence": [String: Any](),
      "claims": (0..<claims).map { ["annotation": "a\($0)", "author": "ada", "date": "2026-12-07", "status": "accepted", "text": "t"] },
    ]
  }

  @Test func acceptIsOfferedOnlyWhereItSettlesTheItem() {
    for kind in ["proposal", "stale-anchor", "correction-recheck", "renamed"] {
      #expect(ReviewItemHTML.render(item(kind, claims: 1)).contains("value=\"accept\""), "\(kind)")
    }
    for kind in ["ambiguous-anchor", "dangling", "superseded-document"] {
      let page = ReviewItemHTML.render(item(kind, claims: 1))
      #expect(!page.contains("value=\"accept\"") && page.contains("value=\"reject\""), "\(kind)")
    }
    let disagreement = ReviewItemHTML.render(item("fact-disagreement", claims: 2))
    #expect(!disagreement.contains("value=\"accept\"") && disagreement.contains("value=\"supersede\""))
  }

  @Test func acceptingWhatAcceptDoesNotSettleIsRefused() {
    #expect(ReviewPage.refusal(accepting: .ambiguousAnchor)?.contains("cannot be accepted as it is") == true)
    #expect(ReviewPage.refusal(accepting: .factDisagreement)?.contains("superseding the others") == true)
    #expect(ReviewPage.refusal(accepting: .proposal) == nil)
    #expect(ReviewPage.refusal(accepting: .staleAnchor) == nil)
    #expect(ReviewPage.refusal(accepting: nil) == nil)
  }
}

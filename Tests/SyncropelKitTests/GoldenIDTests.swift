import Foundation
import Testing

@testable import SyncropelKit

/// The SDK's golden emits G1–G5 (SPEC 3.2), as the SDK put them on the wire.
@Suite struct GoldenIDTests {
    struct Golden: Decodable {
        let name: String
        let wire: String
        let id: String
    }

    static let goldens: [Golden] = {
        let url = Bundle.module.url(forResource: "golden-ids", withExtension: "jsonl", subdirectory: "Resources")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { try! JSONDecoder().decode(Golden.self, from: Data($0.utf8)) }
    }()

    @Test func fiveGoldensAreLoaded() {
        #expect(Self.goldens.map(\.name) == ["G1", "G2", "G3", "G4", "G5"])
    }

    @Test(arguments: goldens.map(\.name))
    func goldenID(name: String) throws {
        let golden = try #require(Self.goldens.first { $0.name == name })
        let draft = try RecordDraft(json: try JSONParser.parse(Array(golden.wire.utf8)))
        let record = try draft.record()
        #expect(record.id.hex == golden.id)
    }
}

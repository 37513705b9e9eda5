import Testing

@testable import SyncropelKit

/// `StoredRecord.appendJSONText` writes what `jsonValue.serialized()` writes, byte for byte,
/// for every record the canonical vectors make, read back from its canonical bytes as a store
/// reads it, with and without `judged_by` and a signature.
@Suite struct StoredRecordTextTests {
    static let records: [Record] = CanonicalJSONTests.vectors.filter { !$0.error }.compactMap { vector in
        guard let value = try? JSONParser.parse(Array(vector.wire.utf8)) else { return nil }
        return try? RecordDraft(json: value).record()
    }

    @Test func theVectorsMakeRecords() {
        #expect(Self.records.count >= 10)
    }

    @Test(arguments: [false, true])
    func theTextIsTheSerializedWireForm(decorated: Bool) throws {
        let judge = RecordID(hex: String(repeating: "ab", count: 32))
        let signature = RecordSignature(sig: "c2lnbmF0dXJl\"\\\u{1}", signer: "did:key:z6Mk\u{e9}")
        for (index, made) in Self.records.enumerated() {
            let record = try Record(
                canonical: made.canonical, judgedBy: decorated ? judge : nil, signature: decorated ? signature : nil)
            let stored = StoredRecord(record: record, sequence: Int64(index) + 1_000_000_000_000, createdAt: -5)
            var text: [UInt8] = Array("[".utf8)
            stored.appendJSONText(to: &text)
            #expect(text == Array(("[" + stored.jsonValue.serialized()).utf8), "\(String(decoding: record.canonical, as: UTF8.self))")
        }
    }

    @Test func storedBytesWithWhitespaceAroundTheObjectStillMakeOneObject() throws {
        let made = try #require(Self.records.first)
        let record = try Record(canonical: Array(" ".utf8) + made.canonical + Array("\n".utf8), judgedBy: nil, signature: nil)
        let stored = StoredRecord(record: record, sequence: 7, createdAt: 8)
        var text: [UInt8] = []
        stored.appendJSONText(to: &text)
        #expect(try JSONParser.parse(text) == stored.jsonValue)
    }
}

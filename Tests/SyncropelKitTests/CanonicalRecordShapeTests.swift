import Testing

@testable import SyncropelKit

/// `CanonicalRecordShape` accepts every record's canonical bytes, and nothing it accepts fails
/// to parse as one object of the seven hashed fields.
@Suite struct CanonicalRecordShapeTests {
    @Test func everyVectorRecordsCanonicalBytesMatch() {
        #expect(!StoredRecordTextTests.records.isEmpty)
        for record in StoredRecordTextTests.records {
            #expect(CanonicalRecordShape.matches(record.canonical), "\(String(decoding: record.canonical, as: UTF8.self))")
        }
    }

    static let base = #"{"act":"KNOW","actor":"did:example:a","body":{},"clock":1,"data_type":"SCALAR","parents":[],"thread":"th_x"}"#

    /// `base` with its body member replaced.
    static func body(_ member: String) -> String {
        base.replacingOccurrences(of: #""body":{}"#, with: member)
    }

    static let malformed: [String] = {
        var texts: [String] = ["", "{}", " " + base, base + " ", base + "x", String(base.dropLast())]
        texts.append(base.replacingOccurrences(of: #""actor""#, with: #""actos""#))
        let bodies: [String] = [
            #""body":{"a":}"#, #""body":{"a":01}"#, #""body":{"a":"\x"}"#, #""body":{"a":"\u12"}"#, #""body":{"a":[1,]}"#,
            #""body":{"a":tru}"#, "\"body\":{\"a\":\"\u{1}\"}", #""body": {}"#, #""body":{"a":1.}"#, #""body":{"a":-}"#,
            #""body":{"a":1e}"#, #""body":"# + String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
            #""body":{"a":1,"a":2}"#, #""body":{"b":1,"a":2}"#, #""body":{"a":"\/"}"#, #""body":{"a":"\u00e9"}"#,
            #""body":{"a":"\ud800"}"#, #""body":{"a":1e999}"#,
        ]
        texts += bodies.map(body)
        return texts
    }()

    @Test(arguments: malformed)
    func malformedOrOtherShapesDoNotMatch(_ text: String) {
        #expect(!CanonicalRecordShape.matches(Array(text.utf8)))
    }

    @Test func invalidUTF8InAStringDoesNotMatch() {
        let body = Array(#""body":{}"#.utf8)
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF]] {
            var bytes = Array(Self.base.utf8)
            let at = bytes.firstRange(of: body)!
            bytes.replaceSubrange(at, with: Array(#""body":{"a":""#.utf8) + bad + Array(#""}"#.utf8))
            #expect(!CanonicalRecordShape.matches(bytes), "\(bad)")
        }
        var good = Array(Self.base.utf8)
        good.replaceSubrange(good.firstRange(of: body)!, with: Array("\"body\":{\"a\":\"é€𝄞\"}".utf8))
        #expect(CanonicalRecordShape.matches(good))
    }

    /// Random byte edits of real canonical bytes: whatever still matches parses, as an object
    /// with exactly the seven hashed fields.
    @Test func whatMatchesAlwaysParsesAsTheSevenFields() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]",:\ u0aeE.-+19tfnrl"#.utf8) + [0x01, 0xC3, 0xA9, 0xED, 0xF0]
        var matched = 0
        for _ in 0..<20_000 {
            var bytes = StoredRecordTextTests.records.randomElement(using: &generator)!.canonical
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                }
            }
            guard CanonicalRecordShape.matches(bytes) else { continue }
            matched += 1
            let value = try JSONParser.parse(bytes)
            guard case .object(let object) = value else {
                Issue.record("matched but not an object: \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            #expect(object.members.map(\.key) == ["act", "actor", "body", "clock", "data_type", "parents", "thread"])
        }
        #expect(matched > 100, "the edits left some bytes matching, so the check above ran")
    }
}

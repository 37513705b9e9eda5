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
            let bytes = Self.randomEdit(alphabet: alphabet, using: &generator)
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

    /// One to three random byte edits (replace, delete, insert from `alphabet`) of a vector record's canonical bytes.
    static func randomEdit(alphabet: [UInt8], using generator: inout SystemRandomNumberGenerator) -> [UInt8] {
        var bytes = StoredRecordTextTests.records.randomElement(using: &generator)!.canonical
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[at] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: at)
            default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
            }
        }
        return bytes
    }

    // MARK: canonicalFields

    /// Every vector record is read without parsing, except those holding a fraction or an
    /// exponent, whose one canonical form (Python's `repr`) is left to the parser.
    @Test func everyVectorRecordsFieldsAreReadWithoutParsing() {
        var read = 0
        for record in StoredRecordTextTests.records {
            let text = String(decoding: record.canonical, as: UTF8.self)
            guard let fields = CanonicalRecordShape.canonicalFields(record.canonical) else {
                #expect(Self.holdsANonInteger(.object(record.body)), "\(text)")
                continue
            }
            read += 1
            #expect(fields == CanonicalRecordShape.Fields(record), "\(text)")
        }
        #expect(read >= 10)
    }

    static func holdsANonInteger(_ value: JSONValue) -> Bool {
        switch value {
        case .double: true
        case .array(let items): items.contains(where: holdsANonInteger)
        case .object(let object): object.members.contains { holdsANonInteger($0.value) }
        default: false
        }
    }

    /// Bytes of the right shape that the canonical writer would not make, or that are not a
    /// valid record: left to the parser.
    static let notCanonicalOrNotValid: [String] = [
        body(#""body":{"a":"\u000a"}"#), body(#""body":{"a":"\u0009"}"#), body(#""body":{"a":-0}"#),
        body(#""body":{"a":1.5}"#), body(#""body":{"a":1e3}"#), body(#""body":{"\n":1}"#), body(#""body":[]"#),
        body(#""body":"x""#),
        base.replacingOccurrences(of: #""act":"KNOW""#, with: #""act":"SHOUT""#),
        base.replacingOccurrences(of: #""act":"KNOW""#, with: #""act":"K\u004fOW""#),
        base.replacingOccurrences(of: #""actor":"did:example:a""#, with: #""actor":"example:a""#),
        base.replacingOccurrences(of: #""clock":1"#, with: #""clock":-1"#),
        base.replacingOccurrences(of: #""clock":1"#, with: #""clock":9223372036854775808"#),
        base.replacingOccurrences(of: #""data_type":"SCALAR""#, with: #""data_type":"OTHER""#),
        base.replacingOccurrences(of: #""thread":"th_x""#, with: #""thread":"th x""#),
        base.replacingOccurrences(of: #""thread":"th_x""#, with: #""thread":"""#),
        base.replacingOccurrences(of: #""parents":[]"#, with: "\"parents\":[\"\(id("b"))\",\"\(id("a"))\"]"),
        base.replacingOccurrences(of: #""parents":[]"#, with: "\"parents\":[\"\(id("a"))\",\"\(id("a"))\"]"),
        base.replacingOccurrences(of: #""parents":[]"#, with: "\"parents\":[\"\(id("A"))\"]"),
        base.replacingOccurrences(of: #""parents":[]"#, with: #""parents":["ab"]"#),
        base.replacingOccurrences(of: #""parents":[]"#, with: #""parents":[1]"#),
        base.replacingOccurrences(of: #""parents":[]"#, with: #""parents":{}"#),
    ]

    static func id(_ digit: Character) -> String { String(repeating: digit, count: 64) }

    @Test(arguments: notCanonicalOrNotValid)
    func bytesTheWriterWouldNotMakeAreLeftToTheParser(_ text: String) {
        #expect(CanonicalRecordShape.canonicalFields(Array(text.utf8)) == nil)
    }

    @Test func risingParentsAndTheFiveShortEscapesAreCanonical() throws {
        let text = Self.base
            .replacingOccurrences(of: #""parents":[]"#, with: "\"parents\":[\"\(Self.id("a"))\",\"\(Self.id("b"))\"]")
            .replacingOccurrences(of: #""body":{}"#, with: #""body":{"a":"\b\t\n\f\r\u0001\"\\","b":-12,"c":[0,true,null]}"#)
        let fields = try #require(CanonicalRecordShape.canonicalFields(Array(text.utf8)))
        let record = try Record(canonical: Array(text.utf8), judgedBy: nil, signature: nil)
        #expect(record.isCanonicalFormValid)
        #expect(fields == CanonicalRecordShape.Fields(record))
    }

    /// Random byte edits of real canonical bytes: whatever `canonicalFields` reads, the parser
    /// reads too, with the same fields, and finds canonical.
    @Test func whatIsReadWithoutParsingIsWhatTheParserReads() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]",:\ u0aeE.-+19tfnrlbA"#.utf8) + [0x01, 0x0A, 0xC3, 0xA9, 0xED, 0xF0]
        var read = 0
        for _ in 0..<20_000 {
            let bytes = Self.randomEdit(alphabet: alphabet, using: &generator)
            guard let fields = CanonicalRecordShape.canonicalFields(bytes) else { continue }
            read += 1
            let text = String(decoding: bytes, as: UTF8.self)
            let record = try Record(canonical: bytes, judgedBy: nil, signature: nil)
            #expect(record.isCanonicalFormValid, "\(text)")
            #expect(fields == CanonicalRecordShape.Fields(record), "\(text)")
        }
        #expect(read > 100, "the edits left some bytes readable, so the checks above ran")
    }
}

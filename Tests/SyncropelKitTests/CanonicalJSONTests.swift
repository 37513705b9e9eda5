import Foundation
import Testing

@testable import SyncropelKit

@Suite struct CanonicalJSONTests {
    /// One line of `canonical-vectors.jsonl`, generated with the Python SDK.
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let wire: String
        /// Absent for the vectors that must be refused.
        let canonical: String?
        let error: Bool

        var testDescription: String { name }
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "canonical-vectors", withExtension: "jsonl", subdirectory: "Resources")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { try! JSONDecoder().decode(Vector.self, from: Data($0.utf8)) }
    }()

    private func canonical(_ value: JSONValue) throws(CanonicalJSONError) -> String {
        try CanonicalJSON.string(value)
    }

    private func canonical(parsing text: String) throws -> String {
        try CanonicalJSON.string(JSONParser.parse(text.utf8))
    }

    // MARK: Vectors

    @Test func allVectorsAreLoaded() {
        #expect(Self.vectors.count == 19)
        #expect(Self.vectors.filter(\.error).count == 2)
    }

    /// The envelope is canonicalised whole; `parents` is sorted and deduplicated first, as the server does (SPEC 3.1).
    @Test(arguments: vectors)
    func vector(_ vector: Vector) throws {
        let bytes = Array(vector.wire.utf8)
        guard !vector.error else {
            #expect(throws: (any Error).self) { try CanonicalJSON.encode(JSONParser.parse(bytes)) }
            return
        }
        guard case .object(var envelope) = try JSONParser.parse(bytes) else {
            Issue.record("wire is not an object")
            return
        }
        if let parents = envelope["parents"]?.arrayValue?.compactMap(\.stringValue) {
            envelope["parents"] = .array(Set(parents).sorted().map(JSONValue.string))
        }
        let expected = try #require(vector.canonical)
        #expect(try CanonicalJSON.encode(.object(envelope)) == Array(expected.utf8))
    }

    // MARK: Numbers

    /// Each double and its canonical text as `syncropel.canonical.canonical_json` prints it.
    static let doubles: [(Double, String)] = [
        (0.1, "0.1"), (2.5, "2.5"), (1e-07, "1e-07"), (2.5e-05, "2.5e-05"), (0.0001, "0.0001"),
        (123.456, "123.456"), (1e16, "10000000000000000"), (1.5e16, "15000000000000000"),
        (1e300, "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160"),
        (-0.0, "0"), (0.0, "0"), (.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368"),
        (0.30000000000000004, "0.30000000000000004"), (1e-05, "1e-05"), (9.999999999999999e-05, "9.999999999999999e-05"),
        (123456789012345.6, "123456789012345.6"), (-2.5, "-2.5"), (-1e-07, "-1e-07"), (1.234e-300, "1.234e-300"),
        (0x1p64, "18446744073709551616"), (0x1p63, "9223372036854775808"), (-0x1p70, "-1180591620717411303424"),
        (1e22, "10000000000000000000000"), (0.5, "0.5"), (0.00011, "0.00011"),
        (4503599627370495.5, "4503599627370495.5"), (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (-1.5e-10, "-1.5e-10"), (0.001234, "0.001234"), (12345678.9, "12345678.9"), (1.0, "1"), (-2.0, "-2"),
        (0x1.fffffffffffffp52, "9007199254740991"), (0x1p53 + 2, "9007199254740994"),
    ]

    @Test(arguments: doubles)
    func doubleFormatting(_ value: Double, _ expected: String) throws {
        #expect(try canonical(.double(value)) == expected)
    }

    @Test func integersPrintExactly() throws {
        let big = "-" + String(repeating: "7", count: 4300)
        #expect(try canonical(.integer(JSONInteger(decimal: Substring(big))!)) == big)
        #expect(try canonical(parsing: "[0,-0,1180591620717411303424,-9223372036854775809]") == "[0,0,1180591620717411303424,-9223372036854775809]")
        #expect(try canonical(parsing: #"{"e":1e2,"E":2E+3,"f":1.0,"g":-0.0}"#) == #"{"E":2000,"e":100,"f":1,"g":0}"#)
    }

    // MARK: Strings and keys

    @Test func stringEscaping() throws {
        let raw = "quote\" backslash\\ slash/ \u{8}\u{9}\u{A}\u{C}\u{D} \u{0}\u{1}\u{1B}\u{1F} del\u{7F} \u{2028}\u{2029} é😀"
        let expected = #""quote\" backslash\\ slash/ \b\t\n\f\r \u0000\u0001\u001b\u001f del"# + "\u{7F} \u{2028}\u{2029} é😀\""
        #expect(try canonical(.string(raw)) == expected)
        #expect(try canonical(parsing: #""\u00e9\ud83d\ude00\/""#) == "\"é😀/\"")
    }

    @Test func keysSortByCodePoint() throws {
        let value = try JSONParser.parse(#"{"\ud83d\ude00":2,"\uff01":1,"a":3,"A":4,"_":5,"":6,"é":7,"e\u0301":8,"z":{"b":1,"a":2}}"#.utf8)
        #expect(try canonical(value) == "{\"\":6,\"A\":4,\"_\":5,\"a\":3,\"e\u{301}\":8,\"z\":{\"a\":2,\"b\":1},\"é\":7,\"！\":1,\"😀\":2}")
    }

    @Test func noNormalisation() throws {
        let decomposed = try canonical(.string("e\u{301}"))
        #expect(Array(decomposed.utf8) == [0x22, 0x65, 0xCC, 0x81, 0x22])
        #expect(try CanonicalJSON.encode(.string("é")) == [0x22, 0xC3, 0xA9, 0x22])
    }

    @Test func arraysKeepOrderAndNoWhitespace() throws {
        #expect(try canonical(parsing: #" [ 3 , 1 , [ { "b" : 2 , "a" : 1 } ] , [ ] , { } , true , false , null ] "#)
            == #"[3,1,[{"a":1,"b":2}],[],{},true,false,null]"#)
    }

    // MARK: Errors

    @Test func nonFiniteDoublesAreRefusedWithTheirPath() {
        let value: JSONValue = ["body": ["a": [1, 2, .double(.nan)]]]
        #expect(throws: CanonicalJSONError(reason: .nonFiniteNumber, path: "body.a[2]")) { try CanonicalJSON.encode(value) }
        #expect(throws: CanonicalJSONError(reason: .nonFiniteNumber, path: "[0][1].x")) {
            try CanonicalJSON.encode([[1, ["x": .double(-.infinity)]]])
        }
        #expect(throws: CanonicalJSONError(reason: .nonFiniteNumber)) { try CanonicalJSON.encode(.double(.infinity)) }
        let error = CanonicalJSONError(reason: .nonFiniteNumber, path: "body.a[2]")
        #expect(error.description == "cannot canonicalise JSON at body.a[2]: NaN and Infinity are not allowed")
        #expect(CanonicalJSONError(reason: .nonFiniteNumber).description == "cannot canonicalise JSON: NaN and Infinity are not allowed")
    }

    @Test func duplicateKeysBuiltInCodeAreRefused() {
        let sortedDuplicate = JSONValue.object(JSONObject([.init(key: "a", value: 1), .init(key: "a", value: 2)]))
        #expect(throws: CanonicalJSONError(reason: .duplicateKey("a"))) { try CanonicalJSON.encode(sortedDuplicate) }
        let unsorted = JSONObject([.init(key: "z", value: 1), .init(key: "b\n", value: 2), .init(key: "b\n", value: 3)])
        #expect(throws: CanonicalJSONError(reason: .duplicateKey("b\n"), path: "body")) {
            try CanonicalJSON.encode(["body": .object(unsorted)])
        }
        #expect(CanonicalJSONError(reason: .duplicateKey("b\n"), path: "body").description
            == #"cannot canonicalise JSON at body: duplicate key "b\n""#)
        let equivalent = JSONObject([.init(key: "é", value: 1), .init(key: "e\u{301}", value: 2)])
        #expect(throws: Never.self) { try CanonicalJSON.encode(.object(equivalent)) }
    }

    @Test func overlongIntegersBuiltInCodeAreRefused() {
        let value = JSONValue.integer(JSONInteger(decimal: Substring("-" + String(repeating: "1", count: 4301)))!)
        #expect(throws: CanonicalJSONError(reason: .integerTooLong(digits: 4301, limit: 4300))) { try CanonicalJSON.encode(value) }
        #expect(CanonicalJSONError(reason: .integerTooLong(digits: 4301, limit: 4300)).description
            == "cannot canonicalise JSON: integer has 4301 digits (limit 4300)")
    }

    // MARK: Compact serialisation

    @Test func serializedKeepsOrderAndDoubleTypes() throws {
        let value = try JSONParser.parse(#"{"b":1.0,"a":[1e16,-0.0,0.5,1e-07,100,1e15,123.0],"s":"x\ny/é"}"#.utf8)
        #expect(value.serialized() == #"{"b":1.0,"a":[1e+16,-0.0,0.5,1e-07,100,1000000000000000.0,123.0],"s":"x\ny/é"}"#)
        #expect(JSONValue.array([.double(.nan), .double(.infinity), nil, true]).serialized() == "[null,null,null,true]")
    }

    @Test func serializedRoundTrips() throws {
        let text = #"{"z":[{"k":"\u0000\u001f\"\\"},1.7976931348623157e+308,5e-324,-12,false],"é":{}}"#
        let value = try JSONParser.parse(text.utf8)
        #expect(value.serialized() == text)
        #expect(try JSONParser.parse(value.serialized().utf8) == value)
    }

    // MARK: Parsing the canonical form back

    @Test(arguments: [
        (#"{"a":1,"b":[0.5,"x",null,true],"c":{"d":-2}}"#, true),
        (#"{"b":1,"a":2}"#, false),
        (#"{"a":{"z":1,"y":2}}"#, false),
        (#"{"a":1.0}"#, false),
        (#"{"a":[-0.0]}"#, false),
        (#"{"a":1e300}"#, false),
        (#"{"a":1e-07,"b":5e-324}"#, true),
        (#"{"e\u0301":1,"é":2}"#, true),
    ])
    func parsesBackUnchangedAndReadBackMatchWhatTheCanonicalFormParsesTo(text: String, expected: Bool) throws {
        let value = try JSONParser.parse(text.utf8)
        let back = try JSONParser.parse(CanonicalJSON.encode(value))
        #expect(CanonicalJSON.parsesBackUnchanged(value) == expected)
        #expect(Self.sameInOrder(back, value) == expected)
        #expect(Self.sameInOrder(CanonicalJSON.readBack(value), back))
    }

    /// Every vector the SDK made: the predicate is true exactly when the round trip gives the value back.
    @Test func parsesBackUnchangedAndReadBackAgreeWithTheRoundTripOnEveryVector() throws {
        for vector in Self.vectors where !vector.error {
            let value = try JSONParser.parse(vector.wire.utf8)
            let back = try JSONParser.parse(CanonicalJSON.encode(value))
            #expect(CanonicalJSON.parsesBackUnchanged(value) == Self.sameInOrder(back, value), "\(vector.name)")
            #expect(Self.sameInOrder(CanonicalJSON.readBack(value), back), "\(vector.name)")
            // A record's body: `readBack` is the record its own canonical bytes parse to, in order.
            guard case .object(let body) = value else { continue }
            let record = try Record(act: .know, actor: "did:example:alice", body: body, clock: 0, thread: "th_vectors")
            let parsed = try Record(canonical: record.canonical, judgedBy: nil, signature: nil)
            #expect(record.readBack == parsed && record.readBack.canonical == record.canonical, "\(vector.name)")
            #expect(Self.sameInOrder(.object(record.readBack.body), .object(parsed.body)), "\(vector.name)")
        }
    }

    /// `==` with every object's members in the same order (JSONObject's `==` ignores order).
    private static func sameInOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy(sameInOrder)
        case let (.object(x), .object(y)):
            return x.members.map(\.key) == y.members.map(\.key)
                && zip(x.members, y.members).allSatisfy { sameInOrder($0.value, $1.value) }
        default:
            return a == b
        }
    }
}

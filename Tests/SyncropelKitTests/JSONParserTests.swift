import Testing

@testable import SyncropelKit

@Suite struct JSONParserTests {
    private func parse(_ text: String, limits: JSONParser.Limits = .init()) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(text.utf8, limits: limits)
    }

    private func failure(_ bytes: [UInt8], limits: JSONParser.Limits = .init()) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "n" : null , "t":true,"f":false,"i":-12,"d":2.5,"s":"x","a":[1,[],{}],"o":{"k":"v"} } "#)
        let expected: JSONValue = [
            "n": nil, "t": true, "f": false, "i": -12, "d": 2.5, "s": "x", "a": [1, [], [:]], "o": ["k": "v"],
        ]
        #expect(value == expected)
        #expect(value.objectValue?.members.map(\.key) == ["n", "t", "f", "i", "d", "s", "a", "o"])
    }

    @Test func topLevelScalarsAndWhitespace() throws {
        #expect(try parse("\t\r\n 7 \n") == 7)
        #expect(try parse(#""a""#) == "a")
        #expect(try parse("null") == nil)
    }

    @Test func integersStayExact() throws {
        let big = "-123456789012345678901234567890123456789"
        #expect(try parse(big) == .integer(JSONInteger(decimal: Substring(big))!))
        #expect(try parse("9223372036854775808") == .integer(JSONInteger(decimal: "9223372036854775808")!))
        #expect(try parse("-0") == .integer(JSONInteger(0)))
        #expect(try parse("-0").int64Value == 0)
    }

    @Test func fractionOrExponentMakesADouble() throws {
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("2E+3") == .double(2000))
        #expect(try parse("25e-1") == .double(2.5))
        guard case .double(let negativeZero) = try parse("-0.0") else { Issue.record("not a double"); return }
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    /// The fast path and `Double(String)` must agree with correct rounding on every literal.
    @Test(arguments: [
        "0.1", "0.3", "123.456", "1e22", "1e23", "9007199254740993.0", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "4.9e-324", "5e-324", "2.4703282292062328e-324", "1e-400", "-1e-400",
        "1.7976931348623157e308", "123456789012345.67", "0.000000000000000000000000001", "7.1e-10",
        "1.00000000000000011102230246251565404236316680908203125", "3.14159265358979323846264338327950288",
        "-9.87654321e-5", "100000000000000000000000000000000000000000.5",
    ])
    func doublesAreCorrectlyRounded(literal: String) throws {
        #expect(try parse(literal) == .double(Double(literal)!))
    }

    @Test func everyEscape() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t\u0000\u001F\u00e9\u00E9""#) == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}\u{1F}éé"))
        #expect(try parse(#""plain \u0041 and more""#) == "plain A and more")
    }

    @Test func surrogatePairsJoin() throws {
        #expect(try parse(#""\ud83d\ude00""#) == "😀")
        #expect(try parse(#""\uD83D\uDE00 \udbff\udfff""#) == .string("😀 \u{10FFFF}"))
        #expect(try parse(#""x\ud800\udc00y""#) == .string("x\u{10000}y"))
    }

    @Test func rawUTF8PassesThrough() throws {
        let text = "é 日本 😀 \u{10FFFF} \u{FFFF} \u{7F} \u{2028}"
        #expect(try parse("\"\(text)\"") == .string(text))
        #expect(try JSONParser.parse([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]) == .string("\u{10FFFF}"))
    }

    @Test func canonicallyEquivalentKeysAreDistinct() throws {
        let value = try parse(#"{"é":1,"e\u0301":2}"#)
        #expect(value.objectValue?.count == 2)
        #expect(value.objectValue?["e\u{301}"] == 2)
        #expect(value.objectValue?["\u{E9}"] == 1)
    }

    @Test func duplicateKeysInLargeObjects() throws {
        let keys = (0..<40).map { "\"k\($0)\":\($0)" }
        #expect(try parse("{" + keys.joined(separator: ",") + "}").objectValue?.count == 40)
        let duplicated = "{" + keys.joined(separator: ",") + ",\"k7\":0}"
        #expect(failure(Array(duplicated.utf8)) == JSONParseError(offset: duplicated.utf8.count - 7, reason: .duplicateKey("k7")))
        let equivalents = (0..<30).map { "\"k\($0)\":0" } + [#""é":1"#, #""e\u0301":2"#]
        #expect(try parse("{" + equivalents.joined(separator: ",") + "}").objectValue?.count == 32)
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(ok).arrayValue != nil)
        let objects = String(repeating: #"{"a":"#, count: 63) + "[]" + String(repeating: "}", count: 63)
        #expect(try parse(objects).objectValue != nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(Array(deep.utf8)) == JSONParseError(offset: 64, reason: .tooDeep(limit: 64)))
        #expect(failure(Array(#"{"a":{"b":[]}}"#.utf8), limits: .init(maxDepth: 2))
            == JSONParseError(offset: 10, reason: .tooDeep(limit: 2)))
    }

    @Test func integerDigitLimit() throws {
        let limit = String(repeating: "9", count: 4300)
        #expect(try parse(limit) == .integer(JSONInteger(decimal: Substring(limit))!))
        #expect(try parse("-" + limit) == .integer(JSONInteger(decimal: Substring("-" + limit))!))
        let over = "[" + String(repeating: "1", count: 4301) + "]"
        #expect(failure(Array(over.utf8)) == JSONParseError(offset: 1, reason: .integerTooLong(digits: 4301, limit: 4300)))
        #expect(failure(Array("-1\(limit)".utf8)) == JSONParseError(offset: 0, reason: .integerTooLong(digits: 4301, limit: 4300)))
        // Python limits int() only; a long fraction is a float and is fine.
        #expect(try parse("1." + limit) == .double(2))
    }

    @Test func everyByteCollectionParsesAlike() throws {
        let text = #"{"a":[1,"é"]}"#
        let expected = try parse(text)
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        #expect(try JSONParser.parse(Array(text.utf8)[...]) == expected)
        #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)
        #expect(try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) } == expected)
    }

    // MARK: Errors

    struct Refusal: CustomTestStringConvertible, Sendable {
        let input: [UInt8]
        let offset: Int
        let reason: JSONParseError.Reason
        let message: String

        init(_ input: String, _ offset: Int, _ reason: JSONParseError.Reason, _ message: String) {
            self.init(Array(input.utf8), offset, reason, message)
        }

        init(_ input: [UInt8], _ offset: Int, _ reason: JSONParseError.Reason, _ message: String) {
            self.input = input
            self.offset = offset
            self.reason = reason
            self.message = message
        }

        var testDescription: String { String(decoding: input, as: UTF8.self) }
    }

    static let refusals: [Refusal] = [
        Refusal("", 0, .unexpectedEnd(expected: .value), "unexpected end of input, expected a value"),
        Refusal("  ", 2, .unexpectedEnd(expected: .value), "unexpected end of input, expected a value"),
        Refusal("[1", 2, .unexpectedEnd(expected: .commaOrArrayEnd), "unexpected end of input, expected ',' or ']'"),
        Refusal(#"{"a":1"#, 6, .unexpectedEnd(expected: .commaOrObjectEnd), "unexpected end of input, expected ',' or '}'"),
        Refusal("{", 1, .unexpectedEnd(expected: .key), "unexpected end of input, expected a string key"),
        Refusal(#"{"a""#, 4, .unexpectedEnd(expected: .colon), "unexpected end of input, expected ':'"),
        Refusal(#""abc"#, 4, .unexpectedEnd(expected: .stringEnd), #"unexpected end of input, expected the closing '"' of a string"#),
        Refusal(#""ab\"#, 4, .unexpectedEnd(expected: .stringEnd), #"unexpected end of input, expected the closing '"' of a string"#),
        Refusal(#""\u00"#, 5, .unexpectedEnd(expected: .stringEnd), #"unexpected end of input, expected the closing '"' of a string"#),
        Refusal(#"{"a" 1}"#, 5, .unexpectedByte(UInt8(ascii: "1"), expected: .colon), "expected ':', found '1'"),
        Refusal("[1 2]", 3, .unexpectedByte(UInt8(ascii: "2"), expected: .commaOrArrayEnd), "expected ',' or ']', found '2'"),
        Refusal(#"{"a":1 "b":2}"#, 7, .unexpectedByte(UInt8(ascii: "\""), expected: .commaOrObjectEnd), #"expected ',' or '}', found '"'"#),
        Refusal("{1:2}", 1, .unexpectedByte(UInt8(ascii: "1"), expected: .key), "expected a string key, found '1'"),
        Refusal("[1,]", 3, .unexpectedByte(UInt8(ascii: "]"), expected: .value), "expected a value, found ']'"),
        Refusal(#"{"a":1,}"#, 7, .unexpectedByte(UInt8(ascii: "}"), expected: .key), "expected a string key, found '}'"),
        Refusal("+1", 0, .unexpectedByte(UInt8(ascii: "+"), expected: .value), "expected a value, found '+'"),
        Refusal(".5", 0, .unexpectedByte(UInt8(ascii: "."), expected: .value), "expected a value, found '.'"),
        Refusal("[\u{B}]", 1, .unexpectedByte(0x0B, expected: .value), "expected a value, found byte 0x0B"),
        Refusal([0xEF, 0xBB, 0xBF, 0x31], 0, .unexpectedByte(0xEF, expected: .value), "expected a value, found byte 0xEF"),
        Refusal("tru", 0, .invalidLiteral, "invalid literal (expected true, false or null)"),
        Refusal("[nul1]", 1, .invalidLiteral, "invalid literal (expected true, false or null)"),
        Refusal("NaN", 0, .nonFiniteLiteral, "NaN and Infinity are not JSON numbers"),
        Refusal("[Infinity]", 1, .nonFiniteLiteral, "NaN and Infinity are not JSON numbers"),
        Refusal(#"{"a":-Infinity}"#, 5, .nonFiniteLiteral, "NaN and Infinity are not JSON numbers"),
        Refusal("-", 1, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("-a", 1, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("1.", 2, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("1.e5", 2, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("1e", 2, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("[1E+]", 4, .invalidNumber, "invalid number (expected a digit)"),
        Refusal("01", 0, .leadingZero, "leading zero in number"),
        Refusal("[-00.5]", 1, .leadingZero, "leading zero in number"),
        Refusal("1e400", 0, .numberOutOfRange, "number out of range for a double"),
        Refusal(#"{"x":-1.8e308}"#, 5, .numberOutOfRange, "number out of range for a double"),
        Refusal(#""\x""#, 1, .invalidEscape(UInt8(ascii: "x")), #"invalid escape '\' followed by 'x'"#),
        Refusal(#"["ok","a\'"]"#, 8, .invalidEscape(UInt8(ascii: "'")), #"invalid escape '\' followed by '''"#),
        Refusal(#""\u12G4""#, 1, .invalidUnicodeEscape, #"invalid \u escape (expected 4 hex digits)"#),
        Refusal(#""\ud83d\u12x4""#, 7, .invalidUnicodeEscape, #"invalid \u escape (expected 4 hex digits)"#),
        Refusal(#""\ud800""#, 1, .loneSurrogate(0xD800), #"lone surrogate \ud800"#),
        Refusal(#""\udc00""#, 1, .loneSurrogate(0xDC00), #"lone surrogate \udc00"#),
        Refusal(#""ab\ud83dx""#, 3, .loneSurrogate(0xD83D), #"lone surrogate \ud83d"#),
        Refusal(#""\ud83d\u0041""#, 1, .loneSurrogate(0xD83D), #"lone surrogate \ud83d"#),
        Refusal(#""\ud83d\ud83d""#, 1, .loneSurrogate(0xD83D), #"lone surrogate \ud83d"#),
        Refusal(#""\ude00\ud83d""#, 1, .loneSurrogate(0xDE00), #"lone surrogate \ude00"#),
        Refusal(#""\ud83d\n""#, 1, .loneSurrogate(0xD83D), #"lone surrogate \ud83d"#),
        Refusal([0x22, 0x61, 0x80, 0x22], 2, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xC0, 0xAF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xC1, 0xBF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xED, 0xA0, 0x80, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xED, 0xBF, 0xBF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xFF, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xE2, 0x82, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xC3, 0x28, 0x22], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0xF0, 0x9F, 0x98], 1, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0x5C, 0x6E, 0xE9, 0x22], 3, .invalidUTF8, "invalid UTF-8"),
        Refusal([0x22, 0x0A, 0x22], 1, .controlCharacter(0x0A), "unescaped control character U+000A in string"),
        Refusal([0x22, 0x61, 0x00, 0x22], 2, .controlCharacter(0x00), "unescaped control character U+0000 in string"),
        Refusal([0x22, 0x5C, 0x74, 0x1F, 0x22], 3, .controlCharacter(0x1F), "unescaped control character U+001F in string"),
        Refusal(#"{"a":1,"a":2}"#, 7, .duplicateKey("a"), #"duplicate key "a""#),
        Refusal(#"{"thread":"t","actor":"x","a\n":1,"a\u000a":2}"#, 34, .duplicateKey("a\n"), #"duplicate key "a\n""#),
        Refusal(#"{"😀":1,"\ud83d\ude00":2}"#, 10, .duplicateKey("😀"), #"duplicate key "😀""#),
        Refusal("1 2", 2, .trailingContent, "unexpected content after the JSON value"),
        Refusal("{}\n}", 3, .trailingContent, "unexpected content after the JSON value"),
        Refusal("[]\u{0}", 2, .trailingContent, "unexpected content after the JSON value"),
    ]

    @Test(arguments: refusals)
    func refusal(_ refusal: Refusal) {
        let error = failure(refusal.input)
        #expect(error == JSONParseError(offset: refusal.offset, reason: refusal.reason))
        #expect(error?.description == "invalid JSON at byte \(refusal.offset): \(refusal.message)")
    }

    @Test func messageNamesTheByteOffset() {
        let text = #"{"thread":"t","a":1,"a":2}"#
        #expect(failure(Array(text.utf8))?.description == #"invalid JSON at byte 20: duplicate key "a""#)
    }
}

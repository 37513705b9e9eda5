/// A strict RFC 8259 parser producing `JSONValue`; every ingested record goes through it.
///
/// It refuses what canonical JSON cannot hash faithfully: duplicate keys,
/// lone surrogates, invalid UTF-8, NaN/Infinity, doubles that overflow,
/// integers longer than `Limits.maxIntegerDigits` and nesting deeper than
/// `Limits.maxDepth`. Integers stay exact (`JSONInteger`); a number with a
/// fraction or exponent becomes a correctly rounded `Double`.
///
/// ```swift
/// let value = try JSONParser.parse(#"{"a":[1,2.5]}"#.utf8)
/// ```
public enum JSONParser {
    public struct Limits: Sendable, Equatable {
        /// Arrays and objects nested deeper than this are refused.
        public var maxDepth: Int
        /// Integer literals with more digits are refused (CPython's `int_max_str_digits`).
        public var maxIntegerDigits: Int

        public init(maxDepth: Int = 64, maxIntegerDigits: Int = 4300) {
            self.maxDepth = maxDepth
            self.maxIntegerDigits = maxIntegerDigits
        }
    }

    /// Parses one JSON text that fills `bytes` (whitespace around it allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits = .init()) throws(JSONParseError) -> JSONValue {
        var parser = Parser(input: bytes, limits: limits)
        return try parser.parseDocument()
    }

    /// Parses one JSON text from any byte collection (`[UInt8]`, `Data`, `String.UTF8View`, ...);
    /// contiguous storage is read in place, anything else is copied once.
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = .init()) throws(JSONParseError) -> JSONValue {
        // `withContiguousStorageIfAvailable` is `rethrows`, which would erase the typed error.
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), limits: limits) }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(Array(bytes), limits: limits)
    }
}

/// Why and where a JSON text was refused.
///
/// `description` is the one-line operator message, such as
/// `invalid JSON at byte 17: duplicate key "a"`.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    /// What the parser wanted where it stopped.
    public enum Expectation: Sendable, Equatable, CustomStringConvertible {
        case value
        case key
        case colon
        case commaOrObjectEnd
        case commaOrArrayEnd
        case stringEnd

        public var description: String {
            switch self {
            case .value: return "a value"
            case .key: return "a string key"
            case .colon: return "':'"
            case .commaOrObjectEnd: return "',' or '}'"
            case .commaOrArrayEnd: return "',' or ']'"
            case .stringEnd: return "the closing '\"' of a string"
            }
        }
    }

    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case unexpectedEnd(expected: Expectation)
        case unexpectedByte(UInt8, expected: Expectation)
        /// Something starting like `true`, `false` or `null` that is not one of them.
        case invalidLiteral
        /// `NaN`, `Infinity` or `-Infinity`, which Python accepts and JSON does not.
        case nonFiniteLiteral
        /// A number missing a digit where the grammar needs one (`-`, `1.`, `1e+`).
        case invalidNumber
        /// `01`, `-00`: JSON numbers have no leading zeros.
        case leadingZero
        case integerTooLong(digits: Int, limit: Int)
        /// A fraction or exponent literal beyond the range of a double (`1e400`).
        case numberOutOfRange
        /// A backslash followed by something other than `" \ / b f n r t u`.
        case invalidEscape(UInt8)
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\uD800`–`\uDFFF` escape that is not half of a surrogate pair.
        case loneSurrogate(UInt16)
        case invalidUTF8
        /// A raw U+0000–U+001F inside a string; it must be escaped.
        case controlCharacter(UInt8)
        case duplicateKey(String)
        case tooDeep(limit: Int)
        case trailingContent

        public var description: String {
            switch self {
            case .unexpectedEnd(let expected):
                return "unexpected end of input, expected \(expected)"
            case .unexpectedByte(let byte, let expected):
                return "expected \(expected), found \(Self.describe(byte))"
            case .invalidLiteral:
                return "invalid literal (expected true, false or null)"
            case .nonFiniteLiteral:
                return "NaN and Infinity are not JSON numbers"
            case .invalidNumber:
                return "invalid number (expected a digit)"
            case .leadingZero:
                return "leading zero in number"
            case .integerTooLong(let digits, let limit):
                return "integer has \(digits) digits (limit \(limit))"
            case .numberOutOfRange:
                return "number out of range for a double"
            case .invalidEscape(let byte):
                return "invalid escape '\\' followed by \(Self.describe(byte))"
            case .invalidUnicodeEscape:
                return "invalid \\u escape (expected 4 hex digits)"
            case .loneSurrogate(let unit):
                let hex = String(unit, radix: 16)
                return "lone surrogate \\u\(hex)"
            case .invalidUTF8:
                return "invalid UTF-8"
            case .controlCharacter(let byte):
                let hex = String(byte, radix: 16, uppercase: true)
                return "unescaped control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) in string"
            case .duplicateKey(let key):
                return "duplicate key \(JSONValue.string(key).serialized())"
            case .tooDeep(let limit):
                return "nesting deeper than \(limit) levels"
            case .trailingContent:
                return "unexpected content after the JSON value"
            }
        }

        private static func describe(_ byte: UInt8) -> String {
            if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            let hex = String(byte, radix: 16, uppercase: true)
            return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }

    /// Zero-based byte offset of the offending byte (for a bad number,
    /// literal or key: where it starts; at the end of input: the input length).
    public let offset: Int
    public let reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

private enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")

    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }
}

/// Recursive descent over a byte buffer; recursion is bounded by `Limits.maxDepth`.
private struct Parser {
    let input: UnsafeRawBufferPointer
    let limits: JSONParser.Limits
    var position = 0
    /// Reused for strings that contain escapes, so each one does not allocate its own buffer.
    var scratch: [UInt8] = []

    /// Objects up to this size check keys for duplicates by a linear scan; larger ones use a set.
    static let linearKeyCheckLimit = 16

    init(input: UnsafeRawBufferPointer, limits: JSONParser.Limits) {
        self.input = input
        self.limits = limits
    }

    func failure(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == input.count else { throw failure(.trailingContent) }
        return value
    }

    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace; refuses the end of input.
    mutating func nextByte(expecting expectation: JSONParseError.Expectation) throws(JSONParseError) -> UInt8 {
        skipWhitespace()
        guard position < input.count else { throw failure(.unexpectedEnd(expected: expectation)) }
        return input[position]
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < input.count else { throw failure(.unexpectedEnd(expected: .value)) }
        switch input[position] {
        case ASCII.openBrace:
            return try parseObject(depth: depth + 1)
        case ASCII.openBracket:
            return try parseArray(depth: depth + 1)
        case ASCII.quote:
            return .string(try parseString())
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return try parseNumber()
        case UInt8(ascii: "t"):
            try parseLiteral("true", reason: .invalidLiteral)
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false", reason: .invalidLiteral)
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null", reason: .invalidLiteral)
            return .null
        case UInt8(ascii: "N") where matches("NaN"), UInt8(ascii: "I") where matches("Infinity"):
            throw failure(.nonFiniteLiteral)
        case let byte:
            throw failure(.unexpectedByte(byte, expected: .value))
        }
    }

    func matches(_ literal: StaticString, at offset: Int? = nil) -> Bool {
        let start = offset ?? position
        return literal.withUTF8Buffer { word in
            start + word.count <= input.count && word.indices.allSatisfy { input[start + $0] == word[$0] }
        }
    }

    mutating func parseLiteral(_ literal: StaticString, reason: JSONParseError.Reason) throws(JSONParseError) {
        guard matches(literal) else { throw failure(reason) }
        position += literal.utf8CodeUnitCount
    }

    // MARK: Containers

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw failure(.tooDeep(limit: limits.maxDepth)) }
        position += 1
        var elements: [JSONValue] = []
        if try nextByte(expecting: .value) == ASCII.closeBracket {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            switch try nextByte(expecting: .commaOrArrayEnd) {
            case ASCII.comma:
                position += 1
                skipWhitespace()
            case ASCII.closeBracket:
                position += 1
                return .array(elements)
            case let byte:
                throw failure(.unexpectedByte(byte, expected: .commaOrArrayEnd))
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw failure(.tooDeep(limit: limits.maxDepth)) }
        position += 1
        var members: [JSONObject.Member] = []
        var keySet: Set<KeyBytes> = []
        if try nextByte(expecting: .key) == ASCII.closeBrace {
            position += 1
            return .object(JSONObject(members))
        }
        while true {
            guard position < input.count else { throw failure(.unexpectedEnd(expected: .key)) }
            guard input[position] == ASCII.quote else {
                throw failure(.unexpectedByte(input[position], expected: .key))
            }
            let keyOffset = position
            let key = try parseString()
            if isDuplicate(key, in: members, keySet: &keySet) {
                throw failure(.duplicateKey(key), at: keyOffset)
            }
            let separator = try nextByte(expecting: .colon)
            guard separator == ASCII.colon else { throw failure(.unexpectedByte(separator, expected: .colon)) }
            position += 1
            skipWhitespace()
            members.append(JSONObject.Member(key: key, value: try parseValue(depth: depth)))
            switch try nextByte(expecting: .commaOrObjectEnd) {
            case ASCII.comma:
                position += 1
                skipWhitespace()
            case ASCII.closeBrace:
                position += 1
                return .object(JSONObject(members))
            case let byte:
                throw failure(.unexpectedByte(byte, expected: .commaOrObjectEnd))
            }
        }
    }

    /// Byte-for-byte key comparison: a linear scan for small objects, a set once they grow.
    func isDuplicate(_ key: String, in members: [JSONObject.Member], keySet: inout Set<KeyBytes>) -> Bool {
        if members.count < Self.linearKeyCheckLimit {
            return members.contains { $0.key.codePointCompare(key) == 0 }
        }
        if keySet.isEmpty {
            keySet = Set(members.map { KeyBytes(key: $0.key) })
        }
        return !keySet.insert(KeyBytes(key: key)).inserted
    }

    // MARK: Strings

    /// Reads a string starting at its opening quote. Strings without escapes
    /// are decoded straight from the input; others are assembled in `scratch`.
    mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        while position < input.count {
            let byte = input[position]
            if byte == ASCII.quote {
                let string = String(decoding: UnsafeRawBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
                position += 1
                return string
            }
            if byte == ASCII.backslash { return try parseEscapedString(from: start) }
            try skipStringByte(byte)
        }
        throw failure(.unexpectedEnd(expected: .stringEnd))
    }

    /// Steps over one unescaped character of a string, validating it.
    mutating func skipStringByte(_ byte: UInt8) throws(JSONParseError) {
        if byte < 0x20 { throw failure(.controlCharacter(byte)) }
        if byte < 0x80 {
            position += 1
        } else {
            try skipUTF8Sequence()
        }
    }

    /// Validates one multi-byte UTF-8 sequence per Unicode table 3-7, which
    /// excludes overlong forms, encoded surrogates and code points past U+10FFFF.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = input[position]
        let length: Int
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highest = 0x9F
        case 0xF0: length = 4; lowest = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highest = 0x8F
        default: throw failure(.invalidUTF8)
        }
        guard position + length <= input.count,
            (lowest...highest).contains(input[position + 1]),
            (1..<length).allSatisfy({ input[position + $0] & 0xC0 == 0x80 })
        else { throw failure(.invalidUTF8) }
        position += length
    }

    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while position < input.count {
            let byte = input[position]
            if byte == ASCII.quote {
                scratch.append(contentsOf: input[runStart..<position])
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == ASCII.backslash {
                scratch.append(contentsOf: input[runStart..<position])
                try appendEscape()
                runStart = position
            } else {
                try skipStringByte(byte)
            }
        }
        throw failure(.unexpectedEnd(expected: .stringEnd))
    }

    /// Decodes the escape at `position` (a backslash) into `scratch`.
    mutating func appendEscape() throws(JSONParseError) {
        let escapeStart = position
        guard position + 1 < input.count else { throw failure(.unexpectedEnd(expected: .stringEnd), at: input.count) }
        let kind = input[position + 1]
        let simple: UInt8
        switch kind {
        case ASCII.quote, ASCII.backslash, UInt8(ascii: "/"): simple = kind
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let unit = try readUnicodeEscape()
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low one.
                guard matches(#"\u"#) else { throw failure(.loneSurrogate(unit), at: escapeStart) }
                let low = try readUnicodeEscape()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure(.loneSurrogate(unit), at: escapeStart) }
                let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                appendUTF8(Unicode.Scalar(scalar)!)
            case 0xDC00...0xDFFF:
                throw failure(.loneSurrogate(unit), at: escapeStart)
            default:
                appendUTF8(Unicode.Scalar(unit)!)
            }
            return
        default:
            throw failure(.invalidEscape(kind), at: escapeStart)
        }
        scratch.append(simple)
        position += 2
    }

    /// Reads the four hex digits of a `\u` escape at `position` and returns the code unit.
    mutating func readUnicodeEscape() throws(JSONParseError) -> UInt16 {
        let escapeStart = position
        var unit: UInt16 = 0
        for offset in 2..<6 {
            guard position + offset < input.count else { throw failure(.unexpectedEnd(expected: .stringEnd), at: input.count) }
            let byte = input[position + offset]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(.invalidUnicodeEscape, at: escapeStart)
            }
            unit = unit << 4 | UInt16(digit)
        }
        position += 6
        return unit
    }

    mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        UTF8.encode(scalar) { scratch.append($0) }
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        if input[position] == ASCII.minus {
            position += 1
            if matches("Infinity") { throw failure(.nonFiniteLiteral, at: start) }
        }
        let integerStart = position
        guard position < input.count, ASCII.isDigit(input[position]) else { throw failure(.invalidNumber) }
        if input[position] == ASCII.zero {
            position += 1
            if position < input.count && ASCII.isDigit(input[position]) { throw failure(.leadingZero, at: start) }
        } else {
            skipDigits()
        }
        let integerDigits = position - integerStart
        var fractionDigits = 0
        var isDouble = false
        if position < input.count && input[position] == ASCII.dot {
            isDouble = true
            position += 1
            fractionDigits = try requireDigits()
        }
        var exponent = 0
        if position < input.count && input[position] | 0x20 == UInt8(ascii: "e") {
            isDouble = true
            position += 1
            var negative = false
            if position < input.count && (input[position] == ASCII.minus || input[position] == ASCII.plus) {
                negative = input[position] == ASCII.minus
                position += 1
            }
            let exponentStart = position
            _ = try requireDigits()
            // Clamped: anything this large is already ±infinity or zero.
            for index in exponentStart..<position where exponent < 100_000 {
                exponent = exponent * 10 + Int(input[index] - ASCII.zero)
            }
            if negative { exponent = -exponent }
        }
        let text = UnsafeRawBufferPointer(rebasing: input[start..<position])
        guard isDouble else {
            guard integerDigits <= limits.maxIntegerDigits else {
                throw failure(.integerTooLong(digits: integerDigits, limit: limits.maxIntegerDigits), at: start)
            }
            // `-0` is the only literal that normalises; the grammar already forbids leading zeros.
            let isZero = integerDigits == 1 && input[integerStart] == ASCII.zero
            return .integer(JSONInteger(normalizedDecimal: isZero ? "0" : String(decoding: text, as: UTF8.self)))
        }
        let value = exactDouble(integerStart: integerStart, integerDigits: integerDigits,
                                fractionDigits: fractionDigits, exponent: exponent)
            ?? Double(String(decoding: text, as: UTF8.self))
        guard let value, value.isFinite else { throw failure(.numberOutOfRange, at: start) }
        return .double(input[start] == ASCII.minus ? -value.magnitude : value)
    }

    mutating func skipDigits() {
        while position < input.count && ASCII.isDigit(input[position]) { position += 1 }
    }

    /// Steps over one or more digits and returns how many; refuses none.
    mutating func requireDigits() throws(JSONParseError) -> Int {
        let start = position
        skipDigits()
        guard position > start else { throw failure(.invalidNumber) }
        return position - start
    }

    /// Clinger's fast path: with at most 15 significant digits and a power of
    /// ten up to 10^22, both operands are exact doubles, so one multiply or
    /// divide rounds correctly. Other literals go to `Double(String)`.
    func exactDouble(integerStart: Int, integerDigits: Int, fractionDigits: Int, exponent: Int) -> Double? {
        var mantissa: UInt64 = 0
        var significant = 0
        for index in integerStart..<(integerStart + integerDigits + 1 + fractionDigits) {
            let byte = input[index]
            guard ASCII.isDigit(byte) else { continue }
            if significant > 0 || byte != ASCII.zero { significant += 1 }
            guard significant <= 15 else { return nil }
            mantissa = mantissa * 10 + UInt64(byte - ASCII.zero)
        }
        let scale = exponent - fractionDigits
        guard scale.magnitude <= 22 else { return nil }
        let power = Self.powersOfTen[Int(scale.magnitude)]
        return scale < 0 ? Double(mantissa) / power : Double(mantissa) * power
    }

    static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }
}

/// A key hashed and compared by its UTF-8 bytes, for duplicate checks in large objects.
private struct KeyBytes: Hashable {
    let key: String

    static func == (lhs: KeyBytes, rhs: KeyBytes) -> Bool {
        lhs.key.codePointCompare(rhs.key) == 0
    }

    func hash(into hasher: inout Hasher) {
        var key = key
        key.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension JSONInteger {
    /// Wraps decimal text the parser has already checked and normalised.
    fileprivate init(normalizedDecimal: String) {
        decimal = normalizedDecimal
    }
}

/// The canonical JSON text that record ids hash, byte-exact with the Python
/// SDK's `syncropel.canonical.canonical_json` (SPEC 3.2).
///
/// Keys are sorted by code point at every depth, there is no whitespace,
/// strings are raw UTF-8 with minimal escaping, integral doubles print as
/// their exact integer and other doubles as Python's `repr`.
///
/// ```swift
/// let value = try JSONParser.parse(#"{"b":1.0,"a":[0.1,1e-7]}"#.utf8)
/// try CanonicalJSON.string(value)  // {"a":[0.1,1e-07],"b":1}
/// ```
public enum CanonicalJSON {
    /// The SDK refuses to print integers longer than this (CPython's `int_max_str_digits`).
    public static let maxIntegerDigits = 4300

    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) throws(CanonicalJSONError) -> [UInt8] {
        var writer = JSONTextWriter(reservingCapacity: 512)
        try write(value, to: &writer)
        return writer.bytes
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue) throws(CanonicalJSONError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to writer: inout JSONTextWriter) throws(CanonicalJSONError) {
        switch value {
        case .null:
            writer.append("null")
        case .bool(let flag):
            writer.append(flag ? "true" : "false")
        case .integer(let integer):
            let digits = integer.decimal.utf8.count - (integer.decimal.utf8.first == UInt8(ascii: "-") ? 1 : 0)
            guard digits <= maxIntegerDigits else {
                throw CanonicalJSONError(reason: .integerTooLong(digits: digits, limit: maxIntegerDigits))
            }
            writer.appendInteger(integer)
        case .double(let number):
            guard number.isFinite else { throw CanonicalJSONError(reason: .nonFiniteNumber) }
            // Python's canonical_value turns x == int(x) floats into ints before dumping.
            if number == number.rounded(.towardZero) {
                writer.appendExactInteger(of: number)
            } else {
                writer.appendPythonRepr(number)
            }
        case .string(let string):
            writer.appendString(string)
        case .array(let elements):
            writer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                do {
                    try write(element, to: &writer)
                } catch {
                    throw error.inside("[\(index)]")
                }
            }
            writer.append(UInt8(ascii: "]"))
        case .object(let object):
            let members = object.members
            writer.append(UInt8(ascii: "{"))
            // Objects often arrive already sorted (our own output, the SDK's); skip the sort then.
            if isStrictlySorted(members) {
                for index in members.indices {
                    try write(members[index], first: index == 0, to: &writer)
                }
            } else {
                for (position, index) in try sortedIndices(of: members).enumerated() {
                    try write(members[index], first: position == 0, to: &writer)
                }
            }
            writer.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ member: JSONObject.Member, first: Bool, to writer: inout JSONTextWriter) throws(CanonicalJSONError) {
        if !first { writer.append(UInt8(ascii: ",")) }
        writer.appendString(member.key)
        writer.append(UInt8(ascii: ":"))
        do {
            try write(member.value, to: &writer)
        } catch {
            throw error.inside(member.key)
        }
    }

    /// True when parsing `encode(value)` gives back `value` exactly, members in the same order:
    /// every object's keys are already in code point order, and no double is integral (those are
    /// written as integers, so they parse back as `.integer`).
    public static func parsesBackUnchanged(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .bool, .integer, .string:
            true
        case .double(let number):
            number != number.rounded(.towardZero)
        case .array(let elements):
            elements.allSatisfy(parsesBackUnchanged)
        case .object(let object):
            isStrictlySorted(object.members) && object.members.allSatisfy { parsesBackUnchanged($0.value) }
        }
    }

    /// What parsing `encode(value)` gives, without writing or parsing it: every object's members
    /// in code point order, integral doubles as the integers they are written as.
    public static func readBack(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null, .bool, .integer, .string:
            return value
        case .double(let number):
            guard number == number.rounded(.towardZero) else { return value }
            var writer = JSONTextWriter(reservingCapacity: 24)
            writer.appendExactInteger(of: number)
            return .integer(JSONInteger(decimal: Substring(String(decoding: writer.bytes, as: UTF8.self)))!)
        case .array(let elements):
            return .array(elements.map(readBack))
        case .object(let object):
            var members = object.members
            if !isStrictlySorted(members) {
                members.sort { $0.key.codePointCompare($1.key) < 0 }
            }
            for index in members.indices {
                members[index].value = readBack(members[index].value)
            }
            return .object(JSONObject(members))
        }
    }

    private static func isStrictlySorted(_ members: [JSONObject.Member]) -> Bool {
        members.indices.dropFirst().allSatisfy { members[$0 - 1].key.codePointCompare(members[$0].key) < 0 }
    }

    /// Member indices in code point order of their keys; refuses a repeated key.
    private static func sortedIndices(of members: [JSONObject.Member]) throws(CanonicalJSONError) -> [Int] {
        let order = members.indices.sorted { members[$0].key.codePointCompare(members[$1].key) < 0 }
        for position in order.indices.dropFirst()
        where members[order[position - 1]].key.codePointCompare(members[order[position]].key) == 0 {
            throw CanonicalJSONError(reason: .duplicateKey(members[order[position]].key))
        }
        return order
    }
}

/// Why a value has no canonical form, and where in it.
public struct CanonicalJSONError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// NaN or ±Infinity, which JSON cannot express.
        case nonFiniteNumber
        /// The same key (byte for byte) twice in one object.
        case duplicateKey(String)
        /// An integer longer than the SDK will print.
        case integerTooLong(digits: Int, limit: Int)

        public var description: String {
            switch self {
            case .nonFiniteNumber:
                return "NaN and Infinity are not allowed"
            case .duplicateKey(let key):
                return "duplicate key \(JSONValue.string(key).serialized())"
            case .integerTooLong(let digits, let limit):
                return "integer has \(digits) digits (limit \(limit))"
            }
        }
    }

    public let reason: Reason
    /// Where the offending value sits, such as `body.items[3]`; empty at the top.
    public let path: String

    public init(reason: Reason, path: String = "") {
        self.reason = reason
        self.path = path
    }

    public var description: String {
        path.isEmpty ? "cannot canonicalise JSON: \(reason)" : "cannot canonicalise JSON at \(path): \(reason)"
    }

    /// Paths are built while the error unwinds, so the encoder keeps no path on the way down.
    fileprivate func inside(_ component: String) -> CanonicalJSONError {
        let rest = path.isEmpty || path.hasPrefix("[") ? path : "." + path
        return CanonicalJSONError(reason: reason, path: component + rest)
    }
}

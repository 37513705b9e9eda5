/// A JSON value as Syncropel hashes it.
///
/// Foundation's `JSONSerialization` cannot tell `1`, `1.0` and `true` apart,
/// and record ids depend on exactly that difference, so records use this type.
/// Integers keep every digit (`JSONInteger`); numbers written with a fraction
/// or an exponent are `double`. Objects keep their members in input order;
/// `CanonicalJSON` sorts them by code point when it writes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(JSONInteger)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An integer of any size, kept as its normalised decimal text
/// (an optional `-`, then digits without leading zeros; zero is `"0"`).
public struct JSONInteger: Sendable, Hashable, CustomStringConvertible {
    /// The normalised decimal text.
    public let decimal: String

    public init(_ value: Int64) {
        decimal = String(value)
    }

    /// Normalises `text` (`-0` → `0`, `007` → `7`); nil unless it is an optional `-` and digits.
    public init?(decimal text: Substring) {
        var digits = text
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let significant = digits.drop(while: { $0 == "0" })
        if significant.isEmpty {
            decimal = "0"
        } else {
            decimal = (negative ? "-" : "") + significant
        }
    }

    /// The value as `Int64`, or nil when it does not fit.
    public var int64Value: Int64? { Int64(decimal) }

    public var description: String { decimal }
}

/// A JSON object: members in the order they were given.
///
/// Keys compare by their Unicode scalars (byte for byte), never by Swift's
/// canonical-equivalence `==`: `"é"` and `"e\u{301}"` are different keys.
public struct JSONObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }

    /// The value of `key`, compared byte for byte.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key.codePointCompare(key) == 0 })?.value }
        set {
            let index = members.firstIndex(where: { $0.key.codePointCompare(key) == 0 })
            switch (index, newValue) {
            case let (i?, value?): members[i].value = value
            case let (i?, nil): members.remove(at: i)
            case let (nil, value?): members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }
}

extension JSONValue {
    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object, when this is one.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array, when this is one.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as `Int64` when it is an integer that fits.
    public var int64Value: Int64? {
        if case .integer(let i) = self { return i.int64Value }
        return nil
    }

    /// Follows a dotted path (`"a.b.c"`) through nested objects.
    public func value(atPath path: some StringProtocol) -> JSONValue? {
        var current: JSONValue = self
        for segment in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .object(let object) = current, let next = object[String(segment)] else { return nil }
            current = next
        }
        return current
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(JSONInteger(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension String {
    /// Compares by UTF-8 bytes, which is Unicode code point order (U+FF01
    /// before U+1F600, unlike UTF-16 order). Swift's `<` and `==` on `String`
    /// treat canonically equivalent text as equal; the protocol hashes bytes and
    /// never normalises, so keys, actors and names compare with this instead.
    /// Negative, zero or positive, like `memcmp`.
    func codePointCompare(_ other: String) -> Int {
        var lhs = self
        var rhs = other
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return Int(left[index]) - Int(right[index])
                }
                return left.count - right.count
            }
        }
    }
}

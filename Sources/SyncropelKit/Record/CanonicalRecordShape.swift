/// Whether stored bytes have the shape of a record's canonical form, checked without building
/// anything: one JSON object with no whitespace whose keys are the seven hashed fields in
/// canonical order, every value well-formed JSON (RFC 8259) within the parser's depth and number
/// limits, every object's keys rising (so none twice), every string valid UTF-8 with only the
/// escapes the canonical writer makes. Whatever matches, the strict parser accepts.
///
/// A store that sends stored bytes out as they are (a thread page) checks this, and the id
/// hash, instead of parsing each record: bytes that pass are one valid JSON object of exactly
/// those fields, so splicing them into a response can never make it malformed. Bytes that fail
/// (written by something other than spl) take the full parse, which names what is wrong.
public enum CanonicalRecordShape {
    static let keys: [StaticString] = ["act", "actor", "body", "clock", "data_type", "parents", "thread"]

    public static func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = Scanner(bytes: bytes, strict: false)
        return scanner.record()
    }

    public static func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { matches($0) }
    }

    /// The hashed fields that a store's lookup columns repeat.
    public struct Fields: Sendable, Equatable {
        public let act: Act
        public let actor: String
        public let clock: Int64
        public let thread: String

        init(act: Act, actor: String, clock: Int64, thread: String) {
            self.act = act
            self.actor = actor
            self.clock = clock
            self.thread = thread
        }

        /// A parsed record's.
        public init(_ record: Record) {
            self.init(act: record.act, actor: record.actor, clock: record.clock, thread: record.thread)
        }
    }

    /// The fields of `bytes` when they are exactly the canonical form of a valid record, read
    /// without building the record; nil otherwise, and the caller parses (which names what is
    /// wrong, or finds nothing wrong with an unusual record).
    ///
    /// On top of the shape `matches` checks: only the escapes the canonical writer makes (`\n`,
    /// never `\u000a`), no escape in a key (its order is then judged on the text as written), only
    /// integers and each in its one form (no `-0`), and hashed fields that pass the record rules
    /// (a known act and data type, an actor and thread `RecordRules` accept, a clock from 0 to
    /// 2^63-1, parents as record ids in strictly rising order, an object body). Whatever this
    /// accepts, `Record(canonical:)` accepts with the same fields and `isCanonicalFormValid`.
    public static func canonicalFields(_ bytes: UnsafeBufferPointer<UInt8>) -> Fields? {
        var scanner = Scanner(bytes: bytes, strict: true)
        guard scanner.record() else { return nil }
        let values = scanner.values
        // In key order: act, actor, body, clock, data_type, parents, thread.
        guard let actText = plainString(bytes, values[0]), let act = Act(rawValue: actText),
            let actor = plainString(bytes, values[1]), (try? RecordRules.checkActor(actor)) != nil,
            bytes[values[2].lowerBound] == UInt8(ascii: "{"),
            let clock = nonNegativeInteger(bytes, values[3]),
            let dataType = plainString(bytes, values[4]), DataType(rawValue: dataType) != nil,
            areRisingRecordIDs(bytes, values[5]),
            let thread = plainString(bytes, values[6]), (try? RecordRules.checkThread(thread)) != nil
        else { return nil }
        return Fields(act: act, actor: actor, clock: clock, thread: thread)
    }

    public static func canonicalFields(_ bytes: [UInt8]) -> Fields? {
        bytes.withUnsafeBufferPointer { canonicalFields($0) }
    }

    /// A string value without escapes, as text (the scanner has checked its UTF-8).
    private static func plainString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
        guard !inner.contains(UInt8(ascii: "\\")) else { return nil }
        return String(decoding: inner, as: UTF8.self)
    }

    /// An integer value from 0 to `Int64.max` (the strict scanner allows no other number form).
    private static func nonNegativeInteger(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var value: Int64 = 0
        for index in range {
            let byte = bytes[index]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return range.isEmpty ? nil : value
    }

    /// `[]`, or an array of at most `RecordRules.maxParents` record ids, each above the one before.
    private static func areRisingRecordIDs(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard bytes[range.lowerBound] == UInt8(ascii: "[") else { return false }
        var position = range.lowerBound + 1
        var previous: Range<Int>?
        var count = 0
        while position < range.upperBound - 1 {
            if previous != nil {
                guard bytes[position] == UInt8(ascii: ",") else { return false }
                position += 1
            }
            let id = (position + 1)..<(position + 65)
            guard id.upperBound < range.upperBound, bytes[position] == UInt8(ascii: "\""),
                bytes[id.upperBound] == UInt8(ascii: "\""), bytes[id].allSatisfy(Scanner.isLowercaseHexDigit)
            else { return false }
            if let previous, !bytes[previous].lexicographicallyPrecedes(bytes[id]) { return false }
            previous = id
            count += 1
            position = id.upperBound + 1
        }
        return count <= RecordRules.maxParents && bytes[range.upperBound - 1] == UInt8(ascii: "]")
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Only what the canonical writer makes (see `canonicalFields`).
        let strict: Bool
        var position = 0
        /// Where each of the seven values lies, in key order (filled when `strict`).
        var values: [Range<Int>] = []
        static let maxDepth = JSONParser.Limits().maxDepth
        static let maxIntegerDigits = JSONParser.Limits().maxIntegerDigits

        init(bytes: UnsafeBufferPointer<UInt8>, strict: Bool) {
            self.bytes = bytes
            self.strict = strict
            if strict { values.reserveCapacity(CanonicalRecordShape.keys.count) }
        }

        mutating func record() -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            for (index, key) in CanonicalRecordShape.keys.enumerated() {
                if index > 0, !take(UInt8(ascii: ",")) { return false }
                guard take(UInt8(ascii: "\"")), literal(key), take(UInt8(ascii: "\"")), take(UInt8(ascii: ":")) else { return false }
                let start = position
                guard value(depth: 1) else { return false }
                if strict { values.append(start..<position) }
            }
            return take(UInt8(ascii: "}")) && position == bytes.count
        }

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard current == byte else { return false }
            position += 1
            return true
        }

        private mutating func literal(_ text: StaticString) -> Bool {
            text.withUTF8Buffer { expected in
                guard bytes.count - position >= expected.count else { return false }
                for (offset, byte) in expected.enumerated() where bytes[position + offset] != byte { return false }
                position += expected.count
                return true
            }
        }

        private mutating func value(depth: Int) -> Bool {
            guard let byte = current else { return false }
            switch byte {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        private mutating func object(depth: Int) -> Bool {
            guard depth <= Self.maxDepth, take(UInt8(ascii: "{")) else { return false }
            if take(UInt8(ascii: "}")) { return true }
            var previousKey: Range<Int>?
            repeat {
                let keyStart = position
                guard string() else { return false }
                if strict, bytes[keyStart..<position].contains(UInt8(ascii: "\\")) { return false }
                // Canonical keys are sorted by code point, which is UTF-8 byte order: strictly
                // rising keys also rule out duplicates.
                let key = keyStart..<position
                if let previousKey, !bytes[previousKey].lexicographicallyPrecedes(bytes[key]) { return false }
                previousKey = key
                guard take(UInt8(ascii: ":")), value(depth: depth) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}"))
        }

        private mutating func array(depth: Int) -> Bool {
            guard depth <= Self.maxDepth, take(UInt8(ascii: "[")) else { return false }
            if take(UInt8(ascii: "]")) { return true }
            repeat {
                guard value(depth: depth) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        }

        private mutating func string() -> Bool {
            guard take(UInt8(ascii: "\"")) else { return false }
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return true
                case UInt8(ascii: "\\"):
                    position += 1
                    guard escape() else { return false }
                case 0..<0x20:
                    return false
                case 0x20..<0x80:
                    position += 1
                default:
                    guard utf8Sequence() else { return false }
                }
            }
            return false
        }

        private mutating func escape() -> Bool {
            guard let byte = current else { return false }
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                UInt8(ascii: "r"), UInt8(ascii: "t"):
                return true
            case UInt8(ascii: "u"):
                // The canonical writer escapes only control characters this way: \u0000–\u001f.
                guard literal("00"), let high = current, high == UInt8(ascii: "0") || high == UInt8(ascii: "1") else { return false }
                position += 1
                guard let low = current, Self.isLowercaseHexDigit(low) else { return false }
                position += 1
                // …and of those, not the five it writes as \b \t \n \f \r.
                let control = (high == UInt8(ascii: "1") ? 16 : 0) + Int(Self.hexValue(low))
                return !strict || ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(control)
            default:
                return false
            }
        }

        /// One multi-byte UTF-8 sequence: no overlong forms, no surrogates, nothing past U+10FFFF.
        private mutating func utf8Sequence() -> Bool {
            let lead = bytes[position]
            let (length, low, high): (Int, UInt8, UInt8)
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return false
            }
            guard bytes.count - position >= length, (low...high).contains(bytes[position + 1]) else { return false }
            for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[position + offset]) { return false }
            position += length
            return true
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, within the parser's limits: an
        /// integer of at most `maxIntegerDigits` digits, any other number a finite double.
        private mutating func number() -> Bool {
            let start = position
            _ = take(UInt8(ascii: "-"))
            if !take(UInt8(ascii: "0")) {
                guard let first = current, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first) else { return false }
                digits()
            }
            var isInteger = true
            if take(UInt8(ascii: ".")) {
                guard digits() else { return false }
                isInteger = false
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() else { return false }
                isInteger = false
            }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
            if strict, !isInteger || text.elementsEqual("-0".utf8) { return false }
            if isInteger { return text.count - (text.first == UInt8(ascii: "-") ? 1 : 0) <= Self.maxIntegerDigits }
            return Double(String(decoding: text, as: UTF8.self))?.isFinite == true
        }

        /// One or more decimal digits; false when there were none.
        @discardableResult
        private mutating func digits() -> Bool {
            let start = position
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            return position > start
        }

        static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }

        private static func hexValue(_ digit: UInt8) -> UInt8 {
            digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10
        }
    }
}

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
        var scanner = Scanner(bytes: bytes)
        return scanner.record()
    }

    public static func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { matches($0) }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        static let maxDepth = JSONParser.Limits().maxDepth
        static let maxIntegerDigits = JSONParser.Limits().maxIntegerDigits

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func record() -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            for (index, key) in CanonicalRecordShape.keys.enumerated() {
                if index > 0, !take(UInt8(ascii: ",")) { return false }
                guard take(UInt8(ascii: "\"")), literal(key), take(UInt8(ascii: "\"")), take(UInt8(ascii: ":")),
                    value(depth: 1)
                else { return false }
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
                return true
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

        private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
    }
}

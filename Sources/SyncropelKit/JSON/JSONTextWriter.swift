/// Appends JSON text to one byte buffer: the string escaping and number
/// layouts shared by `CanonicalJSON` and `JSONValue.serialized()`.
///
/// Both follow Python's `json.dumps(..., ensure_ascii=False)`, which is what
/// the SDK hashes, so everything here is byte-exact with CPython.
struct JSONTextWriter {
    var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // MARK: Strings

    /// A quoted string: UTF-8 as is, escaping only `"`, `\` and U+0000–U+001F
    /// (`\b \t \n \f \r` short, the rest `\u00XX` in lowercase hex).
    mutating func appendString(_ string: String) {
        var string = string
        string.withUTF8 { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            appendEscape(for: byte)
            runStart = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(for byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            let hex: StaticString = "0123456789abcdef"
            append("u00")
            hex.withUTF8Buffer { digits in
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    // MARK: Integers

    /// `appendInteger(JSONInteger(value))` without making the decimal text first.
    mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    mutating func appendInteger(_ integer: JSONInteger) {
        var decimal = integer.decimal
        decimal.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Decimal digits of `value`, written backwards then reversed in place
    /// so no temporary String is made.
    private mutating func appendDecimal(_ value: UInt64) {
        let start = bytes.count
        var rest = value
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    // MARK: Doubles

    /// The exact decimal expansion of an integral, finite `value`, as Python's
    /// `int(value)` prints it: `1e300` gives all 301 digits, `-0.0` gives `0`.
    mutating func appendExactInteger(of value: Double) {
        if value < 0 && value != 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        if magnitude < 0x1p64 {
            appendDecimal(UInt64(magnitude))
        } else {
            appendDecimal(limbs: Self.shiftedLimbs(
                magnitude.significandBitPattern | (1 << UInt64(Double.significandBitCount)),
                by: Int(magnitude.exponent) - Double.significandBitCount
            ))
        }
    }

    /// `significand << shift` as little-endian 32-bit limbs (only for values of 2^64 and above).
    private static func shiftedLimbs(_ significand: UInt64, by shift: Int) -> [UInt32] {
        let wordShift = shift / 32
        var limbs = [UInt32](repeating: 0, count: wordShift + 3)
        let bitShift = UInt64(shift % 32)
        let low = significand << bitShift
        let high = bitShift == 0 ? 0 : significand >> (64 - bitShift)
        limbs[wordShift] = UInt32(truncatingIfNeeded: low)
        limbs[wordShift + 1] = UInt32(truncatingIfNeeded: low >> 32)
        limbs[wordShift + 2] = UInt32(truncatingIfNeeded: high)
        return limbs
    }

    /// Decimal text of a big unsigned integer, by repeated division by 10^9.
    private mutating func appendDecimal(limbs: [UInt32]) {
        var limbs = limbs
        var chunks: [UInt32] = []  // base-10^9 digits, least significant first
        var top = limbs.count
        while top > 0 {
            var remainder: UInt64 = 0
            for index in stride(from: top - 1, through: 0, by: -1) {
                let current = remainder << 32 | UInt64(limbs[index])
                limbs[index] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
            while top > 0 && limbs[top - 1] == 0 { top -= 1 }
        }
        appendDecimal(UInt64(chunks.removeLast()))
        for chunk in chunks.reversed() {
            let start = bytes.count
            appendDecimal(UInt64(chunk))
            bytes.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9 - (bytes.count - start)), at: start)
        }
    }

    /// Python's `repr` of a finite double: the shortest digits that round-trip,
    /// in fixed notation when 1e-4 <= |x| < 1e16, otherwise `d.ddde±XX`.
    ///
    /// Swift's `description` yields the same shortest, closest digits; only
    /// its choice between fixed and exponent layout differs from Python, so
    /// the digits are taken from it and laid out again.
    mutating func appendPythonRepr(_ value: Double) {
        if value == 0 {
            append(value.sign == .minus ? "-0.0" : "0.0")
            return
        }
        var text = value.description
        text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { digits in
                var count = 0
                var integerDigits: Int?
                var index = 0
                if utf8[0] == UInt8(ascii: "-") {
                    bytes.append(UInt8(ascii: "-"))
                    index = 1
                }
                while index < utf8.count && utf8[index] != UInt8(ascii: "e") {
                    if utf8[index] == UInt8(ascii: ".") {
                        integerDigits = count
                    } else {
                        digits[count] = utf8[index]
                        count += 1
                    }
                    index += 1
                }
                var exponent = 0
                if index < utf8.count {
                    var negative = false
                    index += 1
                    if utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
                        negative = utf8[index] == UInt8(ascii: "-")
                        index += 1
                    }
                    while index < utf8.count {
                        exponent = exponent * 10 + Int(utf8[index] - UInt8(ascii: "0"))
                        index += 1
                    }
                    if negative { exponent = -exponent }
                }
                // Python's decpt: the value is 0.d1d2…dn × 10^decpt.
                var decimalPoint = (integerDigits ?? count) + exponent
                var first = 0
                while digits[first] == UInt8(ascii: "0") {
                    first += 1
                    decimalPoint -= 1
                }
                var last = count
                while digits[last - 1] == UInt8(ascii: "0") { last -= 1 }
                appendRepr(digits: UnsafeBufferPointer(rebasing: digits[first..<last]), decimalPoint: decimalPoint)
            }
        }
    }

    /// Lays out significant digits the way CPython's `format_float_short` does for `repr`.
    private mutating func appendRepr(digits: UnsafeBufferPointer<UInt8>, decimalPoint: Int) {
        let zero = UInt8(ascii: "0")
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                append("0.")
                bytes.append(contentsOf: repeatElement(zero, count: -decimalPoint))
                bytes.append(contentsOf: digits)
            } else if decimalPoint < digits.count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<decimalPoint]))
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[decimalPoint...]))
            } else {
                bytes.append(contentsOf: digits)
                bytes.append(contentsOf: repeatElement(zero, count: decimalPoint - digits.count))
                append(".0")
            }
            return
        }
        bytes.append(digits[0])
        if digits.count > 1 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[1...]))
        }
        let exponent = decimalPoint - 1
        bytes.append(UInt8(ascii: "e"))
        bytes.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
        if exponent.magnitude < 10 { bytes.append(zero) }
        appendDecimal(UInt64(exponent.magnitude))
    }
}

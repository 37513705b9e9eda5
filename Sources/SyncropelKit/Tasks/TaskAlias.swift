/// The short names tasks go by: `SKL-0001`, `SKL-0002`… counted on this instance in log
/// order, or a name given at `spl task add --alias`.
public enum TaskAlias {
    public static let prefix = "SKL-"
    public static let maxBytes = 64

    /// `SKL-` and `number` zero-padded to four digits (wider once past 9999).
    public static func numbered(_ number: Int) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A letter, then letters, digits, `.` and `-`, at most 64 bytes: no `_`, so an alias is
    /// never taken for a thread id (`th_…`), and no `/` or `?`, so it is one path segment.
    public static func isValid(_ alias: String) -> Bool {
        let bytes = Array(alias.utf8)
        guard let first = bytes.first, bytes.count <= maxBytes, isLetter(first) else { return false }
        return bytes.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}

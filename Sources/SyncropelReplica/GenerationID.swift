import Foundation

/// A generation's name, `20261205T081500.250Z-1a2b3c4d`: its start time in UTC to the
/// millisecond, then 8 random hex digits, so names sort by time and never collide.
public struct GenerationID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String
    /// The start time the name carries, to the millisecond.
    public let startedAt: Date

    public init?(_ rawValue: String) {
        let parts = rawValue.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 8, parts[1].utf8.allSatisfy(Self.isLowerHex),
            let date = Self.parseStamp(String(parts[0]))
        else { return nil }
        self.rawValue = rawValue
        startedAt = date
    }

    /// A new name for a generation starting at `date`, sorting after `previous` even when the
    /// clock has not moved on (or went back) since that one.
    public static func make(at date: Date, after previous: GenerationID? = nil) -> GenerationID {
        var start = date
        if let previous, start <= previous.startedAt { start = previous.startedAt.addingTimeInterval(0.001) }
        let suffix = String(format: "%08x", UInt32.random(in: .min ... .max))
        return GenerationID("\(stampFormatter.string(from: start))-\(suffix)")!
    }

    public var description: String { rawValue }

    public static func < (lhs: GenerationID, rhs: GenerationID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func parseStamp(_ text: String) -> Date? {
        guard text.utf8.count == 20 else { return nil }
        return stampFormatter.date(from: text)
    }

    private static var stampFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter
    }
}

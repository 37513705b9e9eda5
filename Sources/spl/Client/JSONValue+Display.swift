import Foundation
import SyncropelKit

extension JSONValue {
    /// A value as a table cell or a line of text: strings without quotes, `-` for null,
    /// other values as compact JSON.
    var displayText: String {
        switch self {
        case .null: return "-"
        case .string(let text): return text
        case .integer(let integer): return integer.decimal
        default: return serialized()
        }
    }
}

extension Optional where Wrapped == JSONValue {
    /// `-` for a missing field, like a null one.
    var displayText: String { self?.displayText ?? "-" }
}

/// Times as the CLI prints them.
enum DisplayTime {
    /// Unix milliseconds (how the store keeps `created_at`) as ISO-8601 UTC with whole seconds.
    static func iso8601(unixMillis: Int64) -> String {
        Date(timeIntervalSince1970: Double(unixMillis) / 1000).formatted(.iso8601)
    }

    /// A wire time — Unix milliseconds or already ISO-8601 text — as ISO-8601 UTC.
    static func iso8601(_ value: JSONValue?) -> String {
        if let millis = value?.int64Value { return iso8601(unixMillis: millis) }
        return value.displayText
    }

    /// The age of something in one unit: `12s`, `5m`, `3h`, `2d` (rounded down; never negative).
    static func age(seconds: Int64) -> String {
        let seconds = max(0, seconds)
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }

    /// Parses ISO-8601 UTC as the daemon writes it, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }
}

import Foundation

/// Names of on-demand and daily backups: `hub.db.<YYYYMMDD-HHMMSS>` in UTC, with a
/// `-N` suffix when that name is taken, so a backup never overwrites another (SPEC 8.2).
public enum TimestampedBackupName {
    public static let prefix = "hub.db."

    /// A path in `folder` that does not exist yet, for a backup taken at `date`.
    public static func unusedPath(in folder: String, at date: Date) -> String {
        let base = "\(folder)/\(prefix)\(stamp(date))"
        var candidate = base
        var suffix = 1
        while FileManager.default.fileExists(atPath: candidate) {
            suffix += 1
            candidate = "\(base)-\(suffix)"
        }
        return candidate
    }

    /// The UTC time in a timestamped backup's name (`hub.db.20261127-130405` or `…-130405-2`);
    /// nil for any other name, such as the startup generations `hub.db.bak*`.
    public static func date(ofName name: String) -> Date? {
        guard let stamp = stampPart(of: name) else { return nil }
        let digits = Array(stamp.utf8.prefix(15)).filter { $0 != UInt8(ascii: "-") }.map { Int($0) - 48 }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        var parts = DateComponents()
        (parts.year, parts.month, parts.day) = (number(0..<4), number(4..<6), number(6..<8))
        (parts.hour, parts.minute, parts.second) = (number(8..<10), number(10..<12), number(12..<14))
        guard let date = utcCalendar.date(from: parts), stamp.hasPrefix(Self.stamp(date)) else { return nil }
        return date
    }

    /// `keys.<stamp>.sealed`, the identity backup written beside a timestamped backup (SPEC 8.4);
    /// nil for any other name. Backups write the keys file under this name; prune and list find it by it.
    public static func sealedKeysName(forBackup name: String) -> String? {
        guard date(ofName: name) != nil, let stamp = stampPart(of: name) else { return nil }
        return "keys.\(stamp).sealed"
    }

    /// `20261127-130405` or `20261127-130405-2` when `name` is a timestamped backup's name.
    private static func stampPart(of name: String) -> Substring? {
        guard name.hasPrefix(prefix) else { return nil }
        let stamp = name.dropFirst(prefix.count)
        let parts = stamp.split(separator: "-", omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { part in !part.isEmpty && part.allSatisfy { ("0"..."9").contains($0) } }
        guard parts.count == 2 || parts.count == 3, parts[0].count == 8, parts[1].count == 6, parts.allSatisfy(isDigits)
        else { return nil }
        return stamp
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `20261127-130405` for 2026-11-27 13:04:05 UTC.
    public static func stamp(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", parts.year ?? 0) + two(parts.month) + two(parts.day) + "-"
            + two(parts.hour) + two(parts.minute) + two(parts.second)
    }
}

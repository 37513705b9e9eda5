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

    /// `20261127-130405` for 2026-11-27 13:04:05 UTC.
    public static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", parts.year ?? 0) + two(parts.month) + two(parts.day) + "-"
            + two(parts.hour) + two(parts.minute) + two(parts.second)
    }
}

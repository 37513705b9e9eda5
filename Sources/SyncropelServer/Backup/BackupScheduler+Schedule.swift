import Foundation
import SyncropelHome

extension BackupScheduler {
    /// When timed backups run (SPEC 8.2): daily at a UTC time of day (`[backup] daily_at`), or
    /// every few seconds when `[backup] interval_secs` is set, which tests use.
    public enum Schedule: Sendable, Equatable, CustomStringConvertible {
        case daily(at: HomeConfig.DailyTime)
        case every(seconds: Int)

        /// `interval_secs` wins over `daily_at` when both are set.
        public init(_ settings: HomeConfig.Backup) {
            if let seconds = settings.intervalSecs {
                self = .every(seconds: seconds)
            } else {
                self = .daily(at: settings.dailyAt)
            }
        }

        /// The first run strictly after `date`.
        public func nextRun(after date: Date) -> Date {
            switch self {
            case let .every(seconds):
                return date.addingTimeInterval(Double(seconds))
            case let .daily(time):
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let match = DateComponents(hour: time.hour, minute: time.minute, second: 0)
                return calendar.nextDate(after: date, matching: match, matchingPolicy: .nextTime)
                    ?? date.addingTimeInterval(86_400)
            }
        }

        /// `daily 03:00 UTC` or `every 60 s`, as status output and the API show it.
        public var description: String {
            switch self {
            case let .daily(time): "daily \(time) UTC"
            case let .every(seconds): "every \(seconds) s"
            }
        }
    }
}

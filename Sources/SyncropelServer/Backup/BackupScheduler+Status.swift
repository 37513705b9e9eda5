import Foundation
import SyncropelKit

extension BackupScheduler {
    /// What the timed backups are doing, for `GET /v1/admin/backup/auto`, `/health` and `spl status`.
    public struct Status: Sendable, Equatable {
        public let enabled: Bool
        public let schedule: Schedule
        /// When the last timed backup started; nil before the first one of this daemon.
        public let lastRunAt: Date?
        /// The backup the last run wrote; it can be set while `lastError` is too (keys not sealed).
        public let lastPath: String?
        public let lastRecords: Int64?
        /// Why the last run failed; nil when it succeeded. The next run tries again.
        public let lastError: String?
        /// When the next run starts; nil while disabled.
        public let nextRunAt: Date?
        /// True when the daemon has a passphrase, so each timed backup seals the keys beside it.
        public let identitySealed: Bool

        public init(
            enabled: Bool, schedule: Schedule, lastRunAt: Date?, lastPath: String?, lastRecords: Int64?,
            lastError: String?, nextRunAt: Date?, identitySealed: Bool
        ) {
            self.enabled = enabled
            self.schedule = schedule
            self.lastRunAt = lastRunAt
            self.lastPath = lastPath
            self.lastRecords = lastRecords
            self.lastError = lastError
            self.nextRunAt = nextRunAt
            self.identitySealed = identitySealed
        }

        /// The fields of `GET /v1/admin/backup/auto` and `/health.backup.auto`, in this order:
        /// `enabled`, `schedule`, `last_run_at`, `last_path`, `last_records`, `last_error`,
        /// `next_run_at`, `identity_sealed` (times ISO-8601 UTC, unknowns null).
        public var jsonMembers: [JSONObject.Member] {
            func time(_ date: Date?) -> JSONValue { date.map { .string($0.formatted(.iso8601)) } ?? .null }
            return [
                .init(key: "enabled", value: .bool(enabled)),
                .init(key: "schedule", value: .string(schedule.description)),
                .init(key: "last_run_at", value: time(lastRunAt)),
                .init(key: "last_path", value: lastPath.map(JSONValue.string) ?? .null),
                .init(key: "last_records", value: lastRecords.map { .integer(JSONInteger($0)) } ?? .null),
                .init(key: "last_error", value: lastError.map(JSONValue.string) ?? .null),
                .init(key: "next_run_at", value: time(nextRunAt)),
                .init(key: "identity_sealed", value: .bool(identitySealed)),
            ]
        }
    }

    /// The outcome of one run, kept until the next.
    struct LastRun: Sendable, Equatable {
        let startedAt: Date
        let path: String?
        let records: Int64?
        let error: String?
    }
}

import Foundation
import GRDB

/// The lowest sequence and server-assigned clock a restored store hands out
/// (docs/REPLICATION.md, "Numbers after a restore").
///
/// A restore may bring back fewer records than were acknowledged, so `highest + 1`
/// could give a lost record's sequence, or its (thread, actor, clock), to another record.
/// Each restore writes the current time in microseconds since the epoch as
/// `meta.assignment_floor`; from then on the next sequence is `max(highest + 1, floor)`
/// and every server-assigned clock `max(thread's highest + 1, floor)`. Both grew by one
/// per record before, far slower than one per microsecond, so nothing handed out before
/// the restore reaches the floor. Only a restore writes it: a restart reopens the same
/// file, which lost nothing.
public enum AssignmentFloor {
    static let metaKey = "assignment_floor"
    /// 2^53 − 1: the largest integer every JSON reader keeps exactly.
    static let maximum: Int64 = (1 << 53) - 1

    /// Microseconds since the epoch at `date`: about 1.8e15 in 2026, below 2^53 (JSON-safe
    /// integers) until the year 2255.
    public static func microseconds(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
    }

    /// The floor `meta` holds, nil for a store that was never restored; anything but an integer
    /// from 0 to `maximum` is refused, since it would set every number the daemon hands out.
    static func read(_ db: Database, path: String) throws -> Int64? {
        let row = try Row.fetchOne(db, sql: "SELECT value, quote(value) FROM meta WHERE key = ?", arguments: [metaKey])
        guard let row else { return nil }
        let value: DatabaseValue = row[0]
        guard case .int64(let floor) = value.storage, (0...maximum).contains(floor) else {
            throw StoreError.badAssignmentFloor(path: path, found: row[1])
        }
        return floor
    }

    /// Writes `floor` into the store file at `path`, which no daemon has open; false, with the
    /// file untouched, when it is not a store this `spl` wrote (unreadable, or with schema
    /// objects of its own whose triggers an insert would run): a daemon refuses such a file.
    static func write(_ floor: Int64, intoFileAt path: String) -> Bool {
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in try StoreSchema.distrustSchema(db) }
            let database = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? database.close() }
            return try database.write { db in
                guard let version = try StoreSchema.schemaVersion(db), version <= StoreSchema.currentVersion,
                    try StoreSchema.unexpectedObjects(db, version: version).isEmpty
                else { return false }
                try db.execute(
                    sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    arguments: [metaKey, floor])
                return true
            }
        } catch {
            return false
        }
    }
}

import Foundation
import GRDB
import PostgresNIO
import SyncropelKit

/// Why a restore into PostgreSQL did not happen; the database was left as it was.
public enum PostgresRestoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Daemons (or another restore) have connections open on the database.
    case inUse(url: String, connections: Int, activeDaemon: String?)
    /// A record of the backup failed its check.
    case badRecord(backup: String, sequence: Int64, reason: String)

    public var description: String {
        switch self {
        case .inUse(let url, let connections, let activeDaemon):
            let active = activeDaemon.map { "; the active daemon is at \($0)" } ?? ""
            return "\(connections) spl connection\(connections == 1 ? " is" : "s are") open on \(url)\(active); "
                + "stop every daemon on this database (active and standby) with 'spl stop', then restore"
        case .badRecord(let backup, let sequence, let reason):
            return "record at sequence \(sequence) of \(backup) failed its check: \(reason); nothing was changed; "
                + "restore another backup (list them with 'spl backup list')"
        }
    }
}

/// What a restore into PostgreSQL did.
public struct PostgresRestoreResult: Sendable, Equatable {
    /// The schema the replaced tables were moved into, nil when the database held no store.
    public let replacedSchema: String?
    public let records: Int64
    public let assignmentFloor: Int64
}

/// Puts a backup file's log in place of a PostgreSQL store's (`spl backup restore` on a home whose
/// `[store] url` is a database), the counterpart of `StoreRestore` for a file.
///
/// One transaction does it all, so a restore that fails (a bad record, the server gone) leaves
/// the database exactly as it was: the store's tables move into a new schema
/// `spl_replaced_<epoch>` (kept, as `hub.db.replaced.<epoch>` is for a file), a new store is
/// created, the backup's `meta` rows are copied, every record is read back from its canonical
/// bytes (id re-hashed) and its signature checked before it is inserted with its sequence and
/// `created_at`, the thread summaries are rebuilt, and an `AssignmentFloor` is written. The
/// derived state is left for the daemon to fold again at its start. It runs only while no other
/// `spl` session is connected to the database, and holds the schema, writer and active-daemon
/// locks, so a daemon that starts meanwhile waits for it.
///
/// ```swift
/// let plan = try await PostgresRestore.plan(backup: file, into: url)
/// let result = try await PostgresRestore.install(backup: file, into: url, at: Date()) { done, total in }
/// ```
public enum PostgresRestore {
    private static let tables = ["records", "threads", "derived_state", "meta"]
    private static let chunk = 10_000

    /// The records the database holds now, the backup's, and how many of the database's are not in the backup.
    public static func plan(backup: String, into url: PostgresStoreURL) async throws -> RestorePlan {
        let restored = StoreRestore.contents(of: backup)
        return try await withConnection(url) { connection in
            guard try await PostgresSchema.schemaVersion(connection) != nil else {
                return RestorePlan(current: .missing, backup: restored, lostRecords: 0)
            }
            let count = try await connection.rows("SELECT count(*) FROM records")[0].decode(Int64.self)
            guard case .records = restored else {
                return RestorePlan(current: .records(count), backup: restored, lostRecords: count)
            }
            let lost = try await lostRecords(connection, backup: backup)
            return RestorePlan(current: .records(count), backup: restored, lostRecords: lost)
        }
    }

    /// Whether the database holds a store (its `meta` table); the daemon refuses to start a home
    /// with an identity on one that does not, as it refuses a missing store file.
    public static func databaseHoldsStore(_ url: PostgresStoreURL) async throws -> Bool {
        try await withConnection(url) { connection in try await PostgresSchema.schemaVersion(connection) != nil }
    }

    /// `progress` hears (records inserted, records in the backup) after every chunk.
    public static func install(
        backup: String, into url: PostgresStoreURL, at date: Date, progress: ((Int64, Int64) -> Void)? = nil
    ) async throws -> PostgresRestoreResult {
        let file = try ReadOnlyStoreFile.open(backup)
        defer { try? file.close() }
        let total = try await file.read { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0 }
        let meta = try await file.read { db in
            try Row.fetchAll(db, sql: "SELECT key, CAST(value AS TEXT) FROM meta WHERE key <> 'schema_version'").map {
                (key: $0[0] as String, value: $0[1] as String)
            }
        }
        let floor = AssignmentFloor.microseconds(at: date)
        return try await withConnection(url) { connection in
            try await refuseOtherSessions(connection, url: url.description)
            try await connection.rows("BEGIN")
            do {
                try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresLocks.schema))")
                try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresLocks.writer))")
                let replaced = try await moveAside(connection, at: date)
                try await PostgresSchema.createTables(connection)
                for (key, value) in meta where key != AssignmentFloor.metaKey {
                    try await connection.rows("INSERT INTO meta (key, value) VALUES (\(key), \(value))")
                }
                try await connection.rows("INSERT INTO meta (key, value) VALUES (\(AssignmentFloor.metaKey), \(String(floor)))")
                var copied: Int64 = 0
                var after: Int64 = .min
                progress?(0, total)
                while true {
                    let from = after
                    let batch = try await file.read { db in
                        try Row.fetchAll(
                            db, sql: "SELECT \(StoredRecordRow.columns) FROM records WHERE sequence > ? ORDER BY sequence LIMIT ?",
                            arguments: [from, chunk]
                        ).map { try StoredRecordRow.decode($0, path: backup) }
                    }
                    guard let last = batch.last else { break }
                    try check(batch, backup: backup)
                    guard try await PostgresRecordStore.insertAll(batch[...], connection) == batch.count else {
                        throw StoreError.damagedRecord(path: backup, sequence: last.sequence, reason: "a record of this chunk is there twice")
                    }
                    copied += Int64(batch.count)
                    after = last.sequence
                    progress?(copied, total)
                }
                try await connection.rows("""
                    INSERT INTO threads (id, record_count, last_clock, updated_at)
                    SELECT thread, count(*), max(clock), max(created_at) FROM records GROUP BY thread
                    """)
                try await connection.rows("COMMIT")
                return PostgresRestoreResult(replacedSchema: replaced, records: copied, assignmentFloor: floor)
            } catch {
                _ = try? await connection.rows("ROLLBACK")
                throw error
            }
        }
    }

    /// One connection of the store's own kind (named `spl`, so other restores see it), closed after `body`.
    private static func withConnection<T: Sendable>(
        _ url: PostgresStoreURL, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let configuration = try PostgresRecordStore.connectionConfiguration(url, options: .init(createdByVersion: ""))
        let pool = PostgresConnectionPool(configuration: configuration, url: url.description, limit: 1)
        do {
            let value = try await pool.withConnection(body)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Every spl connection but this one: the daemons' pools, listeners and writer claims all name themselves `spl`.
    private static func refuseOtherSessions(_ connection: PostgresConnection, url: String) async throws {
        let others = try await connection.rows("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'spl' AND pid <> pg_backend_pid()
            """)[0].decode(Int64.self)
        guard others == 0 else {
            let active = try? await PostgresSchema.metaValue(connection, key: PostgresWriterClaim.addressKey)
            throw PostgresRestoreError.inUse(url: url, connections: Int(others), activeDaemon: active ?? nil)
        }
    }

    /// Moves the store's tables into `spl_replaced_<epoch>` (a later second when that is taken);
    /// nil when the database holds no store.
    private static func moveAside(_ connection: PostgresConnection, at date: Date) async throws -> String? {
        guard try await PostgresSchema.schemaVersion(connection) != nil else { return nil }
        var epoch = Int64(date.timeIntervalSince1970)
        while try await connection.rows("SELECT 1 FROM pg_namespace WHERE nspname = \("spl_replaced_\(epoch)")").count > 0 {
            epoch += 1
        }
        let schema = "spl_replaced_\(epoch)"
        // Identifiers cannot be bound; this one is made of digits and a fixed prefix.
        try await connection.rows(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
        for table in tables {
            try await connection.rows(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) SET SCHEMA \(schema)"))
        }
        return schema
    }

    private static func check(_ batch: [StoredRecord], backup: String) throws {
        if let failure = StoreCopy.firstBadSignature(batch) {
            throw PostgresRestoreError.badRecord(backup: backup, sequence: failure.sequence, reason: failure.reason)
        }
    }

    /// Ids in the database that the backup lacks: both id orders walked side by side, a page at a time.
    private static func lostRecords(_ connection: PostgresConnection, backup: String) async throws -> Int64 {
        let file = try ReadOnlyStoreFile.open(backup)
        defer { try? file.close() }
        var backupIDs = PagedIDs { after in
            try await file.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, chunk])
            }
        }
        var storeIDs = PagedIDs { after in
            try await connection.rows("SELECT id FROM records WHERE id > \(after) ORDER BY id LIMIT \(Int64(chunk))")
                .map { try $0.decode(String.self) }
        }
        var lost: Int64 = 0
        var candidate = try await backupIDs.next()
        while let id = try await storeIDs.next() {
            // Both sides order by bytes (SQLite's BINARY, PostgreSQL's "C" collation).
            while let next = candidate, next.utf8.lexicographicallyPrecedes(id.utf8) {
                candidate = try await backupIDs.next()
            }
            if candidate != id { lost += 1 }
        }
        return lost
    }
}

/// Ids in ascending order, fetched a page at a time after the last one seen.
private struct PagedIDs {
    let fetch: (String) async throws -> [String]
    private var page: [String] = []
    private var index = 0
    private var finished = false

    init(fetch: @escaping (String) async throws -> [String]) {
        self.fetch = fetch
    }

    mutating func next() async throws -> String? {
        if index == page.count {
            guard !finished else { return nil }
            page = try await fetch(page.last ?? "")
            index = 0
            finished = page.isEmpty
            guard !page.isEmpty else { return nil }
        }
        defer { index += 1 }
        return page[index]
    }
}

import Logging
import PostgresNIO

/// The PostgreSQL schema of a record store: the same tables as SQLite's `StoreSchema` v1.
///
/// `meta.schema_version` is the number of the last migration applied; a database whose number
/// is higher than `currentVersion` was written by a newer `spl` and is refused. The numbering is
/// its own: SQLite's version 2 changed only SQLite's id index.
/// Text columns use the "C" collation, so comparisons and sorts are by code point, as
/// SQLite's BINARY collation orders them, whatever the database's locale.
enum PostgresSchema {
    static let currentVersion = 1

    /// Creates the schema when missing (under `PostgresLocks.schema`, so two daemons starting at
    /// once do not race) and records who created the store. Returns the schema version found.
    static func prepare(
        _ connection: PostgresConnection, url: String, instanceDID: String?, createdByVersion: String
    ) async throws {
        try await connection.withTransaction(logger: PostgresStoreLog.silent) { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresLocks.schema))")
            let found = try await schemaVersion(connection)
            try StoreSchema.refuseNewer(found, path: url, supported: currentVersion)
            if found == nil {
                try await createTables(connection)
            }
            let insert: (String, String) -> PostgresQuery = { key, value in
                "INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO NOTHING"
            }
            try await connection.rows(insert("created_by_version", createdByVersion))
            if let instanceDID {
                try await connection.rows(insert("instance_did", instanceDID))
            }
        }
    }

    /// The current schema's tables, in a database (or schema) that has none.
    static func createTables(_ connection: PostgresConnection) async throws {
        for statement in version1 {
            try await connection.rows(PostgresQuery(unsafeSQL: statement))
        }
    }

    /// `meta.schema_version`, or nil when the database has no `meta` table (a new database).
    static func schemaVersion(_ connection: PostgresConnection) async throws -> Int? {
        let rows = try await connection.rows("SELECT to_regclass('meta') IS NOT NULL")
        guard try await rows.first?.decode(Bool.self) == true else { return nil }
        return try await metaValue(connection, key: "schema_version").flatMap { Int($0) }
    }

    /// `meta.assignment_floor` (see `AssignmentFloor`), written by a restore; anything but an
    /// integer from 0 to `AssignmentFloor.maximum` is refused, as SQLite's store refuses it.
    static func assignmentFloor(_ connection: PostgresConnection, url: String) async throws -> Int64? {
        guard let text = try await metaValue(connection, key: AssignmentFloor.metaKey) else { return nil }
        guard let floor = Int64(text), (0...AssignmentFloor.maximum).contains(floor) else {
            throw StoreError.badAssignmentFloor(path: url, found: "'\(text)'")
        }
        return floor
    }

    static func metaValue(_ connection: PostgresConnection, key: String) async throws -> String? {
        let rows = try await connection.rows("SELECT value FROM meta WHERE key = \(key)")
        return try await rows.first?.decode(String.self)
    }

    // The same shape as StoreSchema.version1: `canonical` is the only copy of the content,
    // the other record columns are lookup columns the sweep checks against it; `threads` is
    // kept in the same transactions as `records`.
    private static let version1 = [
        """
        CREATE TABLE records (
            sequence bigint PRIMARY KEY,
            id text COLLATE "C" NOT NULL,
            thread text COLLATE "C" NOT NULL,
            actor text COLLATE "C" NOT NULL,
            clock bigint NOT NULL,
            act text COLLATE "C" NOT NULL,
            canonical text NOT NULL,
            judged_by text,
            sig text,
            signer text,
            created_at bigint NOT NULL,
            CONSTRAINT records_id UNIQUE (id),
            CONSTRAINT records_thread_clock_actor UNIQUE (thread, clock, actor)
        )
        """,
        "CREATE INDEX records_actor ON records (actor)",
        """
        CREATE TABLE threads (
            id text COLLATE "C" PRIMARY KEY,
            record_count bigint NOT NULL,
            last_clock bigint NOT NULL,
            updated_at bigint NOT NULL
        )
        """,
        """
        CREATE TABLE derived_state (
            name text COLLATE "C" PRIMARY KEY,
            watermark bigint NOT NULL,
            bytes bytea NOT NULL,
            saved_at bigint NOT NULL
        )
        """,
        """
        CREATE TABLE meta (
            key text COLLATE "C" PRIMARY KEY,
            value text NOT NULL
        )
        """,
        "INSERT INTO meta (key, value) VALUES ('schema_version', '1')",
    ]
}

import GRDB

/// The SQLite schema of a record store, as numbered migrations.
///
/// `meta.schema_version` is the number of the last migration applied; a file
/// whose number is higher than `currentVersion` was written by a newer `spl`
/// and is refused rather than guessed at.
enum StoreSchema {
    static let currentVersion = 2

    /// Finds the row of one id (bind the id's hex once, as `?1`) through the id index of a file
    /// of `version`: version 2's index of the first 16 hex digits (8 bytes of the hash), with the
    /// whole id compared on a hit, or version 1's index of the whole id. In version 2 the `+`
    /// keeps SQLite from putting `?1` in place of `id` inside `substr` (its constant
    /// propagation), which would no longer match the index's expression and scan the log.
    static func idMatch(version: Int) -> String {
        version >= 2 ? "substr(id, 1, 16) = substr(?1, 1, 16) AND +id = ?1" : "id = ?1"
    }

    /// Ids in byte order through the file's id index: the 16-digit prefix is the id's own start,
    /// so ordering by it and then by the id is the id's order in both versions.
    static func idOrder(version: Int) -> String {
        version >= 2 ? "ORDER BY substr(id, 1, 16), id" : "ORDER BY id"
    }

    static func newerSchemaMessage(path: String, found: Int, supported: Int) -> String {
        "store \(path) has schema version \(found), newer than version \(supported) that this spl supports; use a newer spl"
    }

    static func refuseNewer(_ found: Int?, path: String, supported: Int = currentVersion) throws(StoreError) {
        if let found, found > supported {
            throw StoreError.newerSchema(path: path, found: found, supported: supported)
        }
    }

    /// Applies the missing migrations up to `version` and records who created the store.
    static func prepare(
        _ writer: any DatabaseWriter, version: Int = currentVersion, instanceDID: String?, createdByVersion: String
    ) throws {
        try migrator.migrate(writer, upTo: "v\(version)")
        try writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)")
            try insert.execute(arguments: ["created_by_version", createdByVersion])
            if let instanceDID {
                try insert.execute(arguments: ["instance_did", instanceDID])
            }
        }
    }

    /// Stops SQL functions with side effects from running inside views and triggers of the
    /// file, whoever wrote it: the schema of a file from outside is not trusted code.
    static func distrustSchema(_ db: Database) throws {
        try db.execute(sql: "PRAGMA trusted_schema = OFF")
    }

    /// `meta.schema_version`, or nil when the file has no `meta` table (a new or foreign file).
    static func schemaVersion(_ db: Database) throws -> Int? {
        guard try db.tableExists("meta") else { return nil }
        return try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
    }

    static func metaValue(_ db: Database, key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    /// What a store file holds beside its rows that `spl` did not put there: tables, indexes,
    /// views and triggers missing from the schema of `version`, or defined differently, as
    /// `trigger evict` or `table records (defined differently)`; empty for a store we wrote.
    ///
    /// A backup, snapshot or restored file comes from outside: a trigger in it would run on
    /// every insert once the daemon opens it, so nothing beyond our own schema is accepted.
    /// `version` is at most `currentVersion`; one below the first migration is held to the
    /// first migration's objects, so an edited version number cannot waive the check.
    static func unexpectedObjects(_ db: Database, version: Int) throws -> [String] {
        let found = try schemaObjects(db)
        let expected = try expectedObjects(version: max(version, 1))
        var unexpected: [String] = []
        for (key, sql) in found.sorted(by: { $0.key < $1.key }) {
            guard let expectedSQL = expected[key] else {
                unexpected.append("\(key.type) \(key.name)")
                continue
            }
            if sql != expectedSQL { unexpected.append("\(key.type) \(key.name) (defined differently)") }
        }
        for key in expected.keys.sorted() where found[key] == nil {
            unexpected.append("\(key.type) \(key.name) (missing)")
        }
        return unexpected
    }

    /// One row of `sqlite_master`, by type and name.
    private struct SchemaObjectKey: Hashable, Comparable {
        let type: String
        let name: String

        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.type, lhs.name) < (rhs.type, rhs.name) }
    }

    private static func schemaObjects(_ db: Database) throws -> [SchemaObjectKey: String?] {
        var objects: [SchemaObjectKey: String?] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master") {
            objects[SchemaObjectKey(type: row["type"], name: row["name"])] = .some(row["sql"])
        }
        return objects
    }

    /// The objects the migrations up to `version` create, read from an empty in-memory
    /// database they ran on, so this rule cannot drift from what `prepare` makes.
    private static func expectedObjects(version: Int) throws -> [SchemaObjectKey: String?] {
        let database = try DatabaseQueue()
        try migrator.migrate(database, upTo: "v\(version)")
        return try database.read { try schemaObjects($0) }
    }

    private static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: version1)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: version2)
        }
        return migrator
    }()

    // `canonical` holds the exact hashed bytes and is the only copy of the content;
    // thread/actor/clock/act are lookup columns the sweep checks against it.
    // One unique index on (thread, clock, actor) both enforces one clock per
    // (thread, actor) and serves thread pages and the next-clock lookup.
    // `threads` is kept in the same transactions as `records` so summaries and
    // counts never scan the log.
    private static let version1 = """
        CREATE TABLE records (
            sequence INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            thread TEXT NOT NULL,
            actor TEXT NOT NULL,
            clock INTEGER NOT NULL,
            act TEXT NOT NULL,
            canonical TEXT NOT NULL,
            judged_by TEXT,
            sig TEXT,
            signer TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX records_id ON records (id);
        CREATE UNIQUE INDEX records_thread_clock_actor ON records (thread, clock, actor);
        CREATE INDEX records_actor ON records (actor);
        CREATE TABLE threads (
            id TEXT PRIMARY KEY NOT NULL,
            record_count INTEGER NOT NULL,
            last_clock INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE derived_state (
            name TEXT PRIMARY KEY NOT NULL,
            watermark INTEGER NOT NULL,
            bytes BLOB NOT NULL,
            saved_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE meta (
            key TEXT PRIMARY KEY NOT NULL,
            value NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('schema_version', 1);
        """

    // Version 1's unique index of the whole 64-digit id put each insert on a random leaf of an
    // index about as large as the log's lookup columns, and a batch's commit rewrote a leaf per
    // record. An index of the first 16 digits is a third of the size, so a commit dirties fewer
    // pages. It need not be unique: equal ids mean equal canonical bytes, so a second copy of a
    // record already clashes on (thread, clock, actor), and lookups compare the whole id.
    private static let version2 = """
        DROP INDEX records_id;
        CREATE INDEX records_id_prefix ON records (substr(id, 1, 16));
        UPDATE meta SET value = 2 WHERE key = 'schema_version';
        """
}

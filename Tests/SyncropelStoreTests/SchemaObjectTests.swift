import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

/// A store file holds exactly the tables, indexes, views and triggers the store creates:
/// a file from outside with anything else (a trigger that deletes rows on every insert)
/// is refused before anything opens it for writing (issue 13).
@Suite struct SchemaObjectTests {
    /// A closed 10-record store with `sql` run on it afterwards.
    private func craftedStore(_ sql: String) async throws -> StoreFixture {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 10)
        let database = try DatabaseQueue(path: fixture.storePath)
        try await database.write { try $0.execute(sql: sql) }
        try database.close()
        return fixture
    }

    @Test func aStoreWeWroteHoldsNothingUnexpected() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 3)
        let database = try DatabaseQueue(path: fixture.storePath)
        defer { try? database.close() }
        #expect(try await database.read { try StoreSchema.unexpectedObjects($0, version: StoreFixture.schemaVersion) } == [])
    }

    @Test(arguments: [
        ("CREATE TRIGGER evict AFTER INSERT ON records BEGIN DELETE FROM records WHERE sequence < NEW.sequence; END",
         "trigger evict"),
        ("CREATE TABLE extra (x)", "table extra"),
        ("CREATE VIEW every_record AS SELECT * FROM records", "view every_record"),
        ("CREATE INDEX records_created ON records (created_at)", "index records_created"),
        ("DROP INDEX records_actor", "index records_actor (missing)"),
    ])
    func aCraftedObjectIsRefusedByName(sql: String, named: String) async throws {
        let fixture = try await craftedStore(sql)
        let before = try fixture.bytes(fixture.storePath)
        let error = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: true)
        }
        #expect(error == .unexpectedSchema(path: fixture.storePath, objects: [named]))
        #expect(try fixture.bytes(fixture.storePath) == before, "the check changed nothing")
    }

    @Test func aTableDefinedDifferentlyIsNamed() async throws {
        // Same name, another definition: a default that writes what the client never sent.
        let fixture = try await craftedStore("""
            ALTER TABLE threads RENAME TO threads_old;
            CREATE TABLE threads (id TEXT PRIMARY KEY NOT NULL, record_count INTEGER NOT NULL,
                last_clock INTEGER NOT NULL, updated_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            INSERT INTO threads SELECT * FROM threads_old;
            DROP TABLE threads_old;
            """)
        let error = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: false)
        }
        #expect(error == .unexpectedSchema(path: fixture.storePath, objects: ["table threads (defined differently)"]))
    }

    @Test func theMessageNamesEveryObjectAndWhatToDo() {
        let error = StoreHealthError.unexpectedSchema(path: "/b/hub.db.bak", objects: ["table extra", "trigger evict"])
        #expect(error.description == "store /b/hub.db.bak holds schema objects spl never creates (table extra, trigger evict); "
            + "it was not written by spl and is not opened: restore another backup")
    }

    @Test func connectionsDoNotTrustTheSchema() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 1)
        let store = try fixture.openStore()
        let writer = try await store.database.read { try Int.fetchOne($0, sql: "PRAGMA trusted_schema") }
        try await store.close()
        let reader = try ReadOnlyStoreFile.open(fixture.storePath)
        let readOnly = try await reader.read { try Int.fetchOne($0, sql: "PRAGMA trusted_schema") }
        try reader.close()
        #expect(writer == 0)
        #expect(readOnly == 0)
    }
}

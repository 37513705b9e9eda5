import Foundation
import GRDB
import Testing

@testable import SyncropelStore

/// How a store file is opened for reading by verify, doctor and the health check.
@Suite struct ReadOnlyStoreFileTests {
    /// A store a daemon has open (its -shm exists) is read through SQLite's locks and WAL,
    /// even at a moment when the WAL is empty: an `immutable` read would miss what the daemon
    /// commits next, and could see pages a checkpoint rewrites under it.
    @Test func aStoreInUseIsReadWithItsWAL() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(batch: (0..<3).map { draft(clock: Int64($0)) })
        try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        #expect(fixture.exists(fixture.storePath + "-shm"))

        let reader = try ReadOnlyStoreFile.open(fixture.storePath)
        _ = try await store.ingest(batch: (3..<5).map { draft(clock: Int64($0)) })
        #expect(try await reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM records") } == 5)
        try reader.close()
        try await store.close()
    }

    /// A store nobody has open is read without creating any file beside it.
    @Test func aClosedStoreIsReadWithoutSideFiles() async throws {
        let fixture = StoreFixture()
        _ = try await fixture.makeStoreFile(count: 3)
        let before = try fixture.listing()
        let reader = try ReadOnlyStoreFile.open(fixture.storePath)
        #expect(try await reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM records") } == 3)
        try reader.close()
        #expect(try fixture.listing() == before)
    }
}

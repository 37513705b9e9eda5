import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

@Suite struct AssignmentFloorTests {
    private let restoredAt = Date(timeIntervalSince1970: 1_796_458_500.25)

    @Test func aRestoredStoreNumbersNewRecordsFromTheFloor() async throws {
        let fixture = StoreFixture()
        let backup = try await fixture.storeAndOlderBackup()
        let result = try StoreRestore.install(backup: backup, store: fixture.storePath, at: restoredAt)
        let floor: Int64 = 1_796_458_500_250_000
        #expect(result.assignmentFloor == floor)

        let store = try fixture.openStore()
        // Sequences 4 and 5 and clocks 3 and 4 were handed out before and lost by the restore.
        let first = try await store.ingest(draft())
        let second = try await store.ingest(draft())
        let otherThread = try await store.ingest(draft(thread: "th_new"))
        #expect([first, second, otherThread].map(\.stored.sequence) == [floor, floor + 1, floor + 2])
        #expect([first, second, otherThread].map(\.stored.record.clock) == [floor, floor + 1, floor])
        // A client's own clock is kept: no assignment happens.
        let chosen = try await store.ingest(draft(clock: 3))
        #expect(chosen.stored.record.clock == 3 && chosen.stored.sequence == floor + 3)
        // Reads by sequence cross the jump.
        let after = try await store.records(afterSequence: 3, limit: 10)
        #expect(after.map(\.sequence) == [floor, floor + 1, floor + 2, floor + 3])
        try await store.close()
        // The floor stays through a restart; sequences go on from highest + 1.
        let reopened = try fixture.openStore()
        #expect(try await reopened.ingest(draft()).stored.sequence == floor + 4)
        try await reopened.close()
    }

    @Test func aStoreNeverRestoredNumbersFromHighestPlusOne() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 3)
        // A restart (here: reopening the file a crash would have left) is not a restore.
        let store = try fixture.openStore()
        let next = try await store.ingest(draft())
        #expect(next.stored.sequence == 4 && next.stored.record.clock == 3)
        #expect(try await store.ingest(draft(thread: "th_new")).stored.record.clock == 0)
        try await store.close()
    }

    @Test func aRestoreOfAFileThatIsNotAStoreWritesNoFloorAndCopiesItAsItIs() throws {
        let fixture = StoreFixture()
        let garbage = fixture.folder + "/garbage.db"
        try fixture.write([UInt8](repeating: 0, count: 4096), to: garbage)
        let result = try StoreRestore.install(backup: garbage, store: fixture.storePath, at: restoredAt)
        #expect(result.assignmentFloor == nil)
        #expect(try fixture.bytes(fixture.storePath) == fixture.bytes(garbage))
    }

    @Test(arguments: ["'soon'", "-1", "9007199254740992", "1.5"])
    func aFloorNoRestoreWritesIsRefusedAtOpen(_ value: String) async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 1)
        let database = try DatabaseQueue(path: fixture.storePath)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('assignment_floor', \(value))")
        }
        try database.close()
        let error = #expect(throws: StoreError.self) { try fixture.openStore() }
        #expect(error?.description == "store \(fixture.storePath) has assignment_floor \(value) in its meta table, not a whole number from 0 to 9007199254740991; the file was changed outside spl, restore it from a backup")
    }
}

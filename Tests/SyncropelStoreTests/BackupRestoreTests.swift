import Foundation
import Testing

@testable import SyncropelStore

@Suite struct BackupRestoreTests {
    @Test func thePlanCountsTheRecordsARestoreWouldLose() async throws {
        let fixture = StoreFixture()
        let backup = try await fixture.storeAndOlderBackup()
        let plan = StoreRestore.plan(backup: backup, store: fixture.storePath)
        #expect(plan == RestorePlan(current: .records(5), backup: .records(3), lostRecords: 2))
        // The other way round nothing is lost, though the counts differ.
        #expect(StoreRestore.plan(backup: fixture.storePath, store: backup).lostRecords == 0)
    }

    @Test func aPlanOverAMissingOrDamagedStoreSaysSo() async throws {
        let fixture = StoreFixture()
        let backup = try await fixture.storeAndOlderBackup()
        try FileManager.default.removeItem(atPath: fixture.storePath)
        #expect(StoreRestore.plan(backup: backup, store: fixture.storePath) == RestorePlan(current: .missing, backup: .records(3), lostRecords: 0))
        try fixture.write([UInt8](repeating: 0, count: 4096), to: fixture.storePath)
        let plan = StoreRestore.plan(backup: backup, store: fixture.storePath)
        #expect(plan.current == .unreadable(reason: "store \(fixture.storePath) failed: file is not a database (SQLite error 26)"))
        #expect(plan.lostRecords == nil)
    }

    @Test func installMovesTheStoreAndItsSideFilesAsideThenCopiesTheBackupIn() async throws {
        let fixture = StoreFixture()
        let backup = try await fixture.storeAndOlderBackup()
        try fixture.write([7], to: fixture.storePath + "-wal")
        try fixture.write([8], to: fixture.storePath + "-shm")
        let current = try fixture.bytes(fixture.storePath)
        let date = Date(timeIntervalSince1970: 1_795_784_645)
        let result = try StoreRestore.install(backup: backup, store: fixture.storePath, at: date)
        let replaced = fixture.storePath + ".replaced.1795784645"
        #expect(result.replacedFiles == [replaced, replaced + "-wal", replaced + "-shm"])
        #expect(try fixture.bytes(replaced) == current)
        #expect(try fixture.bytes(replaced + "-wal") == [7])
        // The backup's records, and the floor of the restore (AssignmentFloorTests) in its meta.
        #expect(StoreRestore.contents(of: fixture.storePath) == .records(3))
        #expect(result.assignmentFloor == 1_795_784_645_000_000)
        #expect(result.bytes == Int64(try fixture.bytes(backup).count))
        #expect(try fixture.mode(of: fixture.storePath) == 0o600)
        #expect(try fixture.listing() == [
            "hub.db", "hub.db.20261127-130405", "hub.db.replaced.1795784645", "hub.db.replaced.1795784645-shm",
            "hub.db.replaced.1795784645-wal",
        ])
        // A second restore in the same second keeps the first replaced file.
        let again = try StoreRestore.install(backup: backup, store: fixture.storePath, at: date)
        #expect(again.replacedFiles == [fixture.storePath + ".replaced.1795784646"])
    }

    @Test func aBackupWithWALContentBesideItIsRefused() async throws {
        let fixture = StoreFixture()
        let backup = try await fixture.storeAndOlderBackup()
        try fixture.write([1, 2, 3], to: backup + "-wal")
        let error = #expect(throws: StoreRestoreError.self) {
            try StoreRestore.install(backup: backup, store: fixture.storePath, at: Date())
        }
        #expect(error?.description == "\(backup)-wal holds changes that are not in \(backup) yet; fold them in with 'sqlite3 \(backup) \"PRAGMA wal_checkpoint(TRUNCATE)\"' and restore again")
        #expect(try fixture.listing() == ["hub.db", "hub.db.20261127-130405", "hub.db.20261127-130405-wal"])
    }

    @Test func aBackupNeverOverwritesAnExistingFile() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 2)
        let destination = fixture.folder + "/taken.db"
        try fixture.write([1], to: destination)
        let error = await #expect(throws: StoreError.self) {
            try await StoreBackup.copy(file: fixture.storePath, to: destination, placement: .keepingExisting)
        }
        #expect(error == .destinationExists(path: destination))
        #expect(error?.description == "\(destination) already exists and a backup never overwrites a file; choose another name")
        #expect(try fixture.bytes(destination) == [1])
        #expect(try fixture.listing() == ["hub.db", "taken.db"])
    }
}

import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

@Suite(.postgresServer, .timeLimit(.minutes(5))) struct BackupTests {
    /// Reads a backup the way an operator's tools would: a plain read-write open.
    private func recordIDs(in path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchAll(db, sql: "SELECT id FROM records ORDER BY sequence") }
    }

    @Test(arguments: StoreBackend.allCases) func aBackupOpensWithTheSameRecordsAndNoSideFiles(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let written = try await store.ingest(batch: (0..<200).map { draft(clock: Int64($0)) }, signingWith: SigningIdentity())
        let destination = fixture.folder + "/hub.db.bak"
        let steps = CallbackLog<StoreBackupProgress>()
        let result = try await store.backup(to: destination, placement: .replacing) { steps.append($0) }
        try await store.close()

        #expect(result == StoreBackupResult(
            path: destination, bytes: Int64(try fixture.bytes(destination).count), recordCount: 200, highestSequence: 200))
        #expect(steps.last?.fractionCompleted == 1)
        if backend == .sqlite {
            #expect(steps.last?.total == Int(result.bytes), "the file itself was copied: progress counted its bytes, not pages")
        }
        let header = try fixture.bytes(destination)
        #expect(header[18] == 1 && header[19] == 1, "journal_mode=DELETE in the header")
        #expect(try recordIDs(in: destination) == written.map(\.id.hex))
        #expect(!fixture.exists(destination + "-wal"))
        #expect(!fixture.exists(destination + "-shm"))
        let files = try fixture.listing()
        #expect(files == (backend == .sqlite ? ["hub.db", "hub.db.bak"] : ["hub.db.bak"]))
        #expect(try fixture.mode(of: destination) == 0o600)
        #expect(try await offThePool { try ContentAddressSweep.run(file: destination) }.isClean)
    }

    @Test(arguments: StoreBackend.allCases) func aBackupIsOneSnapshotWhileWritesGoOn(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let big = String(repeating: "y", count: 2000)
        for start in stride(from: 0, to: 4000, by: 1000) {
            _ = try await store.ingest(batch: (start..<start + 1000).map { draft(clock: Int64($0), text: big) }, signingWith: nil)
        }
        let commits = CallbackLog<Int64>()
        let writer = Task {
            var clock: Int64 = 4000
            while !Task.isCancelled {
                commits.append(try await store.ingest(draft(clock: clock, text: big), signingWith: nil).sequence)
                clock += 1
            }
        }
        while commits.count == 0 {
            await Task.yield()
        }
        let destination = fixture.folder + "/during.db"
        let commitsBetweenSteps = CallbackLog<Int>()
        let result = try await store.backup(to: destination, placement: .replacing) { step in
            // Hold each step until the writer has committed meanwhile (it would never get
            // there if the backup blocked writers); on a loaded machine that can take a while.
            let before = commits.count
            let deadline = Date().addingTimeInterval(5)
            while !step.isCompleted && commits.count == before && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.002)
            }
            if !step.isCompleted {
                commitsBetweenSteps.append(commits.count - before)
            }
        }
        writer.cancel()
        _ = await writer.result
        try await store.close()

        #expect(commitsBetweenSteps.count > 1, "copied in several steps")
        #expect(commitsBetweenSteps.all.reduce(0, +) > 0, "the writer committed during the backup")
        #expect(result.recordCount >= 4000)
        #expect(result.highestSequence == result.recordCount)
        let ids = try recordIDs(in: destination)
        #expect(Int64(ids.count) == result.recordCount)
        let report = try await offThePool { try ContentAddressSweep.run(file: destination) }
        #expect(report.isClean)
        #expect(report.recordsChecked == result.recordCount)
        let health = try StoreHealthCheck(path: destination).run(quickCheck: true)
        #expect(health.highestSequence == result.highestSequence)
    }

    /// A reader on an older snapshot keeps the checkpoint from copying the whole WAL into the
    /// file, so the file alone is not the store: the backup goes through SQLite's online backup
    /// and still holds every record.
    @Test func aReaderOnAnOlderSnapshotSendsTheBackupThroughTheOnlineBackup() async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(.sqlite)
        _ = try await store.ingest(batch: (0..<100).map { draft(clock: Int64($0)) }, signingWith: nil)
        let reading = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let snapshot = try DatabaseQueue(path: fixture.storePath)
        Thread {
            try? snapshot.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM records")
                reading.signal()
                release.wait()
            }
        }.start()
        reading.wait()
        let written = try await store.ingest(batch: (100..<200).map { draft(clock: Int64($0)) }, signingWith: nil)

        let destination = fixture.folder + "/hub.db.bak"
        let steps = CallbackLog<StoreBackupProgress>()
        let result = try await store.backup(to: destination, placement: .replacing) { steps.append($0) }
        release.signal()
        try snapshot.close()
        try await store.close()

        #expect(result.recordCount == 200 && result.highestSequence == 200)
        #expect(try recordIDs(in: destination).suffix(100) == written.map(\.id.hex))
        let pages = result.bytes / 4096
        #expect(steps.last.map { Int64($0.total) } == pages, "counted in pages: the online backup copied")
        #expect(try await offThePool { try ContentAddressSweep.run(file: destination) }.isClean)
    }

    /// A PostgreSQL store's backup is a record-level SQLite store: the same ids, sequences,
    /// `created_at` and canonical bytes, the same instance, readable by `SQLiteRecordStore`.
    @Test func aPostgresBackupOpensAsASQLiteStoreWithTheSameRecords() async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openPostgresStore()
        _ = try await store.ingest(batch: (0..<2500).map { draft(clock: Int64($0), text: "r\($0)") }, signingWith: SigningIdentity())
        _ = try await store.ingest(batch: (0..<5).map { draft(clock: Int64($0), thread: "th_other") }, signingWith: nil)
        let original = try await store.records(afterSequence: 0, limit: 100_000)
        let destination = fixture.folder + "/snapshot.db"
        let steps = CallbackLog<StoreBackupProgress>()
        let result = try await store.backup(to: destination, placement: .keepingExisting) { steps.append($0) }
        let metadata = try await store.metadata()
        #expect(result.recordCount == 2505)
        #expect(result.highestSequence == 2505)
        #expect(steps.all.map(\.done) == [1000, 2000, 2505, 2505])
        #expect(steps.all.map(\.isCompleted) == [false, false, false, true])
        await #expect(throws: StoreError.destinationExists(path: destination)) {
            try await store.backup(to: destination, placement: .keepingExisting, progress: nil)
        }
        try await store.close()

        let copy = try SQLiteRecordStore(path: destination, options: StoreFixture.currentOptions)
        let copied = try await copy.records(afterSequence: 0, limit: 100_000)
        #expect(copied == original)
        #expect(copied.map(\.record.canonical) == original.map(\.record.canonical))
        // The same instance and creator, in SQLite's schema (whose numbering is its own).
        #expect(try await copy.metadata() == StoreMetadata(
            schemaVersion: SQLiteRecordStore.schemaVersion, instanceDID: metadata.instanceDID,
            createdByVersion: metadata.createdByVersion))
        #expect(try await copy.threadSummary(id: "th_other")?.recordCount == 5)
        try await copy.close()
        #expect(try await offThePool { try ContentAddressSweep.run(file: destination) }.isClean)
    }

    @Test func aFailedPostgresBackupLeavesNothingBehind() async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openPostgresStore()
        _ = try await store.ingest(batch: (0..<3).map { draft(clock: Int64($0)) }, signingWith: nil)
        let destination = fixture.folder + "/missing-folder/hub.db.bak"
        let error = await #expect(throws: StoreError.self) { try await store.backup(to: destination, placement: .replacing, progress: nil) }
        #expect(error?.description.hasPrefix("backup to \(destination) failed: ") == true)
        #expect(try fixture.listing() == [])
        try await store.close()
    }

    @Test func theMemoryStoreCanBeBackedUp() async throws {
        let fixture = StoreFixture()
        let store = try SQLiteRecordStore.inMemory(options: StoreFixture.options)
        _ = try await store.ingest(batch: (0..<5).map { draft(clock: Int64($0)) }, signingWith: nil)
        let result = try await store.backup(to: fixture.folder + "/memory.db")
        try await store.close()
        #expect(result.recordCount == 5)
        #expect(try recordIDs(in: result.path).count == 5)
    }

    @Test func aClosedStoreFileIsBackedUpDirectly() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 12)
        let before = try fixture.bytes(fixture.storePath)
        let destination = fixture.folder + "/hub.db.20250101-030000"
        let result = try await StoreBackup.copy(file: fixture.storePath, to: destination)
        #expect(result.recordCount == 12)
        #expect(result.highestSequence == 12)
        #expect(try fixture.bytes(fixture.storePath) == before)
        let files = try fixture.listing()
        #expect(files == ["hub.db", "hub.db.20250101-030000"])
    }

    @Test func aFailedBackupLeavesNothingBehind() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 2)
        let destination = fixture.folder + "/missing-folder/hub.db.bak"
        let error = await #expect(throws: StoreError.self) {
            try await StoreBackup.copy(file: fixture.storePath, to: destination)
        }
        #expect(error?.description.hasPrefix("backup to \(destination) failed: ") == true)
        let files = try fixture.listing()
        #expect(files == ["hub.db"])
    }
}

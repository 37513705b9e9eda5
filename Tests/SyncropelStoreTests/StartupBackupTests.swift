import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

@Suite struct StartupBackupTests {
    /// A backup folder beside a store that grows by `add(_:)`, one clock per record.
    final class Setup: Sendable {
        let fixture = StoreFixture()
        let store: SQLiteRecordStore
        let folder: String
        let backup: StartupBackup

        init(availableBytes: @escaping @Sendable (String) -> Int64? = { _ in .max }) throws {
            store = try fixture.openStore()
            folder = fixture.folder + "/backups"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            backup = StartupBackup(folder: folder, availableBytes: availableBytes)
        }

        func add(_ count: Int) async throws {
            let start = try await store.counts().highestSequence
            _ = try await store.ingest(batch: (start..<start + Int64(count)).map { draft(clock: $0) })
        }

        func run(progress: (@Sendable (Double) -> Void)? = nil) async throws -> StartupBackupOutcome {
            await backup.run(store: store, storeBytes: try storeBytes(), progress: progress)
        }

        func storeBytes() throws -> Int64 {
            let paths = [fixture.storePath, fixture.storePath + "-wal"].filter(fixture.exists)
            return try paths.reduce(0) { $0 + Int64(try fixture.bytes($1).count) }
        }

        func path(_ index: Int) -> String { backup.generationPath(index) }

        /// Record count of each generation, newest first; nil for a missing one.
        func generationRecords() throws -> [Int64?] {
            try (0..<3).map { try BackupFileInfo.read(path($0))?.recordCount }
        }

        func listing() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        }

        struct FileState: Equatable {
            let bytes: [UInt8]
            let modified: Date?
        }

        /// Every file in the backup folder with its bytes and modification time.
        func state() throws -> [String: FileState] {
            var files: [String: FileState] = [:]
            for name in try listing() {
                let path = folder + "/" + name
                let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
                files[name] = FileState(bytes: try fixture.bytes(path), modified: modified)
            }
            return files
        }

        func close() async throws {
            try await store.close()
        }
    }

    private func written(_ outcome: StartupBackupOutcome) -> StoreBackupResult? {
        guard case .written(let result, _) = outcome else { return nil }
        return result
    }

    @Test func theFirstBackupIsWrittenPrivateAndOpensWithTheSameRecords() async throws {
        let setup = try Setup()
        try await setup.add(20)
        let steps = CallbackLog<Double>()
        let outcome = try await setup.run { steps.append($0) }
        let storeIDs = try await setup.store.records(afterSequence: 0, limit: 100).map(\.id.hex)
        try await setup.close()

        let bak = setup.path(0)
        #expect(outcome == .written(
            StoreBackupResult(path: bak, bytes: Int64(try setup.fixture.bytes(bak).count), recordCount: 20, highestSequence: 20),
            warning: nil))
        #expect(outcome.summary == "written")
        #expect(outcome.warning == nil)
        #expect(steps.last == 1)
        #expect(try setup.fixture.mode(of: bak) == 0o600)
        #expect(try setup.listing() == ["hub.db.bak"])
        let queue = try DatabaseQueue(path: bak)
        let backupIDs = try await queue.read { db in try String.fetchAll(db, sql: "SELECT id FROM records ORDER BY sequence") }
        try queue.close()
        #expect(backupIDs == storeIDs)
        #expect(try setup.listing() == ["hub.db.bak"], "no -wal or -shm after opening it")
    }

    @Test func anUnchangedStoreTouchesNoFile() async throws {
        let setup = try Setup()
        try await setup.add(5)
        _ = try await setup.run()
        try await setup.add(1)
        _ = try await setup.run()
        let before = try setup.state()
        let outcome = try await setup.run()
        try await setup.close()

        #expect(outcome == .unchanged(try #require(try BackupFileInfo.read(setup.path(0))), warning: nil))
        #expect(outcome.summary == "unchanged")
        #expect(outcome.warning == nil)
        #expect(try setup.state() == before)
        #expect(before.keys.sorted() == ["hub.db.bak", "hub.db.bak.1"])
    }

    @Test func newRecordsRotateThreeGenerations() async throws {
        let setup = try Setup()
        try await setup.add(5)
        _ = try await setup.run()
        #expect(try setup.generationRecords() == [5, nil, nil])
        try await setup.add(1)
        _ = try await setup.run()
        #expect(try setup.generationRecords() == [6, 5, nil])
        try await setup.add(1)
        _ = try await setup.run()
        #expect(try setup.generationRecords() == [7, 6, 5])
        try await setup.add(1)
        let outcome = try await setup.run()
        try await setup.close()

        #expect(written(outcome)?.recordCount == 8)
        #expect(outcome.warning == nil)
        #expect(try setup.generationRecords() == [8, 7, 6])
        #expect(try setup.listing() == ["hub.db.bak", "hub.db.bak.1", "hub.db.bak.2"])
        for index in 0..<3 {
            #expect(try setup.fixture.mode(of: setup.path(index)) == 0o600)
        }
    }

    @Test func theGenerationWithTheMostRecordsIsNotRotatedOutByASmallerStore() async throws {
        let setup = try Setup()
        try await setup.add(10)
        _ = try await setup.run()
        try await setup.close()
        // The store is lost and a new, smaller one takes its place.
        let smaller = try SQLiteRecordStore(path: setup.fixture.folder + "/smaller.db", options: StoreFixture.options)
        _ = try await smaller.ingest(batch: (0..<3).map { draft(clock: Int64($0), text: "again") })
        let storeBytes = try setup.storeBytes()
        var outcome = await setup.backup.run(store: smaller, storeBytes: storeBytes)
        #expect(outcome.warning == "WARNING: store has 3 records, backup hub.db.bak.1 has 10")
        #expect(try setup.generationRecords() == [3, 10, nil])

        _ = try await smaller.ingest(draft(clock: 3, text: "again"))
        outcome = await setup.backup.run(store: smaller, storeBytes: storeBytes)
        #expect(outcome.warning == "WARNING: store has 4 records, backup hub.db.bak.2 has 10")
        #expect(try setup.generationRecords() == [4, 3, 10])
        let protected = try setup.fixture.bytes(setup.path(2))

        _ = try await smaller.ingest(draft(clock: 4, text: "again"))
        outcome = await setup.backup.run(store: smaller, storeBytes: storeBytes)
        try await smaller.close()

        #expect(written(outcome)?.recordCount == 5)
        #expect(outcome.summary == "written")
        #expect(outcome.warning == "WARNING: store has 5 records, backup hub.db.bak.2 has 10")
        #expect(try setup.generationRecords() == [5, 4, 10], "the 3-record generation dropped instead")
        #expect(try setup.fixture.bytes(setup.path(2)) == protected)
        #expect(try setup.listing() == ["hub.db.bak", "hub.db.bak.1", "hub.db.bak.2"])

        // The next start with the store unchanged still says so: the larger generation is still there.
        let before = try setup.state()
        let reopened = try SQLiteRecordStore(path: setup.fixture.folder + "/smaller.db", options: StoreFixture.options)
        let unchanged = await setup.backup.run(store: reopened, storeBytes: storeBytes)
        try await reopened.close()
        #expect(unchanged == .unchanged(try #require(try BackupFileInfo.read(setup.path(0))), warning: "WARNING: store has 5 records, backup hub.db.bak.2 has 10"))
        #expect(try setup.state() == before)
        #expect(setup.backup.shrinkWarning(storeRecords: 10) == nil)
        #expect(setup.backup.shrinkWarning(storeRecords: 9) == "WARNING: store has 9 records, backup hub.db.bak.2 has 10")
    }

    @Test func aFullDiskFailsAndLeavesEveryGenerationAsItWas() async throws {
        let setup = try Setup(availableBytes: { _ in 100 })
        let roomy = StartupBackup(folder: setup.folder)
        for _ in 0..<3 {
            try await setup.add(2)
            _ = await roomy.run(store: setup.store, storeBytes: try setup.storeBytes())
        }
        try await setup.add(2)
        let before = try setup.state()
        let outcome = await setup.backup.run(store: setup.store, storeBytes: 1000)
        try await setup.close()

        let reason = "not enough space: need 1100 bytes, 100 available in \(setup.folder)"
        #expect(outcome == .failed(path: setup.path(0), reason: reason))
        #expect(outcome.summary == "FAILED: " + reason)
        #expect(outcome.warning == nil)
        #expect(try setup.state() == before)
        #expect(before.keys.sorted() == ["hub.db.bak", "hub.db.bak.1", "hub.db.bak.2"])
    }

    @Test func aCopyThatFailsMidwayLeavesEveryGenerationAndNoTemporaryFile() async throws {
        let setup = try Setup()
        for _ in 0..<3 {
            try await setup.add(2)
            _ = try await setup.run()
        }
        try await setup.add(2)
        let before = try setup.state()
        // A folder where the finished copy should land makes its last rename fail.
        let incoming = setup.folder + "/" + StartupBackup.incomingName
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: false)
        let outcome = try await setup.run()
        try await setup.close()

        guard case .failed(let path, let reason) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(path == setup.path(0))
        #expect(reason.hasPrefix("cannot rename \(setup.folder)/..hub.db.bak.incoming.tmp-"))
        #expect(reason.hasSuffix(" to \(incoming): Is a directory"))
        #expect(try setup.state() == before)
    }

    @Test func anUnreadableCurrentBackupIsReplacedWithAWarning() async throws {
        let setup = try Setup()
        for _ in 0..<3 {
            try await setup.add(2)
            _ = try await setup.run()
        }
        try setup.fixture.write([UInt8](repeating: 0, count: 4096), to: setup.path(0))
        let older = try [1, 2].map { try setup.fixture.bytes(setup.path($0)) }
        try await setup.add(2)
        let outcome = try await setup.run()
        try await setup.close()

        #expect(written(outcome)?.recordCount == 8)
        #expect(outcome.warning == """
            WARNING: backup hub.db.bak could not be read and was replaced: \
            store \(setup.path(0)) failed: file is not a database (SQLite error 26)
            """)
        #expect(try [1, 2].map { try setup.fixture.bytes(setup.path($0)) } == older)
        #expect(try setup.generationRecords() == [8, 4, 2])
    }

    @Test func backupFileInfoOfAMissingFileIsNilAndOfAZeroFilledFileThrows() throws {
        let fixture = StoreFixture()
        #expect(try BackupFileInfo.read(fixture.folder + "/hub.db.bak") == nil)
        let zeroes = fixture.folder + "/zeroes.bak"
        try fixture.write([UInt8](repeating: 0, count: 4096), to: zeroes)
        #expect(throws: StoreError.sqlite(path: zeroes, sqliteMessage: "file is not a database (SQLite error 26)")) {
            try BackupFileInfo.read(zeroes)
        }
        #expect(try fixture.listing() == ["zeroes.bak"])
    }

    @Test func backupFileInfoDescribesABackup() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 7)
        let destination = fixture.folder + "/copy.db"
        let copy = try await StoreBackup.copy(file: fixture.storePath, to: destination)
        let info = try #require(try BackupFileInfo.read(destination))
        let modified = try FileManager.default.attributesOfItem(atPath: destination)[.modificationDate] as? Date
        #expect(info.path == destination)
        #expect(info.bytes == copy.bytes)
        #expect(info.recordCount == 7)
        #expect(info.highestSequence == 7)
        #expect(abs(info.modifiedAt.timeIntervalSince(try #require(modified))) < 0.001)
    }
}

extension StartupBackupOutcome {
    /// `written`, `unchanged` or `FAILED: <reason>`, to compare outcomes in one line.
    var summary: String {
        switch self {
        case .written: "written"
        case .unchanged: "unchanged"
        case .failed(_, let reason): "FAILED: \(reason)"
        }
    }
}

import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

@Suite struct HealthCheckTests {
    /// A closed store of many pages, so damage can land inside the records table.
    private func damagedStore(_ damage: (inout [UInt8], StoreFixture) throws -> Void) async throws -> (StoreFixture, [UInt8]) {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 300) { "record \($0) " + String(repeating: "z", count: 300) }
        var bytes = try fixture.bytes(fixture.storePath)
        try damage(&bytes, fixture)
        try fixture.write(bytes, to: fixture.storePath)
        return (fixture, bytes)
    }

    /// The check refuses the file, names it and SQLite's message, and changes nothing.
    private func expectRefusal(
        _ fixture: StoreFixture, _ bytes: [UInt8], quickCheck: Bool
    ) throws -> StoreHealthError? {
        let error = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: quickCheck)
        }
        #expect(error?.path == fixture.storePath)
        #expect(error?.description.hasPrefix("store \(fixture.storePath) is damaged: ") == true)
        #expect(try fixture.bytes(fixture.storePath) == bytes, "the file is byte-identical")
        let files = try fixture.listing()
        #expect(files == ["hub.db"], "no file was created beside it")
        return error
    }

    @Test func aSoundStorePasses() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 30)
        let before = try fixture.bytes(fixture.storePath)
        for quickCheck in [false, true] {
            let report = try StoreHealthCheck(path: fixture.storePath).run(quickCheck: quickCheck)
            #expect(report.recordCount == 30)
            #expect(report.highestSequence == 30)
            #expect(report.schemaVersion == StoreFixture.schemaVersion)
            #expect(report.instanceDID == StoreFixture.options.instanceDID)
            #expect(report.quickChecked == quickCheck)
            #expect(report.needsMigration == (StoreFixture.schemaVersion < SQLiteRecordStore.schemaVersion))
        }
        #expect(try fixture.bytes(fixture.storePath) == before)
        let files = try fixture.listing()
        #expect(files == ["hub.db"])
    }

    @Test func aZeroFilledStoreIsRefused() async throws {
        let (fixture, bytes) = try await damagedStore { bytes, _ in
            bytes = [UInt8](repeating: 0, count: bytes.count)
        }
        let error = try expectRefusal(fixture, bytes, quickCheck: false)
        #expect(error == .notADatabase(path: fixture.storePath, sqliteMessage: "file is not a database (SQLite error 26)"))
        #expect(error?.description == "store \(fixture.storePath) is damaged: file is not a database (SQLite error 26)")
    }

    @Test(arguments: [false, true])
    func aStoreTruncatedToHalfIsRefused(quickCheck: Bool) async throws {
        let (fixture, bytes) = try await damagedStore { bytes, _ in
            bytes.removeLast(bytes.count / 2)
        }
        let error = try expectRefusal(fixture, bytes, quickCheck: quickCheck)
        #expect(error == .corrupt(path: fixture.storePath, sqliteMessage: "database disk image is malformed (SQLite error 11)"))
    }

    @Test(arguments: [false, true])
    func garbageOverTheRecordsRootPageIsRefused(quickCheck: Bool) async throws {
        let (fixture, bytes) = try await damagedStore { bytes, fixture in
            let pageSize = Int(bytes[16]) << 8 | Int(bytes[17])
            let queue = try ReadOnlyStoreFile.open(fixture.storePath)
            let rootPage = try queue.read { db in
                try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'records'")!
            }
            try queue.close()
            var generator = SeededGenerator(seed: 42)
            let start = (rootPage - 1) * pageSize
            for offset in start..<(start + pageSize) {
                bytes[offset] = UInt8.random(in: 0...255, using: &generator)
            }
        }
        let error = try expectRefusal(fixture, bytes, quickCheck: quickCheck)
        guard case .corrupt(_, let message)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(message.contains("SQLite error 11") || message.hasPrefix("quick_check: "))
    }

    @Test func quickCheckFindingsRefuseAStoreThatStillReads() async throws {
        var freelistCount: UInt32 = 0
        let (fixture, bytes) = try await damagedStore { bytes, _ in
            freelistCount = bytes[36..<40].reduce(0) { $0 << 8 | UInt32($1) }
            withUnsafeBytes(of: (freelistCount + 3).bigEndian) { bytes.replaceSubrange(36..<40, with: $0) }
        }
        #expect(throws: Never.self) { try StoreHealthCheck(path: fixture.storePath).run(quickCheck: false) }
        let error = try expectRefusal(fixture, bytes, quickCheck: true)
        #expect(error == .corrupt(
            path: fixture.storePath,
            sqliteMessage: "quick_check: *** in database main *** Main freelist: size is \(freelistCount) but should be \(freelistCount + 3)"))
    }

    /// A crash leaves acknowledged records in the WAL: the check reads them and changes neither file.
    @Test func aStoreLeftWithWALContentIsCheckedWithIt() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(batch: (0..<10).map { draft(clock: Int64($0)) }, signingWith: nil)
        let crashed = StoreFixture()
        let database = try fixture.bytes(fixture.storePath)
        let wal = try fixture.bytes(fixture.storePath + "-wal")
        try await store.close()
        try crashed.write(database, to: crashed.storePath)
        try crashed.write(wal, to: crashed.storePath + "-wal")
        #expect(!wal.isEmpty)

        let report = try StoreHealthCheck(path: crashed.storePath).run(quickCheck: true)
        #expect(report.recordCount == 10)
        #expect(try crashed.bytes(crashed.storePath) == database)
        #expect(try crashed.bytes(crashed.storePath + "-wal") == wal)
    }

    @Test func openingADamagedFileFailsWithoutChangingIt() async throws {
        let (fixture, bytes) = try await damagedStore { bytes, _ in
            bytes = [UInt8](repeating: 0, count: bytes.count)
        }
        let error = #expect(throws: StoreError.self) { () throws -> Void in _ = try fixture.openStore() }
        #expect(error?.description == "cannot open store \(fixture.storePath): file is not a database (SQLite error 26)")
        #expect(try fixture.bytes(fixture.storePath) == bytes)
        let files = try fixture.listing()
        #expect(files == ["hub.db"])
    }

    @Test func aStoreInAMissingFolderCannotBeCreated() {
        let path = "/nonexistent-\(UInt32.random(in: 0 ... .max))/hub.db"
        let error = #expect(throws: StoreError.self) {
            try SQLiteRecordStore(path: path, options: StoreFixture.options)
        }
        #expect(error?.description == "cannot create \(path): No such file or directory")
    }

    @Test func aMissingOrEmptyStoreIsRefused() throws {
        let fixture = StoreFixture()
        let missing = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: false)
        }
        #expect(missing == .missing(path: fixture.storePath))
        #expect(missing?.description == "store \(fixture.storePath) does not exist")
        #expect(!fixture.exists(fixture.storePath))

        try fixture.write([], to: fixture.storePath)
        let empty = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: true)
        }
        #expect(empty == .empty(path: fixture.storePath))
        #expect(empty?.description == "store \(fixture.storePath) is empty (0 bytes)")
    }

    @Test func aSQLiteFileThatIsNotAStoreIsRefused() throws {
        let fixture = StoreFixture()
        let queue = try DatabaseQueue(path: fixture.storePath)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        try queue.close()
        let error = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: true)
        }
        #expect(error?.description == "store \(fixture.storePath) is not a Syncropel store: it has no meta table")
    }

    @Test func aNewerSchemaIsRefusedNamingBothVersions() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 2)
        let queue = try DatabaseQueue(path: fixture.storePath)
        try await queue.write { db in try db.execute(sql: "UPDATE meta SET value = 99 WHERE key = 'schema_version'") }
        try queue.close()
        let before = try fixture.bytes(fixture.storePath)
        let message = "store \(fixture.storePath) has schema version 99, newer than version 2 that this spl supports; use a newer spl"

        let health = #expect(throws: StoreHealthError.self) {
            try StoreHealthCheck(path: fixture.storePath).run(quickCheck: false)
        }
        #expect(health == .newerSchema(path: fixture.storePath, found: 99, supported: 2))
        #expect(health?.description == message)

        let opening = #expect(throws: StoreError.self) { () throws -> Void in _ = try fixture.openStore() }
        // What the fixture's stores are brought to (the previous version in scripts/test's second run).
        #expect(opening == .newerSchema(path: fixture.storePath, found: 99, supported: StoreFixture.schemaVersion))
        #expect(opening?.description == message.replacingOccurrences(of: "version 2", with: "version \(StoreFixture.schemaVersion)"))
        #expect(try fixture.bytes(fixture.storePath) == before)
    }
}

/// A deterministic generator, so a damaged page is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

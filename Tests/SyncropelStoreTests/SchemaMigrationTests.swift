import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// A store written in schema version 1 (a unique index of the whole id) is copied to
/// `hub.db.pre-v2` as it was, then migrated to version 2 (an index of the id's first 16
/// digits) as it opens, and keeps every record and every answer.
@Suite struct SchemaMigrationTests {
    static var versionOneOptions: SQLiteRecordStore.Options {
        var options = StoreFixture.options
        options.schemaVersion = 1
        return options
    }


    /// A closed version-1 store of 40 records on two threads, half of them signed.
    private func versionOneStore(_ fixture: StoreFixture) async throws -> [IngestResult] {
        let store = try SQLiteRecordStore(path: fixture.storePath, options: Self.versionOneOptions)
        let identity = SigningIdentity()
        var written = try await store.ingest(batch: (0..<20).map { draft(clock: Int64($0)) }, signingWith: identity)
        written += try await store.ingest(batch: (0..<20).map { draft(clock: Int64($0), thread: "th_other") }, signingWith: nil)
        try await store.close()
        return written
    }

    /// Every row of every table, in order.
    private func rows(_ path: String) throws -> [[Row]] {
        let database = try ReadOnlyStoreFile.open(path)
        defer { try? database.close() }
        return try database.read { db in
            try ["records ORDER BY sequence", "threads ORDER BY id", "meta ORDER BY key", "derived_state ORDER BY name"]
                .map { try Row.fetchAll(db, sql: "SELECT * FROM \($0)") }
        }
    }

    private func schemaObjectsAreExactly(_ path: String, version: Int) throws -> Bool {
        let database = try ReadOnlyStoreFile.open(path)
        defer { try? database.close() }
        return try database.read { db in
            try StoreSchema.schemaVersion(db) == version && StoreSchema.unexpectedObjects(db, version: version).isEmpty
        }
    }

    @Test func aVersionOneStoreIsCopiedThenMigratedAndKeepsEveryRecord() async throws {
        let fixture = StoreFixture()
        let written = try await versionOneStore(fixture)
        #expect(try schemaObjectsAreExactly(fixture.storePath, version: 1))
        let before = try rows(fixture.storePath)

        let store = try SQLiteRecordStore(path: fixture.storePath, options: StoreFixture.currentOptions)
        for result in written {
            #expect(try await store.record(id: result.id) == result.stored)
        }
        // A record sent again is found through the new index; another at a taken clock is refused.
        let again = try await store.ingest(batch: [draft(clock: 3)], signingWith: nil)
        #expect(again.map(\.status) == [.exists])
        #expect(again.map(\.stored) == [written[3].stored])
        await #expect(throws: RecordError.self) { try await store.ingest(draft(clock: 3, text: "another"), signingWith: nil) }
        let added = try await store.ingest(draft(clock: 20), signingWith: nil)
        #expect(added.stored.sequence == 41)
        try await store.close()

        #expect(try schemaObjectsAreExactly(fixture.storePath, version: 2))
        let copy = SQLiteRecordStore.premigrationCopyPath(fixture.storePath, folder: nil)
        #expect(copy == fixture.storePath + ".pre-v2")
        #expect(try rows(copy) == before, "the copy holds the version-1 file's rows as they were")
        #expect(try fixture.mode(of: copy) == 0o600)
        #expect(try schemaObjectsAreExactly(copy, version: 1))
        for path in [copy, fixture.storePath] {
            let report = try await offThePool { try StoreVerification.run(file: path, full: true) }
            #expect(report.isClean)
            #expect(report.sweep.recordsChecked == (path == copy ? 40 : 41))
            #expect(report.sweep.signaturesChecked == 20)
        }
    }

    @Test func theCopyGoesToTheFolderGiven() async throws {
        let fixture = StoreFixture()
        _ = try await versionOneStore(fixture)
        let folder = fixture.folder + "/backups"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        var options = StoreFixture.currentOptions
        options.premigrationCopyFolder = folder
        try await SQLiteRecordStore(path: fixture.storePath, options: options).close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["hub.db.pre-v2"])
        #expect(SQLiteRecordStore.premigrationCopyPath(fixture.storePath, folder: folder) == folder + "/hub.db.pre-v2")
        #expect(try schemaObjectsAreExactly(folder + "/hub.db.pre-v2", version: 1))
        #expect(try fixture.listing() == ["backups", "hub.db"])
    }

    @Test func theCopyAndTheMigrationReportTheirProgress() async throws {
        let fixture = StoreFixture()
        _ = try await versionOneStore(fixture)
        let steps = CallbackLog<SQLiteRecordStore.StoreMigrationStep>()
        var options = StoreFixture.currentOptions
        options.migrationProgress = { steps.append($0) }
        try await SQLiteRecordStore(path: fixture.storePath, options: options).close()
        guard case .copying(let copied)? = steps.all.dropLast().last else {
            Issue.record("no copy progress before the migration: \(steps.all)")
            return
        }
        #expect(copied.isCompleted && copied.done == copied.total && copied.total > 0)
        #expect(steps.last == .migrating(to: 2))

        // A store of the current version reports nothing.
        let again = CallbackLog<SQLiteRecordStore.StoreMigrationStep>()
        options.migrationProgress = { again.append($0) }
        try await SQLiteRecordStore(path: fixture.storePath, options: options).close()
        #expect(again.count == 0)
    }

    @Test func aStoreOfTheCurrentVersionIsNotCopied() async throws {
        let fixture = StoreFixture()
        let store = try SQLiteRecordStore(path: fixture.storePath, options: StoreFixture.currentOptions)
        _ = try await store.ingest(draft(clock: 0), signingWith: nil)
        try await store.close()
        try await SQLiteRecordStore(path: fixture.storePath, options: StoreFixture.currentOptions).close()
        #expect(try fixture.listing() == ["hub.db"])
    }

    @Test func aCopyThatCannotBeWrittenLeavesTheStoreAsItWas() async throws {
        let fixture = StoreFixture()
        _ = try await versionOneStore(fixture)
        let before = try fixture.bytes(fixture.storePath)
        // A folder where the copy goes: the rename over it fails.
        let copy = SQLiteRecordStore.premigrationCopyPath(fixture.storePath, folder: nil)
        try FileManager.default.createDirectory(atPath: copy + "/x", withIntermediateDirectories: true)

        let error = #expect(throws: StoreError.self) {
            _ = try SQLiteRecordStore(path: fixture.storePath, options: StoreFixture.currentOptions)
        }
        let message = try #require(error?.description)
        #expect(message.hasPrefix("store \(fixture.storePath) needs schema version 2, and the copy kept before migrating it"
            + " could not be written to \(copy): "))
        #expect(message.hasSuffix("; the store was not changed, make room there and start again"))
        #expect(try fixture.bytes(fixture.storePath) == before)
        #expect(try fixture.listing() == ["hub.db", "hub.db.pre-v2"], "no temporary file is left")
    }

    /// The lookup by id goes through each version's own id index, never a scan of the log.
    @Test(arguments: [(1, "records_id"), (2, "records_id_prefix")])
    func anIdIsFoundThroughTheIndexOfItsVersion(version: Int, index: String) async throws {
        let fixture = StoreFixture()
        var options = StoreFixture.options
        options.schemaVersion = version
        let store = try SQLiteRecordStore(path: fixture.storePath, options: options)
        let written = try await store.ingest(draft(clock: 0), signingWith: nil)
        try await store.close()
        let database = try ReadOnlyStoreFile.open(fixture.storePath)
        defer { try? database.close() }
        let plan = try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT \(StoredRecordRow.columns) FROM records WHERE \(StoreSchema.idMatch(version: version))",
                arguments: [written.id.hex]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX \(index)") || $0.contains("USING COVERING INDEX \(index)") }, "\(plan)")
    }

    @Test func aStoreOfANewerVersionIsRefusedByAnOlderTarget() async throws {
        let fixture = StoreFixture()
        try await SQLiteRecordStore(path: fixture.storePath, options: StoreFixture.currentOptions).close()
        let error = #expect(throws: StoreError.self) {
            _ = try SQLiteRecordStore(path: fixture.storePath, options: Self.versionOneOptions)
        }
        #expect(error == .newerSchema(path: fixture.storePath, found: 2, supported: 1))
    }
}

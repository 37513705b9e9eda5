import Foundation
import GRDB
import Synchronization
import SyncropelKit
import SyncropelTestSupport

@testable import SyncropelStore

// GRDB exports a `RecordError` too; in these tests the name means the protocol's.
typealias RecordError = SyncropelKit.RecordError

/// A temporary folder holding one test's store files, removed when the fixture goes away.
final class StoreFixture: Sendable {
    let folder: String
    private let database = Mutex<PostgresStoreURL?>(nil)

    init() {
        var template = Array("/tmp/spl-store-test-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { buffer in
            guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed: errno \(errno)") }
            return String(cString: made)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    var storePath: String { folder + "/hub.db" }

    /// The schema version the fixture's stores are written in: the current one, or, when
    /// `SPL_TEST_STORE_SCHEMA` names one (scripts/test runs the store suites again with 1), that
    /// earlier version, so every store, backup and restore test also runs on such a store.
    static let schemaVersion = ProcessInfo.processInfo.environment["SPL_TEST_STORE_SCHEMA"].flatMap { Int($0) }
        ?? SQLiteRecordStore.schemaVersion

    static let options = {
        var options = SQLiteRecordStore.Options(createdByVersion: "0.0.0-test", instanceDID: "did:sync:instance:000000000000000000000000")
        options.schemaVersion = schemaVersion
        return options
    }()

    /// `options` at the current schema version, for files only the current version writes
    /// (a PostgreSQL store's backup) and for migrating.
    static let currentOptions = {
        var options = StoreFixture.options
        options.schemaVersion = SQLiteRecordStore.schemaVersion
        return options
    }()

    func openStore() throws -> SQLiteRecordStore {
        try SQLiteRecordStore(path: storePath, options: Self.options)
    }

    /// A closed store file holding `count` records on thread `th_fixture`, clocks 0 ..< count.
    @discardableResult
    func makeStoreFile(count: Int, bodyText: (Int) -> String = { "record \($0)" }) async throws -> [IngestResult] {
        let store = try openStore()
        let results = try await store.ingest(batch: (0..<count).map { draft(clock: Int64($0), text: bodyText($0)) })
        try await store.close()
        return results
    }

    /// A store of 5 records on `th_fixture` (clocks 0...4) and a backup taken after the first 3:
    /// a restore of it loses 2 acknowledged records.
    func storeAndOlderBackup() async throws -> String {
        let store = try openStore()
        _ = try await store.ingest(batch: (0..<3).map { draft(clock: Int64($0)) })
        let backup = folder + "/hub.db.20261127-130405"
        _ = try await store.backup(to: backup)
        _ = try await store.ingest(batch: (3..<5).map { draft(clock: Int64($0)) })
        try await store.close()
        return backup
    }

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func mode(of path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Names of the files in the folder, sorted.
    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }
}

func draft(
    act: Act = .know, actor: String = "did:example:alice", clock: Int64? = nil, thread: String = "th_fixture",
    text: String = "hello", signature: RecordSignature? = nil
) -> RecordDraft {
    RecordDraft(act: act, actor: actor, body: JSONObject(["text": .string(text)]), clock: clock, thread: thread, signature: signature)
}

/// Collects what a progress callback reports, from whichever thread calls it.
final class CallbackLog<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []

    func append(_ value: Value) {
        lock.withLock { values.append(value) }
    }

    var all: [Value] { lock.withLock { values } }
    var count: Int { lock.withLock { values.count } }
    var last: Value? { lock.withLock { values.last } }
}

/// The two implementations of `RecordStore`: the backend-neutral suites run against each.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite
    case postgres
}

extension StoreFixture {
    static let postgresOptions = PostgresRecordStore.Options(
        createdByVersion: options.createdByVersion, instanceDID: options.instanceDID, backupChunk: 1000)

    /// A store of `backend`: the fixture's file, or the fixture's own PostgreSQL database (made
    /// on first use, so a second call opens the same store again).
    func openStore(_ backend: StoreBackend) async throws -> any RecordStore {
        switch backend {
        case .sqlite: try openStore()
        case .postgres: try await openPostgresStore()
        }
    }

    func openPostgresStore(options: PostgresRecordStore.Options = StoreFixture.postgresOptions) async throws -> PostgresRecordStore {
        try await PostgresRecordStore.open(url: try await postgresURL(), options: options)
    }

    /// The fixture's database, created on first use.
    func postgresURL() async throws -> PostgresStoreURL {
        if let url = database.withLock({ $0 }) { return url }
        let made = try await PostgresServer.shared().makeDatabase()
        let url = try PostgresStoreURL(parsing: made.url, environment: made.environment)
        database.withLock { $0 = url }
        return url
    }

    /// How store errors name `store`: the file's path, or the URL.
    func name(of store: any RecordStore) -> String {
        (store as? SQLiteRecordStore)?.path ?? store.url
    }
}

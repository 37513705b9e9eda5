import Foundation
import GRDB
import SyncropelKit

/// The embedded record store: one SQLite file in WAL mode, or memory for `spl serve --memory`.
///
/// Reads run concurrently on GRDB's reader connections; every write goes
/// through one `RecordWriter`, which groups concurrent requests into one commit.
///
/// ```swift
/// let store = try SQLiteRecordStore(path: home + "/hub.db", options: .init(createdByVersion: "0.1.0"))
/// let page = try await store.threadRecords("th_abc", from: .newest, limit: 100)
/// ```
public final class SQLiteRecordStore: RecordStore {
    /// How a commit survives a crash: `normal` loses nothing acknowledged when
    /// the process dies; `full` also survives power loss.
    public enum Durability: String, Sendable {
        case normal
        case full
    }

    public struct Options: Sendable {
        /// The `spl` version, recorded in `meta` when the store is created.
        public var createdByVersion: String
        /// Recorded in `meta` when the store is created.
        public var instanceDID: String?
        public var durability: Durability
        /// How long a connection waits for a lock held by another process.
        public var busyTimeout: TimeInterval
        /// Where a store file of an earlier schema version is copied, as it is, before the
        /// migration changes it (`premigrationCopyPath`): the daemon's backup folder; nil, the
        /// store's own folder.
        public var premigrationCopyFolder: String?
        /// False where the file being opened is itself a copy whose source stays as it was (a
        /// replica's snapshot being restored): no `hub.db.pre-v<N>` is kept beside it.
        public var keepsPremigrationCopy = true
        /// Told how the copy and the migration of a file of an earlier version go (a large
        /// store takes seconds), so a start can show progress.
        public var migrationProgress: (@Sendable (StoreMigrationStep) -> Void)?
        /// The schema version the store is brought to: the current one, or an earlier one for
        /// tests that write a store as an earlier `spl` did.
        var schemaVersion = StoreSchema.currentVersion

        public init(
            createdByVersion: String, instanceDID: String? = nil, durability: Durability = .normal,
            busyTimeout: TimeInterval = 5, premigrationCopyFolder: String? = nil,
            migrationProgress: (@Sendable (StoreMigrationStep) -> Void)? = nil
        ) {
            self.createdByVersion = createdByVersion
            self.instanceDID = instanceDID
            self.durability = durability
            self.busyTimeout = busyTimeout
            self.premigrationCopyFolder = premigrationCopyFolder
            self.migrationProgress = migrationProgress
        }
    }

    /// The schema version this code writes and the newest it opens.
    public static let schemaVersion = StoreSchema.currentVersion

    /// The store file, or `:memory:`.
    public let path: String
    let database: any DatabaseWriter
    let writer: RecordWriter
    /// The schema version of the file once opened (its `meta.schema_version`).
    let schemaVersion: Int
    private let checkpointer: WALCheckpointer

    /// Opens the store at `path`, creating it (mode 0600) when missing and
    /// applying pending migrations. Check a file that already exists with
    /// `StoreHealthCheck` first: opening does not diagnose damage.
    public convenience init(path: String, options: Options) throws(StoreError) {
        let database: DatabasePool
        let checkpointer = WALCheckpointer(path: path)
        do {
            // Opening a pool writes to the file, so a store from a newer spl is
            // refused before, from a read-only look.
            if let size = try DurableFile.status(path)?.st_size, size > 0 {
                let reader = try ReadOnlyStoreFile.open(path)
                let version = try reader.read(StoreSchema.schemaVersion)
                try reader.close()
                try StoreSchema.refuseNewer(version, path: path, supported: options.schemaVersion)
                if let version, version < options.schemaVersion, options.keepsPremigrationCopy {
                    try Self.keepPremigrationCopy(
                        path, at: Self.premigrationCopyPath(path, folder: options.premigrationCopyFolder, version: options.schemaVersion),
                        version: options.schemaVersion, progress: options.migrationProgress)
                    options.migrationProgress?(.migrating(to: options.schemaVersion))
                }
            } else {
                try DurableFile.createIfMissing(path, mode: 0o600)
            }
            database = try DatabasePool(path: path, configuration: Self.configuration(options, checkpointer: checkpointer))
        } catch {
            throw Self.openingError(error, path: path)
        }
        try self.init(database: database, path: path, options: options, checkpointer: checkpointer)
    }

    /// What opening a file of an earlier schema version reports, in order.
    public enum StoreMigrationStep: Sendable, Equatable {
        /// The copy kept before the migration (`premigrationCopyPath`), in pages.
        case copying(StoreBackupProgress)
        /// The copy is in place; the migration to `to` runs, in one transaction.
        case migrating(to: Int)
    }

    /// Where the store file at `path` is copied, as it was, before a migration to `version`
    /// changes it: `hub.db.pre-v2` in `folder` (nil: beside the store), for restoring it or going
    /// back to the `spl` that wrote it.
    public static func premigrationCopyPath(_ path: String, folder: String?, version: Int = schemaVersion) -> String {
        let store = URL(fileURLWithPath: path)
        return "\(folder ?? store.deletingLastPathComponent().path)/\(store.lastPathComponent).pre-v\(version)"
    }

    private static func keepPremigrationCopy(
        _ path: String, at copy: String, version: Int, progress: (@Sendable (StoreMigrationStep) -> Void)?
    ) throws(StoreError) {
        var copyProgress: (@Sendable (StoreBackupProgress) -> Void)?
        if let progress {
            copyProgress = { step in progress(.copying(step)) }
        }
        do {
            _ = try StoreBackup.copySynchronously(file: path, to: copy, progress: copyProgress)
        } catch {
            let reason = if case let .backupFailed(_, reason) = error { reason } else { error.description }
            throw .premigrationCopyFailed(path: path, copy: copy, version: version, reason: reason)
        }
    }

    /// A store that lives in memory and disappears when closed.
    public static func inMemory(options: Options) throws(StoreError) -> SQLiteRecordStore {
        let path = ":memory:"
        // A memory database has no WAL, so its hook never calls the checkpointer.
        let checkpointer = WALCheckpointer(path: path)
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(configuration: configuration(options, checkpointer: checkpointer))
        } catch {
            throw openingError(error, path: path)
        }
        return try SQLiteRecordStore(database: database, path: path, options: options, checkpointer: checkpointer)
    }

    private init(
        database: any DatabaseWriter, path: String, options: Options, checkpointer: WALCheckpointer
    ) throws(StoreError) {
        let (highestSequence, floor, version): (Int64, Int64?, Int)
        do {
            try StoreSchema.prepare(
                database, version: options.schemaVersion, instanceDID: options.instanceDID,
                createdByVersion: options.createdByVersion)
            (highestSequence, floor, version) = try database.read { db in
                (
                    try Int64.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM records") ?? 0,
                    try AssignmentFloor.read(db, path: path), try StoreSchema.schemaVersion(db) ?? options.schemaVersion
                )
            }
        } catch {
            throw Self.openingError(error, path: path)
        }
        self.database = database
        self.path = path
        self.checkpointer = checkpointer
        schemaVersion = version
        writer = RecordWriter(
            database: database, path: path, schemaVersion: version, highestSequence: highestSequence,
            assignmentFloor: floor)
    }

    private static func configuration(_ options: Options, checkpointer: WALCheckpointer) -> Configuration {
        var configuration = Configuration()
        configuration.label = "syncropel.store"
        configuration.busyMode = .timeout(options.busyTimeout)
        let synchronous = options.durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try StoreSchema.distrustSchema(db)
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Savepoint journals stay in memory rather than in temporary files.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            guard !db.configuration.readonly else { return }
            // 64 MiB of page cache for the writer: inserts into the id index land on random
            // pages, and a miss costs a read. Readers keep the default: a reader's cache is
            // emptied whenever the log has grown, and emptying a large one costs more than it saves.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            checkpointer.install(on: db)
        }
        return configuration
    }

    private static func openingError(_ error: any Error, path: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let databaseError = error as? DatabaseError {
            return .cannotOpen(path: path, sqliteMessage: databaseError.operatorMessage)
        }
        return .cannotOpen(path: path, sqliteMessage: String(describing: error))
    }

    /// `sqlite://<path>`, as the banner and `/health` show it.
    public var url: String { "sqlite://\(path)" }

    // MARK: Ingest

    public func ingest(_ draft: RecordDraft, signingWith signer: SigningIdentity? = nil) async throws -> IngestResult {
        let request = try IngestRequest(drafts: [draft], signer: signer, isBatch: false)
        return try await writer.submit(request)[0]
    }

    public func ingest(batch drafts: [RecordDraft], signingWith signer: SigningIdentity? = nil) async throws -> [IngestResult] {
        guard !drafts.isEmpty else { return [] }
        return try await writer.submit(IngestRequest(drafts: drafts, signer: signer, isBatch: true))
    }

    // MARK: Following the log

    public var highestCommittedSequence: Int64 { writer.commits.highest }

    /// The highest committed sequence now, then again after every commit that created
    /// records, whoever wrote them; a reader that falls behind sees only the newest value.
    /// The stream ends when the store closes. Read what is new with `records(afterSequence:limit:)`.
    ///
    /// ```swift
    /// var seen = store.highestCommittedSequence
    /// for await highest in store.committedSequences() where highest > seen {
    ///     let fresh = try await store.records(afterSequence: seen, limit: 1000)
    ///     seen = fresh.last?.sequence ?? highest
    /// }
    /// ```
    public func committedSequences() -> AsyncStream<Int64> {
        writer.commits.observe()
    }

    public func threadRecords(
        _ thread: String, afterSequence: Int64, throughSequence: Int64, clockAbove: Int64?, limit: Int
    ) async throws -> [StoredRecord] {
        let path = path
        let limit = Self.pageLimit(limit)
        let clockFilter = clockAbove == nil ? "" : "AND clock > ?"
        var arguments: StatementArguments = [thread, afterSequence, throughSequence]
        if let clockAbove { arguments += [clockAbove] }
        arguments += [limit]
        let sql = """
            SELECT \(StoredRecordRow.columns) FROM records
            WHERE thread = ? AND sequence > ? AND sequence <= ? \(clockFilter) ORDER BY sequence LIMIT ?
            """
        return try await read { [arguments] db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { try StoredRecordRow.decode($0, path: path) }
        }
    }

    // MARK: Reads

    public func record(id: RecordID) async throws -> StoredRecord? {
        let path = path
        let match = StoreSchema.idMatch(version: schemaVersion)
        return try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(StoredRecordRow.columns) FROM records WHERE \(match)")
            return try Row.fetchOne(statement, arguments: [id.hex]).map { try StoredRecordRow.decode($0, path: path) }
        }
    }

    public func threadRecords(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPage {
        let path = path
        let select = ThreadRead(thread: thread, position: position, limit: Self.pageLimit(limit), columns: StoredRecordRow.textColumns)
        return try await read { db in
            let (records, hasMore) = try Self.threadPage(db, select) { row, _ in try StoredRecordRow.decode(row, path: path) }
            return select.newestFirst
                ? ThreadPage(newestFirst: records, hasOlder: hasMore, fromCursor: select.fromCursor)
                : ThreadPage(oldestFirst: records, hasNewer: hasMore, fromCursor: select.fromCursor)
        }
    }

    /// `threadRecords` as text, written from each row's stored bytes where they have the canonical
    /// shape (`StoredRecordRow.appendText`): no record is parsed, each is still re-hashed.
    public func threadRecordsText(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPageText {
        let path = path
        let select = ThreadRead(thread: thread, position: position, limit: Self.pageLimit(limit), columns: StoredRecordRow.textColumns)
        return try await read { db in
            var text: [UInt8] = []
            // Sized for the usual record, so a page is written without regrowing the buffer.
            text.reserveCapacity(min(select.limit, 1000) * 512)
            var (rows, hasMore) = try Self.threadPage(db, select) { _, statement in
                let start = text.count
                let (clock, sequence) = try StoredRecordRow.appendText(statement, path: path, to: &text)
                return (range: start..<text.count, clock: clock, sequence: sequence)
            }
            if select.newestFirst { rows.reverse() }
            let first = rows.first.map { ThreadCursor(.older, clock: $0.clock, sequence: $0.sequence) }
            let last = rows.last.map { ThreadCursor(.newer, clock: $0.clock, sequence: $0.sequence) }
            let hasOlder = select.newestFirst ? hasMore : select.fromCursor
            let hasNewer = select.newestFirst ? select.fromCursor : hasMore
            return ThreadPageText(
                text: text, ranges: rows.map(\.range), olderCursor: hasOlder ? first : nil, newerCursor: hasNewer ? last : nil)
        }
    }

    /// The rows of one page of `select` (selected with `StoredRecordRow.textColumns`), each made
    /// by `take` from the row and its statement, in (clock, sequence) order of the read: from the
    /// index order when `ThreadRead.collect` can, else through SQLite's sorter. A page read twice
    /// may leave text its first reading wrote and the page does not use.
    private static func threadPage<Taken>(
        _ db: Database, _ select: ThreadRead, take: (Row, Statement) throws -> Taken
    ) throws -> (page: [Taken], hasMore: Bool) {
        for (sql, arguments) in [(select.sql, select.arguments), (select.sortedSQL, select.sortedArguments)] {
            let statement = try db.cachedStatement(sql: sql)
            let cursor = try Row.fetchCursor(statement, arguments: arguments)
            var row: Row?
            let page = try select.collect(
                next: {
                    row = try cursor.next()
                    return row != nil
                },
                key: { StoredRecordRow.pageKey(statement) },
                take: { try take(row!, statement) })
            if let page { return page }
        }
        // In (clock, sequence) order no row past the page can belong in it.
        preconditionFailure("a thread page read in (clock, sequence) order was out of order")
    }

    public func records(afterSequence sequence: Int64, limit: Int) async throws -> [StoredRecord] {
        let path = path
        let limit = Self.pageLimit(limit)
        // The log's followers mostly ask for what was just committed: the writer still holds it.
        if let held = writer.recent.records(after: sequence, limit: limit) { return held }
        return try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(StoredRecordRow.columns) FROM records WHERE sequence > ? ORDER BY sequence LIMIT ?")
            return try Row.fetchAll(statement, arguments: [sequence, limit]).map { try StoredRecordRow.decode($0, path: path) }
        }
    }

    public func threadSummaries() async throws -> [ThreadSummary] {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT id, record_count, last_clock, updated_at FROM threads ORDER BY updated_at DESC, id")
            return try Row.fetchAll(statement).map(Self.threadSummary)
        }
    }

    public func threadSummary(id: String) async throws -> ThreadSummary? {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT id, record_count, last_clock, updated_at FROM threads WHERE id = ?")
            return try Row.fetchOne(statement, arguments: [id]).map(Self.threadSummary)
        }
    }

    private static func threadSummary(_ row: Row) -> ThreadSummary {
        ThreadSummary(id: row[0], recordCount: row[1], lastClock: row[2], updatedAt: row[3])
    }

    public func counts() async throws -> StoreCounts {
        try await read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT coalesce(sum(record_count), 0) FROM threads), (SELECT count(*) FROM threads),
                    (SELECT coalesce(max(sequence), 0) FROM records)
                """))!
            return StoreCounts(records: row[0], threads: row[1], highestSequence: row[2])
        }
    }

    public func metadata() async throws -> StoreMetadata {
        try await read { db in
            StoreMetadata(
                schemaVersion: try StoreSchema.schemaVersion(db) ?? 0,
                instanceDID: try StoreSchema.metaValue(db, key: "instance_did"),
                createdByVersion: try StoreSchema.metaValue(db, key: "created_by_version"))
        }
    }

    // MARK: Derived state

    /// Nil also when the blob claims to cover records the store does not have
    /// (a store replaced under it): folding from scratch is always safe.
    public func loadDerivedState(name: String) async throws -> DerivedStateBlob? {
        try await read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT watermark, bytes FROM derived_state
                WHERE name = ? AND watermark <= (SELECT coalesce(max(sequence), 0) FROM records)
                """)
            return try Row.fetchOne(statement, arguments: [name]).map { row in
                DerivedStateBlob(name: name, watermark: row[0], bytes: [UInt8](row[1] as Data))
            }
        }
    }

    public func saveDerivedState(_ blob: DerivedStateBlob) async throws {
        let savedAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        try await write { db in
            try db.cachedStatement(sql: """
                INSERT INTO derived_state (name, watermark, bytes, saved_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET watermark = excluded.watermark, bytes = excluded.bytes,
                    saved_at = excluded.saved_at
                """).execute(arguments: [blob.name, blob.watermark, Data(blob.bytes), savedAt])
        }
    }

    public func dropDerivedState(name: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM derived_state WHERE name = ?").execute(arguments: [name])
        }
    }

    // MARK: Sharing

    /// The home lock keeps every other daemon off the file: this process is its only writer.
    public func claimWriter(advertising address: String) async throws -> Bool { true }

    public func writerClaimLost() async {
        try? await Task.sleep(nanoseconds: .max)
    }

    public var isShared: Bool { false }

    // MARK: Maintenance

    /// A consistent copy of the store file while it keeps serving (see `StoreBackup`); a memory
    /// store has no file, and takes SQLite's online backup.
    public func backup(
        to destination: String, placement: StoreBackup.Placement = .replacing,
        progress: (@Sendable (StoreBackupProgress) -> Void)? = nil
    ) async throws(StoreError) -> StoreBackupResult {
        guard let pool = database as? DatabasePool else {
            return try await StoreBackup.copy(from: database, to: destination, placement: placement, progress: progress)
        }
        return try await StoreBackup.copy(live: pool, file: path, to: destination, placement: placement, progress: progress)
    }

    /// Re-hashes every record and checks every signature (see `ContentAddressSweep`).
    public func sweepContentAddresses(
        progress: (@Sendable (SweepProgress) -> Void)? = nil
    ) async throws(StoreError) -> SweepReport {
        do {
            return try await database.read { db in try ContentAddressSweep.run(db, progress: progress) }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Waits for pending writes, truncates the WAL into the main file and closes.
    public func close() async throws {
        guard await writer.close() else { return }
        checkpointer.close()
        do {
            try await database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            // Read-only reader connections cannot remove the -wal and -shm files:
            // closing them first lets the writer, closing last, remove both.
            (database as? DatabasePool)?.releaseMemory()
            try database.close()
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Page sizes are kept to 1 ... 100 000 rows.
    private static func pageLimit(_ limit: Int) -> Int {
        min(max(limit, 1), 100_000)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    func write(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do {
            try await database.write(body)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }
}

extension ThreadPage {
    /// From a backward read; a page reached from a cursor has newer records after it.
    init(newestFirst records: [StoredRecord], hasOlder: Bool, fromCursor: Bool) {
        let page = Array(records.reversed())
        self.init(
            records: page,
            olderCursor: hasOlder ? page.first.map { ThreadCursor(.older, at: $0) } : nil,
            newerCursor: fromCursor ? page.last.map { ThreadCursor(.newer, at: $0) } : nil)
    }

    /// From a forward read; a page reached from a cursor has older records before it.
    init(oldestFirst page: [StoredRecord], hasNewer: Bool, fromCursor: Bool) {
        self.init(
            records: page,
            olderCursor: fromCursor ? page.first.map { ThreadCursor(.older, at: $0) } : nil,
            newerCursor: hasNewer ? page.last.map { ThreadCursor(.newer, at: $0) } : nil)
    }
}

extension ThreadCursor {
    init(_ direction: Direction, at stored: StoredRecord) {
        self.init(direction, clock: stored.record.clock, sequence: stored.sequence)
    }
}

import Foundation
import Logging
import PostgresNIO
import SyncropelKit

/// The record store in a PostgreSQL database, which several daemons can share.
///
/// The same schema and the same answers as `SQLiteRecordStore`. Reads run on a few pooled
/// connections; every ingest goes through one `PostgresRecordWriter` on a connection of its
/// own, which groups concurrent requests into one transaction under `PostgresLocks.writer`.
/// Commits are announced with `NOTIFY spl_commits`, and the store listens on a connection of
/// its own (`PostgresCommitListener`), so `committedSequences()` also hears commits made by
/// another daemon on the same database. A server out of reach fails the request at once with
/// `StoreError.unavailable`; the next request connects again.
///
/// ```swift
/// let url = try PostgresStoreURL(parsing: "postgresql://spl:${SPL_PG_PASSWORD}@127.0.0.1/spl", environment: environment)
/// let store = try await PostgresRecordStore.open(url: url, options: .init(createdByVersion: "0.1.0"))
/// let page = try await store.threadRecords("th_abc", from: .newest, limit: 100)
/// ```
public final class PostgresRecordStore: RecordStore {
    public struct Options: Sendable {
        /// The `spl` version, recorded in `meta` when the store is created.
        public var createdByVersion: String
        /// Recorded in `meta` when the store is created.
        public var instanceDID: String?
        /// How long opening a connection may take before the server counts as unreachable.
        public var connectTimeout: Duration
        /// The most connections reads use at once (the writer and the listener have one each).
        public var readConnections: Int
        /// Records a backup reads from PostgreSQL at a time (and reports progress after).
        public var backupChunk: Int
        /// How long the server lets a transaction of this store sit idle before it ends the
        /// session (`idle_in_transaction_session_timeout`): a daemon frozen mid-commit then
        /// releases the writer lock, so the other daemons on the database keep writing.
        public var idleTransactionTimeout: Duration

        public init(
            createdByVersion: String, instanceDID: String? = nil, connectTimeout: Duration = .seconds(5),
            readConnections: Int = 4, backupChunk: Int = 10_000, idleTransactionTimeout: Duration = .seconds(60)
        ) {
            self.createdByVersion = createdByVersion
            self.instanceDID = instanceDID
            self.connectTimeout = connectTimeout
            self.readConnections = readConnections
            self.backupChunk = backupChunk
            self.idleTransactionTimeout = idleTransactionTimeout
        }
    }

    /// The schema version this code writes and the newest it opens (PostgreSQL's own numbering).
    public static let schemaVersion = PostgresSchema.currentVersion

    public let storeURL: PostgresStoreURL
    public let url: String
    let backupChunk: Int
    let reads: PostgresConnectionPool
    let writes: PostgresConnectionPool
    let writer: PostgresRecordWriter
    let commits: CommitNotifier
    private let listener: PostgresCommitListener
    let writerClaim: PostgresWriterClaim

    /// Connects, creates the schema when the database has none, and starts listening for commits.
    /// A server out of reach throws `StoreError.unavailable` within `connectTimeout`.
    public static func open(url: PostgresStoreURL, options: Options) async throws(StoreError) -> PostgresRecordStore {
        let configuration = try connectionConfiguration(url, options: options)
        let urlText = url.description
        let writes = PostgresConnectionPool(configuration: configuration, url: urlText, limit: 1)
        let (highest, floor): (Int64, Int64?)
        do {
            (highest, floor) = try await writes.withConnection { connection in
                try await PostgresSchema.prepare(
                    connection, url: urlText, instanceDID: options.instanceDID, createdByVersion: options.createdByVersion)
                return (try await highestSequence(connection), try await PostgresSchema.assignmentFloor(connection, url: urlText))
            }
        } catch {
            await writes.close()
            throw PostgresFailure.storeError(error, url: urlText)
        }
        let reads = PostgresConnectionPool(configuration: configuration, url: urlText, limit: max(options.readConnections, 1))
        let listening = PostgresConnectionPool(configuration: configuration, url: urlText, limit: 1)
        return PostgresRecordStore(
            url: url, reads: reads, writes: writes, listening: listening, highestSequence: highest,
            assignmentFloor: floor, backupChunk: max(options.backupChunk, 1))
    }

    private init(
        url: PostgresStoreURL, reads: PostgresConnectionPool, writes: PostgresConnectionPool,
        listening: PostgresConnectionPool, highestSequence: Int64, assignmentFloor: Int64?, backupChunk: Int
    ) {
        storeURL = url
        self.backupChunk = backupChunk
        self.url = url.description
        self.reads = reads
        self.writes = writes
        commits = CommitNotifier(highest: highestSequence)
        writer = PostgresRecordWriter(connection: writes, url: url.description, commits: commits, assignmentFloor: assignmentFloor)
        listener = PostgresCommitListener(connections: listening, commits: commits)
        writerClaim = PostgresWriterClaim(pool: writes, url: url.description)
        listener.start()
    }

    static func connectionConfiguration(
        _ url: PostgresStoreURL, options: Options
    ) throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch url.tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw .postgres(url: url.description, message: "cannot set up TLS: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(nanoseconds(options.connectTimeout))
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", String(nanoseconds(options.idleTransactionTimeout) / 1_000_000)),
            ("application_name", "spl"),
        ]
        return configuration
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    // MARK: Ingest

    public func ingest(_ draft: RecordDraft, signingWith signer: SigningIdentity? = nil) async throws -> IngestResult {
        let request = try IngestRequest(drafts: [draft], signer: signer, isBatch: false)
        try writerClaim.requireWriter()
        return try await writer.submit(request)[0]
    }

    public func ingest(batch drafts: [RecordDraft], signingWith signer: SigningIdentity? = nil) async throws -> [IngestResult] {
        guard !drafts.isEmpty else { return [] }
        try writerClaim.requireWriter()
        return try await writer.submit(IngestRequest(drafts: drafts, signer: signer, isBatch: true))
    }

    // MARK: Following the log

    public var highestCommittedSequence: Int64 { commits.highest }

    /// The highest committed sequence now, then again after every commit that created records,
    /// by this store or by another daemon on the same database (heard through `NOTIFY`).
    public func committedSequences() -> AsyncStream<Int64> {
        commits.observe()
    }

    public func threadRecords(
        _ thread: String, afterSequence: Int64, throughSequence: Int64, clockAbove: Int64?, limit: Int
    ) async throws -> [StoredRecord] {
        var binds = PostgresBindings()
        binds.append(thread)
        binds.append(afterSequence)
        binds.append(throughSequence)
        var sql = "SELECT \(StoredRecordRow.columns) FROM records WHERE thread = $1 AND sequence > $2 AND sequence <= $3"
        if let clockAbove {
            binds.append(clockAbove)
            sql += " AND clock > $4"
        }
        binds.append(Int64(Self.pageLimit(limit)))
        return try await fetch(PostgresQuery(unsafeSQL: sql + " ORDER BY sequence LIMIT $\(binds.count)", binds: binds))
    }

    // MARK: Reads

    public func record(id: RecordID) async throws -> StoredRecord? {
        try await fetch("SELECT \(unescaped: StoredRecordRow.columns) FROM records WHERE id = \(id.hex)").first
    }

    /// The page's records are decoded (each re-hashed and checked) and then written as text.
    public func threadRecordsText(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPageText {
        ThreadPageText(try await threadRecords(thread, from: position, limit: limit))
    }

    public func threadRecords(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPage {
        let limit = Self.pageLimit(limit)
        // One row more than the page tells whether the page is the last one.
        let select = "SELECT \(StoredRecordRow.columns) FROM records WHERE thread = $1"
        let backward = "ORDER BY clock DESC, sequence DESC LIMIT $2"
        let forward = "ORDER BY clock, sequence LIMIT $2"
        var binds = PostgresBindings()
        binds.append(thread)
        binds.append(Int64(limit + 1))
        func page(_ sql: String) async throws -> (records: [StoredRecord], hasMore: Bool) {
            let rows = try await fetch(PostgresQuery(unsafeSQL: sql, binds: binds))
            return (Array(rows.prefix(limit)), rows.count > limit)
        }
        switch position {
        case .newest:
            let (records, hasMore) = try await page("\(select) \(backward)")
            return ThreadPage(newestFirst: records, hasOlder: hasMore, fromCursor: false)
        case .sinceClock(let clock):
            binds.append(clock)
            let (records, hasMore) = try await page("\(select) AND clock > $3 \(forward)")
            return ThreadPage(oldestFirst: records, hasNewer: hasMore, fromCursor: false)
        case .cursor(let cursor) where cursor.direction == .older:
            binds.append(cursor.clock)
            binds.append(cursor.sequence)
            let (records, hasMore) = try await page("\(select) AND (clock, sequence) < ($3, $4) \(backward)")
            return ThreadPage(newestFirst: records, hasOlder: hasMore, fromCursor: true)
        case .cursor(let cursor):
            binds.append(cursor.clock)
            binds.append(cursor.sequence)
            let (records, hasMore) = try await page("\(select) AND (clock, sequence) > ($3, $4) \(forward)")
            return ThreadPage(oldestFirst: records, hasNewer: hasMore, fromCursor: true)
        }
    }

    public func records(afterSequence sequence: Int64, limit: Int) async throws -> [StoredRecord] {
        let limit = Self.pageLimit(limit)
        return try await fetch(
            "SELECT \(unescaped: StoredRecordRow.columns) FROM records WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(Int64(limit))")
    }

    public func threadSummaries() async throws -> [ThreadSummary] {
        try await fetchSummaries("SELECT id, record_count, last_clock, updated_at FROM threads ORDER BY updated_at DESC, id")
    }

    public func threadSummary(id: String) async throws -> ThreadSummary? {
        try await fetchSummaries("SELECT id, record_count, last_clock, updated_at FROM threads WHERE id = \(id)").first
    }

    private func fetchSummaries(_ query: PostgresQuery) async throws -> [ThreadSummary] {
        try await reads.withConnection { connection in
            try await connection.rows(query).map { row in
                let (id, count, lastClock, updatedAt) = try row.decode((String, Int64, Int64, Int64).self)
                return ThreadSummary(id: id, recordCount: count, lastClock: lastClock, updatedAt: updatedAt)
            }
        }
    }

    public func counts() async throws -> StoreCounts {
        try await reads.withConnection { connection in
            let row = try await connection.rows("""
                SELECT (SELECT coalesce(sum(record_count), 0)::bigint FROM threads), (SELECT count(*) FROM threads),
                    (SELECT coalesce(max(sequence), 0) FROM records)
                """)[0]
            let (records, threads, highest) = try row.decode((Int64, Int64, Int64).self)
            return StoreCounts(records: records, threads: threads, highestSequence: highest)
        }
    }

    public func metadata() async throws -> StoreMetadata {
        try await reads.withConnection { connection in
            StoreMetadata(
                schemaVersion: try await PostgresSchema.schemaVersion(connection) ?? 0,
                instanceDID: try await PostgresSchema.metaValue(connection, key: "instance_did"),
                createdByVersion: try await PostgresSchema.metaValue(connection, key: "created_by_version"))
        }
    }

    // MARK: Derived state

    /// Nil also when the blob claims to cover records the store does not have.
    public func loadDerivedState(name: String) async throws -> DerivedStateBlob? {
        try await reads.withConnection { connection in
            let rows = try await connection.rows("""
                SELECT watermark, bytes FROM derived_state
                WHERE name = \(name) AND watermark <= (SELECT coalesce(max(sequence), 0) FROM records)
                """)
            return try rows.first.map { row in
                let (watermark, bytes) = try row.decode((Int64, ByteBuffer).self)
                return DerivedStateBlob(name: name, watermark: watermark, bytes: Array(bytes.readableBytesView))
            }
        }
    }

    public func saveDerivedState(_ blob: DerivedStateBlob) async throws {
        let savedAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        try await execute("""
            INSERT INTO derived_state (name, watermark, bytes, saved_at)
            VALUES (\(blob.name), \(blob.watermark), \(ByteBuffer(bytes: blob.bytes)), \(savedAt))
            ON CONFLICT (name) DO UPDATE SET watermark = excluded.watermark, bytes = excluded.bytes, saved_at = excluded.saved_at
            """)
    }

    public func dropDerivedState(name: String) async throws {
        try await execute("DELETE FROM derived_state WHERE name = \(name)")
    }

    // MARK: Sharing

    public func claimWriter(advertising address: String) async throws -> Bool {
        try await writerClaim.claim(advertising: address)
    }

    public func writerClaimLost() async {
        await writerClaim.lost()
    }

    public var isShared: Bool { true }

    // MARK: Closing

    /// Waits for pending writes, stops listening and closes every connection.
    public func close() async throws {
        guard await writer.close() else { return }
        await writerClaim.release()
        await listener.stop()
        commits.close()
        await writes.close()
        await reads.close()
    }

    // MARK: Shared pieces

    /// Page sizes are kept to 1 ... 100 000 rows.
    static func pageLimit(_ limit: Int) -> Int {
        min(max(limit, 1), 100_000)
    }

    func fetch(_ query: PostgresQuery) async throws -> [StoredRecord] {
        let url = url
        return try await reads.withConnection { connection in try await Self.fetchRecords(query, connection, url: url) }
    }

    func execute(_ query: PostgresQuery) async throws {
        try await reads.withConnection { connection in
            try await connection.rows(query)
            return ()
        }
    }

    /// The records a query of `StoredRecordRow.columns` selects.
    static func fetchRecords(_ query: PostgresQuery, _ connection: PostgresConnection, url: String) async throws -> [StoredRecord] {
        try await connection.rows(query).map { row in
            let (sequence, id, canonical, judgedBy, sig, signer, createdAt) = try row.decode(
                (Int64, String, String, String?, String?, String?, Int64).self)
            return try StoredRecordRow.make(
                sequence: sequence, storedID: id, canonical: Array(canonical.utf8), judgedBy: judgedBy, sig: sig,
                signer: signer, createdAt: createdAt, path: url)
        }
    }

    static func highestSequence(_ connection: PostgresConnection) async throws -> Int64 {
        try await connection.rows("SELECT coalesce(max(sequence), 0) FROM records")[0].decode(Int64.self)
    }

    /// Inserts a record with its sequence; false when its id or its (thread, clock, actor) is taken.
    static func insert(_ stored: StoredRecord, _ connection: PostgresConnection) async throws -> Bool {
        try await insertAll([stored][...], connection) == 1
    }

    /// Inserts records with their sequences, 2 000 to a statement (each column one bound array),
    /// and returns how many went in: fewer than given when an id or a (thread, clock, actor) was
    /// taken, which leaves a hole the caller must roll back. One round trip per statement instead
    /// of one per record.
    static func insertAll(_ records: ArraySlice<StoredRecord>, _ connection: PostgresConnection) async throws -> Int {
        var inserted = 0
        var start = records.startIndex
        while start < records.endIndex {
            let chunk = records[start..<min(start + 2000, records.endIndex)]
            start = chunk.endIndex
            let lookups = chunk.map(\.record)
            // judged_by, sig and signer are never empty when present (an id, a signature, a DID):
            // '' stands for NULL in the arrays.
            let rows = try await connection.rows("""
                WITH inserted AS (
                    INSERT INTO records (sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
                    SELECT s, i, t, a, c, k, b, nullif(j, ''), nullif(g, ''), nullif(n, ''), w
                    FROM unnest(\(chunk.map(\.sequence))::bigint[], \(lookups.map(\.id.hex))::text[], \(lookups.map(\.thread))::text[],
                        \(lookups.map(\.actor))::text[], \(lookups.map(\.clock))::bigint[], \(lookups.map(\.act.rawValue))::text[],
                        \(lookups.map { String(decoding: $0.canonical, as: UTF8.self) })::text[],
                        \(lookups.map { $0.judgedBy?.hex ?? "" })::text[], \(lookups.map { $0.signature?.sig ?? "" })::text[],
                        \(lookups.map { $0.signature?.signer ?? "" })::text[], \(chunk.map(\.createdAt))::bigint[])
                        AS row(s, i, t, a, c, k, b, j, g, n, w)
                    ON CONFLICT DO NOTHING RETURNING 1
                )
                SELECT count(*) FROM inserted
                """)
            inserted += Int(try rows[0].decode(Int64.self))
        }
        return inserted
    }

    /// Adds `count` records up to `lastClock` to a thread's summary.
    static func growThread(
        _ thread: String, by count: Int64, lastClock: Int64, at updatedAt: Int64, _ connection: PostgresConnection
    ) async throws {
        try await connection.rows("""
            INSERT INTO threads (id, record_count, last_clock, updated_at) VALUES (\(thread), \(count), \(lastClock), \(updatedAt))
            ON CONFLICT (id) DO UPDATE SET record_count = threads.record_count + excluded.record_count,
                last_clock = greatest(threads.last_clock, excluded.last_clock),
                updated_at = greatest(threads.updated_at, excluded.updated_at)
            """)
    }
}

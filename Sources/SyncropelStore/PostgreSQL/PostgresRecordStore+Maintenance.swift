import Dispatch
import PostgresNIO
import SyncropelKit

extension PostgresRecordStore {
    /// A record-level snapshot as a SQLite store file: a new `SQLiteRecordStore` with this store's
    /// instance and creating version, filled with `appendVerbatim` from one repeatable-read
    /// transaction (a consistent state while writes go on), then placed as `StoreBackup` places
    /// its copies. Progress counts records.
    public func backup(
        to destination: String, placement: StoreBackup.Placement = .replacing,
        progress: (@Sendable (StoreBackupProgress) -> Void)? = nil
    ) async throws(StoreError) -> StoreBackupResult {
        let url = url
        let reads = reads
        let chunkSize = Int64(backupChunk)
        return try await StoreBackup.write(to: destination, placement: placement) { temporary in
            try await reads.withTransaction("ISOLATION LEVEL REPEATABLE READ, READ ONLY") { connection in
                let options = SQLiteRecordStore.Options(
                    createdByVersion: try await PostgresSchema.metaValue(connection, key: "created_by_version") ?? "unknown",
                    instanceDID: try await PostgresSchema.metaValue(connection, key: "instance_did"))
                let (count, highest) = try await connection.rows(
                    "SELECT count(*), coalesce(max(sequence), 0) FROM records"
                )[0].decode((Int64, Int64).self)
                let floor = try await PostgresSchema.assignmentFloor(connection, url: url)
                let copy = try SQLiteRecordStore(path: temporary, options: options)
                do {
                    if let floor {
                        // The snapshot keeps the restored log's one jump legal, and its numbering above it.
                        try await copy.write { db in
                            try db.execute(
                                sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [AssignmentFloor.metaKey, floor])
                        }
                    }
                    var copied = 0
                    var after: Int64 = 0
                    while true {
                        let chunk = try await Self.fetchRecords("""
                            SELECT \(unescaped: StoredRecordRow.columns) FROM records WHERE sequence > \(after)
                            ORDER BY sequence LIMIT \(chunkSize)
                            """, connection, url: url)
                        guard let last = chunk.last else { break }
                        try await copy.appendVerbatim(chunk)
                        copied += chunk.count
                        after = last.sequence
                        progress?(StoreBackupProgress(done: copied, total: Int(count), isCompleted: false))
                    }
                    try await copy.close()
                    progress?(StoreBackupProgress(done: copied, total: Int(count), isCompleted: true))
                } catch {
                    try? await copy.close()
                    throw error
                }
                try StoreBackup.useRollbackJournal(temporary)
                return (count, highest)
            }
        }
    }

    /// The content-address sweep over PostgreSQL's rows, read in one repeatable-read transaction
    /// and checked by the same `SweepPipeline` as SQLite's.
    public func sweepContentAddresses(
        progress: (@Sendable (SweepProgress) -> Void)? = nil
    ) async throws(StoreError) -> SweepReport {
        let url = url
        do {
            return try await reads.withTransaction("ISOLATION LEVEL REPEATABLE READ, READ ONLY") { connection in
                let total = try await connection.rows("SELECT count(*) FROM records")[0].decode(Int64.self)
                let pipeline = SweepPipeline(total: total, progress: progress)
                do {
                    try await Self.sweepRows(connection, into: pipeline)
                } catch {
                    // No chunk may still be checked, or report progress, once the sweep has failed.
                    _ = await Self.offThePool { pipeline.finish() }
                    throw error
                }
                return await Self.offThePool { pipeline.finish() }
            }
        } catch {
            throw PostgresFailure.storeError(error, url: url)
        }
    }

    /// Hands the rows to `pipeline` in sequence order, a chunk at a time; an empty table is still one (empty) chunk.
    private static func sweepRows(_ connection: PostgresConnection, into pipeline: SweepPipeline) async throws {
        var after: Int64 = 0
        var handedIn = 0
        while true {
            let rows = try await connection.rows("""
                SELECT sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer FROM records
                WHERE sequence > \(after) ORDER BY sequence LIMIT \(Int64(ContentAddressSweep.chunkSize))
                """)
            let chunk = try rows.map { row in
                let (sequence, id, thread, actor, clock, act, canonical, judgedBy, sig, signer) = try row.decode(
                    (Int64, String, String, String, Int64, String, String, String?, String?, String?).self)
                return SweptRow(
                    sequence: sequence, storedID: id, thread: thread, actor: actor, clock: clock, act: act,
                    canonical: Array(canonical.utf8), judgedBy: judgedBy, sig: sig, signer: signer)
            }
            guard !chunk.isEmpty || handedIn == 0 else { return }
            // `check` waits while the pipeline is full: on a thread of its own, not the task pool's.
            await offThePool { pipeline.check(chunk) }
            handedIn += 1
            guard let last = chunk.last, chunk.count == ContentAddressSweep.chunkSize else { return }
            after = last.sequence
        }
    }

    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}

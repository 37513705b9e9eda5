import Foundation
import PostgresNIO
import SyncropelKit

extension PostgresRecordStore {
    private static func positionKey(_ replica: String) -> String { "replica." + replica }

    public func replicaPosition(_ replica: String) async throws -> ReplicaPosition? {
        let key = Self.positionKey(replica)
        let text = try await reads.withConnection { connection in try await PostgresSchema.metaValue(connection, key: key) }
        return text.flatMap(ReplicaPosition.init(metaValue:))
    }

    public func saveReplicaPosition(_ replica: String, _ position: ReplicaPosition) async throws {
        let key = Self.positionKey(replica)
        try await execute("""
            INSERT INTO meta (key, value) VALUES (\(key), \(position.metaValue))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
    }

    public func dropReplicaPositions() async throws {
        try await execute("DELETE FROM meta WHERE key LIKE 'replica.%'")
    }

    /// One transaction under `PostgresLocks.writer`, on the writer's connection.
    public func appendVerbatim(_ records: [StoredRecord]) async throws {
        guard let last = records.last else { return }
        try writerClaim.requireWriter()
        try await writes.withConnection { connection in
            try await connection.rows("BEGIN")
            try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresLocks.writer))")
            try await Self.insertVerbatim(records, connection)
            try await connection.rows(
                "SELECT pg_notify(\(PostgresCommitListener.channel), \(String(last.sequence)))")
            try await connection.rows("COMMIT")
            return ()
        }
        commits.committed(through: last.sequence)
    }

    private static func insertVerbatim(_ records: [StoredRecord], _ connection: PostgresConnection) async throws {
        var expected = try await highestSequence(connection) + 1
        var threads: [String: (growth: ThreadGrowth, updatedAt: Int64)] = [:]
        for stored in records {
            guard stored.sequence == expected else {
                throw VerbatimAppendError.notNext(expected: expected, found: stored.sequence)
            }
            let record = stored.record
            threads[record.thread, default: (ThreadGrowth(), .min)].growth.add(clock: record.clock)
            threads[record.thread]!.updatedAt = max(threads[record.thread]!.updatedAt, stored.createdAt)
            expected += 1
        }
        guard try await insertAll(records[...], connection) == records.count else {
            // Which one: the first whose sequence did not make it in (the transaction is abandoned anyway).
            let present = Set(try await connection.rows(
                "SELECT sequence FROM records WHERE sequence = ANY(\(records.map(\.sequence)))"
            ).map { try $0.decode(Int64.self) })
            let missing = records.first { !present.contains($0.sequence) } ?? records[0]
            throw VerbatimAppendError.alreadyStored(sequence: missing.sequence, id: missing.id.hex)
        }
        for (thread, summary) in threads {
            try await growThread(
                thread, by: summary.growth.count, lastClock: summary.growth.lastClock, at: summary.updatedAt, connection)
        }
    }
}

import PostgresNIO

/// The PostgreSQL ingest baselines: the rows the daemon stored, written by the benchmark itself
/// into a database whose schema `PostgresRecordStore` made, every value a bound parameter. What
/// PostgreSQL alone costs for the same rows, so ingest ÷ this is the share HTTP, JSON, the
/// checks and the store's own bookkeeping (writer lock, thread summaries, NOTIFY) leave.
/// Statements are built before the clock starts; binding, sending and committing are timed.
enum PostgresRawInserts {
    /// Records per second of multi-row inserts, `chunk` rows to a statement (one bound array
    /// per column, as the store inserts), all in one transaction, commit included.
    static func batch(_ records: [BaselineRecord], chunk: Int, server: ScratchPostgres, database url: String) throws -> Double {
        let createdAt = BaselineRecord.createdAtNow()
        let statements = stride(from: 0, to: records.count, by: chunk).map { first in
            multiRowInsert(records[first..<min(first + chunk, records.count)], firstSequence: Int64(first) + 1, createdAt: createdAt)
        }
        let connection = try server.perform(on: url, "connecting") { try await server.connect(url) }
        let seconds = try server.perform(on: url, "raw multi-row inserts") {
            let started = Stopwatch.now()
            try await server.run("BEGIN", on: connection)
            for statement in statements {
                try await server.run(statement, on: connection)
            }
            try await server.run("COMMIT", on: connection)
            let seconds = Stopwatch.now() - started
            try await connection.close()
            return seconds
        }
        return Double(records.count) / seconds
    }

    /// Records per second of single-row INSERTs, each its own transaction (autocommit), over
    /// one connection per element of `perConnection`, all sending at once.
    static func singleRows(_ perConnection: [[BaselineRecord]], server: ScratchPostgres, database url: String) throws -> Double {
        let createdAt = BaselineRecord.createdAtNow()
        var sequence: Int64 = 0
        let statements = perConnection.map { records in
            records.map { record in
                sequence += 1
                return singleRowInsert(record, sequence: sequence, createdAt: createdAt)
            }
        }
        let connections = try perConnection.map { _ in
            try server.perform(on: url, "connecting") { try await server.connect(url) }
        }
        let seconds = try server.perform(on: url, "raw single-row inserts") {
            let started = Stopwatch.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (connection, mine) in zip(connections, statements) {
                    group.addTask {
                        for statement in mine {
                            try await server.run(statement, on: connection)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Stopwatch.now() - started
            for connection in connections {
                try await connection.close()
            }
            return seconds
        }
        return Double(sequence) / seconds
    }

    private static func multiRowInsert(_ records: ArraySlice<BaselineRecord>, firstSequence: Int64, createdAt: Int64) -> PostgresQuery {
        let sequences = records.indices.map { firstSequence + Int64($0 - records.startIndex) }
        // As PostgresRecordStore binds them: '' stands for NULL in a text array.
        let nothing = [String](repeating: "", count: records.count)
        return """
            INSERT INTO records (sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
            SELECT s, i, t, a, c, k, b, nullif(j, ''), nullif(g, ''), nullif(n, ''), w
            FROM unnest(\(sequences)::bigint[], \(records.map(\.id))::text[], \(records.map(\.thread))::text[],
                \(records.map(\.actor))::text[], \(records.map(\.clock))::bigint[], \(records.map(\.act))::text[],
                \(records.map(\.canonical))::text[], \(records.map { $0.judgedBy ?? "" })::text[], \(nothing)::text[],
                \(nothing)::text[], \([Int64](repeating: createdAt, count: records.count))::bigint[])
                AS row(s, i, t, a, c, k, b, j, g, n, w)
            """
    }

    private static func singleRowInsert(_ record: BaselineRecord, sequence: Int64, createdAt: Int64) -> PostgresQuery {
        """
        INSERT INTO records (sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
        VALUES (\(sequence), \(record.id), \(record.thread), \(record.actor), \(record.clock), \(record.act), \(record.canonical),
            \(record.judgedBy), \(String?.none), \(String?.none), \(createdAt))
        """
    }
}

import Foundation
import GRDB
import SyncropelStore

/// The batch-ingest baseline: the same rows inserted straight into a store's tables with
/// GRDB, in one transaction (or one per 1000 rows), with one cached prepared statement. It is what SQLite alone
/// costs, so batch ingest ÷ this is the share the daemon's HTTP, JSON and checks leave.
enum RawInsertBaseline {
    private struct Row {
        let values: StatementArguments
    }

    /// The tables the rows go into.
    enum Schema {
        /// Schema version 1's tables and indexes, the unique index of the whole id among them,
        /// written out here and never migrated: the fixed baseline issue 15 measures schema work against.
        case naive
        /// Whatever the store makes today (`SQLiteRecordStore` creates and migrates the file).
        case store
    }

    /// Records per second of the timed transactions (commits included); the rows, their ids
    /// and canonical bytes are computed before the clock starts. `rowsPerTransaction` nil
    /// writes every row in one transaction; 1000 commits as often as batch ingest must.
    static func recordsPerSecond(
        envelopes: [String], folder: String, schema: Schema, rowsPerTransaction: Int? = nil
    ) throws -> Double {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/raw.db"
        switch schema {
        case .naive: try createNaiveTables(path)
        case .store: try createStore(path)
        }
        let createdAt = BaselineRecord.createdAtNow()
        let rows = try BaselineRecord.parse(envelopes).map { record in
            Row(values: [
                record.id, record.thread, record.actor, record.clock, record.act, record.canonical, record.judgedBy, nil, nil,
                createdAt,
            ])
        }
        var configuration = Configuration()
        // As SQLiteRecordStore: WAL (set when the store created the file), synchronous NORMAL
        // and the writer's 64 MiB page cache.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let started = Stopwatch.now()
        var first = 0
        while first < rows.count {
            let last = min(rows.count, first + (rowsPerTransaction ?? rows.count))
            try queue.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO records (id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for row in rows[first..<last] {
                    try insert.execute(arguments: row.values)
                }
            }
            first = last
        }
        let seconds = Stopwatch.now() - started
        try queue.close()
        try? FileManager.default.removeItem(atPath: folder)
        return Double(envelopes.count) / seconds
    }

    private static func createNaiveTables(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: """
                CREATE TABLE records (
                    sequence INTEGER PRIMARY KEY, id TEXT NOT NULL, thread TEXT NOT NULL, actor TEXT NOT NULL,
                    clock INTEGER NOT NULL, act TEXT NOT NULL, canonical TEXT NOT NULL, judged_by TEXT, sig TEXT,
                    signer TEXT, created_at INTEGER NOT NULL);
                CREATE UNIQUE INDEX records_id ON records (id);
                CREATE UNIQUE INDEX records_thread_clock_actor ON records (thread, clock, actor);
                CREATE INDEX records_actor ON records (actor);
                """)
        }
        try queue.close()
    }

    /// A store file with the project's schema: opened (which migrates) and closed by the store itself.
    private static func createStore(_ path: String) throws {
        let store = try SQLiteRecordStore(path: path, options: .init(createdByVersion: "spl-bench"))
        let closed = DispatchSemaphore(value: 0)
        let failure = StoreCloseOutcome()
        Task {
            do { try await store.close() } catch { failure.error = error }
            closed.signal()
        }
        closed.wait()
        if let error = failure.error { throw error }
    }
}

/// Carries a close error out of the task that awaited it.
private final class StoreCloseOutcome: @unchecked Sendable {
    var error: (any Error)?
}

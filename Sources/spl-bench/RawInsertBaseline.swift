import Foundation
import GRDB
import SyncropelKit
import SyncropelStore

/// The batch-ingest baseline: the same rows inserted straight into the same schema with
/// GRDB, in one transaction, with one cached prepared statement. It is what SQLite alone
/// costs, so batch ingest ÷ this is the share the daemon's HTTP, JSON and checks leave.
enum RawInsertBaseline {
    private struct Row {
        let values: StatementArguments
    }

    /// Records per second of the timed transaction (commit included); the rows, their ids
    /// and canonical bytes are computed before the clock starts.
    static func recordsPerSecond(envelopes: [String], folder: String) throws -> Double {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/raw.db"
        try createStore(path)
        let createdAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let rows = try envelopes.map { envelope in
            let record = try RecordDraft(json: JSONParser.parse(Array(envelope.utf8))).record()
            return Row(values: [
                record.id.hex, record.thread, record.actor, record.clock, record.act.rawValue,
                String(decoding: record.canonical, as: UTF8.self), record.judgedBy?.hex, nil, nil, createdAt,
            ])
        }
        var configuration = Configuration()
        // As SQLiteRecordStore: WAL (set when the store created the file) and synchronous NORMAL.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let started = Stopwatch.now()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO records (id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                try insert.execute(arguments: row.values)
            }
        }
        let seconds = Stopwatch.now() - started
        try queue.close()
        try? FileManager.default.removeItem(atPath: folder)
        return Double(envelopes.count) / seconds
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

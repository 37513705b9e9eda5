import Foundation
import GRDB
import SyncropelKit

/// Writes a group of ingest requests in one transaction, each in its own savepoint.
///
/// A refused record (`RecordError`) rolls back only its request's savepoint. A
/// SQLite failure inside a request (disk full, I/O) may have rolled back the
/// whole transaction, so that request is failed and the others are written
/// again in a fresh transaction.
struct GroupCommit: Sendable {
    let path: String
    /// The store's `AssignmentFloor`: nothing below it is handed out; nil when never restored.
    let floor: Int64?
    /// The store's schema version, for the lookup by id through its id index.
    let schemaVersion: Int

    /// A SQLite failure while writing the request at `index`.
    private struct RequestFailure: Error {
        let index: Int
        let error: any Error
    }

    /// One outcome per request, in order.
    func run(_ requests: [IngestRequest], in db: Database) -> [Result<[IngestResult], any Error>] {
        var outcomes = [Result<[IngestResult], any Error>?](repeating: nil, count: requests.count)
        var remaining = Array(requests.indices)
        while !remaining.isEmpty {
            let createdAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            var attempt: [(Int, Result<[IngestResult], any Error>)] = []
            // A request alone needs no savepoint: its refusal rolls back a transaction that holds nothing else.
            let alone = remaining.count == 1
            do {
                try db.inTransaction(.immediate) {
                    for index in remaining {
                        do {
                            let results = alone
                                ? try write(requests[index], createdAt: createdAt, db)
                                : try writeInSavepoint(requests[index], createdAt: createdAt, db)
                            attempt.append((index, .success(results)))
                        } catch let error as RecordError {
                            attempt.append((index, .failure(error)))
                            if alone { return .rollback }
                        } catch let error as StoreError {
                            attempt.append((index, .failure(error)))
                            if alone { return .rollback }
                        } catch {
                            throw RequestFailure(index: index, error: error)
                        }
                    }
                    return .commit
                }
                for (index, outcome) in attempt {
                    outcomes[index] = outcome
                }
                remaining = []
            } catch let failure as RequestFailure {
                outcomes[failure.index] = .failure(StoreError.from(failure.error, path: path))
                remaining.removeAll { $0 == failure.index }
            } catch {
                for index in remaining {
                    outcomes[index] = .failure(StoreError.from(error, path: path))
                }
                remaining = []
            }
        }
        return outcomes.map { $0! }
    }

    private func writeInSavepoint(_ request: IngestRequest, createdAt: Int64, _ db: Database) throws -> [IngestResult] {
        var results: [IngestResult] = []
        try db.inSavepoint {
            results = try write(request, createdAt: createdAt, db)
            return .commit
        }
        return results
    }

    private func write(_ request: IngestRequest, createdAt: Int64, _ db: Database) throws -> [IngestResult] {
        var written = WrittenRecords()
        for (index, entry) in request.entries.enumerated() {
            do {
                let clock = try entry.threadNeedingClock.map { try nextClock(thread: $0, db) }
                written.add(try insert(try request.record(entry, clock: clock), createdAt: createdAt, db))
            } catch let error as RecordError {
                throw request.locate(error, at: index)
            }
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO threads (id, record_count, last_clock, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET record_count = record_count + excluded.record_count,
                last_clock = max(last_clock, excluded.last_clock), updated_at = max(updated_at, excluded.updated_at)
            """)
        for (thread, growth) in written.threads {
            try upsert.execute(arguments: [thread, growth.count, growth.lastClock, createdAt])
        }
        return written.results
    }

    /// The thread's highest clock (any actor) + 1, or 0 on an empty thread; at least the floor.
    private func nextClock(thread: String, _ db: Database) throws -> Int64 {
        let statement = try db.cachedStatement(sql: "SELECT max(clock) FROM records WHERE thread = ?")
        return try Self.clock(after: try Int64.fetchOne(statement, arguments: [thread]), thread: thread, floor: floor)
    }

    /// The clock a draft gets on a thread whose highest clock is `highest` (nil: an empty thread).
    static func clock(after highest: Int64?, thread: String, floor: Int64?) throws -> Int64 {
        guard let highest else { return floor ?? 0 }
        guard highest < Int64.max else {
            throw RecordError(.invalidClock, field: "clock", "thread \(thread) has no clock left after \(Int64.max)")
        }
        return max(highest + 1, floor ?? 0)
    }

    /// The refusal of `record` where `other` (an id) already holds its (thread, actor, clock).
    static func duplicateClock(_ record: Record, other: String?) -> RecordError {
        RecordError(
            .duplicateClock, field: "clock",
            "\(record.actor) already wrote \(other ?? "another record") at clock \(record.clock) on thread \(record.thread)")
    }

    /// The sequence to give explicitly: the floor while the log is below it, else nil (SQLite's
    /// rowid is then highest + 1, which is above the floor).
    private func sequenceAtFloor(_ db: Database) throws -> Int64? {
        guard let floor else { return nil }
        let highest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(sequence), 0) FROM records")) ?? 0
        return highest < floor ? floor : nil
    }

    private func insert(_ record: Record, createdAt: Int64, _ db: Database) throws -> IngestResult {
        // A NULL sequence lets SQLite give highest + 1.
        let insert = try db.cachedStatement(sql: """
            INSERT INTO records (sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        try insert.execute(arguments: [
            try sequenceAtFloor(db), record.id.hex, record.thread, record.actor, record.clock, record.act.rawValue,
            String(decoding: record.canonical, as: UTF8.self), record.judgedBy?.hex,
            record.signature?.sig, record.signature?.signer, createdAt,
        ])
        if db.changesCount == 1 {
            let stored = StoredRecord(record: record, sequence: db.lastInsertedRowID, createdAt: createdAt)
            return IngestResult(stored: stored, status: .created)
        }
        let byID = try db.cachedStatement(sql: "SELECT \(StoredRecordRow.columns) FROM records WHERE \(StoreSchema.idMatch(version: schemaVersion))")
        if let row = try Row.fetchOne(byID, arguments: [record.id.hex]) {
            return IngestResult(stored: try StoredRecordRow.decode(row, path: path), status: .exists)
        }
        let clash = try db.cachedStatement(sql: "SELECT id FROM records WHERE thread = ? AND clock = ? AND actor = ?")
        throw Self.duplicateClock(record, other: try String.fetchOne(clash, arguments: [record.thread, record.clock, record.actor]))
    }
}

/// What one request wrote: its results in order, and what they add to each thread's summary.
struct WrittenRecords {
    var results: [IngestResult] = []
    var threads: [String: ThreadGrowth] = [:]

    mutating func add(_ result: IngestResult) {
        if result.status == .created {
            threads[result.stored.record.thread, default: ThreadGrowth()].add(clock: result.clock)
        }
        results.append(result)
    }
}

/// How much a request adds to one thread's summary.
struct ThreadGrowth {
    var count: Int64 = 0
    var lastClock: Int64 = .min

    mutating func add(clock: Int64) {
        count += 1
        lastClock = max(lastClock, clock)
    }
}

import Foundation
import Logging
import PostgresNIO
import SyncropelKit

/// Writes a group of ingest requests in one PostgreSQL transaction, each in its own savepoint:
/// the same outcomes as SQLite's `GroupCommit`.
///
/// The transaction first takes `PostgresLocks.writer`, so daemons sharing the database commit
/// one at a time; sequences are then handed out from the highest stored + 1. A refused request
/// (`RecordError`) or one PostgreSQL refused rolls back to its savepoint and fails alone, and
/// the sequences it took are handed out again. A broken connection or a failed `COMMIT` throws:
/// then nothing of the group is written. The commit's highest sequence is sent to other
/// daemons with `NOTIFY spl_commits`, delivered when the transaction commits.
struct PostgresGroupCommit {
    let url: String
    let connection: PostgresConnection
    /// The store's `AssignmentFloor`, when it was restored.
    let floor: Int64?
    /// Next sequence to hand out; set inside the transaction.
    private var nextSequence: Int64 = 0

    init(url: String, connection: PostgresConnection, floor: Int64?) {
        self.url = url
        self.connection = connection
        self.floor = floor
    }

    /// One outcome per request, in order; throws when the whole transaction failed.
    mutating func run(_ requests: [IngestRequest]) async throws -> [Result<[IngestResult], any Error>] {
        let createdAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        try await execute("BEGIN")
        try await execute("SELECT pg_advisory_xact_lock(\(PostgresLocks.writer))")
        nextSequence = max(try await PostgresRecordStore.highestSequence(connection) + 1, floor ?? 0)
        let firstSequence = nextSequence
        // A request alone needs no savepoint: its refusal rolls back a transaction that holds nothing else.
        let alone = requests.count == 1
        var outcomes: [Result<[IngestResult], any Error>] = []
        for request in requests {
            let mark = nextSequence
            if !alone { try await execute("SAVEPOINT request") }
            do {
                let results = try await write(request, createdAt: createdAt)
                if !alone { try await execute("RELEASE SAVEPOINT request") }
                outcomes.append(.success(results))
            } catch let error where Self.failsAlone(error) {
                try await execute(alone ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT request")
                nextSequence = mark
                outcomes.append(.failure(error is RecordError ? error : PostgresFailure.storeError(error, url: url)))
                if alone { return outcomes }
            }
        }
        if nextSequence > firstSequence {
            try await execute("SELECT pg_notify(\(PostgresCommitListener.channel), \(String(nextSequence - 1)))")
        }
        try await execute("COMMIT")
        return outcomes
    }

    /// A refusal of the request itself, rather than of the connection or transaction.
    private static func failsAlone(_ error: any Error) -> Bool {
        switch error {
        case is RecordError: true
        case StoreError.signingFailed: true
        case let psql as PSQLError: psql.code == .server && PostgresFailure.storeError(psql, url: "").isRefusal
        default: false
        }
    }

    private mutating func write(_ request: IngestRequest, createdAt: Int64) async throws -> [IngestResult] {
        var written = WrittenRecords()
        if let results = try await writeAtOnce(request, createdAt: createdAt) {
            results.forEach { written.add($0) }
        } else {
            for (index, entry) in request.entries.enumerated() {
                do {
                    var clock: Int64?
                    if let thread = entry.threadNeedingClock {
                        let highest = try await connection.rows(
                            "SELECT max(clock) FROM records WHERE thread = \(thread)"
                        ).first?.decode(Int64?.self)
                        clock = try GroupCommit.clock(after: highest ?? nil, thread: thread, floor: floor)
                    }
                    written.add(try await insert(try request.record(entry, clock: clock), createdAt: createdAt))
                } catch let error as RecordError {
                    throw request.locate(error, at: index)
                }
            }
        }
        for (thread, growth) in written.threads {
            try await PostgresRecordStore.growThread(thread, by: growth.count, lastClock: growth.lastClock, at: createdAt, connection)
        }
        return written.results
    }

    /// The common case in a few round trips: every record of a request that needs no server
    /// clock inserted by one statement. Nil when that is not what happened (a clock to assign,
    /// or a record already stored or in conflict, rolled back here), so the caller writes the
    /// request record by record and reports each one.
    private mutating func writeAtOnce(_ request: IngestRequest, createdAt: Int64) async throws -> [IngestResult]? {
        guard request.entries.count > 1, !request.entries.contains(where: { $0.threadNeedingClock != nil }) else { return nil }
        var stored: [StoredRecord] = []
        for (index, entry) in request.entries.enumerated() {
            do {
                stored.append(StoredRecord(
                    record: try request.record(entry, clock: nil), sequence: nextSequence + Int64(index), createdAt: createdAt))
            } catch let error as RecordError {
                throw request.locate(error, at: index)
            }
        }
        try await execute("SAVEPOINT at_once")
        guard try await PostgresRecordStore.insertAll(stored[...], connection) == stored.count else {
            try await execute("ROLLBACK TO SAVEPOINT at_once")
            return nil
        }
        try await execute("RELEASE SAVEPOINT at_once")
        nextSequence += Int64(stored.count)
        return stored.map { IngestResult(stored: $0, status: .created) }
    }

    private mutating func insert(_ record: Record, createdAt: Int64) async throws -> IngestResult {
        let stored = StoredRecord(record: record, sequence: nextSequence, createdAt: createdAt)
        if try await PostgresRecordStore.insert(stored, connection) {
            nextSequence += 1
            return IngestResult(stored: stored, status: .created)
        }
        let byID = try await PostgresRecordStore.fetchRecords(
            "SELECT \(unescaped: StoredRecordRow.columns) FROM records WHERE id = \(record.id.hex)", connection, url: url)
        if let existing = byID.first {
            return IngestResult(stored: existing, status: .exists)
        }
        let other = try await connection.rows(
            "SELECT id FROM records WHERE thread = \(record.thread) AND clock = \(record.clock) AND actor = \(record.actor)"
        ).first?.decode(String.self)
        throw GroupCommit.duplicateClock(record, other: other)
    }

    private func execute(_ query: PostgresQuery) async throws {
        try await connection.rows(query)
    }
}

extension StoreError {
    /// PostgreSQL refused the request (a constraint, a value out of range), as opposed to the
    /// server being out of reach.
    var isRefusal: Bool {
        if case .postgres = self { true } else { false }
    }
}

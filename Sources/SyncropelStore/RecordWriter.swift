import Dispatch
import GRDB
import Synchronization

/// The store's one writer: concurrent ingest requests that arrive while a
/// commit is running are grouped into the next commit.
///
/// Each request runs in its own savepoint, so a refused request fails alone;
/// every caller is resumed only after the commit that holds its records.
/// Commits run on one serial dispatch queue that calls GRDB synchronously: a
/// commit is then one thread hop from its caller and one back, where an actor
/// and GRDB's async API took several. (Committing on the caller's own thread
/// when the writer was idle saved nothing with one client and cost 10 % with
/// four: it held one of the two task threads for the whole commit.)
final class RecordWriter: Sendable {
    private let database: any DatabaseWriter
    private let path: String
    private let assignmentFloor: Int64?
    private let schemaVersion: Int
    /// Hears the highest sequence after each commit that created records.
    let commits: CommitNotifier
    /// The records of the latest commits, for the log's followers.
    let recent: RecentRecords
    private let queue = DispatchQueue(label: "syncropel.store.writer")
    private let requests: IngestQueue

    init(database: any DatabaseWriter, path: String, schemaVersion: Int, highestSequence: Int64, assignmentFloor: Int64?) {
        self.database = database
        self.path = path
        self.assignmentFloor = assignmentFloor
        self.schemaVersion = schemaVersion
        commits = CommitNotifier(highest: highestSequence)
        recent = RecentRecords(highest: highestSequence)
        requests = IngestQueue(path: path)
    }

    func submit(_ request: IngestRequest) async throws -> [IngestResult] {
        try await requests.submit(request) { queue.async { self.commitPending() } }
    }

    /// Refuses new requests and returns once every accepted one is committed or failed;
    /// false when the writer was already closed.
    func close() async -> Bool {
        guard await requests.close() else { return false }
        // A closed store answers no read, from memory either.
        recent.restart(above: nil)
        commits.close()
        return true
    }

    /// Commits what is pending, again and again, until nothing is.
    private func commitPending() {
        repeat {
            while let group = requests.takeGroup() {
                let outcomes = commit(group.map(\.request))
                for (item, outcome) in zip(group, outcomes) {
                    item.resume(with: outcome)
                }
            }
        } while !requests.becomeIdle()
    }

    /// One transaction for `requests`; keeps the records it created in `recent`, then announces
    /// the highest sequence it created.
    private func commit(_ requests: [IngestRequest]) -> [Result<[IngestResult], any Error>] {
        let commit = GroupCommit(path: path, floor: assignmentFloor, schemaVersion: schemaVersion)
        let (outcomes, created) = database.writeWithoutTransaction { db in
            let outcomes = commit.run(requests, in: db)
            // In sequence order: one transaction inserted them one after another.
            let created = CommitNotifier.created(outcomes)
            // Still under the write lock, so the window follows commit order.
            recent.append(created.lazy.map(\.stored))
            return (outcomes, created)
        }
        commits.announce(created)
        return outcomes
    }
}

/// Tells followers of the log how far it is committed, so they read new records by
/// sequence instead of polling: one notice per commit, whoever wrote it.
final class CommitNotifier: Sendable {
    private struct State {
        var highest: Int64
        var observers: [Int: AsyncStream<Int64>.Continuation] = [:]
        var nextID = 0
        var isClosed = false
    }

    private let state: Mutex<State>

    init(highest: Int64) {
        state = Mutex(State(highest: highest))
    }

    var highest: Int64 { state.withLock { $0.highest } }

    /// The highest sequence now, then after each commit; a slow reader sees only the newest.
    func observe() -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int? in
            continuation.yield(state.highest)
            guard !state.isClosed else { return nil }
            defer { state.nextID += 1 }
            state.observers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    /// The highest sequence that `created` (a group commit's `created(_:)`) reaches, if any.
    func announce(_ created: [IngestResult]) {
        if let highest = created.map(\.stored.sequence).max() {
            committed(through: highest)
        }
    }

    /// The results of a group commit's `outcomes` that created a record.
    static func created(_ outcomes: [Result<[IngestResult], any Error>]) -> [IngestResult] {
        outcomes.flatMap { (try? $0.get()) ?? [] }.filter { $0.status == .created }
    }

    /// Records that the log reaches `sequence`; heard only when that is higher than before
    /// (a PostgreSQL store also hears its own commits back from `NOTIFY`).
    func committed(through sequence: Int64) {
        // Yielded outside the lock: a stream's termination handler takes it again.
        let observers = state.withLock { state -> [AsyncStream<Int64>.Continuation] in
            guard sequence > state.highest else { return [] }
            state.highest = sequence
            return Array(state.observers.values)
        }
        for observer in observers {
            observer.yield(sequence)
        }
    }

    /// Ends every stream: the store is closed and nothing more will be committed.
    func close() {
        let observers = state.withLock { state in
            state.isClosed = true
            defer { state.observers.removeAll() }
            return Array(state.observers.values)
        }
        for observer in observers {
            observer.finish()
        }
    }
}

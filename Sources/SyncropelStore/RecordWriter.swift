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
    private struct Pending {
        let request: IngestRequest
        let continuation: CheckedContinuation<[IngestResult], any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var isCommitting = false
        var isClosed = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let database: any DatabaseWriter
    private let path: String
    private let assignmentFloor: Int64?
    /// Hears the highest sequence after each commit that created records.
    let commits: CommitNotifier
    private let queue = DispatchQueue(label: "syncropel.store.writer")
    private let state = Mutex(State())

    init(database: any DatabaseWriter, path: String, highestSequence: Int64, assignmentFloor: Int64?) {
        self.database = database
        self.path = path
        self.assignmentFloor = assignmentFloor
        commits = CommitNotifier(highest: highestSequence)
    }

    func submit(_ request: IngestRequest) async throws -> [IngestResult] {
        try await withCheckedThrowingContinuation { continuation in
            let startsCommitting = state.withLock { state -> Bool? in
                guard !state.isClosed else { return nil }
                state.pending.append(Pending(request: request, continuation: continuation))
                defer { state.isCommitting = true }
                return !state.isCommitting
            }
            switch startsCommitting {
            case nil: continuation.resume(throwing: StoreError.closed(path: path))
            case true?: queue.async { self.commitPending() }
            case false?: break
            }
        }
    }

    /// Refuses new requests and returns once every accepted one is committed or failed;
    /// false when the writer was already closed.
    func close() async -> Bool {
        let wasClosed = state.withLock { state in
            defer { state.isClosed = true }
            return state.isClosed
        }
        guard !wasClosed else { return false }
        await withCheckedContinuation { continuation in
            let isIdle = state.withLock { state in
                if state.isCommitting { state.drainWaiters.append(continuation) }
                return !state.isCommitting
            }
            if isIdle { continuation.resume() }
        }
        commits.close()
        return true
    }

    /// Commits what is pending, again and again, until nothing is.
    private func commitPending() {
        while true {
            let group = state.withLock { state -> [Pending] in
                defer { state.pending.removeAll() }
                return state.pending
            }
            guard !group.isEmpty else { break }
            let outcomes = commit(group.map(\.request))
            for (item, outcome) in zip(group, outcomes) {
                item.continuation.resume(with: outcome)
            }
        }
        releaseWriter()
    }

    /// Marks the writer idle, unless a request queued since the last look (then it commits
    /// that too), and wakes whoever waits for the writer to drain.
    private func releaseWriter() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
            guard state.pending.isEmpty else { return nil }
            state.isCommitting = false
            defer { state.drainWaiters.removeAll() }
            return state.drainWaiters
        }
        guard let waiters else {
            queue.async { self.commitPending() }
            return
        }
        waiters.forEach { $0.resume() }
    }

    /// One transaction for `requests`; announces the highest sequence it created.
    private func commit(_ requests: [IngestRequest]) -> [Result<[IngestResult], any Error>] {
        let commit = GroupCommit(path: path, floor: assignmentFloor)
        let outcomes = database.writeWithoutTransaction { db in commit.run(requests, in: db) }
        let created = outcomes.flatMap { (try? $0.get()) ?? [] }.filter { $0.status == .created }
        if let highest = created.map(\.stored.sequence).max() {
            commits.committed(through: highest)
        }
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

    func committed(through sequence: Int64) {
        // Yielded outside the lock: a stream's termination handler takes it again.
        let observers = state.withLock { state in
            state.highest = max(state.highest, sequence)
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

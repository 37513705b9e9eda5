import GRDB
import Synchronization

/// The store's one writer: concurrent ingest requests that arrive while a
/// commit is running are grouped into the next commit.
///
/// Each request runs in its own savepoint, so a refused request fails alone;
/// every caller is resumed only after the commit that holds its records.
actor RecordWriter {
    private struct Pending {
        let request: IngestRequest
        let continuation: CheckedContinuation<[IngestResult], any Error>
    }

    private let database: any DatabaseWriter
    private let path: String
    /// Hears the highest sequence after each commit that created records.
    let commits: CommitNotifier
    private var pending: [Pending] = []
    private var isCommitting = false
    private var isClosed = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(database: any DatabaseWriter, path: String, highestSequence: Int64) {
        self.database = database
        self.path = path
        commits = CommitNotifier(highest: highestSequence)
    }

    func submit(_ request: IngestRequest) async throws -> [IngestResult] {
        guard !isClosed else { throw StoreError.closed(path: path) }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(request: request, continuation: continuation))
            if !isCommitting {
                isCommitting = true
                Task { await commitPending() }
            }
        }
    }

    /// Refuses new requests and returns once every accepted one is committed or failed;
    /// false when the writer was already closed.
    func close() async -> Bool {
        guard !isClosed else { return false }
        isClosed = true
        if isCommitting {
            await withCheckedContinuation { drainWaiters.append($0) }
        }
        commits.close()
        return true
    }

    private func commitPending() async {
        while !pending.isEmpty {
            let group = pending
            pending.removeAll()
            let requests = group.map(\.request)
            let commit = GroupCommit(path: path)
            let outcomes: [Result<[IngestResult], any Error>]
            do {
                outcomes = try await database.writeWithoutTransaction { db in commit.run(requests, in: db) }
            } catch {
                outcomes = Array(repeating: .failure(StoreError.from(error, path: path)), count: group.count)
            }
            let created = outcomes.flatMap { (try? $0.get()) ?? [] }.filter { $0.status == .created }
            if let highest = created.map(\.stored.sequence).max() {
                commits.committed(through: highest)
            }
            for (item, outcome) in zip(group, outcomes) {
                item.continuation.resume(with: outcome)
            }
        }
        isCommitting = false
        for waiter in drainWaiters {
            waiter.resume()
        }
        drainWaiters.removeAll()
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

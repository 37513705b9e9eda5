import GRDB

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
    private var pending: [Pending] = []
    private var isCommitting = false
    private var isClosed = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(database: any DatabaseWriter, path: String) {
        self.database = database
        self.path = path
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

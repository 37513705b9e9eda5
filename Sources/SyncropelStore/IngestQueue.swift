import Synchronization

/// The requests waiting for a store's one writer, and whether it is committing: what groups
/// concurrent ingest requests into one commit, whichever database the writer commits to.
///
/// A request that finds the writer idle starts it (`submit`'s `startCommitting`); one that
/// arrives while a commit runs waits for the next. The writer takes everything pending as one
/// group (`takeGroup`), resumes each caller after the commit that holds its records, and stops
/// only when nothing is pending (`becomeIdle`).
final class IngestQueue: Sendable {
    struct Pending {
        let request: IngestRequest
        let continuation: CheckedContinuation<[IngestResult], any Error>

        func resume(with outcome: Result<[IngestResult], any Error>) {
            continuation.resume(with: outcome)
        }
    }

    private struct State {
        var pending: [Pending] = []
        var isCommitting = false
        var isClosed = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let path: String
    private let state = Mutex(State())

    /// `path` names the store in `StoreError.closed`.
    init(path: String) {
        self.path = path
    }

    /// Queues `request` and waits for its outcome; calls `startCommitting` when the writer was idle.
    func submit(_ request: IngestRequest, startCommitting: () -> Void) async throws -> [IngestResult] {
        try await withCheckedThrowingContinuation { continuation in
            let startsCommitting = state.withLock { state -> Bool? in
                guard !state.isClosed else { return nil }
                state.pending.append(Pending(request: request, continuation: continuation))
                defer { state.isCommitting = true }
                return !state.isCommitting
            }
            switch startsCommitting {
            case nil: continuation.resume(throwing: StoreError.closed(path: path))
            case true?: startCommitting()
            case false?: break
            }
        }
    }

    /// Everything pending, as one group for one commit; nil when nothing is.
    func takeGroup() -> [Pending]? {
        state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending.isEmpty ? nil : state.pending
        }
    }

    /// Marks the writer idle and wakes whoever waits for it to drain; false, leaving it
    /// committing, when a request queued since the last `takeGroup` (commit that too).
    func becomeIdle() -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
            guard state.pending.isEmpty else { return nil }
            state.isCommitting = false
            defer { state.drainWaiters.removeAll() }
            return state.drainWaiters
        }
        guard let waiters else { return false }
        waiters.forEach { $0.resume() }
        return true
    }

    /// Refuses new requests and returns once every accepted one is committed or failed;
    /// false when the queue was already closed.
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
        return true
    }
}

import Synchronization

/// Writes waiting for a replica to hold their records (`ack = "after_replica"`), and the
/// replicator's wait for such a write.
///
/// A write waits for a sequence; every move of the replica's mark releases the writes it
/// covers, so one segment answers every write of the commits it holds. A write whose time is
/// up is released with `false`. The replicator, between rounds, waits for a write instead of
/// sleeping out its `sync_interval`.
public final class ShippedWaiters: Sendable {
    private struct Waiter {
        let sequence: Int64
        let continuation: CheckedContinuation<Bool, Never>
        let timer: Task<Void, Never>
    }

    private struct State {
        var shipped: Int64 = 0
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
        /// The replicator's pause, while it waits for a write.
        var pause: CheckedContinuation<Void, Never>?
        var pauseTimer: Task<Void, Never>?
        var isStopped = false
    }

    private let state = Mutex(State())

    public init() {}

    /// True once the replica holds `sequence`, false when `timeout` passed first.
    public func waitUntilShipped(_ sequence: Int64, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let registered = state.withLock { state -> Bool in
                guard sequence > state.shipped else { return false }
                let id = state.nextID
                state.nextID += 1
                let timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    self?.expire(id)
                }
                state.waiters[id] = Waiter(sequence: sequence, continuation: continuation, timer: timer)
                return true
            }
            if registered {
                endPause()
            } else {
                continuation.resume(returning: true)
            }
        }
    }

    /// The writes waiting now.
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// The replica holds every record through `sequence`: releases the writes waiting for them.
    func shipped(through sequence: Int64) {
        let released = state.withLock { state -> [Waiter] in
            state.shipped = max(state.shipped, sequence)
            let due = state.waiters.filter { $0.value.sequence <= state.shipped }
            for id in due.keys { state.waiters.removeValue(forKey: id) }
            return Array(due.values)
        }
        for waiter in released {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// Returns when a write waits for a record the replica does not hold yet, or after
    /// `duration`, or at once when the replicator is being stopped.
    func pause(upTo duration: Duration) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waits = state.withLock { state -> Bool in
                    guard !state.isStopped, !state.waiters.values.contains(where: { $0.sequence > state.shipped }) else { return false }
                    state.pause = continuation
                    state.pauseTimer = Task { [weak self] in
                        guard (try? await Task.sleep(for: duration)) != nil else { return }
                        self?.endPause()
                    }
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.isStopped = true }
            endPause()
        }
    }

    private func endPause() {
        let (pause, timer) = state.withLock { state in
            defer { (state.pause, state.pauseTimer) = (nil, nil) }
            return (state.pause, state.pauseTimer)
        }
        timer?.cancel()
        pause?.resume()
    }

    private func expire(_ id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
    }
}

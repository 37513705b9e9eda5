import PostgresNIO
import Synchronization

/// One daemon's claim to write a database that several daemons share: PostgreSQL's session
/// advisory lock `PostgresLocks.active`, held on a connection of its own for as long as the
/// daemon writes.
///
/// PostgreSQL drops the lock with the session, so a daemon that dies (SIGKILL, a lost host)
/// hands the claim on as soon as the server sees its connection close. The holder writes its
/// address into `meta.active_daemon`, which standbys name in their 503. A store that never
/// tried to claim writes freely (`spl store copy`, tests); one whose claim failed or was lost
/// refuses writes with `StoreError.standby` until a claim succeeds.
final class PostgresWriterClaim: Sendable {
    private enum State {
        case unclaimed
        case standby(activeAddress: String?)
        case active(PostgresConnection)
    }

    /// How often the holder checks that its session (and so the lock) is still there.
    static let checkInterval: Duration = .seconds(1)
    static let addressKey = "active_daemon"

    private let pool: PostgresConnectionPool
    private let url: String
    private let state = Mutex(State.unclaimed)

    init(pool: PostgresConnectionPool, url: String) {
        self.pool = pool
        self.url = url
    }

    func claim(advertising address: String) async throws -> Bool {
        if case .active = state.withLock({ $0 }) { return true }
        let connection = try await pool.connect()
        do {
            let won = try await connection.rows("SELECT pg_try_advisory_lock(\(PostgresLocks.active))")[0].decode(Bool.self)
            if won {
                try await connection.rows("""
                    INSERT INTO meta (key, value) VALUES (\(Self.addressKey), \(address))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """)
                state.withLock { $0 = .active(connection) }
                return true
            }
            let active = try await PostgresSchema.metaValue(connection, key: Self.addressKey)
            try? await connection.close()
            state.withLock { $0 = .standby(activeAddress: active) }
            return false
        } catch {
            try? await connection.close()
            throw PostgresFailure.translated(error, url: url)
        }
    }

    /// Returns when the holding session is gone (or the task is cancelled); the store is a standby from then.
    ///
    /// Each check has a deadline: a query on a connection whose server went away was seen to
    /// hang rather than fail (the claim then never counted as lost, and the daemon could not stop).
    func lost() async {
        guard case .active(let connection) = state.withLock({ $0 }) else {
            try? await Task.sleep(nanoseconds: .max)
            return
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.checkInterval)
            guard !Task.isCancelled else { return }
            guard await Self.answers(connection, within: Self.answerDeadline) else { break }
        }
        guard !Task.isCancelled else { return }
        Task { try? await connection.close() }
        state.withLock { $0 = .standby(activeAddress: nil) }
    }

    /// How long the holding session has to answer a check before the claim counts as lost.
    static let answerDeadline: Duration = .seconds(3)

    /// Whether `SELECT 1` succeeds within `deadline`; false on failure, on silence, or when the
    /// calling task is cancelled. The query runs in a task of its own, so a wedged connection
    /// never holds the caller.
    private static func answers(_ connection: PostgresConnection, within deadline: Duration) async -> Bool {
        let answer = FirstAnswer()
        let query = Task { answer.resolve((try? await connection.rows("SELECT 1")) != nil) }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            answer.resolve(false)
        }
        let answered = await withTaskCancellationHandler {
            await answer.value()
        } onCancel: {
            answer.resolve(false)
        }
        timer.cancel()
        if !answered { query.cancel() }
        return answered
    }

    /// Throws `StoreError.standby` unless this process may write.
    func requireWriter() throws(StoreError) {
        if case .standby(let active) = state.withLock({ $0 }) {
            throw .standby(url: url, activeAddress: active)
        }
    }

    /// Gives the claim up (a clean stop): a standby takes it at its next try.
    func release() async {
        let held = state.withLock { state -> PostgresConnection? in
            defer { state = .unclaimed }
            if case .active(let connection) = state { return connection }
            return nil
        }
        try? await held?.close()
    }
}

/// The first of several racing outcomes, handed to one waiter.
private final class FirstAnswer: Sendable {
    private struct State {
        var value: Bool?
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    func resolve(_ value: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if state.value == nil { state.waiter = continuation }
                return state.value
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

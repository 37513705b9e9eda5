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
    func lost() async {
        guard case .active(let connection) = state.withLock({ $0 }) else {
            try? await Task.sleep(nanoseconds: .max)
            return
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.checkInterval)
            do {
                _ = try await connection.rows("SELECT 1")
            } catch {
                break
            }
        }
        guard !Task.isCancelled else { return }
        try? await connection.close()
        state.withLock { $0 = .standby(activeAddress: nil) }
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

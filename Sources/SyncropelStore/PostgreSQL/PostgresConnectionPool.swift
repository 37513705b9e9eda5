import Logging
import PostgresNIO

/// Opens connections to one PostgreSQL database and keeps up to `limit` of them for reuse.
///
/// postgres-nio's `PostgresClient` waits for the server while it retries connecting (its
/// circuit breaker opens after a minute); a store must instead fail a request at once when
/// the server cannot be reached, so the daemon can answer 503. Here a request that finds no
/// idle connection opens one (connect timeout `connectTimeout`), and a connection that threw
/// anything is closed rather than reused, so the next request after an outage reconnects.
actor PostgresConnectionPool {
    private let configuration: PostgresConnection.Configuration
    private let url: String
    private let limit: Int
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var slotWaiters: [CheckedContinuation<Void, Never>] = []
    private var isClosed = false
    private var nextID = 0

    init(configuration: PostgresConnection.Configuration, url: String, limit: Int) {
        self.configuration = configuration
        self.url = url
        self.limit = limit
    }

    /// Runs `body` on a connection of the pool. PostgreSQL's and the connection's errors come
    /// out as `StoreError`; `body`'s own (`RecordError`, `VerbatimAppendError`) as they are.
    nonisolated func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await release(connection, reusable: true)
            return value
        } catch {
            await release(connection, reusable: false)
            throw PostgresFailure.translated(error, url: url)
        }
    }

    /// Runs `body` inside one transaction (`BEGIN` with `mode`, such as
    /// `ISOLATION LEVEL REPEATABLE READ, READ ONLY`), committed when it returns.
    nonisolated func withTransaction<T: Sendable>(
        _ mode: String = "", _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.rows(PostgresQuery(unsafeSQL: "BEGIN \(mode)"))
            let value = try await body(connection)
            try await connection.rows("COMMIT")
            return value
        }
    }

    /// A new connection, outside the pool: the caller closes it.
    func connect() async throws(StoreError) -> PostgresConnection {
        nextID += 1
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: PostgresStoreLog.silent)
        } catch {
            // A server that answered (wrong password, no such database) is a refusal to report
            // as such; anything short of an answer means the server cannot be reached.
            if case .postgres(_, let message) = PostgresFailure.storeError(error, url: url), (error as? PSQLError)?.code != .server {
                throw .unavailable(url: url, reason: message)
            }
            throw PostgresFailure.storeError(error, url: url)
        }
    }

    private func lease() async throws(StoreError) -> PostgresConnection {
        while true {
            guard !isClosed else { throw .closed(path: url) }
            if let connection = idle.popLast() {
                guard !connection.isClosed else {
                    open -= 1
                    continue
                }
                return connection
            }
            if open < limit {
                open += 1
                do {
                    return try await connect()
                } catch {
                    open -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { slotWaiters.append($0) }
        }
    }

    private func release(_ connection: PostgresConnection, reusable: Bool) {
        if reusable, !isClosed, !connection.isClosed {
            idle.append(connection)
        } else {
            open -= 1
            Self.close(connection)
        }
        wakeOne()
    }

    private func wakeOne() {
        if !slotWaiters.isEmpty { slotWaiters.removeFirst().resume() }
    }

    /// Closes the idle connections; leased ones close when they come back.
    func close() {
        isClosed = true
        open -= idle.count
        idle.forEach(Self.close)
        idle.removeAll()
        slotWaiters.forEach { $0.resume() }
        slotWaiters.removeAll()
    }

    private static func close(_ connection: PostgresConnection) {
        Task { try? await connection.close() }
    }
}

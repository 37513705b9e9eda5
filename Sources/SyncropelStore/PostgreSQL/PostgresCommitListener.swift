import PostgresNIO
import Synchronization

/// Hears the commits of every daemon on the database: `LISTEN spl_commits` on a connection of
/// its own, each notification's payload being the highest sequence of one commit.
///
/// After each (re)connection it reads the highest sequence once, so commits made while it was
/// not listening (a server restart, a broken connection) are still heard. It keeps trying to
/// listen, every half second, until stopped.
final class PostgresCommitListener: Sendable {
    /// The channel a commit notifies, with its highest sequence as the payload.
    static let channel = "spl_commits"

    private struct State {
        var connection: PostgresConnection?
        var isStopped = false
    }

    private let state = Mutex(State())
    private let connections: PostgresConnectionPool
    private let commits: CommitNotifier

    /// `connections` opens the listening connection; `commits` hears each commit.
    init(connections: PostgresConnectionPool, commits: CommitNotifier) {
        self.connections = connections
        self.commits = commits
    }

    /// Starts listening, in a task of its own that runs until `stop()`.
    ///
    /// The task is never cancelled: a `PostgresConnection.connect` cancelled while it connects
    /// was seen never to return (a store closed just after it opened then hung in `close()`).
    /// It checks `isStopped` instead, after each connection and each pause.
    func start() {
        Task {
            while !state.withLock({ $0.isStopped }) {
                try? await listen()
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private func listen() async throws {
        let connection = try await connections.connect()
        let isStopped = state.withLock { state in
            state.connection = connection
            return state.isStopped
        }
        defer { Task { try? await connection.close() } }
        guard !isStopped else { return }
        let commits = commits
        try await connection.listen(on: Self.channel) { notifications in
            commits.committed(through: try await PostgresRecordStore.highestSequence(connection))
            for try await notification in notifications {
                if let sequence = Int64(notification.payload) {
                    commits.committed(through: sequence)
                }
            }
        }
    }

    /// Stops listening and closes the connection; a connection still being opened is closed
    /// by the task once it is open.
    func stop() async {
        let connection = state.withLock { state in
            state.isStopped = true
            return state.connection
        }
        try? await connection?.close()
    }
}

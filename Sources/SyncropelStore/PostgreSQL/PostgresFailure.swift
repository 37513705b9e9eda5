import PostgresNIO

/// Sorts what postgres-nio throws into the store's errors: a server that cannot be reached
/// or went away mid-request is `StoreError.unavailable` (the daemon answers 503 and retries
/// later); anything else PostgreSQL refused is `StoreError.postgres` with its own message.
///
/// Only the server's message, its SQLSTATE and the connection's own error reach a message:
/// never the query, its arguments, or the connection's configuration (which holds the password).
enum PostgresFailure {
    /// SQLSTATEs of a server that is going away or not yet there: admin shutdown, crash
    /// shutdown, cannot connect now (starting up, shutting down), too many connections.
    private static let unavailableStates: Set<String> = ["57P01", "57P02", "57P03", "53300"]

    /// `error` as a `StoreError` when it came from PostgreSQL or the connection; else as it is.
    static func translated(_ error: any Error, url: String) -> any Error {
        switch error {
        case is PSQLError, is PostgresTransactionError: storeError(error, url: url)
        default: error
        }
    }

    static func storeError(_ error: any Error, url: String) -> StoreError {
        switch error {
        case let storeError as StoreError:
            return storeError
        case let transaction as PostgresTransactionError:
            let cause = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
            return cause.map { storeError($0, url: url) } ?? .postgres(url: url, message: "the transaction failed")
        case let psql as PSQLError:
            return storeError(psql, url: url)
        default:
            return .postgres(url: url, message: String(describing: error))
        }
    }

    private static func storeError(_ error: PSQLError, url: String) -> StoreError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?????"
            let message = "\(error.serverInfo?[.message] ?? "unknown error") (SQLSTATE \(state))"
            if state.hasPrefix("08") || unavailableStates.contains(state) {
                return .unavailable(url: url, reason: message)
            }
            return .postgres(url: url, message: message)
        case .serverClosedConnection, .uncleanShutdown, .connectionError, .clientClosedConnection:
            let reason = error.underlying.map { String(describing: $0) } ?? "the connection to the server was closed"
            return .unavailable(url: url, reason: reason)
        default:
            return .postgres(url: url, message: "\(error.code)")
        }
    }
}

import Logging
import PostgresNIO

/// The logger handed to postgres-nio: it logs nothing, so no password, SQL argument or
/// record content from inside the client can reach a log.
enum PostgresStoreLog {
    static let silent = Logger(label: "syncropel.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}

extension PostgresConnection {
    /// Runs `query` and reads its whole answer, rows and end of command, before returning: no
    /// result is left half-read on the connection when the next query goes out.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: PostgresStoreLog.silent).collect()
    }
}

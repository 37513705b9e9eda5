import Foundation
import SyncropelTestSupport
import Testing

extension DaemonFixture {
    /// Makes the home's `[store] url` the database's (a config.toml that holds only that).
    func useStore(_ database: PostgresServer.Database) throws {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try "[store]\nurl = \"\(database.url)\"\n".write(toFile: home + "/config.toml", atomically: true, encoding: .utf8)
    }

    /// Two homes of one instance on `database`, each with its own HOME and port, set up as an
    /// operator sets up an active daemon and a standby: the first is initialised, its store moved
    /// into the database (a home with an identity never starts on a database that holds no
    /// store) and its `[store] url` set; `configure` may change the first home further; then the
    /// second gets the first's keys and config.toml.
    static func pair(
        on database: PostgresServer.Database, configure: (DaemonFixture) async throws -> Void = { _ in }
    ) async throws -> (first: DaemonFixture, second: DaemonFixture) {
        let (first, second) = (try DaemonFixture(), try DaemonFixture())
        try #require(try await first.cli(["init"]).status == 0)
        let moved = try await first.cli(["store", "copy", "--from", first.store, "--to", database.url], environment: database.environment)
        try #require(moved.status == 0, "\(moved.stderr)")
        try first.useStore(database)
        try await configure(first)
        try FileManager.default.createDirectory(atPath: second.home, withIntermediateDirectories: true)
        for item in ["keys", "config.toml"] {
            try FileManager.default.copyItem(atPath: first.home + "/" + item, toPath: second.home + "/" + item)
        }
        return (first, second)
    }
}

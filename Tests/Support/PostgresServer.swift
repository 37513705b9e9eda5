import Foundation

/// A scratch PostgreSQL 15 cluster started by Tests/postgres/cluster.sh: initdb as the
/// unprivileged postgres user, scram-sha-256, a random superuser password, 127.0.0.1 on a free port.
///
/// The first test that asks `PostgresServer.shared()` starts it; the last of the suites marked
/// `@Suite(.postgresServer)` to finish stops it (and cluster.sh's watchdog stops it if this
/// process dies). A test that stops the server on purpose starts one of its own with `start()`.
/// A server that cannot be installed or started fails every test that asks for it: it never
/// skips them.
public struct PostgresServer: Sendable {
    public let host: String
    public let port: Int
    public let user: String
    let password: String
    let stateFolder: URL

    /// The environment variable that test store URLs name for the password (`${…}`).
    public static let passwordVariable = "SPL_TEST_PG_PASSWORD"

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("postgres/cluster.sh")

    static let running = SharedServer(start: { try await PostgresServer.start() }, stop: { await $0.stop() })

    /// The server of this test process, started on first use.
    public static func shared() async throws -> PostgresServer {
        try await running.server()
    }

    /// A database of its own, new and empty.
    public struct Database: Sendable {
        /// `postgresql://postgres:${SPL_TEST_PG_PASSWORD}@127.0.0.1:<port>/<name>`.
        public let url: String
        /// Resolves the URL's variable.
        public let environment: [String: String]
        public let name: String
    }

    /// Creates a database with a unique name; its URL names the password as `${SPL_TEST_PG_PASSWORD}`.
    public func makeDatabase() async throws -> Database {
        let name = "spl_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await runScript("createdb", name)
        return Database(
            url: "postgresql://\(user):${\(Self.passwordVariable)}@\(host):\(port)/\(name)?sslmode=disable",
            environment: [Self.passwordVariable: password], name: name)
    }

    /// A folder for the script's output files, outside the cluster's own (which only postgres may enter).
    private func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spl-pg-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A cluster of the caller's own; `stop()` it when done.
    public static func start() async throws -> PostgresServer {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("spl-pg-\(UUID().uuidString)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("spl-pg-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        // Installing postgresql-15 on a fresh machine takes a minute or two; initdb and start, seconds.
        let run = try await ScriptRun.run(
            [script.path, "start", state.path, String(getpid())], in: output, timeoutSeconds: 600)
        guard run.status == 0 else {
            throw TestServerError(message: "cluster.sh start exited \(run.status): \(run.stderr)")
        }
        guard let port = Int(try run.printedValue("PG_PORT")) else {
            throw TestServerError(message: "cluster.sh start printed a bad PG_PORT")
        }
        return PostgresServer(
            host: try run.printedValue("PG_HOST"), port: port, user: try run.printedValue("PG_USER"),
            password: try run.printedValue("PG_PASSWORD"),
            stateFolder: state)
    }

    /// Stops the server and removes its data.
    public func stop() async {
        guard let folder = try? scratch() else { return }
        _ = try? await ScriptRun.run([Self.script.path, "stop", stateFolder.path], in: folder, timeoutSeconds: 120)
        try? FileManager.default.removeItem(at: folder)
    }

    /// Stops the server (fast shutdown: connections are closed), keeping its data and port.
    public func halt() async throws {
        try await runScript("halt")
    }

    /// Starts a halted server again on the same port.
    public func resume() async throws {
        try await runScript("resume")
    }

    private func runScript(_ command: String, _ arguments: String...) async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await ScriptRun.run(
            [Self.script.path, command, stateFolder.path] + arguments, in: folder, timeoutSeconds: 120)
        guard run.status == 0 else {
            throw TestServerError(message: "cluster.sh \(command) exited \(run.status): \(run.stderr)")
        }
    }
}

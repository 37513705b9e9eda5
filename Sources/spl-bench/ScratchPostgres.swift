import Foundation
import Logging
import PostgresNIO
import SyncropelStore

/// The PostgreSQL server of `--postgres-url`: the scratch databases the PostgreSQL rows run
/// on, created through the URL's own database and dropped at the end of the run, and the
/// benchmark's own connections to them. The password comes from `PGPASSWORD`, which every
/// `spl` child inherits too, so no URL the benchmark builds carries one.
final class ScratchPostgres: @unchecked Sendable {
    let admin: PostgresStoreURL
    private let password: String?
    private let logger: Logger
    private let lock = NSLock()
    private var databases: [String] = []

    init(url text: String, environment: [String: String]) throws {
        do {
            admin = try PostgresStoreURL(parsing: text, environment: environment)
        } catch {
            throw BenchError.badPostgresURL(text, underlying: error)
        }
        password = environment["PGPASSWORD"]
        var logger = Logger(label: "spl-bench.postgres")
        // postgres-nio logs every connection at debug; only its errors matter here.
        logger.logLevel = .error
        self.logger = logger
    }

    /// Connects to the URL's own database and runs `SELECT 1`: the URL, password and server work.
    func requireReachable() throws {
        try onAdmin("connecting") { connection in
            try await self.run("SELECT 1", on: connection)
        }
    }

    /// `CREATE DATABASE spl_bench_<pid>_<purpose>`, empty; returns its URL.
    func createDatabase(_ purpose: String) throws -> String {
        let name = "spl_bench_\(getpid())_\(purpose)"
        try onAdmin("CREATE DATABASE \(name)") { connection in
            // A database name is an identifier, which cannot be a bound parameter; this one is ours.
            try await self.run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), on: connection)
        }
        lock.withLock { databases.append(name) }
        return url(of: name)
    }

    /// A new database whose schema `PostgresRecordStore` made, opening and closing it, as a
    /// daemon's first start would: the raw-insert baselines write into exactly that schema.
    func createStoreDatabase(_ purpose: String) throws -> String {
        let url = try createDatabase(purpose)
        let address = try storeURL(url)
        try perform(on: url, "creating the store schema") {
            let store = try await PostgresRecordStore.open(url: address, options: .init(createdByVersion: "spl-bench"))
            try await store.close()
        }
        return url
    }

    /// `DROP DATABASE … WITH (FORCE)` of every database `createDatabase` made; failures are
    /// said, not thrown, since clean-up runs after a failure too.
    func dropDatabases() {
        for name in lock.withLock({ databases }) {
            do {
                try onAdmin("DROP DATABASE \(name)") { connection in
                    try await self.run(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), on: connection)
                }
            } catch {
                Progress.say("spl-bench: \(error)")
            }
        }
        lock.withLock { databases.removeAll() }
    }

    /// A connection of the benchmark's own to the database at `url` (from `createDatabase`).
    func connect(_ url: String) async throws -> PostgresConnection {
        let address = try storeURL(url)
        do {
            return try await PostgresConnection.connect(
                configuration: try configuration(database: address.database), id: 1, logger: logger)
        } catch {
            throw BenchError.postgresFailed(url: url, action: "connecting", underlying: error)
        }
    }

    /// Runs `work` to its end from the benchmark's thread, naming `url` and `action` if it fails.
    func perform<Value: Sendable>(
        on url: String, _ action: String, _ work: @escaping @Sendable () async throws -> Value
    ) throws -> Value {
        do {
            return try AsyncWork.wait(work)
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError.postgresFailed(url: url, action: action, underlying: error)
        }
    }

    /// `query` on one connection: the silent logger every benchmark query uses.
    func run(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        _ = try await connection.query(query, logger: logger).collect()
    }

    private func onAdmin(_ action: String, _ work: @escaping @Sendable (PostgresConnection) async throws -> Void) throws {
        let url = admin.description
        try perform(on: url, action) {
            let connection = try await PostgresConnection.connect(
                configuration: try self.configuration(database: self.admin.database), id: 0, logger: self.logger)
            do {
                try await work(connection)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// The admin URL with another database, and no password.
    private func url(of database: String) -> String {
        let host = admin.host.contains(":") ? "[\(admin.host)]" : admin.host
        let user = admin.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? admin.user
        return "postgresql://\(user)@\(host):\(admin.port)/\(database)?sslmode=\(admin.tlsMode.rawValue)"
    }

    private func storeURL(_ url: String) throws -> PostgresStoreURL {
        do {
            return try PostgresStoreURL(parsing: url, environment: password.map { ["PGPASSWORD": $0] } ?? [:])
        } catch {
            throw BenchError.badPostgresURL(url, underlying: error)
        }
    }

    /// The connection settings `PostgresRecordStore` would use for the same URL.
    private func configuration(database: String) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch admin.tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: admin.host, port: admin.port, username: admin.user, password: password, database: database, tls: tls)
    }
}

import Foundation
import PostgresNIO
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// What only the PostgreSQL store has: its URL, a shared database, a server that goes away.
@Suite(.postgresServer, .timeLimit(.minutes(5))) struct PostgresStoreTests {
    private static let environment = ["PGPASS": "s3cret-Pa55"]

    @Test func aURLReadsItsPartsAndShowsNoPassword() throws {
        let url = try PostgresStoreURL(parsing: "postgresql://spl:${PGPASS}@db.internal:5433/hub?sslmode=disable", environment: Self.environment)
        #expect(url.user == "spl")
        #expect(url.host == "db.internal")
        #expect(url.port == 5433)
        #expect(url.database == "hub")
        #expect(url.tlsMode == .disable)
        #expect(url.password == "s3cret-Pa55")
        #expect(url.description == "postgresql://spl@db.internal:5433/hub?sslmode=disable")

        let plain = try PostgresStoreURL(parsing: "postgres://spl@[::1]/hub", environment: ["PGPASSWORD": "from-env"])
        #expect(plain.description == "postgresql://spl@[::1]:5432/hub")
        #expect(plain.password == "from-env")
        #expect(try PostgresStoreURL(parsing: "postgresql://spl@h/hub", environment: [:]).password == nil)
        #expect(PostgresStoreURL.isPostgresURL("postgres://x") && !PostgresStoreURL.isPostgresURL("/home/hub.db"))
    }

    @Test(arguments: [
        ("mysql://spl@h/db", PostgresStoreURLError.unknownScheme(scheme: "mysql")),
        ("/var/lib/hub.db", .unknownScheme(scheme: "")),
        ("postgresql://spl@h", .missingDatabase),
        ("postgresql://spl@h/", .missingDatabase),
        ("postgresql://h/db", .missingUser),
        ("postgresql://spl@/db", .missingHost),
        ("postgresql://spl@h:54x/db", .badPort(port: "54x")),
        ("postgresql://spl@h:70000/db", .badPort(port: "70000")),
        ("postgresql://spl:hunter2@h/db", .literalPassword),
        ("postgresql://spl:${NOPE}@h/db", .unsetVariable(name: "NOPE")),
        ("postgresql://spl@h/db?sslmode=verify-full", .badTLSMode(mode: "verify-full")),
        ("postgresql://spl@h/db?application_name=x", .unknownParameter(name: "application_name")),
    ])
    func malformedURLsAreRefusedByName(text: String, error: PostgresStoreURLError) {
        #expect(throws: error) { try PostgresStoreURL(parsing: text, environment: Self.environment) }
    }

    @Test(arguments: [
        (PostgresStoreURLError.unknownScheme(scheme: "mysql"),
         "store URL scheme \"mysql\" is not postgresql:// or postgres://; write postgresql://user[:${VAR}]@host[:port]/database"),
        (.missingUser, "store URL names no user; write postgresql://user[:${VAR}]@host[:port]/database"),
        (.missingHost, "store URL names no host; write postgresql://user[:${VAR}]@host[:port]/database"),
        (.missingDatabase, "store URL names no database; write postgresql://user[:${VAR}]@host[:port]/database"),
        (.badPort(port: "54x"), "store URL port \"54x\" is not a number from 1 to 65535"),
        (.literalPassword,
         "store URL holds a password; keep it out of config files: write postgresql://user:${VAR}@host/database with the password in environment variable VAR, or set PGPASSWORD"),
        (.unsetVariable(name: "SPL_PG"), "store URL takes its password from environment variable SPL_PG, which is not set"),
        (.unknownParameter(name: "x"), "store URL parameter \"x\" is not known; the only one is sslmode"),
        (.badTLSMode(mode: "allow"), "store URL sslmode \"allow\" is not disable, prefer or require"),
        (.badEncoding(part: "user name"), "store URL user name has a bad %-escape"),
    ])
    func urlMessages(error: PostgresStoreURLError, message: String) {
        #expect(error.description == message)
    }

    /// A port where nothing listens: the store refuses to open at once, and says why.
    @Test func aServerThatIsDownGivesUnavailablePromptly() async throws {
        let port = try await freePort()
        let url = try PostgresStoreURL(parsing: "postgresql://spl:${PGPASS}@127.0.0.1:\(port)/hub?sslmode=disable", environment: Self.environment)
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) {
            try await PostgresRecordStore.open(url: url, options: StoreFixture.postgresOptions)
        }
        #expect(ContinuousClock.now - started < .seconds(6))
        guard case .unavailable(let failedURL, let reason)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(failedURL == "postgresql://spl@127.0.0.1:\(port)/hub?sslmode=disable")
        #expect(reason.localizedCaseInsensitiveContains("refused"), "\(reason)")
        #expect(error?.description.contains("s3cret-Pa55") == false)
    }

    /// The server answers, and refuses the password: PostgreSQL's own message, and never the password.
    @Test func aWrongPasswordIsPostgresOwnRefusalWithoutThePassword() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.makeDatabase()
        let url = try PostgresStoreURL(
            parsing: database.url, environment: [PostgresServer.passwordVariable: "s3cret-Pa55-wrong"])
        let error = await #expect(throws: StoreError.self) {
            try await PostgresRecordStore.open(url: url, options: StoreFixture.postgresOptions)
        }
        #expect(error == .postgres(
            url: url.description, message: "password authentication failed for user \"\(server.user)\" (SQLSTATE 28P01)"))
        #expect(error?.description.contains("s3cret-Pa55") == false)
    }

    @Test func aSecondStoreOnTheDatabaseHearsCommitsItDidNotMake() async throws {
        let fixture = StoreFixture()
        let writer = try await fixture.openPostgresStore()
        let follower = try await fixture.openPostgresStore()
        var heard = follower.committedSequences().makeAsyncIterator()
        #expect(await heard.next() == 0)
        _ = try await writer.ingest(batch: (0..<3).map { draft(clock: Int64($0)) }, signingWith: nil)
        var highest: Int64 = 0
        while highest < 3, let next = await heard.next() {
            highest = next
        }
        #expect(highest == 3)
        #expect(follower.highestCommittedSequence == 3)
        #expect(try await follower.records(afterSequence: 0, limit: 10).count == 3)
        try await writer.close()
        try await follower.close()
    }

    /// Two daemons' stores ingesting at once into one database take turns: no sequence and no
    /// (thread, actor, clock) is used twice, and every acknowledged record is there once.
    @Test func twoStoresWritingAtOnceNeverShareASequenceOrAClock() async throws {
        let fixture = StoreFixture()
        let stores = [try await fixture.openPostgresStore(), try await fixture.openPostgresStore()]
        let acknowledged = try await withThrowingTaskGroup(of: [IngestResult].self) { group in
            for (index, store) in stores.enumerated() {
                for writer in 0..<3 {
                    group.addTask {
                        var results: [IngestResult] = []
                        for round in 0..<20 {
                            // Both stores assign clocks on one shared thread, and write batches of their own.
                            results.append(try await store.ingest(draft(actor: "did:example:a\(index)", thread: "th_shared", text: "\(writer).\(round)"), signingWith: nil))
                            results += try await store.ingest(
                                batch: [draft(actor: "did:example:s\(index)w\(writer)", clock: Int64(round), thread: "th_batch")], signingWith: nil)
                        }
                        return results
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count == 2 * 3 * 40)
        #expect(Set(acknowledged.map(\.sequence)).count == acknowledged.count)
        let keys = acknowledged.map { "\($0.stored.record.thread)/\($0.stored.record.actor)/\($0.clock)" }
        #expect(Set(keys).count == keys.count)
        let stored = try await stores[0].records(afterSequence: 0, limit: 1000)
        #expect(stored.map(\.sequence) == Array(1...Int64(acknowledged.count)))
        #expect(Set(stored.map(\.id)) == Set(acknowledged.map(\.id)))
        #expect(try await stores[1].counts() == StoreCounts(records: 240, threads: 2, highestSequence: 240))
        for store in stores { try await store.close() }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openPostgresStore()
        try await store.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        try await store.close()
        let error = await #expect(throws: StoreError.self) { try await fixture.openPostgresStore() }
        let url = try await fixture.postgresURL().description
        #expect(error == .newerSchema(path: url, found: 99, supported: PostgresRecordStore.schemaVersion))
    }

    @Test func twoStoresOpeningAnEmptyDatabaseAtOnceMakeOneSchema() async throws {
        let fixture = StoreFixture()
        _ = try await fixture.postgresURL()
        async let first = fixture.openPostgresStore()
        async let second = fixture.openPostgresStore()
        let stores = try await [first, second]
        #expect(try await stores[0].metadata() == StoreMetadata(
            schemaVersion: 1, instanceDID: StoreFixture.options.instanceDID, createdByVersion: "0.0.0-test"))
        for store in stores { try await store.close() }
    }

    /// A server stopped under an open store: requests fail with `unavailable` while it is
    /// down, the store serves again once it is back, and nothing acknowledged is lost.
    @Test func aServerStoppedUnderTheStoreGivesUnavailableAndThenServesAgain() async throws {
        let server = try await PostgresServer.start()
        defer { Task { await server.stop() } }
        let database = try await server.makeDatabase()
        let url = try PostgresStoreURL(parsing: database.url, environment: database.environment)
        let store = try await PostgresRecordStore.open(url: url, options: StoreFixture.postgresOptions)
        let before = try await store.ingest(batch: (0..<10).map { draft(clock: Int64($0)) }, signingWith: nil)

        try await server.halt()
        let started = ContinuousClock.now
        let writeError = await #expect(throws: StoreError.self) { try await store.ingest(draft(clock: 10), signingWith: nil) }
        let readError = await #expect(throws: StoreError.self) { try await store.counts() }
        #expect(ContinuousClock.now - started < .seconds(12))
        for error in [writeError, readError] {
            guard case .unavailable(let failedURL, _)? = error else {
                Issue.record("expected unavailable, got \(String(describing: error))")
                continue
            }
            #expect(failedURL == url.description)
            #expect(error?.description.contains(server.user + ":") == false)
        }

        try await server.resume()
        let after = try await store.ingest(draft(clock: 10), signingWith: nil)
        #expect(after.status == .created)
        #expect(after.sequence == 11)
        let stored = try await store.records(afterSequence: 0, limit: 100)
        #expect(stored == before.map(\.stored) + [after.stored])
        try await store.close()
    }

    @Test func closeFinishesPendingWritesAndRefusesLaterOnes() async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openPostgresStore()
        let writes = (0..<20).map { index in
            Task { try await store.ingest(draft(clock: Int64(index)), signingWith: nil) }
        }
        await Task.yield()
        try await store.close()
        var acknowledged = 0
        for write in writes {
            if (try? await write.value) != nil { acknowledged += 1 }
        }
        await #expect(throws: StoreError.closed(path: store.url)) { try await store.ingest(draft(clock: 99), signingWith: nil) }
        let reopened = try await fixture.openPostgresStore()
        #expect(try await reopened.counts().records == Int64(acknowledged))
        try await reopened.close()
    }

    private func freePort() async throws -> Int {
        try await offThePool {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { Glibc.close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
            }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }
}

import Foundation
import Synchronization
import SyncropelTestSupport
import Testing

/// Active and standby daemons on one PostgreSQL database (issue 14): one writes, the other
/// serves reads and answers writes 503 STANDBY; SIGKILL the writer under load and the standby
/// writes within 5 s, with every acknowledged record stored exactly once.
@Suite(.serialized, .postgresServer, .timeLimit(.minutes(8))) struct PostgresFailoverTests {
    private func serve(_ daemon: DaemonFixture, on database: PostgresServer.Database) async throws -> SPLProcess.Result {
        try await daemon.cli(["serve", "--daemon", "--port", String(daemon.port), "--store", database.url], seconds: 60,
            environment: database.environment)
    }

    private func role(_ daemon: DaemonFixture) async throws -> String? {
        try await daemon.httpJSON("GET", "/health").object["role"] as? String
    }

    @Test func aStandbyRefusesWritesNamingTheActiveDaemonAndServesItsRecords() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let pair = try await DaemonFixture.pair(on: database)
        let daemons = [pair.first, pair.second]
        defer { daemons.forEach { $0.tearDown() } }
        let (active, standby) = (daemons[0], daemons[1])
        let started = try await serve(active, on: database)
        try #require(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("Store:    postgresql://postgres@127.0.0.1:"))
        #expect(!started.stdout.contains(database.environment.values.first!), "the password is never shown")
        try #require(try await serve(standby, on: database).status == 0)
        #expect(try await role(active) == "active")
        #expect(try await role(standby) == "standby")

        let refused = try await standby.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1, thread: "th_standby"))
        #expect(refused.status == 503)
        #expect(refused.object["code"] as? String == "STANDBY")
        #expect((refused.object["message"] as? String)?.contains("send writes to the active daemon at 127.0.0.1:\(active.port)") == true)
        let written = try await DaemonHTTP(port: active.port).post(HTTPRouteTests.envelope(clock: 1, thread: "th_standby"))
        #expect(written.status == 201)
        let id = try #require(written.id)
        #expect(try await DaemonHTTP(port: standby.port).missing([id]).isEmpty, "the standby reads what the active daemon wrote")
        let status = try await standby.cli(["status"])
        #expect(status.stdout.contains("Role:    standby (serves reads; writes go to the active daemon)\n"))
        #expect(try await standby.stopDaemon().status == 0)
        #expect(try await active.stopDaemon().status == 0)
    }

    /// A server of the test's own, stopped and started again under a running daemon.
    @Test func aDatabaseThatGoesAwayIsAnswered503AndTheDaemonRecoversAndStillStops() async throws {
        let server = try await PostgresServer.start()
        let daemon = try DaemonFixture()
        do {
            let database = try await server.makeDatabase()
            let started = try await serve(daemon, on: database)
            try #require(started.status == 0, "\(started.stderr)")
            try await server.halt()
            let write = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1, thread: "th_away"))
            #expect(write.status == 503)
            #expect(write.object["code"] as? String == "STORE_UNAVAILABLE")
            #expect(write.object["message"] as? String == "the store cannot be reached; nothing was written, retry in a moment")
            let read = try await daemon.httpJSON("GET", "/v1/threads/th_away/records")
            #expect(read.status == 503)
            #expect(read.object["code"] as? String == "STORE_UNAVAILABLE")
            // Long enough for the writer claim's check to find its session gone.
            try await Task.sleep(for: .seconds(5))
            try await server.resume()
            try await waitUntil {
                try await daemon.http("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1, thread: "th_away")).status == 201
            }
            #expect(try await role(daemon) == "active")
            let stopped = try await daemon.stopDaemon()
            #expect(stopped.status == 0)
            #expect(!stopped.stdout.contains("was killed"), "\(stopped.stdout)")
        } catch {
            daemon.tearDown()
            await server.stop()
            throw error
        }
        daemon.tearDown()
        await server.stop()
    }

    /// Four clients write records with explicit clocks (so a retry of a record whose answer was
    /// lost is the same record); each retries against the other daemon when its daemon fails.
    @Test func killingTheActiveDaemonUnderLoadHandsWritingToTheStandbyWithinFiveSeconds() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let pair = try await DaemonFixture.pair(on: database)
        let daemons = [pair.first, pair.second]
        defer { daemons.forEach { $0.tearDown() } }
        for daemon in daemons { try #require(try await serve(daemon, on: database).status == 0) }
        var acknowledged: [String] = []
        var takeovers: [Double] = []
        for round in 0..<5 {
            let active = daemons[round % 2]
            let standby = daemons[(round + 1) % 2]
            try #require(try await role(active) == "active", "round \(round)")
            let load = FailoverLoad(ports: [active.port, standby.port], round: round)
            let clients = Task { try await load.run(clients: 4) }
            try await load.waitForAcknowledged(200)
            let pid = try #require(active.pid)
            kill(pid, SIGKILL)
            let killedAt = ContinuousClock.now
            let firstOnStandby = try await load.firstAcknowledged(onPort: standby.port)
            let takeover = firstOnStandby - killedAt
            let seconds = Double(takeover.components.seconds) + Double(takeover.components.attoseconds) / 1e18
            takeovers.append(seconds)
            try await load.waitForAcknowledged(load.acknowledgedCount + 200)
            load.stop()
            acknowledged += try await clients.value
            #expect(seconds < 5, "round \(round): the standby wrote \(seconds) s after the kill")
            #expect(try await role(standby) == "active")
            // The killed daemon comes back as the standby of the next round.
            let restarted = try await serve(active, on: database)
            try #require(restarted.status == 0, "\(restarted.stderr)")
            #expect(try await role(active) == "standby")
        }
        print("failover: takeover after SIGKILL in seconds, five rounds: \(takeovers.map { String(format: "%.2f", $0) }.joined(separator: ", "))")
        let survivor = daemons[1]
        #expect(try await DaemonHTTP(port: survivor.port).missing(acknowledged).isEmpty, "every acknowledged record is stored")
        let counts = try await psql(database, "SELECT count(*), count(DISTINCT id) FROM records WHERE thread LIKE 'th_fo_%'")
        #expect(counts == "\(Set(acknowledged).count)|\(Set(acknowledged).count)", "each acknowledged record exactly once, nothing else")
        for daemon in daemons { _ = try await daemon.stopDaemon() }
    }

    private func psql(_ database: PostgresServer.Database, _ sql: String) async throws -> String {
        let server = try await PostgresServer.shared()
        let password = "PGPASSWORD=" + (database.environment.values.first ?? "")
        return try await ShellTool.run(
            "env", [password, "psql", "-h", server.host, "-p", String(server.port), "-U", server.user, "-d", database.name, "-tAc", sql]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The clients of one failover round: each posts its own thread's records in clock order to
/// the first daemon, moving to the other on a failed connection or a 503 and retrying the
/// same record until it is acknowledged.
final class FailoverLoad: Sendable {
    private struct State {
        var acknowledged = 0
        var firstAt: [Int: ContinuousClock.Instant] = [:]
        var stopped = false
    }

    let ports: [Int]
    let round: Int
    private let state = Mutex(State())

    init(ports: [Int], round: Int) {
        self.ports = ports
        self.round = round
    }

    var acknowledgedCount: Int { state.withLock { $0.acknowledged } }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// The ids every client had acknowledged when told to stop.
    func run(clients: Int) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask { try await self.client(client) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    private func client(_ client: Int) async throws -> [String] {
        var ids: [String] = []
        var target = 0
        var clock = 1
        let deadline = ContinuousClock.now + .seconds(120)
        while !state.withLock({ $0.stopped }) {
            guard ContinuousClock.now < deadline else { throw FailoverLoadError.noDaemonAnswered(round: round) }
            let envelope = HTTPRouteTests.envelope(clock: clock, thread: "th_fo_\(round)_\(client)")
            let port = ports[target]
            if let answer = try? await DaemonHTTP(port: port).post(envelope), answer.status == 201 || answer.status == 200,
                let id = answer.id
            {
                ids.append(id)
                clock += 1
                state.withLock { state in
                    state.acknowledged += 1
                    if state.firstAt[port] == nil { state.firstAt[port] = .now }
                }
            } else {
                target = 1 - target
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return ids
    }

    func waitForAcknowledged(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledgedCount < count {
            guard ContinuousClock.now < deadline else { throw FailoverLoadError.stalled(round: round, acknowledged: acknowledgedCount) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// When the first record was acknowledged by the daemon on `port` (waiting up to 30 s).
    func firstAcknowledged(onPort port: Int) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let first = state.withLock({ $0.firstAt[port] }) { return first }
            guard ContinuousClock.now < deadline else { throw FailoverLoadError.noTakeover(round: round) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

enum FailoverLoadError: Error {
    case noDaemonAnswered(round: Int)
    case stalled(round: Int, acknowledged: Int)
    case noTakeover(round: Int)
}

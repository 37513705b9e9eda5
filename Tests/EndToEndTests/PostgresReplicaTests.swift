import Foundation
import SyncropelTestSupport
import Testing

/// A replica (`[[replica]]`) fed by a daemon whose store is a PostgreSQL database: the
/// database is lost, and the replica alone brings the log back into a new one, whole, and
/// into a file at a chosen point. Its S3 case uses the shared moto_server, so the suite counts
/// itself among that server's users too.
@Suite(.serialized, .postgresServer, .motoServer, .timeLimit(.minutes(5))) struct PostgresReplicaTests {
    @Test(arguments: ReplicaTarget.Kind.allCases)
    func aReplicaOfADatabaseRestoresEveryAcknowledgedRecordIntoANewDatabaseAndAFile(_ kind: ReplicaTarget.Kind) async throws {
        let lost = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try daemon.useStore(lost)
        let target = try await ReplicaTarget.make(kind, for: daemon)
        try await target.add(to: daemon, name: "offsite", syncInterval: "100ms")
        let environment = lost.environment.merging(target.environment) { $1 }
        let started = try await daemon.serve(environment: environment)
        try #require(started.status == 0, "\(started.stderr)")

        let http = DaemonHTTP(port: daemon.port)
        let acknowledged = try await http.writeRecords(writers: 4, each: 40, tag: "pg_replica")
        #expect(acknowledged.count == 160)
        #expect(try await http.replicaCaughtUp(seconds: 30), "the replica did not catch up within 30 s")
        let source = try await http.allRecords()
        let status = try await daemon.cli(["status"], environment: environment)
        #expect(status.stdout.contains("\nReplica: offsite \(target.url) working, shipped through \(source.count), lag 0 records ("),
            "\(status.stdout)")
        #expect(try await daemon.stopDaemon().status == 0)

        // The database server is gone; the operator points the home at a new, empty database.
        let replacement = try await PostgresServer.shared().makeDatabase()
        let config = try String(contentsOfFile: daemon.home + "/config.toml", encoding: .utf8)
        try #require(config.contains(lost.url))
        try config.replacingOccurrences(of: lost.url, with: replacement.url)
            .write(toFile: daemon.home + "/config.toml", atomically: true, encoding: .utf8)
        // By the configured name: an S3 replica's endpoint and region are in config.toml.
        let verified = try await daemon.cli(["backup", "replica", "verify", "offsite"], environment: environment)
        #expect(verified.status == 0 && verified.stdout.hasSuffix("\nOK\n"), "\(verified.stdout)\(verified.stderr)")

        let whole = try await daemon.cli(["backup", "restore", "--from-replica", "offsite", "--yes"], seconds: 60, environment: environment)
        try #require(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
        #expect(whole.stdout.contains("Rebuilt:    sequences 1...\(source.count), every id re-hashed and signature checked"), "\(whole.stdout)")
        #expect(whole.stdout.contains("Restored:   \(target.url) (sequences 1...\(source.count)) → postgresql://"), "\(whole.stdout)")
        #expect(!whole.stdout.contains("Moved:"), "the new database held no store to move aside: \(whole.stdout)")
        #expect(!(whole.stdout + whole.stderr).contains(lost.environment.values.first!), "the password is never shown")

        let restarted = try await daemon.serve(environment: environment)
        try #require(restarted.status == 0, "\(restarted.stderr)")
        #expect(try await http.allRecords() == source, "every record with its sequence, id and created_at")
        #expect(try await http.missing(acknowledged).isEmpty)
        #expect(try await daemon.stopDaemon().status == 0)

        // A point in the log, into a file: the same replica restores into either backend.
        let half = source.count / 2
        let file = daemon.spl.scratch.appendingPathComponent("half.db").path
        let written = try await daemon.cli(
            ["backup", "restore", "--from-replica", "offsite", "--sequence", String(half), "--to", file], seconds: 60,
            environment: environment)
        #expect(written.status == 0 && written.stdout.hasSuffix("Written:    \(file)\n"), "\(written.stdout)\(written.stderr)")
        let checked = try await daemon.cli(["backup", "verify", file])
        #expect(checked.stdout.contains("Records:    \(half) checked, 0 bad"), "\(checked.stdout)")
    }

    /// Only the active daemon ships; after a takeover the new one carries the same replica on,
    /// and the replica then holds what both wrote.
    @Test func aStandbyShipsNothingUntilItTakesOverAndThenTheReplicaHoldsWhatBothWrote() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let (first, second) = try await DaemonFixture.pair(on: database) { first in
            try await ReplicaTarget.file(in: first).add(to: first, name: "offsite", syncInterval: "100ms")
        }
        defer { [first, second].forEach { $0.tearDown() } }
        try #require(try await first.serve(environment: database.environment).status == 0)
        try #require(try await second.serve(environment: database.environment).status == 0)
        let (active, standby) = (DaemonHTTP(port: first.port), DaemonHTTP(port: second.port))

        let before = try await active.writeRecords(writers: 2, each: 30, tag: "pg_before")
        #expect(try await active.replicaCaughtUp(seconds: 30), "the active daemon's replica did not catch up within 30 s")
        let idle = try await replication(second)
        #expect(idle["state"] as? String == "starting" && idle["bytes_written"] as? Int == 0, "the standby shipped nothing: \(idle)")

        let pid = try #require(first.pid)
        kill(pid, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(10)
        var role: String?
        while ContinuousClock.now < deadline {
            role = try await second.httpJSON("GET", "/health").object["role"] as? String
            if role == "active" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(role == "active", "the standby took over within 10 s")
        let after = try await standby.writeRecords(writers: 2, each: 30, tag: "pg_after")
        #expect(try await standby.replicaCaughtUp(seconds: 30), "the new active daemon's replica did not catch up within 30 s")
        let source = try await standby.allRecords()
        #expect(source.count == 3 + before.count + after.count, "the store copy's records and both daemons' writes")
        #expect(try await second.stopDaemon().status == 0)

        let file = second.spl.scratch.appendingPathComponent("from-replica.db").path
        let restored = try await second.cli(["backup", "restore", "--from-replica", "offsite", "--to", file], seconds: 60)
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        let checked = try await second.cli(["backup", "verify", file])
        #expect(checked.stdout.contains("Records:    \(source.count) checked, 0 bad"), "\(checked.stdout)")
        let ids = try await ShellTool.sqlite(file, "SELECT id FROM records ORDER BY sequence").split(separator: "\n").map(String.init)
        #expect(ids == source.map(\.id), "the replica holds every record with its sequence")
    }

    /// The first entry of `/health`'s `replication`.
    private func replication(_ daemon: DaemonFixture) async throws -> [String: Any] {
        let replicas = try await daemon.httpJSON("GET", "/health").object["replication"] as? [[String: Any]]
        return try #require(replicas?.first, "no replica in /health")
    }
}

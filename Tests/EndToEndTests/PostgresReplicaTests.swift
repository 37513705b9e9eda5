import Foundation
import SyncropelTestSupport
import Testing

/// A replica (`[[replica]]`) fed by a daemon whose store is a PostgreSQL database: the
/// database is lost, and the replica alone brings the log back into a new one, whole, and
/// into a file at a chosen point.
@Suite(.serialized, .postgresServer, .timeLimit(.minutes(5))) struct PostgresReplicaTests {
    @Test(arguments: ReplicaTarget.Kind.allCases)
    func aReplicaOfADatabaseRestoresEveryAcknowledgedRecordIntoANewDatabaseAndAFile(_ kind: ReplicaTarget.Kind) async throws {
        let lost = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try FileManager.default.createDirectory(atPath: daemon.home, withIntermediateDirectories: true)
        try "[store]\nurl = \"\(lost.url)\"\n".write(toFile: daemon.home + "/config.toml", atomically: true, encoding: .utf8)
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
}

import Foundation
import SyncropelTestSupport
import Testing

/// Backups of a PostgreSQL store and `spl backup restore` into one, through the binary.
@Suite(.serialized, .postgresServer, .timeLimit(.minutes(5))) struct PostgresBackupRestoreTests {
    /// Starts `daemon` on `database`, writes `records` records (clocks 1...records) on `thread`
    /// and returns the file `spl backup now` wrote; the daemon keeps running.
    private func backUp(records: Int, thread: String, of daemon: DaemonFixture, on database: PostgresServer.Database) async throws -> String {
        try daemon.useStore(database)
        try #require(try await daemon.serve(environment: database.environment).status == 0)
        for clock in 1...records {
            let posted = try await daemon.http("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: clock, thread: thread))
            try #require(posted.status == 201)
        }
        let backup = try await daemon.cli(["backup", "now", "-o", "json"], environment: database.environment)
        try #require(backup.status == 0, "spl backup now: \(backup.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        return try #require(answer["path"] as? String, "\(answer)")
    }

    @Test func backupNowOfADatabaseRestoresIntoItKeepingTheReplacedTablesAndNumbersAboveTheFloor() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let file = try await backUp(records: 30, thread: "th_pg_restore", of: daemon, on: database)
        let verified = try await daemon.cli(["backup", "verify", file])
        #expect(verified.status == 0, "the record-level snapshot verifies: \(verified.stdout)")
        for clock in 31...40 {
            let posted = try await daemon.http("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: clock, thread: "th_pg_restore"))
            try #require(posted.status == 201)
        }

        let refused = try await daemon.cli(["backup", "restore", file, "--yes"], environment: database.environment)
        #expect(refused.status == 1, "a running daemon blocks the restore")
        #expect(try await daemon.stopDaemon().status == 0)

        let restored = try await daemon.cli(["backup", "restore", file, "--yes"], environment: database.environment)
        try #require(restored.status == 0, "spl backup restore: \(restored.stderr)")
        #expect(restored.stdout.contains("Loses:      10 records that are in postgresql://"), "\(restored.stdout)")
        #expect(restored.stdout.contains("Moved:      the replaced store's tables to schema spl_replaced_"), "\(restored.stdout)")
        #expect(!(restored.stdout + restored.stderr).contains(database.environment.values.first!), "the password is never shown")

        try #require(try await daemon.serve(environment: database.environment).status == 0)
        let page = try await daemon.httpJSON("GET", "/v1/threads/th_pg_restore/records?limit=100")
        #expect((page.object["data"] as? [Any])?.count == 30, "the backup's 30 records, not the 10 written after it")
        let posted = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 41, thread: "th_pg_restore"))
        #expect(posted.status == 201)
        let after = try await daemon.cli(["backup", "now", "-o", "json"], environment: database.environment)
        try #require(after.status == 0, "spl backup now: \(after.stderr)")
        let highest = try #require(
            (try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])?["highest_sequence"] as? Int)
        #expect(highest > 1_000_000_000_000_000, "the first sequence after a restore is the floor, above every lost record's")
    }

    @Test func aHomeWithAnIdentityNeverStartsEmptyOnADatabaseThatHoldsNoStore() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try #require(try await daemon.cli(["init"]).status == 0)
        let refused = try await daemon.cli(
            ["serve", "--daemon", "--port", String(daemon.port), "--store", database.url], seconds: 60, environment: database.environment)
        #expect(refused.status == 2)
        let url = try #require(database.url.components(separatedBy: ":${").first).replacingOccurrences(of: "postgresql://", with: "")
        #expect(refused.stderr.contains(
            "holds no store but this home has an identity; restore a backup into it with 'spl backup restore <file>', copy a store there with "
                + "'spl store copy --from <file> --to postgresql://\(url)"), "\(refused.stderr)")
        let fresh = try await daemon.cli(
            ["serve", "--daemon", "--port", String(daemon.port), "--store", database.url, "--new-store"], seconds: 60,
            environment: database.environment)
        #expect(fresh.status == 0, "--new-store starts an empty store there: \(fresh.stderr)")
        #expect(try await daemon.stopDaemon().status == 0)
        let again = try await daemon.cli(
            ["serve", "--daemon", "--port", String(daemon.port), "--store", database.url, "--new-store"], seconds: 60,
            environment: database.environment)
        #expect(again.status == 1, "\(again.stdout)\(again.stderr)")
        #expect(again.stderr.contains("--new-store starts an empty store, but database postgresql://\(url)@127.0.0.1:"), "\(again.stderr)")
        #expect(again.stderr.contains(
            "/\(database.name)?sslmode=disable already holds one; start without --new-store to serve it, or give another database"),
            "\(again.stderr)")
    }

    @Test func aBackupWithATamperedRecordIsRefusedAndTheDatabaseKeepsItsRecords() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let file = try await backUp(records: 12, thread: "th_pg_forged", of: daemon, on: database)
        #expect(try await daemon.stopDaemon().status == 0)
        // Record 5's canonical bytes no longer hash to the id it is filed under.
        _ = try await ShellTool.sqlite(file, "UPDATE records SET canonical = replace(canonical, 'th_pg_forged', 'th_pg_forgeX') WHERE sequence = 5")

        let refused = try await daemon.cli(["backup", "restore", file, "--yes", "--force"], environment: database.environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("failed, nothing was changed: store \(file) has a damaged record at sequence 5: filed as "), "\(refused.stderr)")
        try #require(try await daemon.serve(environment: database.environment).status == 0)
        let page = try await daemon.httpJSON("GET", "/v1/threads/th_pg_forged/records?limit=100")
        #expect((page.object["data"] as? [Any])?.count == 12, "the database still holds its own records")
    }

    @Test func aRestoreIsRefusedWhileADaemonOfAnotherHomeServesTheDatabase() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let (first, second) = try await DaemonFixture.pair(on: database)
        defer { [first, second].forEach { $0.tearDown() } }
        // The initialised store, left in the first home by the copy into the database.
        let backup = first.spl.scratch.appendingPathComponent("kept.db").path
        try FileManager.default.copyItem(atPath: first.store, toPath: backup)
        // The first home runs no daemon, so only the database can tell that the second one serves it.
        try #require(try await second.serve(environment: database.environment).status == 0)

        let refused = try await first.cli(["backup", "restore", backup, "--yes"], environment: database.environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(" open on postgresql://postgres@127.0.0.1:"), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix(
            "; the active daemon is at 127.0.0.1:\(second.port); stop every daemon on this database (active and standby) with 'spl stop', "
                + "then restore\n"), "\(refused.stderr)")
        #expect(try await second.stopDaemon().status == 0)
        let restored = try await first.cli(["backup", "restore", backup, "--yes"], environment: database.environment)
        #expect(restored.status == 0, "with every daemon stopped the restore goes ahead: \(restored.stderr)")
    }
}

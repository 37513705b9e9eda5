import Foundation
import Testing

/// A home whose store is in schema version 1 (the previous `spl`'s): `backup verify` reads it,
/// the daemon keeps it as `hub.db.pre-v2` and migrates it, every record is served as before,
/// and the kept copy verifies and restores like any backup.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SchemaMigrationCommandTests {
    /// POSTs `count` records on `thread`, clocks 1…count; their ids.
    private func write(_ daemon: DaemonFixture, count: Int, thread: String) async throws -> [String] {
        var ids: [String] = []
        for clock in 1...count {
            let posted = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: clock, thread: thread))
            try #require(posted.status == 201, "POST record \(clock): \(posted.object)")
            ids.append(try #require(posted.object["id"] as? String))
        }
        return ids
    }

    private func expectServed(_ daemon: DaemonFixture, _ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for id in ids {
            let got = try await daemon.httpJSON("GET", "/v1/records/\(id)")
            #expect(got.status == 200 && got.object["id"] as? String == id, "\(id): \(got.object)", sourceLocation: sourceLocation)
        }
    }

    private func verify(_ daemon: DaemonFixture, _ file: String) async throws -> String {
        let checked = try await daemon.cli(["backup", "verify", file])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        return checked.stdout
    }

    @Test func aVersionOneStoreIsKeptMigratedServedAndRestorable() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        let ids = try await write(daemon, count: 12, thread: "th_schema")
        let total = try #require(try await daemon.httpJSON("GET", "/health").object["records"] as? Int)
        #expect(try await daemon.stopDaemon().status == 0)
        try await ShellTool.rewriteAsSchemaVersionOne(daemon.store)

        let before = try await verify(daemon, daemon.store)
        #expect(before.contains("Schema:     version 1\n"), "\(before)")
        #expect(before.contains("Records:    \(total) checked, 0 bad, "), "\(before)")

        _ = try await daemon.serveReady()
        // Kept in the instance's backup folder (SPEC 4), where backup list shows it.
        let instance = try #require(try FileManager.default.contentsOfDirectory(atPath: daemon.backupRoot).first { $0.hasPrefix("instance-") })
        let copy = "\(daemon.backupRoot)/\(instance)/hub.db.pre-v2"
        #expect(!FileManager.default.fileExists(atPath: daemon.store + ".pre-v2"))
        let migrated = "store migrated from schema 1 to 2; the file as it was is kept at \(copy)"
        #expect(daemon.logLines.filter { $0["message"] as? String == migrated }.count == 1, "\(daemon.logLines)")
        try await expectServed(daemon, ids)
        // A record sent again is the stored one, found through the new index.
        let again = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1, thread: "th_schema"))
        #expect(again.status == 200 && again.object["id"] as? String == ids[0], "\(again.object)")
        let later = try await write(daemon, count: 2, thread: "th_after")
        let listed = try await daemon.cli(["backup", "list"])
        #expect(listed.stdout.split(separator: "\n").contains { $0.contains("pre-migration") && $0.hasSuffix(copy) }, "\(listed.stdout)")
        #expect(try await daemon.stopDaemon().status == 0)

        #expect(try await ShellTool.sqlite(daemon.store, "SELECT value FROM meta WHERE key = 'schema_version'") == "2")
        let kept = try await verify(daemon, copy)
        #expect(kept.contains("Schema:     version 1\n"), "\(kept)")
        #expect(kept.contains("Records:    \(total) checked, 0 bad, "), "\(kept)")
        let current = try await verify(daemon, daemon.store)
        #expect(current.contains("Schema:     version 2\n"), "\(current)")
        #expect(current.contains("Records:    \(total + 2) checked, 0 bad, "), "\(current)")

        // The kept copy restores like any backup: the plan counts what the version-2 store has
        // that the version-1 file lacks, and the next start migrates it again.
        let restored = try await daemon.cli(["backup", "restore", copy, "--yes"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("Records:    \(total + 2) now → \(total) after restore\n"), "\(restored.stdout)")
        #expect(restored.stdout.contains("Loses:      2 records that are in \(daemon.store) but not in \(copy)\n"), "\(restored.stdout)")
        _ = try await daemon.serveReady()
        #expect(daemon.logLines.filter { $0["message"] as? String == migrated }.count == 2)
        try await expectServed(daemon, ids)
        let lost = try await daemon.httpJSON("GET", "/v1/records/\(later[0])")
        #expect(lost.status == 404)
        #expect(try await daemon.stopDaemon().status == 0)
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// `spl store copy`: an instance's log moved between stores by the binary, resumable.
@Suite(.serialized, .postgresServer, .timeLimit(.minutes(5))) struct StoreCopyCommandTests {
    /// Every row as the copy must keep it: sequence, id, canonical bytes, signature, created_at.
    private func rows(_ file: String) async throws -> String {
        try await ShellTool.sqlite(file, "SELECT sequence, id, canonical, sig, signer, created_at FROM records ORDER BY sequence")
    }

    @Test func aStoppedInstancesLogIsCopiedRowForRowAndASecondRunAppendsNothing() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.spl.run(["serve", "--daemon", "--port", String(daemon.port)], timeout: 60)
        try #require(started.status == 0, "spl serve --daemon: \(started.stderr)")
        for clock in 1...40 {
            let posted = try await daemon.http("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: clock, thread: "th_copy"))
            try #require(posted.status == 201)
        }
        #expect(try await daemon.stopDaemon().status == 0)
        let copy = daemon.spl.scratch.path + "/copy.db"

        let first = try await daemon.cli(["store", "copy", "--from", daemon.store, "--to", "sqlite://" + copy, "-o", "json"])
        try #require(first.status == 0, "spl store copy: \(first.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let highest = try #require(answer["highest_sequence"] as? Int)
        #expect(answer["object"] as? String == "store_copy")
        #expect(answer["appended"] as? Int == highest)
        #expect(answer["to"] as? String == "sqlite://" + copy)
        #expect(highest >= 40)
        #expect(try await rows(copy) == (try await rows(daemon.store)))
        let verified = try await daemon.cli(["backup", "verify", copy])
        #expect(verified.status == 0, "\(verified.stdout)")

        let again = try await daemon.cli(["store", "copy", "--from", daemon.store, "--to", copy])
        #expect(again.status == 0)
        #expect(again.stdout == "copied 0 records from sqlite://\(daemon.store) to sqlite://\(copy) (resumed after sequence \(highest)); "
            + "the destination holds sequences 1 to \(highest), every id and signature checked\n")
    }

    @Test func sqliteToPostgresAndBackGivesTheSameRowsAndTheDaemonServesTheDatabase() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try #require(try await daemon.serve().status == 0)
        for clock in 1...60 {
            let posted = try await daemon.http("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: clock, thread: "th_pg_copy"))
            try #require(posted.status == 201)
        }
        #expect(try await daemon.stopDaemon().status == 0)
        let there = try await daemon.cli(["store", "copy", "--from", daemon.store, "--to", database.url], environment: database.environment)
        try #require(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains(" to postgresql://postgres@127.0.0.1:"))
        #expect(!(there.stdout + there.stderr).contains(database.environment.values.first!), "the password is never shown")
        let back = daemon.spl.scratch.path + "/back.db"
        let again = try await daemon.cli(["store", "copy", "--from", database.url, "--to", back], environment: database.environment)
        try #require(again.status == 0, "\(again.stderr)")
        #expect(try await rows(back) == (try await rows(daemon.store)), "byte-identical canonical records, same ids and sequences")

        let served = try await daemon.cli(
            ["serve", "--daemon", "--port", String(daemon.port), "--store", database.url], seconds: 60, environment: database.environment)
        try #require(served.status == 0, "\(served.stderr)")
        let page = try await daemon.httpJSON("GET", "/v1/threads/th_pg_copy/records?limit=100")
        #expect(page.status == 200)
        #expect((page.object["data"] as? [Any])?.count == 60, "\(page.object)")
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aMissingSourceOrAnUnknownSchemeIsOneLineAndCreatesNothing() async throws {
        let spl = try SPLProcess()
        let missing = spl.scratch.path + "/nothing.db"
        let target = spl.scratch.path + "/target.db"
        let result = try await spl.run(["store", "copy", "--from", missing, "--to", target])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: cannot open sqlite://\(missing): no store file at \(missing)\n")
        #expect(!FileManager.default.fileExists(atPath: target))
        let scheme = try await spl.run(["store", "copy", "--from", "mysql://h/db", "--to", target])
        #expect(scheme.stderr == "Error: mysql://h/db names no store spl knows; give a file path, sqlite:///path or postgresql://user@host:port/database\n")
    }
}

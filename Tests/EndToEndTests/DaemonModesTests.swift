import Foundation
import Testing

/// `spl serve` in the foreground, on a memory store, with a failing backup root,
/// and `spl restart`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonModesTests {
    /// Waits until `/health` answers ok, or the limit passes.
    private func waitForHealth(_ daemon: DaemonFixture, seconds: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let (status, _) = try? await daemon.http("GET", "/health"), status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func foregroundStopsCleanlyOnSIGINT() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let process = Process()
        process.executableURL = SPLProcess.binary
        process.arguments = ["serve", "--port", String(daemon.port)]
        process.environment = daemon.spl.environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await waitForHealth(daemon), "the foreground daemon never answered /health")
        let posted = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1))
        #expect(posted.status == 201)

        process.interrupt()  // SIGINT, as Ctrl-C sends
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let banner = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(banner.hasPrefix("Starting Syncropel instance...\n"), "\(banner)")
        daemon.expectCleanStop()
        let stamp = try String(contentsOfFile: daemon.home + "/run/spl.lock", encoding: .utf8)
        #expect(stamp.contains("\"changeCounter\""), "a clean stop leaves the store's stamp in the lock file: \(stamp)")
    }

    @Test func aFailingBackupRootDoesNotStopTheStart() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        // A backup root below a regular file cannot be created.
        let blocker = daemon.spl.scratch.appendingPathComponent("not-a-folder").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let started = try daemon.start(extraEnvironment: ["SPL_BACKUP_ROOT": blocker + "/backups"])
        #expect(started.status == 0, "\(started.stderr)")
        let backupLine = started.stdout.split(separator: "\n").first { $0.hasPrefix("Backup:") } ?? ""
        #expect(backupLine.hasPrefix("Backup:   \(blocker)/backups (FAILED: "), "\(started.stdout)")
        let (_, health) = try await daemon.httpJSON("GET", "/health")
        let backup = try #require(health["backup"] as? [String: Any])
        #expect(backup["status"] as? String == "failed")
        #expect((backup["error"] as? String)?.isEmpty == false)
        #expect(daemon.logLines.contains { $0["level"] as? String == "ERROR" && ($0["message"] as? String)?.hasPrefix("startup backup failed") == true })
        #expect(try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1)).status == 201)
    }

    @Test func aMemoryStoreWritesNoRecordsToDisk() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try daemon.start(["--memory"])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("Store:    sqlite://:memory: (1 records, 1 threads)"), "\(started.stdout)")
        #expect(started.stdout.contains("\nBackup:   none (in-memory store)\n"), "\(started.stdout)")
        #expect(try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1)).status == 201)
        _ = try daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: daemon.backupRoot), "a memory run takes no backup")
        // The home was bootstrapped with an empty store, which the memory run never touched.
        let restarted = try daemon.start()
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let (_, health) = try await daemon.httpJSON("GET", "/health")
        #expect(health["records"] as? Int == 1, "only the on-disk store's own bootstrap LEARN: \(health)")
    }

    @Test func restartKeepsThePortAndTakesABackup() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        #expect(try daemon.start().status == 0)
        #expect(try daemon.spl.run(["know", "before restart", "--thread", "th_r"]).status == 0)
        let restart = try daemon.spl.run(["restart"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.hasPrefix("stopped spl serve (pid "), "\(restart.stdout)")
        #expect(restart.stdout.contains("Bind:     127.0.0.1:\(daemon.port)\n"), "\(restart.stdout)")
        #expect(restart.stdout.contains("/hub.db.bak (written)\n"), "\(restart.stdout)")
        let records = try daemon.spl.run(["thread", "records", "th_r", "-o", "json"])
        let array = try JSONSerialization.jsonObject(with: Data(records.stdout.utf8)) as? [[String: Any]]
        #expect(array?.count == 1)
    }
}

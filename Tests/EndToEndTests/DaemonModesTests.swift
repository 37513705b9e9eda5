import Foundation
import SyncropelTestSupport
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
        let output = Pipe.forOneChild()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await waitForHealth(daemon), "the foreground daemon never answered /health")
        let posted = try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1))
        #expect(posted.status == 201)

        process.interrupt()  // SIGINT, as Ctrl-C sends
        #expect(await process.exitStatus() == 0)
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
        let started = try await daemon.start(extraEnvironment: ["SPL_BACKUP_ROOT": blocker + "/backups"])
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
        // Timed backups enabled in config.toml do not run for an in-memory store, and cannot be changed there.
        #expect(try await daemon.cli(["backup", "--auto", "enable"]).status == 0)
        let started = try await daemon.start(["--memory"])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(try await daemon.socketJSON("GET", "/v1/admin/backup/auto").object["enabled"] as? Bool == false)
        let toggled = try await daemon.cli(["backup", "--auto", "disable"])
        #expect(toggled.status == 1)
        #expect(toggled.stderr == "Error: this daemon serves an in-memory store (spl serve --memory) and takes no timed backups;"
            + " change them while no daemon or a daemon on the disk store runs (IN_MEMORY_STORE)\n")
        // The bootstrap LEARN and the admin account and token SPL_BOOTSTRAP_TOKEN mints.
        #expect(started.stdout.contains("Store:    sqlite://:memory: (3 records, 2 threads)"), "\(started.stdout)")
        #expect(started.stdout.contains("\nBackup:   none (in-memory store)\n"), "\(started.stdout)")
        #expect(try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1)).status == 201)
        // Its backup would pass for the disk store's in the instance folder: only to a named file.
        let refused = try await daemon.cli(["backup", "now"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: this daemon serves an in-memory store (spl serve --memory); its backup would pass for one"
            + " of the store on disk in the instance folder, so name a file: spl backup now --to FILE (IN_MEMORY_STORE)\n")
        let named = daemon.spl.scratch.appendingPathComponent("memory.db").path
        let toFile = try await daemon.cli(["backup", "now", "--to", named, "-o", "json"])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(toFile.stdout.utf8)) as? [String: Any])?["records"] as? Int == 4)
        _ = try await daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: daemon.backupRoot), "a memory run takes no backup")
        // The home was bootstrapped with an empty store, which the memory run never touched.
        let restarted = try await daemon.start()
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let (_, health) = try await daemon.httpJSON("GET", "/health")
        #expect(health["records"] as? Int == 3, "only the on-disk store's own bootstrap LEARN and admin account and token: \(health)")
    }

    @Test func restartKeepsThePortAndTakesABackup() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        #expect(try await daemon.start().status == 0)
        #expect(try await daemon.spl.run(["know", "before restart", "--thread", "th_r"]).status == 0)
        let restart = try await daemon.spl.run(["restart"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.hasPrefix("stopped spl serve (pid "), "\(restart.stdout)")
        #expect(restart.stdout.contains("Bind:     127.0.0.1:\(daemon.port)\n"), "\(restart.stdout)")
        #expect(restart.stdout.contains("/hub.db.bak (written)\n"), "\(restart.stdout)")
        let records = try await daemon.spl.run(["thread", "records", "th_r", "-o", "json"])
        let array = try JSONSerialization.jsonObject(with: Data(records.stdout.utf8)) as? [[String: Any]]
        #expect(array?.count == 1)
    }
}

/// Start-up options and refusals that need no running daemon to check.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonStartOptionsTests {
    @Test func newStoreStartsEmptyWhereTheStoreWasLost() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        #expect(try await daemon.start().status == 0)
        #expect(try await daemon.stop().status == 0)
        try FileManager.default.removeItem(atPath: daemon.store)
        #expect(try await daemon.start().status == 2)
        let started = try await daemon.start(["--new-store"])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("(3 records, 2 threads)"), "a new store gets its bootstrap LEARN and admin token: \(started.stdout)")
        #expect(try await daemon.stop().status == 0)
        let again = try await daemon.start(["--new-store"])
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("Error: failed to start spl serve: --new-store starts an empty store, but \(daemon.store) already holds one; move it aside first\n"), "\(again.stderr)")
    }

    @Test func storeOptionServesAnotherFile() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let other = daemon.spl.scratch.appendingPathComponent("elsewhere.db").path
        let started = try await daemon.start(["--store", other])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("Store:    sqlite://\(other) (3 records, 2 threads)"), "\(started.stdout)")
        #expect(FileManager.default.fileExists(atPath: other))
    }

    @Test func aSocketPathTooLongForBindIsRefused() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let deep = spl.scratch.appendingPathComponent(String(repeating: "h", count: 90)).path
        let result = try await spl.run(["serve", "--port", String(try DaemonFixture.freePort())], extraEnvironment: ["SYNCROPEL_HOME": deep])
        #expect(result.status == 1)
        let socket = deep + "/run/spl.sock"
        #expect(result.stderr == "Error: unix socket path \(socket) is \(socket.utf8.count) bytes, over the 107-byte limit; choose a shorter home (SYNCROPEL_HOME)\n")
    }

    @Test func aStoreURLOfAnotherKindOrWithoutAUserIsRefused() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let config = spl.home.path + "/config.toml"
        try "[store]\nurl = \"mysql://db/spl\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await spl.run(["serve", "--port", String(try DaemonFixture.freePort())])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: [store] url mysql://db/spl is not supported; use sqlite://<path> or postgresql://user@host/database in \(config)\n")
        try "[store]\nurl = \"postgres://db/spl\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let noUser = try await spl.run(["serve", "--port", String(try DaemonFixture.freePort())])
        #expect(noUser.status == 1)
        #expect(noUser.stderr == "Error: store URL names no user; write postgresql://user[:${VAR}]@host[:port]/database\n")
        let literal = try await spl.run(["serve", "--port", String(try DaemonFixture.freePort()), "--store", "postgresql://spl:hunter2@db/spl"])
        #expect(literal.status == 1)
        #expect(!literal.stderr.contains("hunter2"))
        #expect(literal.stderr.hasPrefix("Error: store URL holds a password; keep it out of config files"))
    }

    @Test func aStoreFromAnotherInstanceIsServedWithAWarning() async throws {
        let first = try DaemonFixture()
        defer { first.tearDown() }
        #expect(try await first.start().status == 0)
        #expect(try await first.stop().status == 0)
        let second = try DaemonFixture()
        defer { second.tearDown() }
        try await second.spl.run(["init"])
        try FileManager.default.removeItem(atPath: second.store)
        try FileManager.default.copyItem(atPath: first.store, toPath: second.store)
        #expect(try await second.start().status == 0)
        let warnings = second.logLines.filter { $0["level"] as? String == "WARN" }.compactMap { $0["message"] as? String }
        #expect(warnings.contains { $0.contains("was created by did:sync:instance:") && $0.contains("not by this home's") }, "\(warnings)")
    }

    @Test func aShrunkenStoreKeepsTheLargerBackupAndSaysSo() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        #expect(try await daemon.start().status == 0)
        let small = daemon.spl.scratch.appendingPathComponent("small.db").path
        try FileManager.default.copyItem(atPath: try await daemon.backupFile(), toPath: small)
        for index in 1...5 {
            #expect(try await daemon.spl.run(["know", "fact \(index)", "--thread", "th_grow"]).status == 0)
        }
        #expect(try await daemon.stop().status == 0)
        #expect(try await daemon.start().status == 0)  // hub.db.bak now holds 8 records
        #expect(try await daemon.stop().status == 0)
        try FileManager.default.removeItem(atPath: daemon.store)
        try FileManager.default.copyItem(atPath: small, toPath: daemon.store)
        let started = try await daemon.start()
        #expect(started.status == 0, "\(started.stderr)")
        // The first backup predates the bootstrap LEARN and the admin token: it holds no records.
        #expect(started.stdout.contains("\nWARNING: store has 0 records, backup hub.db.bak.1 has 8\n"), "\(started.stdout)")
        #expect(try await daemon.spl.run(["status"]).stdout.contains("\nWARNING: store has 0 records, backup hub.db.bak.1 has 8\n"))

        // The start wrote the bootstrap LEARN and the admin token, so the next copy rotates; the one after keeps
        // hub.db.bak unchanged, and still says that hub.db.bak.2 holds more than the store.
        for _ in 1...2 {
            #expect(try await daemon.stop().status == 0)
            #expect(try await daemon.start().status == 0)
        }
        #expect(try await daemon.stop().status == 0)
        let unchanged = try await daemon.start()
        let warning = "WARNING: store has 3 records, backup hub.db.bak.2 has 8"
        #expect(unchanged.stdout.contains("(unchanged)\n\(warning)\n"), "\(unchanged.stdout)")
        let status = try await daemon.spl.run(["status"])
        #expect(status.stdout.contains("\nBackup:  ") && status.stdout.contains(" records)\n\(warning)\n"), "\(status.stdout)")
        let health = try await daemon.httpJSON("GET", "/health").object
        #expect((health["backup"] as? [String: Any])?["warning"] as? String == warning)

        let folder = try await daemon.spl.instanceFolder()
        let doctor = try await daemon.spl.doctor(["-o", "json"])
        #expect(doctor.status == 1, "\(doctor.result.stdout)")
        let row = try #require(doctor.row("startup backup"), "\(doctor.rows)")
        let expected = ExpectedRow(
            "startup backup", "warn", "store has 3 records, backup \(folder)/hub.db.bak.2 has 8",
            fix: "spl stop && spl backup restore \(folder)/hub.db.bak.2")
        #expect(expected.matches(row), "\(row)")
    }

    @Test func serveStatusAndLogsFlags() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        #expect(try await daemon.spl.run(["serve", "--status"]).status == 3)
        #expect(try await daemon.start().status == 0)
        let status = try await daemon.spl.run(["serve", "--status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\nStatus:  ok\n"))
        // --logs follows until interrupted: read until the start's ready line has been printed.
        let follower = Process()
        follower.executableURL = SPLProcess.binary
        follower.arguments = ["serve", "--logs"]
        follower.environment = daemon.spl.environment
        let output = Pipe.forOneChild()
        follower.standardOutput = output
        try follower.run()
        let reader = output.fileHandleForReading
        let followed = await offThePool {
            var text = ""
            let deadline = Date().addingTimeInterval(30)
            while !text.contains(" INFO startup: ready: "), Date() < deadline {
                var readable = pollfd(fd: reader.fileDescriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&readable, 1, 200) > 0 else { continue }
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        follower.interrupt()
        _ = await follower.exitStatus()
        #expect(followed.contains(" INFO startup: ready: "), "\(followed)")
        let both = try await daemon.spl.run(["serve", "--stop", "--logs"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("choose one of --foreground, --daemon, --stop, --restart, --status, --logs"), "\(both.stderr)")
    }
}

import Foundation
import Testing

/// `spl backup --auto` against a real daemon (SPEC 8.2, 8.4): timed backups with sealed keys and
/// pruning, turning them on and off with and without a daemon, and a failing run that is
/// reported everywhere while the daemon keeps serving.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AutoBackupTests {
    static let passphrase = "auto backup passphrase"

    /// Writes config.toml before the first start, so the home is bootstrapped with it.
    private func configure(_ daemon: DaemonFixture, _ backupSection: String) throws {
        try FileManager.default.createDirectory(atPath: daemon.home, withIntermediateDirectories: true)
        try Data("[backup]\n\(backupSection)\n".utf8).write(to: URL(fileURLWithPath: daemon.home + "/config.toml"))
    }

    /// Polls `/v1/admin/backup/auto` until `condition` holds (generous: a loaded machine is slow).
    private func waitForAuto(
        _ daemon: DaemonFixture, seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try await daemon.socketJSON("GET", "/v1/admin/backup/auto").object
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(condition(last), "not reached within \(seconds) s: \(last)", sourceLocation: sourceLocation)
        return last
    }

    private func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    private func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test func timedBackupsSealTheKeysPruneAndShowInStatus() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try configure(daemon, "auto = false\ninterval_secs = 1\nretention_days = 1")
        let started = try await daemon.start(extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        try #require(started.status == 0, "\(started.stderr)")
        let folder = URL(fileURLWithPath: try await daemon.backupFile()).deletingLastPathComponent().path

        let off = try await daemon.socketJSON("GET", "/v1/admin/backup/auto")
        #expect(off.status == 200)
        #expect(off.object["object"] as? String == "auto_backup")
        #expect(off.object["enabled"] as? Bool == false)
        #expect(off.object["schedule"] as? String == "every 1 s")
        #expect(off.object["identity_sealed"] as? Bool == true)
        #expect(off.object["next_run_at"] is NSNull && off.object["last_run_at"] is NSNull)

        // Four expired backups with their keys: pruning takes them once three newer ones exist.
        let expired = (1...4).map { "hub.db.2020010\($0)-030000" }
        for name in expired {
            try Data("old".utf8).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
            try Data("old".utf8).write(to: URL(fileURLWithPath: "\(folder)/keys.\(name.dropFirst("hub.db.".count)).sealed"))
        }

        let enable = try await daemon.cli(["backup", "--auto", "enable"])
        #expect(enable.status == 0, "\(enable.stderr)")
        #expect(enable.stdout.hasPrefix("Timed backups enabled (every 1 s), next at "), "\(enable.stdout)")
        #expect(try String(contentsOfFile: daemon.home + "/config.toml", encoding: .utf8).contains("auto = true"))

        let ran = try await waitForAuto(daemon) { auto in
            auto["last_path"] is String && !names(in: folder).contains { $0.hasPrefix("hub.db.2020") || $0.hasPrefix("keys.2020") }
        }
        #expect(ran["last_error"] is NSNull, "\(ran)")
        #expect(ran["enabled"] as? Bool == true)
        let lastPath = try #require(ran["last_path"] as? String)
        let stamp = URL(fileURLWithPath: lastPath).lastPathComponent.dropFirst("hub.db.".count)
        #expect(names(in: folder).contains("keys.\(stamp).sealed"), "\(names(in: folder))")
        #expect(names(in: folder).contains("hub.db.bak"), "startup generations are never pruned")
        #expect(daemon.logLines.contains { line in
            line["target"] as? String == "backup" && (line["message"] as? String)?.hasPrefix("timed backup written: ") == true
        })
        #expect(daemon.logLines.contains { line in
            line["message"] as? String == "expired backup removed (retention 1 days)"
                && line["path"] as? String == "\(folder)/hub.db.20200101-030000"
        })

        let status = try await daemon.cli(["backup", "--auto", "status"])
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Auto:       on (every 1 s)", "\(status.stdout)")
        #expect(lines.contains { $0.hasPrefix("Last run:   20") && $0.hasSuffix(" ago)") }, "\(status.stdout)")
        #expect(lines.contains { $0.wholeMatch(of: #/Last file:  .*/hub\.db\.\d{8}-\d{6}(-\d+)? \(\d+ records\)/#) != nil }, "\(status.stdout)")
        #expect(lines.contains("Last error: none"), "\(status.stdout)")
        #expect(lines.contains("Identity:   keys sealed beside each backup (SPL_BACKUP_PASSPHRASE set)"), "\(status.stdout)")
        let statusJSON = try json(try await daemon.cli(["backup", "--auto", "status", "-o", "json"]).stdout)
        #expect(statusJSON["object"] as? String == "auto_backup" && statusJSON["daemon_running"] as? Bool == true)
        #expect(statusJSON["last_path"] is String && statusJSON["last_records"] is Int && statusJSON["last_run_at"] is String)
        let health = try await daemon.httpJSON("GET", "/health").object
        let auto = try #require((health["backup"] as? [String: Any])?["auto"] as? [String: Any], "\(health)")
        #expect(auto["enabled"] as? Bool == true && auto["last_error"] is NSNull && auto["object"] == nil)

        let disable = try await daemon.cli(["backup", "--auto", "disable"])
        #expect(disable.stdout == "Timed backups disabled (every 1 s)\n", "\(disable.stdout)\(disable.stderr)")
        let disabled = try await daemon.socketJSON("GET", "/v1/admin/backup/auto").object
        #expect(disabled["enabled"] as? Bool == false && disabled["next_run_at"] is NSNull)
        #expect(try String(contentsOfFile: daemon.home + "/config.toml", encoding: .utf8).contains("auto = false"))
    }

    @Test func withoutADaemonTheConfigIsEditedForTheNextStart() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try configure(daemon, "interval_secs = 1")
        let enable = try await daemon.cli(["backup", "--auto", "enable"])
        #expect(enable.status == 0, "\(enable.stderr)")
        #expect(enable.stdout == "Timed backups enabled in \(daemon.home)/config.toml (every 1 s);"
            + " no daemon runs, so this takes effect at the next 'spl serve'\n")
        let status = try await daemon.cli(["backup", "--auto", "status"])
        #expect(status.stdout == """
            Auto:       on (every 1 s)
            Last run:   none yet
            Last file:  -
            Last error: none
            Next run:   -
            Identity:   not sealed: start the daemon with SPL_BACKUP_PASSPHRASE (at least 12 characters) to back up the keys
            Daemon:     not running; timed backups run only while 'spl serve' runs

            """)
        let started = try await daemon.start()
        try #require(started.status == 0, "\(started.stderr)")
        let ran = try await waitForAuto(daemon) { $0["last_path"] is String }
        #expect(ran["enabled"] as? Bool == true && ran["identity_sealed"] as? Bool == false)
        _ = try await daemon.stopDaemon()
        let disable = try await daemon.cli(["backup", "--auto", "disable", "-o", "json"])
        let object = try json(disable.stdout)
        #expect(object["enabled"] as? Bool == false && object["daemon_running"] as? Bool == false, "\(disable.stdout)")
    }

    @Test func aFailingTimedBackupIsReportedAndTheDaemonKeepsServing() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try configure(daemon, "auto = true\ninterval_secs = 1")
        let started = try await daemon.start()
        try #require(started.status == 0, "\(started.stderr)")
        let folder = URL(fileURLWithPath: try await daemon.backupFile()).deletingLastPathComponent().path
        // A file where the instance folder should be.
        try FileManager.default.moveItem(atPath: folder, toPath: folder + ".moved")
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: folder))
        let reason = "cannot create folder \(folder): Not a directory; a file is in the way of a folder; move it aside"

        let failed = try await waitForAuto(daemon) { $0["last_error"] is String }
        #expect(failed["last_error"] as? String == reason)
        #expect(failed["enabled"] as? Bool == true && failed["next_run_at"] is String)
        #expect(daemon.logLines.contains { line in
            line["level"] as? String == "ERROR" && line["target"] as? String == "backup"
                && line["message"] as? String == "timed backup failed: \(reason)"
        })
        let health = try await daemon.httpJSON("GET", "/health").object
        let auto = try #require((health["backup"] as? [String: Any])?["auto"] as? [String: Any], "\(health)")
        #expect(auto["last_error"] as? String == reason)

        let autoStatus = try await daemon.cli(["backup", "--auto", "status"])
        #expect(autoStatus.stdout.contains("\nLast error: \(reason)\n"), "\(autoStatus.stdout)")
        let status = try await daemon.cli(["status"])
        #expect(status.status == 0)
        let timed = status.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(timed.wholeMatch(of: #/Timed:   FAILED \d+[smhd] ago: .*/#) != nil && timed.hasSuffix(": " + reason), "\(status.stdout)")

        #expect(try await daemon.httpJSON("POST", "/v1/records", json: HTTPRouteTests.envelope(clock: 1)).status == 201)
        // The next run tries again and succeeds once the folder can be made.
        try FileManager.default.removeItem(atPath: folder)
        let recovered = try await waitForAuto(daemon) { $0["last_error"] is NSNull && $0["last_path"] is String }
        #expect(recovered["last_records"] as? Int ?? 0 >= 2)
        let healthy = try await daemon.cli(["status"])
        #expect(!healthy.stdout.contains("Timed:"), "\(healthy.stdout)")
    }

    @Test func theRouteChecksItsBody() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try #require(try await daemon.start().status == 0)
        let unknown = try await daemon.socketJSON("POST", "/v1/admin/backup/auto", json: #"{"enabled":true,"at":"03:00"}"#)
        #expect(unknown.status == 400)
        #expect(unknown.object["code"] as? String == "INVALID_FIELD" && unknown.object["field"] as? String == "at")
        #expect(unknown.object["message"] as? String == #"unknown field at; the body is {"enabled": true|false}"#)
        let mistyped = try await daemon.socketJSON("POST", "/v1/admin/backup/auto", json: #"{"enabled":"yes"}"#)
        #expect(mistyped.status == 400 && mistyped.object["field"] as? String == "enabled")
        #expect(mistyped.object["message"] as? String == "enabled must be true or false")
        let auto = try await daemon.socketJSON("GET", "/v1/admin/backup/auto").object
        #expect(auto["enabled"] as? Bool == false && auto["schedule"] as? String == "daily 03:00 UTC")
        #expect(try await daemon.socketJSON("DELETE", "/v1/admin/backup/auto").status == 405)

        // A config.toml that is not TOML is not overwritten, and the schedule stays as it was.
        let config = daemon.home + "/config.toml"
        try Data("[backup\n".utf8).write(to: URL(fileURLWithPath: config))
        let refused = try await daemon.cli(["backup", "--auto", "enable"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("Error: config file \(config) is not valid TOML at line 1"), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("; fix it, or move it aside to use the defaults (CONFIG_NOT_SAVED)\n"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "[backup\n")
        #expect(try await daemon.socketJSON("GET", "/v1/admin/backup/auto").object["enabled"] as? Bool == false)
        #expect((try await daemon.httpJSON("GET", "/v1/config").object["file"] as? [String: Any]).flatMap { $0["backup"] as? [String: Any] }?["auto"] as? Bool == false)
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// `spl doctor` (SPEC 8.5) against real daemons and scratch homes: every row it can print,
/// its exit codes (0 pass, 1 warn, 2 fail), the exact fix of each row, and that it writes nothing.
@Suite(.timeLimit(.minutes(3))) struct DoctorTests {
    static let passphrase = "correct horse battery staple"

    /// A daemon started with SPL_BACKUP_PASSPHRASE, one record written, one timestamped backup
    /// with its sealed keys beside it; returns the instance folder and the backup's path.
    func healthyInstance(_ daemon: DaemonFixture) async throws -> (folder: String, backup: String) {
        let started = try await daemon.spl.run(
            ["serve", "--daemon", "--port", String(daemon.port)], timeout: 60,
            extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        try #require(started.status == 0, "\(started.stdout)\(started.stderr)")
        let know = try await daemon.cli(["know", "doctor was here", "--thread", "th_doctor"])
        try #require(know.status == 0, "\(know.stderr)")
        let folder = try await daemon.spl.instanceFolder()
        return (folder, try await takeBackup(daemon, folder: folder))
    }

    /// `spl backup now` through a daemon that has the passphrase: a timestamped backup with
    /// the sealed keys beside it; returns the backup's path.
    func takeBackup(_ daemon: DaemonFixture, folder: String) async throws -> String {
        let result = try await daemon.cli(["backup", "now"])
        try #require(result.status == 0, "spl backup now: \(result.stdout)\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("Backup:") }, "\(result.stdout)")
        let path = line.dropFirst("Backup:".count).trimmingCharacters(in: .whitespaces)
        let stamp = path.dropFirst((folder + "/hub.db.").count)
        #expect(path.hasPrefix(folder + "/hub.db.2"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/keys.\(stamp).sealed"), "no sealed keys: \(result.stdout)")
        return path
    }

    /// The rows of a healthy instance with a running daemon, in order.
    func healthyRows(_ daemon: DaemonFixture, folder: String, backup: String) async throws -> [ExpectedRow] {
        let health = try await daemon.httpJSON("GET", "/health").object
        let version = try #require(health["version"] as? String)
        let records = try #require(health["records"] as? Int)
        let pid = try #require(daemon.pid)
        let signed = try await ShellTool.sqlite(daemon.store, "SELECT count(*) FROM records WHERE sig IS NOT NULL")
        let startupRecords = try await ShellTool.run("sqlite3", ["-readonly", folder + "/hub.db.bak", "SELECT count(*) FROM records"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let home = daemon.home
        let stamp = backup.dropFirst((folder + "/hub.db.").count)
        var rows = [
            ExpectedRow("daemon", "pass", "running: pid \(pid), version \(version), 127.0.0.1:\(daemon.port)"),
            ExpectedRow("pid file", "pass", "\(home)/run/spl.pid: pid \(pid), live"),
            ExpectedRow("config", "pass", "\(home)/config.toml: owner only"),
            ExpectedRow("store", "pass", "\(daemon.store): header and quick_check ok, \(counted(records, "record")), highest sequence \(records)"),
            ExpectedRow("schema", "pass", "version 2, current"),
            ExpectedRow("content addresses", "pass", "\(counted(records, "record")) re-hashed, every id matches"),
            ExpectedRow("signatures", "pass", "\(counted(signed, "signature")) verified"),
            ExpectedRow("startup backup", "pass", "\(folder)/hub.db.bak (<age> ago, \(counted(startupRecords, "record")))"),
            ExpectedRow("newest backup", "pass", "\(backup) (<age> ago)"),
        ]
        if (health["backup"] as? [String: Any])?["auto"] != nil {
            rows.append(ExpectedRow("scheduled backups", "pass", "disabled"))
        }
        return rows + [
            ExpectedRow("identity backup", "pass", "\(folder)/keys.\(stamp).sealed (<age> ago)"),
            ExpectedRow("keys mode", "pass", "\(home)/keys and its files: owner only"),
            ExpectedRow("secrets mode", "pass", "\(home)/secrets and its files: owner only"),
            ExpectedRow("run mode", "pass", "\(home)/run and its files: owner only"),
            ExpectedRow("store mode", "pass", "\(daemon.store): owner only"),
            ExpectedRow("backup mode", "pass", "\(daemon.backupRoot) and the instance folder: owner only"),
        ]
    }

    @Test func aHealthyInstancePassesEveryRowAndExitsZero() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let (folder, backup) = try await healthyInstance(daemon)
        let expected = try await healthyRows(daemon, folder: folder, backup: backup)

        expectRows(try await daemon.spl.doctor(), expected, exitStatus: 0)
        expectRows(try await daemon.spl.doctor(["-o", "json"]), expected, exitStatus: 0)
        expectText(try await daemon.cli(["doctor"]), expected, exitStatus: 0)
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aNewestBackupOlderThan48HoursWarnsAndExitsOne() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let (folder, backup) = try await healthyInstance(daemon)
        // Every backup three days old, the timestamped ones renamed to that day's stamp.
        let oldStamp = "20200101-030000"
        let oldBackup = folder + "/hub.db." + oldStamp
        try FileManager.default.moveItem(atPath: backup, toPath: oldBackup)
        let sealed = folder + "/keys." + backup.dropFirst((folder + "/hub.db.").count) + ".sealed"
        try FileManager.default.moveItem(atPath: sealed, toPath: folder + "/keys.\(oldStamp).sealed")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).map { folder + "/" + $0 }
        _ = try await ShellTool.run("touch", ["-d", "3 days ago"] + files)

        var expected = try await healthyRows(daemon, folder: folder, backup: oldBackup)
        let newest = try #require(expected.firstIndex { $0.name == "newest backup" })
        expected[newest] = ExpectedRow("newest backup", "warn", "\(folder)/hub.db.bak is 3d old, over 48h", fix: "spl backup now")
        let startup = try #require(expected.firstIndex { $0.name == "startup backup" })
        expected[startup] = ExpectedRow("startup backup", "pass", expected[startup].detail.replacingOccurrences(of: "<age>", with: "3d"))
        let identity = try #require(expected.firstIndex { $0.name == "identity backup" })
        expected[identity] = ExpectedRow("identity backup", "pass", "\(folder)/keys.\(oldStamp).sealed (3d ago)")
        let aged = try await daemon.spl.doctor()
        expectRows(aged, expected, exitStatus: 1)
        expectText(try await daemon.cli(["doctor"]), expected, exitStatus: 1)

        // The fix it names brings the instance back to healthy.
        _ = try await takeBackup(daemon, folder: folder)
        #expect(try await daemon.spl.doctor().status == 0)
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aTamperedRecordIsNamedExitsTwoAndDoctorWritesNothing() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        let written = try await daemon.cli(["know", "hello doctor", "--thread", "th_tamper", "-o", "json"])
        let record = try JSONSerialization.jsonObject(with: Data(written.stdout.utf8)) as? [String: Any]
        let id = try #require(record?["id"] as? String, "\(written.stdout)\(written.stderr)")
        let second = try await daemon.cli(["know", "signed twice", "--thread", "th_tamper", "-o", "json"])
        let secondRecord = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
        let forged = try #require(secondRecord?["id"] as? String, "\(second.stdout)\(second.stderr)")
        #expect(try await daemon.stopDaemon().status == 0)
        // One record's text changed; another given the first one's signature.
        _ = try await ShellTool.sqlite(
            daemon.store, "UPDATE records SET canonical = replace(canonical, 'hello doctor', 'HELLO doctor') WHERE id = '\(id)'")
        _ = try await ShellTool.sqlite(
            daemon.store, "UPDATE records SET sig = (SELECT sig FROM records WHERE id = '\(id)') WHERE id = '\(forged)'")
        let records = try await ShellTool.sqlite(daemon.store, "SELECT count(*) FROM records")
        let signedIntact = try await ShellTool.sqlite(daemon.store, "SELECT count(*) FROM records WHERE sig IS NOT NULL AND id != '\(id)'")
        let folder = try await daemon.spl.instanceFolder()
        let startupRecords = try await ShellTool.run("sqlite3", ["-readonly", folder + "/hub.db.bak", "SELECT count(*) FROM records"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let homeBefore = try await FileFingerprint.tree(daemon.home)
        let backupsBefore = try await FileFingerprint.tree(daemon.backupRoot)

        let run = try await daemon.spl.doctor()

        let home = daemon.home
        expectRows(run, [
            ExpectedRow("daemon", "warn", "not running", fix: "spl start"),
            ExpectedRow("pid file", "pass", "none (no daemon running)"),
            ExpectedRow("config", "pass", "\(home)/config.toml: owner only"),
            ExpectedRow("store", "pass", "\(daemon.store): header and quick_check ok, \(counted(records, "record")), highest sequence \(records)"),
            ExpectedRow("schema", "pass", "version 2, current"),
            ExpectedRow(
                "content addresses", "fail", "1 of \(records) records do not match their id: \(id)",
                fix: "spl backup restore \(folder)/hub.db.bak"),
            ExpectedRow(
                "signatures", "fail", "1 of \(signedIntact) signatures do not verify: \(forged)",
                fix: "spl backup restore \(folder)/hub.db.bak"),
            ExpectedRow("startup backup", "pass", "\(folder)/hub.db.bak (<age> ago, \(counted(startupRecords, "record")))"),
            ExpectedRow("newest backup", "pass", "\(folder)/hub.db.bak (<age> ago)"),
            ExpectedRow(
                "identity backup", "warn", "no sealed keys in \(folder): the identity is in no backup",
                fix: "SPL_BACKUP_PASSPHRASE='<12 or more characters>' spl backup now"),
            ExpectedRow("keys mode", "pass", "\(home)/keys and its files: owner only"),
            ExpectedRow("secrets mode", "pass", "\(home)/secrets and its files: owner only"),
            ExpectedRow("run mode", "pass", "\(home)/run and its files: owner only"),
            ExpectedRow("store mode", "pass", "\(daemon.store): owner only"),
            ExpectedRow("backup mode", "pass", "\(daemon.backupRoot) and the instance folder: owner only"),
        ], exitStatus: 2)
        #expect(try await FileFingerprint.tree(daemon.home) == homeBefore, "doctor changed a file in the home")
        #expect(try await FileFingerprint.tree(daemon.backupRoot) == backupsBefore, "doctor changed a backup")
        #expect(!FileManager.default.fileExists(atPath: daemon.store + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: daemon.store + "-shm"))
    }

    @Test func aKeyFileOpenToOthersFailsWithTheChmodFix() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try #require(try await spl.run(["init"]).status == 0)
        let home = spl.home.path
        let key = home + "/keys/primary.key"
        // Named before the key is opened up: `spl identity show` refuses a key others can read.
        let folder = try await spl.instanceFolder()
        #expect(chmod(key, 0o644) == 0)
        let expected = [
            ExpectedRow("daemon", "warn", "not running", fix: "spl start"),
            ExpectedRow("pid file", "pass", "none (no daemon running)"),
            ExpectedRow("config", "pass", "\(home)/config.toml: owner only"),
            ExpectedRow("store", "pass", "\(home)/hub.db: header and quick_check ok, 0 records, highest sequence 0"),
            ExpectedRow("schema", "pass", "version 2, current"),
            ExpectedRow("content addresses", "pass", "0 records re-hashed, every id matches"),
            ExpectedRow("signatures", "pass", "0 signatures verified"),
            ExpectedRow("startup backup", "warn", "no startup backup at \(folder)/hub.db.bak", fix: "spl start"),
            ExpectedRow("newest backup", "warn", "no backup in \(folder)", fix: "spl backup now"),
            ExpectedRow(
                "identity backup", "warn", "no sealed keys in \(folder): the identity is in no backup",
                fix: "SPL_BACKUP_PASSPHRASE='<12 or more characters>' spl backup now"),
            ExpectedRow("keys mode", "fail", "open to group or others: \(key) 0644", fix: "chmod 600 \(key)"),
            ExpectedRow("secrets mode", "pass", "\(home)/secrets and its files: owner only"),
            ExpectedRow("run mode", "pass", "\(home)/run and its files: owner only"),
            ExpectedRow("store mode", "pass", "\(home)/hub.db: owner only"),
            ExpectedRow("backup mode", "pass", "no \(spl.backupRoot) yet"),
        ]
        expectRows(try await spl.doctor(), expected, exitStatus: 2)
        expectText(try await spl.run(["doctor"], timeout: 60), expected, exitStatus: 2)

        // The fix it names is the whole fix; a keys folder open too is named in the same command.
        #expect(chmod(home + "/keys", 0o755) == 0)
        let both = try await spl.doctor()
        #expect(both.row("keys mode")?["detail"] == "open to group or others: \(home)/keys 0755, \(key) 0644")
        #expect(both.row("keys mode")?["fix"] == "chmod 700 \(home)/keys && chmod 600 \(key)")
        #expect(chmod(home + "/keys", 0o700) == 0 && chmod(key, 0o600) == 0)
        #expect(try await spl.doctor().row("keys mode")?["status"] == "pass")
    }

    @Test func aStalePidFileNamesTheExactFix() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try #require(try await spl.run(["init"]).status == 0)
        let pidFile = spl.home.path + "/run/spl.pid"

        // A pid that no longer runs: a child that has exited and been reaped.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        _ = await gone.exitStatus()
        try "\(gone.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        #expect(chmod(pidFile, 0o600) == 0, "as the daemon writes it")
        let dead = try await spl.doctor()
        #expect(dead.status == 1)
        #expect(dead.row("pid file")?["status"] == "warn")
        #expect(dead.row("pid file")?["detail"] == "\(pidFile) is stale: pid \(gone.processIdentifier) is a process that is not running")
        #expect(dead.row("pid file")?["fix"] == "rm \(pidFile)")

        // A live pid that is not this home's daemon (pids are reused): this test process.
        try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        let stranger = try await spl.doctor()
        #expect(stranger.row("pid file")?["detail"] == "\(pidFile) is stale: pid \(getpid()) is a process that is not this home's spl serve")
        #expect(stranger.row("pid file")?["fix"] == "rm \(pidFile)")

        try "not a pid\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        let garbled = try await spl.doctor()
        #expect(garbled.row("pid file")?["status"] == "warn")
        #expect(garbled.row("pid file")?["detail"] == "run file \(pidFile) is not valid (expected a pid, found \"not a pid\"); if no spl serve is running for this home, remove it")
        #expect(garbled.row("pid file")?["fix"] == "rm \(pidFile)")

        // The fix, run, clears the row.
        _ = try await ShellTool.run("rm", [pidFile])
        #expect(try await spl.doctor().row("pid file")?["detail"] == "none (no daemon running)")
    }

    @Test func aHomeWithNoInstanceYetWarnsAndDoctorCreatesNothing() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let home = spl.home.path
        let run = try await spl.doctor()
        expectRows(run, [
            ExpectedRow("daemon", "warn", "not running", fix: "spl start"),
            ExpectedRow("pid file", "pass", "none (no daemon running)"),
            ExpectedRow("config", "pass", "no \(home)/config.toml: defaults apply"),
            ExpectedRow("store", "warn", "no instance in \(home) yet", fix: "spl start"),
            ExpectedRow("startup backup", "warn", "no instance identity in \(home) yet", fix: "spl start"),
            ExpectedRow("newest backup", "warn", "no instance identity in \(home) yet", fix: "spl start"),
            ExpectedRow("identity backup", "warn", "no instance identity in \(home) yet", fix: "spl start"),
            ExpectedRow("keys mode", "warn", "no instance in \(home) yet", fix: "spl start"),
            ExpectedRow("secrets mode", "pass", "no \(home)/secrets"),
            ExpectedRow("run mode", "pass", "no \(home)/run yet"),
            ExpectedRow("store mode", "pass", "no \(home)/hub.db"),
            ExpectedRow("backup mode", "pass", "no \(spl.backupRoot) yet"),
        ], exitStatus: 1)
        #expect(!FileManager.default.fileExists(atPath: home), "doctor created the home")
        #expect(!FileManager.default.fileExists(atPath: spl.backupRoot), "doctor created the backup root")
    }

    @Test func aDamagedStoreFailsWithTheRestoreOfTheNewestBackup() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let folder = try await daemon.spl.instanceFolder()

        // A store from a newer spl: readable, but no command here can use it.
        _ = try await ShellTool.sqlite(daemon.store, "UPDATE meta SET value = 3 WHERE key = 'schema_version'")
        let newer = try await daemon.spl.doctor()
        #expect(newer.status == 2)
        #expect(newer.row("store") == ["name": "store", "status": "pass", "detail": "\(daemon.store): header and quick_check ok"])
        #expect(newer.row("schema") == [
            "name": "schema", "status": "fail", "detail": "version 3, newer than version 2 that this spl supports",
        ])
        _ = try await ShellTool.sqlite(daemon.store, "UPDATE meta SET value = 2 WHERE key = 'schema_version'")
        try await ShellTool.rewriteAsSchemaVersionOne(daemon.store)
        let older = try await daemon.spl.doctor()
        #expect(older.row("schema") == [
            "name": "schema", "status": "warn", "detail": "version 1, migrated by the daemon at its next start", "fix": "spl start",
        ])

        let size = try #require(try FileManager.default.attributesOfItem(atPath: daemon.store)[.size] as? Int)
        try Data(count: size).write(to: URL(fileURLWithPath: daemon.store))

        let run = try await daemon.spl.doctor()
        #expect(run.status == 2)
        #expect(run.row("store") != nil)
        #expect(run.row("store")?["status"] == "fail")
        #expect(run.row("store")?["detail"] == "store \(daemon.store) is damaged: file is not a database (SQLite error 26)")
        #expect(run.row("store")?["fix"] == "spl backup restore \(folder)/hub.db.bak")
        #expect(run.row("schema") == nil && run.row("content addresses") == nil && run.row("signatures") == nil)

        // A missing store on a home with an identity fails the same way.
        try FileManager.default.removeItem(atPath: daemon.store)
        let missing = try await daemon.spl.doctor()
        #expect(missing.row("store")?["detail"] == "store \(daemon.store) does not exist")
        #expect(missing.row("store")?["fix"] == "spl backup restore \(folder)/hub.db.bak")
        #expect(missing.row("store mode")?["detail"] == "no \(daemon.store)")
    }

    @Test func openModesOfStoreConfigAndBackupsWarnAndABadConfigFails() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let folder = try await daemon.spl.instanceFolder()
        let config = daemon.home + "/config.toml"
        #expect(chmod(daemon.store, 0o644) == 0)
        #expect(chmod(config, 0o640) == 0)
        #expect(chmod(daemon.backupRoot, 0o755) == 0)
        #expect(chmod(folder + "/hub.db.bak", 0o644) == 0)
        #expect(chmod(daemon.home + "/secrets", 0o750) == 0)

        let run = try await daemon.spl.doctor()
        #expect(run.status == 2)
        let rows = ["config", "store mode", "backup mode", "secrets mode"].map { run.row($0) ?? [:] }
        #expect(rows[0] == ["name": "config", "status": "warn", "detail": "open to group or others: \(config) 0640", "fix": "chmod 600 \(config)"])
        #expect(rows[1] == ["name": "store mode", "status": "warn", "detail": "open to group or others: \(daemon.store) 0644", "fix": "chmod 600 \(daemon.store)"])
        #expect(rows[2] == [
            "name": "backup mode", "status": "warn",
            "detail": "open to group or others: \(daemon.backupRoot) 0755, \(folder)/hub.db.bak 0644",
            "fix": "chmod 700 \(daemon.backupRoot) && chmod 600 \(folder)/hub.db.bak",
        ])
        #expect(rows[3] == [
            "name": "secrets mode", "status": "fail", "detail": "open to group or others: \(daemon.home)/secrets 0750",
            "fix": "chmod 700 \(daemon.home)/secrets",
        ])

        try "[server\nport = 1\n".write(toFile: config, atomically: false, encoding: .utf8)
        let broken = try await daemon.spl.doctor()
        #expect(broken.row("config")?["status"] == "fail")
        #expect(
            broken.row("config")?["detail"]
                == "config file \(config) is not valid TOML at line 1, column 8: Error while parsing table header: expected ']', saw '\\n'; fix it, or move it aside to use the defaults")
        #expect(broken.row("config")?["fix"] == "mv \(config) \(config).invalid")
    }

    /// `spl init`, then timed backups on in config.toml every `seconds`.
    func enableScheduledBackups(_ spl: SPLProcess, every seconds: Int) async throws {
        try #require(try await spl.run(["init"]).status == 0)
        let config = spl.home.path + "/config.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try #require(text.contains("auto = false\n"), "\(text)")
        try text.replacingOccurrences(of: "auto = false\n", with: "auto = true\ninterval_secs = \(seconds)\n")
            .write(toFile: config, atomically: false, encoding: .utf8)
    }

    @Test func failedStartupAndScheduledBackupsFailWithTheirErrors() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try await enableScheduledBackups(daemon.spl, every: 1)
        // A backup root under a regular file: every backup fails, the daemon still starts.
        let blocker = daemon.spl.scratch.path + "/blocker"
        try "in the way\n".write(toFile: blocker, atomically: false, encoding: .utf8)
        let environment = ["SPL_BACKUP_ROOT": blocker + "/backups"]
        let started = try await daemon.spl.run(
            ["serve", "--daemon", "--port", String(daemon.port)], timeout: 60, extraEnvironment: environment)
        try #require(started.status == 0, "\(started.stdout)\(started.stderr)")
        var auto: [String: Any] = [:]
        for _ in 0..<300 where auto["last_error"] as? String == nil {
            try await Task.sleep(for: .milliseconds(100))
            let health = try await daemon.httpJSON("GET", "/health").object
            auto = (health["backup"] as? [String: Any])?["auto"] as? [String: Any] ?? [:]
        }
        let reason = "cannot create folder \(blocker): Not a directory; a file is in the way of a folder; move it aside"
        try #require(auto["last_error"] as? String == reason, "\(auto)")
        let folder = try await blocker + "/backups/" + (daemon.spl.instanceFolder().split(separator: "/").last.map(String.init) ?? "")

        let run = try await daemon.spl.doctor(extraEnvironment: environment)

        #expect(run.status == 2)
        let rows = ["startup backup", "newest backup", "scheduled backups", "identity backup", "backup mode"].map { run.row($0) ?? [:] }
        #expect(rows[0] == [
            "name": "startup backup", "status": "fail", "detail": "the startup backup failed: \(reason)", "fix": "spl restart",
        ])
        #expect(rows[1] == ["name": "newest backup", "status": "warn", "detail": "no backup in \(folder)", "fix": "spl backup now"])
        #expect(rows[2] == [
            "name": "scheduled backups", "status": "fail", "detail": "the last scheduled backup failed: \(reason)",
            "fix": "spl backup now",
        ])
        #expect(rows[3] == [
            "name": "identity backup", "status": "warn", "detail": "no sealed keys in \(folder): the identity is in no backup",
            "fix": "SPL_BACKUP_PASSPHRASE='<12 or more characters>' spl restart && spl backup now",
        ])
        #expect(rows[4] == ["name": "backup mode", "status": "pass", "detail": "no \(blocker)/backups yet"])

        // Without the daemon, the startup backup is read from disk and the scheduled row is gone.
        #expect(try await daemon.stopDaemon().status == 0)
        let offline = try await daemon.spl.doctor(extraEnvironment: environment)
        #expect(offline.row("startup backup") == [
            "name": "startup backup", "status": "fail",
            "detail": "cannot stat \(folder)/hub.db.bak: Not a directory", "fix": "spl start",
        ])
        #expect(offline.row("scheduled backups") == nil)
    }

    @Test func enabledScheduledBackupsPassAndAPassphraseDaemonNeedsOnlyABackup() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try await enableScheduledBackups(daemon.spl, every: 3600)
        let started = try await daemon.spl.run(
            ["serve", "--daemon", "--port", String(daemon.port)], timeout: 60,
            extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        try #require(started.status == 0, "\(started.stdout)\(started.stderr)")
        let folder = try await daemon.spl.instanceFolder()
        let auto = { () async throws -> [String: Any] in
            let health = try await daemon.httpJSON("GET", "/health").object
            return (health["backup"] as? [String: Any])?["auto"] as? [String: Any] ?? [:]
        }
        let before = try await auto()
        let schedule = try #require(before["schedule"] as? String, "\(before)")

        let run = try await daemon.spl.doctor()

        let last = (try await auto())["last_path"] as? String
        #expect(last == before["last_path"] as? String, "a timed backup ran while doctor did")
        #expect(run.row("scheduled backups") == [
            "name": "scheduled backups", "status": "pass",
            "detail": "enabled, \(schedule), " + (last.map { "last \($0)" } ?? "no run yet"),
        ])
        if last == nil {
            #expect(run.row("identity backup") == [
                "name": "identity backup", "status": "warn",
                "detail": "no sealed keys in \(folder): the identity is in no backup", "fix": "spl backup now",
            ])
        }
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aMissingPrivateKeyFailsWithTheRestoreOfTheSealedKeys() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try #require(try await spl.run(["init"]).status == 0)
        let folder = try await spl.instanceFolder()
        let key = spl.home.path + "/keys/primary.key"
        try FileManager.default.removeItem(atPath: key)
        let bare = try await spl.doctor()
        #expect(bare.status == 2)
        #expect(bare.row("keys mode") == ["name": "keys mode", "status": "fail", "detail": "no private key at \(key)", "fix": "spl init"])

        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let sealed = folder + "/keys.20261127-030000.sealed"
        try "sealed\n".write(toFile: sealed, atomically: false, encoding: .utf8)
        let covered = try await spl.doctor()
        #expect(covered.row("keys mode") == [
            "name": "keys mode", "status": "fail", "detail": "no private key at \(key)",
            "fix": "spl backup restore-keys \(sealed)",
        ])
        #expect(ExpectedRow("identity backup", "pass", "\(sealed) (<age> ago)").matches(covered.row("identity backup") ?? [:]))
    }

    @Test func withoutHomeThereIsNoBackupRootToCheck() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try #require(try await spl.run(["init"]).status == 0)
        let run = try await spl.doctor(extraEnvironment: ["HOME": ""])
        #expect(run.status == 2)
        let reason = "HOME is not set, so there is no default backup root; set SPL_BACKUP_ROOT or [backup] root in config.toml"
        for name in ["startup backup", "newest backup", "identity backup"] {
            #expect(run.row(name) == [
                "name": name, "status": "fail", "detail": reason, "fix": "export SPL_BACKUP_ROOT=<absolute path of a backup folder>",
            ])
        }
        #expect(run.row("backup mode") == ["name": "backup mode", "status": "pass", "detail": "no backup root"])
    }

    @Test func aDaemonOnAnInMemoryStoreHasNoStartupBackupAndAMissingPidFileWarns() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        try #require(try await daemon.spl.run(["init"]).status == 0)
        let started = try await daemon.spl.run(["serve", "--daemon", "--memory", "--port", String(daemon.port)], timeout: 60)
        try #require(started.status == 0, "\(started.stdout)\(started.stderr)")
        let run = try await daemon.spl.doctor()
        #expect(run.row("startup backup") == [
            "name": "startup backup", "status": "pass", "detail": "none: the daemon runs on an in-memory store",
        ])

        try FileManager.default.removeItem(atPath: daemon.home + "/run/spl.pid")
        let withoutPID = try await daemon.spl.doctor()
        #expect(withoutPID.row("pid file") == [
            "name": "pid file", "status": "warn", "detail": "\(daemon.home)/run/spl.pid is missing while the daemon runs",
            "fix": "spl restart",
        ])
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aFixNamingAPathWithASpaceQuotesIt() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let home = spl.scratch.path + "/my home"
        let environment = ["SYNCROPEL_HOME": home]
        try #require(try await spl.run(["init"], extraEnvironment: environment).status == 0)
        #expect(chmod(home + "/keys/primary.key", 0o640) == 0)
        let run = try await spl.doctor(extraEnvironment: environment)
        #expect(run.row("keys mode") == [
            "name": "keys mode", "status": "fail", "detail": "open to group or others: \(home)/keys/primary.key 0640",
            "fix": "chmod 600 '\(home)/keys/primary.key'",
        ])
    }

    @Test func aDaemonThatIsStartingOrSilentOrScheduledIsReportedAsItIs() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try #require(try await spl.run(["init"]).status == 0)
        let home = spl.home.path
        let socket = home + "/run/spl.sock"

        // Holding the lock with run/spl.json in the backup phase, before the socket exists: starting.
        let runInfo = """
            {"pid":\(getpid()),"host":"127.0.0.1","port":9,"socket":"\(socket)",\
            "version":"0.1.0","phase":"backup 42%","started_at":"2025-01-01T00:00:00Z"}
            """
        try Data(runInfo.utf8).write(to: spl.home.appendingPathComponent("run/spl.json"))
        let lock = try HeldHomeLock(home: home)
        let starting = try await spl.doctor()
        #expect(starting.row("daemon") == ["name": "daemon", "status": "warn", "detail": "starting (backup 42%)", "fix": "spl status"])
        #expect(starting.row("pid file") == ["name": "pid file", "status": "pass", "detail": "none yet (the daemon is starting)"])
        try "\(getpid())\n".write(toFile: home + "/run/spl.pid", atomically: false, encoding: .utf8)
        let live = try await spl.doctor()
        #expect(live.row("pid file") == ["name": "pid file", "status": "pass", "detail": "\(home)/run/spl.pid: pid \(getpid()), live"])
        lock.release()
        try FileManager.default.removeItem(atPath: home + "/run/spl.pid")
        try FileManager.default.removeItem(atPath: home + "/run/spl.json")

        // A socket that takes the request and never answers.
        let silent = try ScriptedSocket(path: socket, answer: .silence)
        let hung = try await spl.doctor(extraEnvironment: ["SPL_REQUEST_TIMEOUT": "1"])
        silent.stop()
        #expect(hung.status == 2)
        #expect(hung.row("daemon") == [
            "name": "daemon", "status": "fail",
            "detail": "the spl daemon on \(socket) did not answer GET /health within 1s; check its log with 'spl serve --logs'",
            "fix": "spl restart",
        ])

        // A daemon whose timed backups are on and have run.
        let version = try #require(try await spl.run(["version"]).stdout.split(separator: " ").dropFirst().first.map(String.init))
        let last = spl.backupRoot + "/instance-x/hub.db.20261127-030000"
        let health = """
            {"status":"ok","version":"\(version)","pid":4242,"bind":"127.0.0.1:9","store":"sqlite://\(home)/hub.db",\
            "backup":{"status":"written","error":null,"auto":{"enabled":true,"schedule":"daily 03:00 UTC",\
            "last_path":"\(last)","last_error":null,"identity_sealed":true}}}
            """
        let scripted = try ScriptedSocket(path: socket, answer: .json(200, health), serverVersion: version)
        let scheduled = try await spl.doctor()
        scripted.stop()
        #expect(scheduled.result.stderr == "")
        #expect(scheduled.row("daemon") == ["name": "daemon", "status": "pass", "detail": "running: pid 4242, version \(version), 127.0.0.1:9"])
        #expect(scheduled.row("scheduled backups") == [
            "name": "scheduled backups", "status": "pass", "detail": "enabled, daily 03:00 UTC, last \(last)",
        ])
    }

    @Test func tamperedRecordsUnderARunningDaemonAreFixedByStopThenRestore() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let backup = try await healthyInstance(daemon).backup
        var ids: [String] = []
        for number in 1...4 {
            let written = try await daemon.cli(["know", "changed under the daemon \(number)", "--thread", "th_many", "-o", "json"])
            let record = try JSONSerialization.jsonObject(with: Data(written.stdout.utf8)) as? [String: Any]
            ids.append(try #require(record?["id"] as? String, "\(written.stdout)\(written.stderr)"))
        }
        _ = try await ShellTool.sqlite(
            daemon.store, "UPDATE records SET canonical = replace(canonical, 'changed under', 'CHANGED under') WHERE thread = 'th_many'")
        let records = try await ShellTool.sqlite(daemon.store, "SELECT count(*) FROM records")

        let run = try await daemon.spl.doctor()

        #expect(run.status == 2)
        #expect(run.row("content addresses") == [
            "name": "content addresses", "status": "fail",
            "detail": "4 of \(records) records do not match their id: \(ids[0]), \(ids[1]), \(ids[2]) and 1 more",
            "fix": "spl stop && spl backup restore \(backup)",
        ])
        #expect(try await daemon.stopDaemon().status == 0)
    }
}

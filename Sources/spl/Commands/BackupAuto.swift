import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelServer

/// What `spl backup --auto` does.
enum BackupAutoAction: String, ExpressibleByArgument, CaseIterable {
    case enable
    case disable
    case status
    case restoreKeys = "restore-keys"
}

/// `spl backup --auto enable|disable|status` (SPEC 8.2); `--auto restore-keys FILE` is the old
/// spelling of `spl backup restore-keys FILE` (SPEC 8.4).
///
/// Enable and disable go through the running daemon, which saves `[backup] auto` and starts or
/// stops its schedule at once; with no daemon they edit config.toml, read at the next start.
enum BackupAuto {
    static let path = "/v1/admin/backup/auto"

    static func run(_ action: BackupAutoAction, file: String?, force: Bool, output: OutputOptions) async throws {
        let home = try CommandEnvironment.home()
        switch action {
        case .enable: try await setEnabled(true, home: home, output: output)
        case .disable: try await setEnabled(false, home: home, output: output)
        case .status: try await status(home: home, output: output)
        case .restoreKeys:
            // The spelling before 'spl backup restore-keys', kept for scripts; hidden from help.
            guard let file else { throw UsageError.missingSealedKeysFile }
            try BackupRestoreKeysCommand.restore(file: file, force: force, home: home, output: output)
        }
    }

    private static func setEnabled(_ enabled: Bool, home: HomeLayout, output: OutputOptions) async throws {
        let answer: JSONValue
        do {
            answer = try await DaemonClient(home: home).post(path, body: ["enabled": .bool(enabled)])
        } catch DaemonClientError.notRunning {
            var config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
            config.backup.auto = enabled
            // A home not yet served has no folder; its first 'spl serve' keeps this config.
            try PrivateFiles.makeDirectory(home.root)
            try config.save(to: home.configFile)
            let status = offlineStatus(config)
            if output.json {
                print(json(status, daemonRunning: false).serialized())
            } else {
                print("Timed backups \(enabled ? "enabled" : "disabled") in \(home.configFile) (\(status.schedule));"
                    + " no daemon runs, so this takes effect at the next 'spl serve'")
            }
            return
        }
        if output.json {
            print(withDaemonRunning(answer).serialized())
        } else {
            let next = answer.value(atPath: "next_run_at")?.stringValue.map { ", next at \($0)" } ?? ""
            print("Timed backups \(enabled ? "enabled" : "disabled") (\(answer.value(atPath: "schedule").displayText))\(next)")
        }
    }

    private static func status(home: HomeLayout, output: OutputOptions) async throws {
        let answer: JSONValue
        do {
            answer = try await DaemonClient(home: home).get(path)
        } catch DaemonClientError.notRunning {
            let config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
            let offline = json(offlineStatus(config), daemonRunning: false)
            if output.json {
                print(offline.serialized())
            } else {
                statusLines(offline, now: Date()).forEach { print($0) }
                print("Daemon:     not running; timed backups run only while 'spl serve' runs")
            }
            return
        }
        if output.json {
            print(withDaemonRunning(answer).serialized())
        } else {
            statusLines(answer, now: Date()).forEach { print($0) }
        }
    }

    /// The status as lines for people, values from column 13.
    static func statusLines(_ status: JSONValue, now: Date) -> [String] {
        let field = { (name: String) in status.value(atPath: name) }
        let lastRun = field("last_run_at")?.stringValue.map { text in
            DisplayTime.parse(text).map { "\(text) (\(DisplayTime.age(seconds: Int64(now.timeIntervalSince($0)))) ago)" } ?? text
        }
        let lastFile = field("last_path")?.stringValue.map { "\($0) (\(field("last_records").displayText) records)" }
        let sealed = field("identity_sealed")?.boolValue == true
        return [
            "Auto:       \(field("enabled")?.boolValue == true ? "on" : "off") (\(field("schedule").displayText))",
            "Last run:   \(lastRun ?? "none yet")",
            "Last file:  \(lastFile ?? "-")",
            "Last error: \(field("last_error")?.stringValue ?? "none")",
            "Next run:   \(field("next_run_at")?.stringValue ?? "-")",
            "Identity:   " + (sealed
                ? "keys sealed beside each backup (SPL_BACKUP_PASSPHRASE set)"
                : "not sealed: start the daemon with SPL_BACKUP_PASSPHRASE (at least 12 characters) to back up the keys"),
        ]
    }

    /// What config.toml says when no daemon runs: nothing has run, nothing is scheduled.
    private static func offlineStatus(_ config: HomeConfig) -> BackupScheduler.Status {
        BackupScheduler.Status(
            enabled: config.backup.auto, schedule: BackupScheduler.Schedule(config.backup), lastRunAt: nil,
            lastPath: nil, lastRecords: nil, lastError: nil, nextRunAt: nil, identitySealed: false)
    }

    private static func json(_ status: BackupScheduler.Status, daemonRunning: Bool) -> JSONValue {
        .object(JSONObject(
            [.init(key: "object", value: "auto_backup")] + status.jsonMembers
                + [.init(key: "daemon_running", value: .bool(daemonRunning))]))
    }

    /// The daemon's object with `daemon_running: true`, so scripts read one shape either way.
    private static func withDaemonRunning(_ answer: JSONValue) -> JSONValue {
        guard case .object(let object) = answer else { return answer }
        return .object(JSONObject(object.members + [.init(key: "daemon_running", value: true)]))
    }
}

import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit

/// `spl status`: whether this home's daemon runs, and what it holds.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Report whether the daemon of this home is running, and its store and backup.",
        discussion: """
            Asks the daemon for GET /health over run/spl.sock. Exit status: 0 running, \
            3 not running, 4 starting (the line names the phase: checking, backup 42%, folding). \
            A backup warning the daemon reports (a backup holds more records than the store) is \
            printed under the Backup line. Thread is the current thread, where 'spl do|know|learn' \
            write without --thread. With -o json the health object is printed as the daemon sent it, \
            with current_thread added when there is one.
            """
    )

    @OptionGroup var output: OutputOptions

    /// What the daemon of this home is doing.
    enum Report {
        case running(health: JSONValue)
        case starting(phase: String, version: String)
        case notRunning
    }

    func run() async throws {
        let home = try CommandEnvironment.home()
        let thread = Self.currentThreadText(home)
        switch try await Self.report(home: home) {
        case .running(let health):
            if output.json {
                print(Self.adding(thread, to: health).serialized())
            } else {
                Self.lines(health: health, now: Date()).forEach { print($0) }
                if let thread { print("Thread:  \(thread)") }
            }
        case let .starting(phase, version):
            if output.json {
                print(Self.adding(thread, to: ["status": "starting", "phase": .string(phase), "home": .string(home.root)]).serialized())
            } else {
                print("Syncropel kernel \(version)")
                print("Status:  starting (\(phase))")
                print("Home:    \(home.root)")
                if let thread { print("Thread:  \(thread)") }
            }
            throw ExitCode(4)
        case .notRunning:
            if output.json {
                print(Self.adding(thread, to: ["status": "not running", "home": .string(home.root)]).serialized())
            } else {
                print("Syncropel kernel \(BuildInfo.semver)")
                print("Status:  not running")
                print("Home:    \(home.root)")
                if let thread { print("Thread:  \(thread)") }
            }
            throw ExitCode(3)
        }
    }

    /// The current thread, or why it cannot be read; nil when this home has none (status
    /// reports a broken file instead of failing on it).
    static func currentThreadText(_ home: HomeLayout) -> String? {
        do {
            return try CurrentThread.read(home)
        } catch {
            return "unreadable: \(error)"
        }
    }

    /// `object` with `current_thread` appended when there is one.
    static func adding(_ thread: String?, to object: JSONValue) -> JSONValue {
        guard let thread, case .object(let members) = object else { return object }
        return .object(JSONObject(members.members + [.init(key: "current_thread", value: .string(thread))]))
    }

    /// Asks the socket; when it has no answer, the daemon is still starting if it holds the home
    /// lock and run/spl.json is its own (files a killed daemon left behind do not count).
    static func report(home: HomeLayout) async throws -> Report {
        // A status that hangs is no report: a daemon silent for 10 s is starting or stuck.
        let client = DaemonClient(home: home, timeoutSeconds: min(10, DaemonClient.defaultTimeoutSeconds))
        let answer: (status: Int, body: JSONValue)
        do {
            answer = try await client.request(.GET, "/health")
        } catch let error as DaemonClientError {
            switch error {
            case .notRunning, .noAnswer:
                guard HomeLock.isHeld(home), let info = try RunInfo.read(from: home.runInfoFile),
                    info.pid == HomeLock.ownerPID(home)
                else {
                    if case .noAnswer = error { throw error }
                    return .notRunning
                }
                return .starting(phase: info.phase, version: info.version)
            default:
                throw error
            }
        }
        if answer.status == 503, answer.body.value(atPath: "status") == "starting" {
            let phase = answer.body.value(atPath: "phase")?.stringValue ?? "starting"
            let version = try RunInfo.read(from: home.runInfoFile)?.version ?? BuildInfo.semver
            return .starting(phase: phase, version: version)
        }
        return .running(health: try DaemonClient.requireSuccess(answer, request: "GET /health"))
    }

    /// The SPEC 6 status lines: labels padded to 9 characters, values from column 10.
    static func lines(health: JSONValue, now: Date) -> [String] {
        let field = { (path: String) in health.value(atPath: path).displayText }
        let uptime = health.value(atPath: "uptime_secs").map(wholeSeconds) ?? "-"
        let lines = [
            "Syncropel kernel \(field("version"))",
            "Status:  \(field("status"))",
            "Bind:    \(field("bind"))",
            "PID:     \(field("pid"))",
            "Uptime:  \(uptime)s",
            "Home:    \(field("home"))",
            "Store:   \(field("store")) (\(field("records")) records, \(field("threads")) threads)",
            "Instance: \(field("instance_did"))",
            "Backup:  \(backupLine(health.value(atPath: "backup"), now: now))",
        ]
        let replicas = health.value(atPath: "replication")?.arrayValue ?? []
        // Own lines, word for word as the start-up banner prints them.
        let warnings = health.value(atPath: "backup.warning")?.stringValue?.split(separator: "\n").map(String.init) ?? []
        return lines + warnings + [timedBackupLine(health.value(atPath: "backup.auto"), now: now)].compactMap { $0 }
            + replicas.map(replicaLine) + [authLine(health), roleLine(health)].compactMap { $0 }
    }

    /// `Role:    active` or `Role:    standby`, for a daemon on a store that several daemons share.
    static func roleLine(_ health: JSONValue) -> String? {
        guard let role = health.value(atPath: "role")?.stringValue else { return nil }
        let meaning = role == "standby" ? " (serves reads; writes go to the active daemon)" : " (writes the shared store)"
        return "Role:    \(role)\(meaning)"
    }

    /// Said only when TCP clients are not authenticated (`spl serve --insecure-localhost`), so a
    /// healthy status keeps exactly the lines of SPEC 6.
    static func authLine(_ health: JSONValue) -> String? {
        guard health.value(atPath: "tcp_auth")?.stringValue == "off" else { return nil }
        return "Auth:    OFF (--insecure-localhost): any process on this machine can read and write over TCP"
    }

    /// `Replica: nas file:///mnt/nas/spl working, shipped through 1234, lag 0 records (0.0 s)`,
    /// with `: <error>` when failing; one per `[[replica]]`, none without replicas.
    static func replicaLine(_ replica: JSONValue) -> String {
        let field = { (path: String) in replica.value(atPath: path).displayText }
        var line = "Replica: \(field("name")) \(field("location")) \(field("state")), shipped through \(field("shipped_sequence")), "
            + "lag \(field("lag_records")) records (\(field("lag_secs")) s)"
        if let error = replica.value(atPath: "last_error")?.stringValue { line += ": \(error)" }
        return line
    }

    /// `Timed:   FAILED <age> ago: <error>` when the daemon's last timed backup failed; nil
    /// otherwise, so a healthy status keeps exactly the lines of SPEC 6.
    static func timedBackupLine(_ auto: JSONValue?, now: Date) -> String? {
        guard let error = auto?.value(atPath: "last_error")?.stringValue else { return nil }
        let age = auto?.value(atPath: "last_run_at")?.stringValue.flatMap(DisplayTime.parse).map { ranAt in
            " \(DisplayTime.age(seconds: Int64(now.timeIntervalSince(ranAt).rounded(.down)))) ago"
        } ?? ""
        return "Timed:   FAILED\(age): \(error)"
    }

    /// `<path> (<age> ago, N records)`, `none`, or `<path> (FAILED: <error>)`.
    static func backupLine(_ backup: JSONValue?, now: Date) -> String {
        guard let backup, backup != .null else { return "none" }
        let path = backup.value(atPath: "path").displayText
        switch backup.value(atPath: "status")?.stringValue {
        case "none"?:
            return "none"
        case "failed"?:
            return "\(path) (FAILED: \(backup.value(atPath: "error").displayText))"
        default:
            let records = "\(backup.value(atPath: "records").displayText) records"
            guard let text = backup.value(atPath: "written_at")?.stringValue, let writtenAt = DisplayTime.parse(text) else {
                return "\(path) (\(records))"
            }
            let age = DisplayTime.age(seconds: Int64(now.timeIntervalSince(writtenAt).rounded(.down)))
            return "\(path) (\(age) ago, \(records))"
        }
    }

    /// Uptime in whole seconds whether the daemon sends an integer or a fraction.
    private static func wholeSeconds(_ value: JSONValue) -> String {
        if case .double(let seconds) = value, seconds.isFinite { return String(Int64(seconds.rounded(.down))) }
        return value.displayText
    }
}

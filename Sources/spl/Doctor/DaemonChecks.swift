import Foundation
import SyncropelHome
import SyncropelKit

/// The rows about the running daemon: whether it answers, whether run/spl.pid tells the
/// truth about it, and how its scheduled backups go.
enum DaemonChecks {
    /// Asks the daemon for `/health` over run/spl.sock, as `spl status` does.
    static func probe(home: HomeLayout) async -> DoctorInstance.Daemon {
        do {
            switch try await StatusCommand.report(home: home) {
            case .running(let health): return .running(health: health)
            case .starting(let phase, _): return .starting(phase: phase)
            case .notRunning: return .notRunning
            }
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }

    static func reachable(_ instance: DoctorInstance) -> DoctorCheck {
        let name = "daemon"
        switch instance.daemon {
        case .running(let health):
            let field = { (path: String) in health.value(atPath: path).displayText }
            return .pass(name, "running: pid \(field("pid")), version \(field("version")), \(field("bind"))")
        case .starting(let phase):
            return .warn(name, "starting (\(phase))", fix: "spl status")
        case .notRunning:
            return .warn(name, "not running", fix: "spl start")
        case .unreachable(let reason):
            return .fail(name, reason, fix: "spl restart")
        }
    }

    /// run/spl.pid is live when the home lock's holder wrote the same pid: a pid that is not
    /// alive, or alive but not this home's daemon (pids are reused), is stale.
    static func pidFile(_ instance: DoctorInstance) -> DoctorCheck {
        let name = "pid file"
        let path = instance.home.pidFile
        let remove = "rm " + ShellWord.quoted(path)
        let pid: Int32?
        do {
            pid = try PIDFile.read(from: path)
        } catch {
            return .warn(name, error.description, fix: remove)
        }
        guard let pid else {
            switch instance.daemon {
            case .running: return .warn(name, "\(path) is missing while the daemon runs", fix: "spl restart")
            case .starting: return .pass(name, "none yet (the daemon is starting)")
            case .notRunning, .unreachable: return .pass(name, "none (no daemon running)")
            }
        }
        if HomeLock.isHeld(instance.home), HomeLock.ownerPID(instance.home) == pid {
            return .pass(name, "\(path): pid \(pid), live")
        }
        let why = isAlive(pid) ? "a process that is not this home's spl serve" : "a process that is not running"
        return .warn(name, "\(path) is stale: pid \(pid) is \(why)", fix: remove)
    }

    /// `/health` `backup.auto` of a daemon that reports it; nil when there is nothing to report.
    static func scheduledBackups(_ instance: DoctorInstance) -> DoctorCheck? {
        guard let auto = instance.health?.value(atPath: "backup.auto"), case .object = auto else { return nil }
        let name = "scheduled backups"
        if let error = auto.value(atPath: "last_error")?.stringValue {
            return .fail(name, "the last scheduled backup failed: \(error)", fix: "spl backup now")
        }
        guard auto.value(atPath: "enabled")?.boolValue == true else { return .pass(name, "disabled") }
        let schedule = auto.value(atPath: "schedule")?.stringValue.map { ", " + $0 } ?? ""
        let last = auto.value(atPath: "last_path")?.stringValue.map { ", last \($0)" } ?? ", no run yet"
        return .pass(name, "enabled" + schedule + last)
    }

    /// One row per `/health` `replication` entry: warn past 60 s of lag or while a replica
    /// fails, fail past an hour of lag or when a replica has failed for over a minute.
    static func replicas(_ instance: DoctorInstance) -> [DoctorCheck] {
        let replicas = instance.health?.value(atPath: "replication")?.arrayValue ?? []
        return replicas.map { replica in
            let name = "replica \(replica.value(atPath: "name").displayText)"
            let lag = replica.value(atPath: "lag_secs").flatMap { value -> Double? in
                switch value {
                case .double(let seconds): seconds
                case .integer(let seconds): seconds.int64Value.map(Double.init)
                default: nil
                }
            } ?? 0
            let detail = StatusCommand.replicaLine(replica).dropFirst("Replica: ".count)
            let fix = "spl backup replica verify \(ShellWord.quoted(replica.value(atPath: "name").displayText))"
            let failing = replica.value(atPath: "state")?.stringValue == "failing"
            if lag > 3600 || (failing && lag > 60) { return .fail(name, String(detail), fix: fix) }
            if lag > 60 || failing { return .warn(name, String(detail), fix: fix) }
            return .pass(name, String(detail))
        }
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

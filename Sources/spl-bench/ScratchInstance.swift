import Foundation
import Glibc

/// One Syncropel instance of the benchmark: a scratch home and scratch `HOME` under the
/// benchmark's folder, its daemon on a fixed port, and what the benchmark reads from it
/// (pid, log lines, store file). Nothing here touches the real home or backup root. With a
/// `storeURL` the daemon keeps its log in that PostgreSQL database instead of `hub.db`.
final class ScratchInstance: @unchecked Sendable {
    let name: String
    let folder: String
    let port: Int
    let spl: SPLBinary
    /// `spl serve --store`: a `postgresql://` URL (password from PGPASSWORD), nil for `hub.db`.
    let storeURL: String?
    /// Where child output files go (the benchmark's scratch root).
    let scratch: String
    /// The running daemon's pid (from `/health`), nil while stopped.
    private(set) var daemonPID: Int32?

    var home: String { folder + "/home" }
    var userHome: String { folder + "/user" }
    var storeFile: String { home + "/hub.db" }
    var socketPath: String { home + "/run/spl.sock" }
    var logFile: String { home + "/logs/spl.log" }
    var environment: [String: String] { ScratchEnvironment.make(userHome: userHome, home: home) }

    init(name: String, root: String, port: Int, spl: SPLBinary, storeURL: String? = nil) throws {
        self.name = name
        folder = root + "/" + name
        self.port = port
        self.spl = spl
        self.storeURL = storeURL
        scratch = root
        do {
            try FileManager.default.createDirectory(atPath: folder + "/user", withIntermediateDirectories: true)
        } catch {
            throw BenchError.fileFailed(path: folder, detail: error.localizedDescription)
        }
    }

    /// An `spl` command in this instance's environment.
    func command(_ arguments: [String]) -> ChildProcess {
        ChildProcess(executable: spl.path, arguments: arguments, environment: environment)
    }

    /// Runs an `spl` command and requires exit 0.
    @discardableResult
    func run(_ arguments: [String], timeout: Double = 120) throws -> ChildResult {
        try command(arguments).runChecked(scratch: scratch, timeout: timeout)
    }

    /// `spl serve --daemon --port P [--store URL]`, which returns once `/health` is ready; the
    /// result's wall time is the cold start. 30 s without progress is the daemon's own limit.
    @discardableResult
    func start() throws -> ChildResult {
        let store = storeURL.map { ["--store", $0] } ?? []
        let result = try run(["serve", "--daemon", "--port", String(port)] + store, timeout: 600)
        daemonPID = try healthPID()
        return result
    }

    /// Gives this (new) home the identity of `other`, whose daemon has started once: its
    /// `keys/` and `config.toml`, as a second daemon of one instance on one database needs.
    func adoptIdentity(of other: ScratchInstance) throws {
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            for item in ["keys", "config.toml"] {
                try FileManager.default.copyItem(atPath: other.home + "/" + item, toPath: home + "/" + item)
            }
        } catch {
            throw BenchError.fileFailed(path: home, detail: "cannot copy the identity of \(other.home): \(error.localizedDescription)")
        }
    }

    /// SIGKILL of the running daemon, as a crash: no clean stop, nothing flushed.
    func killDaemon() throws {
        kill(try requirePID(), SIGKILL)
        daemonPID = nil
    }

    /// `/health` `role`: `active` or `standby` on a PostgreSQL store.
    func role() throws -> String? {
        try health()["role"] as? String
    }

    /// `spl stop`: a clean stop that checkpoints the WAL away.
    func stop() throws {
        try run(["stop"], timeout: 60)
        daemonPID = nil
    }

    /// The running daemon's pid, required by measures that read its memory.
    func requirePID() throws -> Int32 {
        guard let daemonPID else {
            throw BenchError.unexpectedOutput(command: "instance \(name)", detail: "no daemon running")
        }
        return daemonPID
    }

    func tcp() throws -> HTTPLoadClient { try HTTPLoadClient(port: port) }

    func unixSocket() throws -> HTTPLoadClient { try HTTPLoadClient(unixSocket: socketPath) }

    /// `GET /health` → `pid`.
    private func healthPID() throws -> Int32 {
        guard let pid = (try health()["pid"] as? NSNumber)?.int32Value else {
            throw BenchError.badAnswer(request: "GET /health on \(port)", detail: "no pid")
        }
        return pid
    }

    /// `GET /health` as a JSON object.
    private func health() throws -> [String: Any] {
        let answer = try tcp().exchange(HTTPLoadClient.request("GET", "/health"))
        guard answer.status == 200 else {
            throw BenchError.requestRefused(request: "GET /health on \(port)", status: answer.status, body: answer.bodyText)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any] else {
            throw BenchError.badAnswer(request: "GET /health on \(port)", detail: "not a JSON object: \(BenchError.excerpt(answer.bodyText))")
        }
        return object
    }

    /// The log file's size now: lines written after a later call start past it.
    func logOffset() -> Int {
        (try? FileManager.default.attributesOfItem(atPath: logFile)[.size] as? Int) ?? 0
    }

    /// `(ts, message)` of the JSON log lines written since `offset` (from the start if the
    /// log was rotated meanwhile).
    func logLines(since offset: Int) -> [(timestamp: String, message: String)] {
        guard let data = FileManager.default.contents(atPath: logFile) else { return [] }
        let tail = data.count >= offset ? data.suffix(from: offset) : data
        return tail.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let message = object["message"] as? String
            else { return nil }
            return (object["ts"] as? String ?? "", message)
        }
    }

    /// For clean-up, even after a failure or Ctrl-C: `spl stop` (bounded), then SIGKILL the
    /// daemon if it still runs and is this home's `spl serve`. Never throws.
    func tearDown() {
        let owner = daemonPID ?? pidFromFile()
        _ = try? command(["stop"]).run(scratch: scratch, timeout: 40)
        if let owner, isServeOfThisHome(owner) {
            kill(owner, SIGKILL)
        }
        daemonPID = nil
    }

    private func pidFromFile() -> Int32? {
        guard let text = try? String(contentsOfFile: home + "/run/spl.pid", encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// True when `pid` is a live `spl serve` whose environment names this home, so a stale
    /// pid never makes the clean-up kill a stranger.
    private func isServeOfThisHome(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0,
            let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
        else { return false }
        let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("serve") && variables.contains("SYNCROPEL_HOME=\(home)")
    }
}

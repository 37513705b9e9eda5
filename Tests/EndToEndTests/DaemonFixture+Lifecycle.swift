import Foundation
import Testing

/// What a successful `spl serve --daemon` reported.
struct StartedDaemon {
    let pid: Int32
    /// `written` or `unchanged`, from the banner's `Backup:` line.
    let backupStatus: String
    let banner: String
}

/// Bounded lifecycle commands and the paths the daemon tests inspect.
extension DaemonFixture {
    var home: String { spl.home.path }
    var store: String { home + "/hub.db" }
    /// The default backup root of SPEC 1 under the scratch `HOME` (the drill's path).
    var backupRoot: String { spl.userHome.path + "/.local/share/syncropel/backups" }

    /// Any `spl` command, killed after `seconds`.
    func cli(_ arguments: [String], seconds: Double = 30, environment: [String: String] = [:]) async throws -> SPLProcess.Result {
        try await spl.run(arguments, timeout: seconds, extraEnvironment: environment)
    }

    /// `spl serve --daemon --port <port>` (the fixture's port unless given); 30 s without
    /// progress is the daemon's own limit, so 60 s means it hung.
    func serve(port: Int? = nil, environment: [String: String] = [:]) async throws -> SPLProcess.Result {
        try await cli(["serve", "--daemon", "--port", String(port ?? self.port)], seconds: 60, environment: environment)
    }

    /// `spl stop`, which waits up to 15 s before SIGKILL, bounded at 40 s.
    func stopDaemon() async throws -> SPLProcess.Result {
        try await cli(["stop"], seconds: 40)
    }

    /// Starts the daemon, requires exit 0, and checks the banner of SPEC 5.1 line by line.
    func serveReady(environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> StartedDaemon {
        let result = try await serve(environment: environment)
        try #require(result.status == 0, "spl serve --daemon exited \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let bannerIssue = "banner:\n\(result.stdout)"
        #expect(lines.first == "Starting Syncropel instance...", "\(bannerIssue)", sourceLocation: sourceLocation)
        let storeLine = lines.first { $0.hasPrefix("Store:") } ?? ""
        let storePrefix = "Store:    sqlite://\(store) ("
        #expect(
            storeLine.hasPrefix(storePrefix)
                && storeLine.dropFirst(storePrefix.count).wholeMatch(of: #/\d+ records?, \d+ threads?\)/#) != nil,
            "\(bannerIssue)", sourceLocation: sourceLocation)
        let backupLine = lines.first { $0.hasPrefix("Backup:") } ?? ""
        let backupPrefix = "Backup:   \(backupRoot)/instance-"
        let backupMatch = backupLine.hasPrefix(backupPrefix)
            ? backupLine.dropFirst(backupPrefix.count).wholeMatch(of: #/[0-9a-f]{24}/hub\.db\.bak \((written|unchanged)\)/#)
            : nil
        #expect(backupMatch != nil, "\(bannerIssue)", sourceLocation: sourceLocation)
        #expect(lines.contains("Bind:     127.0.0.1:\(port)"), "\(bannerIssue)", sourceLocation: sourceLocation)
        #expect(lines.contains("Socket:   \(home)/run/spl.sock"), "\(bannerIssue)", sourceLocation: sourceLocation)
        #expect(result.stdout.hasSuffix("\n\nInstance started. Run 'spl status' to verify health.\n"), "\(bannerIssue)", sourceLocation: sourceLocation)
        let pidFile = try #require(pid, "no run/spl.pid after a successful start", sourceLocation: sourceLocation)
        #expect(lines.contains("PID:      \(pidFile)"), "run/spl.pid says \(pidFile); \(bannerIssue)", sourceLocation: sourceLocation)
        return StartedDaemon(pid: pidFile, backupStatus: backupMatch.map { String($0.output.1) } ?? "", banner: result.stdout)
    }

    /// `spl status` says `Status:  ok` and exits 0.
    func expectStatusOK(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let status = try await cli(["status"])
        #expect(status.status == 0, "spl status exited \(status.status): \(status.stdout)\(status.stderr)", sourceLocation: sourceLocation)
        #expect(status.stdout.contains("\nStatus:  ok\n"), "\(status.stdout)", sourceLocation: sourceLocation)
    }

    /// After a clean stop: the WAL was checkpointed away and run/ holds only the lock.
    func expectCleanStop(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"), "hub.db-wal left after a clean stop", sourceLocation: sourceLocation)
        #expect(runFiles == ["spl.lock"], "run/ after a clean stop", sourceLocation: sourceLocation)
        #expect(DaemonProcess.isLockFree(home: home), "home lock still held after a clean stop", sourceLocation: sourceLocation)
    }

    /// The names in run/, sorted.
    var runFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: home + "/run")) ?? []).sorted()
    }

    /// `<backup root>/instance-<tail>/hub.db.bak` of this home's identity.
    func backupFile() async throws -> String {
        let identity = try await cli(["identity", "show", "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(identity.stdout.utf8)) as? [String: Any]
        let instance = try #require(object?["instance_did"] as? String, "spl identity show -o json: \(identity.stdout)\(identity.stderr)")
        let tail = try #require(instance.split(separator: ":").last)
        return backupRoot + "/instance-\(tail)/hub.db.bak"
    }

    /// The JSON lines of logs/spl.log (lines that are not JSON objects are kept as `{"unparsed": line}`).
    var logLines: [[String: Any]] {
        guard let text = try? String(contentsOfFile: home + "/logs/spl.log", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsed": String(line)]
        }
    }

    /// SIGKILLs the daemon and waits until it is gone and the home lock is free.
    func killHard(_ pid: Int32, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        kill(pid, SIGKILL)
        let exited = try await DaemonProcess.waitForExit(pid, seconds: 10)
        try #require(exited, "pid \(pid) still alive 10 s after SIGKILL", sourceLocation: sourceLocation)
        #expect(DaemonProcess.isLockFree(home: home), "home lock held after the owner was killed", sourceLocation: sourceLocation)
    }
}

extension DaemonFixture {
    /// For a `defer`: `spl stop` (bounded), then SIGKILL whatever daemon of this home still
    /// runs, then remove the scratch folders. Never throws and never waits: a `defer` cannot
    /// await, so the stop runs on a clean-up thread rather than blocking a cooperative one.
    func tearDown() {
        let owner = pid
        let environment = spl.environment
        ScratchCleanup.run { [self] in
            _ = try? SPLProcess.runBounded(["stop"], environment: environment, seconds: 40)
            if let owner, isServeOfThisHome(owner) {
                kill(owner, SIGKILL)
            }
            spl.remove()
        }
    }

    /// True when `pid` is a live `spl serve` whose environment names this home, so a stale
    /// pid file never makes the clean-up kill a stranger.
    private func isServeOfThisHome(_ pid: Int32) -> Bool {
        guard !DaemonProcess.hasExited(pid),
            let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
        else { return false }
        let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("serve") && variables.contains("SYNCROPEL_HOME=\(home)")
    }
}

/// Clean-ups handed off by `defer` blocks, each on a thread of its own. The test process
/// waits for all of them before it exits, so no daemon or scratch folder outlives the run.
enum ScratchCleanup {
    private static let pending = DispatchGroup()
    private static let waitAtExit: Void = { atexit { ScratchCleanup.pending.wait() } }()

    static func run(_ work: @escaping @Sendable () -> Void) {
        _ = waitAtExit
        pending.enter()
        Thread {
            work()
            pending.leave()
        }.start()
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// `spl drill`: the seed drill run by the binary itself, in scratch folders of its own.
@Suite(.serialized) struct DrillCommandTests {
    static let phases = ["setup", "baseline", "backup", "corrupt", "refused start", "restore", "verify", "trust and rules", "clean-up"]

    /// A caller with a home, a HOME and a backup root of its own, each holding a sentinel
    /// file, so the test can show the drill never touched them.
    struct Caller {
        let spl: SPLProcess
        var backupRoot: String { spl.scratch.path + "/caller-backups" }

        init() throws {
            spl = try SPLProcess()
            for folder in [spl.home.path, spl.userHome.path + "/.local/share/syncropel/backups", backupRoot] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try "sentinel\n".write(toFile: folder + "/sentinel", atomically: true, encoding: .utf8)
            }
        }

        /// `spl drill …` with the caller's SPL_BACKUP_ROOT set, bounded at 5 minutes.
        func drill(_ arguments: [String] = [], extraEnvironment: [String: String] = [:]) async throws -> SPLProcess.Result {
            try await spl.run(
                ["drill"] + arguments, timeout: 300,
                extraEnvironment: ["SPL_BACKUP_ROOT": backupRoot].merging(extraEnvironment) { $1 })
        }
    }

    /// The scratch root the drill announced on its first line (`Drill: scratch home <root>/home, port P, baseline records: N`).
    func scratchRoot(_ stdout: String) throws -> String {
        let first = try #require(stdout.split(separator: "\n").first.map(String.init))
        let match = try #require(first.wholeMatch(of: #/Drill: scratch home (.+)/home, port \d+, baseline records: \d+/#), "\(first)")
        return String(match.output.1)
    }

    /// The table rows as (phase, result), keyed in order.
    func rows(_ stdout: String) -> [(phase: String, result: String)] {
        stdout.split(separator: "\n").compactMap { line in
            guard let match = line.wholeMatch(of: #/(.+?)\s{2,}(ok|FAILED|skipped)\s{2,}(\d+\.\d{3}|-)/#) else { return nil }
            return (String(match.output.1), String(match.output.2))
        }
    }

    @Test func theDrillPassesAndLeavesTheCallersFoldersUntouched() async throws {
        let caller = try Caller()
        defer { caller.spl.remove() }
        let before = try await FileFingerprint.tree(caller.spl.scratch.path)
        let result = try await caller.drill()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr == "")
        let rows = rows(result.stdout)
        #expect(rows.map(\.phase) == Self.phases + ["total"], "\(result.stdout)")
        #expect(rows.allSatisfy { $0.result == "ok" }, "\(result.stdout)")
        #expect(result.stdout.contains("\nPHASE "), "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").last?.wholeMatch(of: #/time-to-recover: \d+\.\d{3} s/#) != nil, "\(result.stdout)")
        #expect(try await FileFingerprint.tree(caller.spl.scratch.path) == before)
        let root = try scratchRoot(result.stdout)
        #expect(!FileManager.default.fileExists(atPath: root), "the drill left \(root) behind")
    }

    @Test func theDrillReportsInJSON() async throws {
        let caller = try Caller()
        defer { caller.spl.remove() }
        let result = try await caller.drill(["-o", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(report["object"] as? String == "drill" && report["ok"] as? Bool == true && report["failed_phase"] is NSNull)
        let phases = try #require(report["phases"] as? [[String: Any]])
        #expect(phases.compactMap { $0["phase"] as? String } == Self.phases)
        #expect(phases.allSatisfy { $0["result"] as? String == "ok" && $0["seconds"] is Double })
        #expect(report["time_to_recover_seconds"] is Double && report["kept"] as? Bool == false)
        let root = try #require(report["scratch"] as? String)
        #expect(!FileManager.default.fileExists(atPath: root), "the drill left \(root) behind")
    }

    @Test func keepLeavesTheScratchFoldersAndNoDaemon() async throws {
        let caller = try Caller()
        defer { caller.spl.remove() }
        let result = try await caller.drill(["--keep", "--records", "2"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let root = try scratchRoot(result.stdout)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(result.stdout.hasPrefix("Drill: scratch home \(root)/home, port "))
        #expect(result.stdout.contains(", baseline records: 2\n"))
        #expect(result.stdout.hasSuffix("\nKept: \(root) (home \(root)/home, HOME \(root)/user, command output \(root)/commands)\n"))
        for kept in ["home/hub.db", "offsite/hub.db.drill.bak", "user/.local/share/syncropel/backups", "commands"] {
            #expect(FileManager.default.fileExists(atPath: root + "/" + kept), "\(kept) was not kept")
        }
        var environment = caller.spl.environment
        environment["SYNCROPEL_HOME"] = root + "/home"
        let status = try SPLProcess.runBounded(["status"], environment: environment, seconds: 30)
        #expect(status.status == 3, "a daemon still runs for the kept home: \(status.stdout)")
    }

    @Test func aFailingPhaseIsNamedTheRestSkippedAndTheScratchRemoved() async throws {
        let caller = try Caller()
        defer { caller.spl.remove() }
        // A temporary folder this deep makes run/spl.sock longer than a unix socket path may be.
        let deep = caller.spl.scratch.path + "/" + String(repeating: "d", count: 100)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let result = try await caller.drill(extraEnvironment: ["TMPDIR": deep])
        #expect(result.status == 1)
        let rows = rows(result.stdout)
        #expect(rows.map(\.result) == ["FAILED"] + Array(repeating: "skipped", count: 7) + ["ok", "FAILED"], "\(result.stdout)")
        #expect(!result.stdout.contains("time-to-recover"))
        #expect(result.stderr.hasPrefix("Error: drill phase 'setup' failed: spl serve --daemon --port "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("; run 'spl drill --keep' to inspect the scratch folders\n"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: deep).isEmpty, "the failed drill left its scratch folder")
    }

    @Test func sigtermStopsTheScratchDaemonAndRemovesTheScratchFolders() async throws {
        let caller = try Caller()
        defer { caller.spl.remove() }
        let temporary = caller.spl.scratch.path + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let drill = Process()
        drill.executableURL = SPLProcess.binary
        drill.arguments = ["drill", "--records", "50"]
        drill.environment = caller.spl.environment.merging(["TMPDIR": temporary, "SPL_BACKUP_ROOT": caller.backupRoot]) { $1 }
        drill.standardInput = FileHandle.nullDevice
        drill.standardOutput = FileHandle.nullDevice
        drill.standardError = FileHandle.nullDevice
        try drill.run()
        defer { if drill.isRunning { kill(drill.processIdentifier, SIGKILL) } }

        // Wait for the scratch daemon to be up, then interrupt the drill.
        var daemon: Int32?
        let deadline = Date().addingTimeInterval(60)
        while daemon == nil, Date() < deadline, drill.isRunning {
            let roots = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
            daemon = roots.lazy.compactMap { root in
                (try? String(contentsOfFile: temporary + "/" + root + "/home/run/spl.pid", encoding: .utf8))
                    .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }.first
            if daemon == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let pid = try #require(daemon, "the drill's daemon never wrote its pid file")
        drill.terminate()
        #expect(try await DaemonProcess.waitForExit(drill.processIdentifier, seconds: 60), "the drill did not exit after SIGTERM")
        #expect(await drill.exitStatus() == 130)
        #expect(try await DaemonProcess.waitForExit(pid, seconds: 30), "the scratch daemon (pid \(pid)) outlived the drill")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "the interrupted drill left its scratch folder")
    }

    @Test func theRecordCountIsBounded() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["drill", "--records", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("Error: --records must be between 1 and 100000\n"))
    }
}

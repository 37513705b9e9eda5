import Foundation
import SyncropelKit

/// The phases of the seed drill, in its order. Each runs the operator's commands and
/// throws a `DrillFailure` saying what it saw when a check does not hold.
extension Drill {
    /// Setup: start the test daemon; `spl status` says ok; the home has its layout.
    func setUp() async throws {
        try await serve()
        let status = try await succeed(["status"])
        guard status.stdout.contains("\nStatus:  ok\n") else {
            throw DrillFailure("spl status did not report 'Status:  ok': \(status.firstMessage)")
        }
        let missing = ["hub.db", "keys", "run", "logs"].filter { !FileManager.default.fileExists(atPath: scratch.home + "/" + $0) }
        guard missing.isEmpty else {
            throw DrillFailure("the new home \(scratch.home) has no \(missing.joined(separator: ", "))")
        }
    }

    /// Phase 1: the baseline facts, their count and newest id, and the derived state to compare later.
    func writeBaseline() async throws {
        for number in 1...baselineRecords {
            try await succeed(["know", "drill-baseline-fact-\(number)", "--thread", Self.thread])
        }
        let tail = try await threadTail()
        guard tail.count == baselineRecords else {
            throw DrillFailure("\(Self.thread) holds \(tail.count) records after writing \(baselineRecords)")
        }
        baseline = tail
        baselineDerived = try await derivedState()
    }

    /// Phase 2: a restart writes the startup backup; exactly one `backups/*/hub.db.bak` is
    /// copied off-host (the seed's glob).
    func forceBackup() async throws {
        try await succeed(["serve", "--stop"])
        let restart = try await serve()
        let backupLine = restart.stdout.split(separator: "\n").first { $0.hasPrefix("Backup:") }.map(String.init) ?? "no Backup: line"
        guard backupLine.hasSuffix("hub.db.bak (written)") else {
            throw DrillFailure("the restart did not write a startup backup: \(backupLine)")
        }
        let backups = startupBackups()
        guard backups.count == 1, let backup = backups.first else {
            throw DrillFailure("expected one \(scratch.backupRoot)/*/hub.db.bak, found \(backups.count)")
        }
        guard (try FileManager.default.attributesOfItem(atPath: backup)[.size] as? Int ?? 0) > 0 else {
            throw DrillFailure("the startup backup \(backup) is empty")
        }
        try FileManager.default.copyItem(atPath: backup, toPath: offsiteCopy)
    }

    /// Setup with a replica: `spl init`, a file replica in the off-host folder that ships
    /// every 100 ms, then the usual start.
    func setUpWithReplica() async throws {
        try await succeed(["init"])
        try await succeed(["backup", "replica", "add", Self.replicaName, "file://" + replicaFolder, "--sync-interval", "100ms"])
        try await setUp()
    }

    /// Phase 2 with a replica: no restart; `spl status` shows the replica caught up (lag 0)
    /// with the baseline. Polled, since shipping runs on its own schedule; a minute at most.
    func waitForReplica() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var line = "no Replica: line"
        while ContinuousClock.now < deadline {
            let status = try await succeed(["status"])
            line = status.stdout.split(separator: "\n").first { $0.hasPrefix("Replica: \(Self.replicaName) ") }.map(String.init) ?? line
            if line.contains(" working, "), line.contains(", lag 0 records") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DrillFailure("the replica did not catch up within 60 s: \(line)")
    }

    /// Phase 3: stop, move the good store aside, put 4096 zero bytes in its place.
    func corruptStore() async throws {
        try await succeed(["serve", "--stop"])
        try FileManager.default.moveItem(atPath: scratch.store, toPath: scratch.store + ".was-good.\(Self.epoch())")
        guard FileManager.default.createFile(atPath: scratch.store, contents: Data(count: 4096)) else {
            throw DrillFailure("could not write the zero-filled \(scratch.store)")
        }
    }

    /// Phase 3, checked: the start is refused with exit 2 and an ERROR line naming the store,
    /// and no file under the backup root changes. The recovery clock starts here.
    func expectRefusedStart() async throws {
        let backupsBefore = FileTreeStamp(scratch.backupRoot)
        let start = try await commands.run(serveArguments)
        recoveryStarted = .now
        guard start.status == 2 else {
            throw DrillFailure(start.status == 0
                ? "spl serve --daemon started on a zero-filled store"
                : "spl serve --daemon exited \(start.status) on a zero-filled store, not 2 (store damaged): \(start.firstMessage)")
        }
        guard logHasError(naming: scratch.store) else {
            throw DrillFailure("\(scratch.home)/logs/spl.log has no ERROR line naming \(scratch.store)")
        }
        let changed = FileTreeStamp(scratch.backupRoot).changedPaths(since: backupsBefore)
        guard changed.isEmpty else {
            throw DrillFailure("the refused start changed the backups: \(changed.joined(separator: ", "))")
        }
    }

    /// Phase 4: move the damaged store aside, copy the off-host backup in, start, status ok.
    func restoreOffsiteCopy() async throws {
        try FileManager.default.moveItem(atPath: scratch.store, toPath: scratch.store + ".corrupt.\(Self.epoch())")
        for sideFile in [scratch.store + "-wal", scratch.store + "-shm"] where FileManager.default.fileExists(atPath: sideFile) {
            try FileManager.default.removeItem(atPath: sideFile)
        }
        try FileManager.default.copyItem(atPath: offsiteCopy, toPath: scratch.store)
        try await serve()
        let status = try await succeed(["status"])
        guard status.stdout.contains("\nStatus:  ok\n") else {
            throw DrillFailure("spl status did not report 'Status:  ok' after the restore: \(status.firstMessage)")
        }
    }

    /// Phase 4 with a replica: `spl backup restore --from-replica` (it keeps the damaged store
    /// aside itself), start, status ok.
    func restoreFromReplica() async throws {
        try await succeed(["backup", "restore", "--from-replica", Self.replicaName, "--yes"])
        try await serve()
        let status = try await succeed(["status"])
        guard status.stdout.contains("\nStatus:  ok\n") else {
            throw DrillFailure("spl status did not report 'Status:  ok' after the restore: \(status.firstMessage)")
        }
    }

    /// Phase 5: the restored thread has exactly the baseline's records. The recovery clock stops here.
    func verifyRecords() async throws {
        let restored = try await threadTail()
        guard let baseline, restored == baseline else {
            throw DrillFailure("state mismatch: baseline \(baseline?.description ?? "missing"), restored \(restored)")
        }
        timeToRecover = recoveryStarted.map { .now - $0 }
    }

    /// Phase 5, derived state: trust and routing rules, rebuilt from the log, match the baseline.
    func verifyDerivedState() async throws {
        let restored = try await derivedState()
        for (command, before) in baselineDerived.sorted(by: { $0.key < $1.key }) where restored[command] != before {
            throw DrillFailure("spl \(command) differs after the restore: before \(before), after \(restored[command] ?? "")")
        }
    }

    /// Phase 6: stop the daemon (killing it if the stop failed) and remove the scratch folders.
    func cleanUp(keepScratch: Bool) async throws {
        var problems: [String] = []
        let stop = try await commands.run(["serve", "--stop"])
        if stop.status != 0 { problems.append("spl serve --stop exited \(stop.status): \(stop.firstMessage)") }
        let status = try await commands.run(["status"])
        if status.status != 3 {
            problems.append("a daemon still ran for \(scratch.home) after spl serve --stop (spl status exited \(status.status))")
            killScratchDaemon()
        }
        if !keepScratch { try scratch.remove() }
        guard problems.isEmpty else { throw DrillFailure(problems.joined(separator: "; ")) }
    }

    // MARK: - Helpers

    private var serveArguments: [String] { ["serve", "--daemon", "--port", String(port)] }

    private static let replicaName = "drill"
    private var replicaFolder: String { scratch.offsite + "/replica" }

    /// `spl serve --daemon --port <port>`, which returns once the daemon is ready.
    @discardableResult
    private func serve() async throws -> DrillCommandResult {
        try await succeed(serveArguments)
    }

    /// Runs a command and requires exit 0.
    @discardableResult
    private func succeed(_ arguments: [String]) async throws -> DrillCommandResult {
        let result = try await commands.run(arguments)
        guard result.status == 0 else {
            throw DrillFailure("\(result.commandLine) exited \(result.status): \(result.firstMessage)")
        }
        return result
    }

    /// `spl thread records th_drill -o json`: its length and the last id, as the seed's jq reads them.
    private func threadTail() async throws -> ThreadTail {
        let result = try await succeed(["thread", "records", Self.thread, "-o", "json"])
        guard let records = (try? JSONParser.parse(Array(result.stdout.utf8)))?.arrayValue else {
            throw DrillFailure("\(result.commandLine) did not print a JSON array")
        }
        return ThreadTail(count: records.count, lastID: records.last?.value(atPath: "id")?.stringValue ?? "none")
    }

    /// The JSON output of `spl trust` and `spl config list-rules`, by command.
    private func derivedState() async throws -> [String: String] {
        var outputs: [String: String] = [:]
        for command in [["trust"], ["config", "list-rules"]] {
            outputs[command.joined(separator: " ")] = try await succeed(command + ["-o", "json"]).stdout
        }
        return outputs
    }

    /// `<backup root>/*/hub.db.bak`, the seed's glob.
    private func startupBackups() -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.backupRoot)) ?? []
        return folders.sorted().map { scratch.backupRoot + "/" + $0 + "/hub.db.bak" }.filter {
            FileManager.default.fileExists(atPath: $0)
        }
    }

    /// True when logs/spl.log has an ERROR line whose text or fields name `path`.
    private func logHasError(naming path: String) -> Bool {
        guard let log = FileManager.default.contents(atPath: scratch.home + "/logs/spl.log") else { return false }
        return log.split(separator: UInt8(ascii: "\n")).contains { line in
            guard let entry = try? JSONParser.parse(line), entry.value(atPath: "level") == "ERROR" else { return false }
            return String(decoding: line, as: UTF8.self).contains(path)
        }
    }

    /// SIGKILLs the daemon named by the scratch home's pid file: only a daemon of this
    /// scratch home can have written it.
    private func killScratchDaemon() {
        guard let text = try? String(contentsOfFile: scratch.home + "/run/spl.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return }
        kill(pid, SIGKILL)
    }

    private static func epoch() -> Int {
        Int(Date().timeIntervalSince1970)
    }
}

import Foundation
import Testing

/// `spl serve --daemon`, `spl stop` and `spl status` against real daemons, each in a scratch
/// home with a scratch `HOME` (so its backups too) on a free port (SPEC 5, 8.1).
@Suite(.timeLimit(.minutes(2))) struct DaemonLifecycleTests {
    @Test func aSecondDaemonOnTheSameHomeIsRefused() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let first = try await daemon.serveReady()

        let second = try await daemon.serve(port: try DaemonFixture.freePort())
        #expect(second.status == 3, "\(second.stderr)")
        #expect(
            firstLine(second.stderr)
                == "Error: failed to start spl serve: another spl serve (pid \(first.pid)) owns \(daemon.home)",
            "\(second.stderr)")

        #expect(daemon.pid == first.pid)
        let http = DaemonHTTP(port: daemon.port)
        let health = try await http.send("GET", "/health")
        #expect(health.status == 200)
        let object = try JSONSerialization.jsonObject(with: health.body) as? [String: Any]
        #expect(object?["pid"] as? Int == Int(first.pid), "\(String(decoding: health.body, as: UTF8.self))")
        try await daemon.expectStatusOK()
        let know = try await daemon.cli(["know", "still answering", "--thread", "th_owner"])
        #expect(know.status == 0, "\(know.stderr)")
    }

    @Test func aTakenPortIsRefusedBeforeAnyBackupIsRotated() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        // A first start and stop on the fixture's port leave a backup, and a record makes
        // the store differ from it, so a start that rotated backups would show.
        _ = try await daemon.serveReady()
        #expect(try await daemon.cli(["know", "changes the store", "--thread", "th_port"]).status == 0)
        #expect(try await daemon.stopDaemon().status == 0)
        let backups = try await FileFingerprint.tree(daemon.backupRoot)
        try #require(!backups.isEmpty, "no backup under \(daemon.backupRoot) after a first start")
        let store = try await FileFingerprint.of(daemon.store)

        let taken = try ListeningSocket()
        let refused = try await daemon.serve(port: taken.port)
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(
            firstLine(refused.stderr) == "Error: failed to start spl serve: address already in use: 127.0.0.1:\(taken.port)",
            "\(refused.stderr)")
        #expect(try await FileFingerprint.tree(daemon.backupRoot) == backups)
        #expect(try await FileFingerprint.of(daemon.store) == store)
        #expect(DaemonProcess.isLockFree(home: daemon.home))
        withExtendedLifetime(taken) {}
    }

    @Test func aFailedStartReportsItsOwnLogLinesNotThoseOfAnEarlierStart() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let firstTaken = try ListeningSocket()
        let secondTaken = try ListeningSocket()
        let first = try await daemon.serve(port: firstTaken.port)
        #expect(first.status == 4, "\(first.stderr)")
        #expect(first.stderr.contains("127.0.0.1:\(firstTaken.port)"), "\(first.stderr)")

        let second = try await daemon.serve(port: secondTaken.port)
        #expect(second.status == 4, "\(second.stderr)")
        #expect(
            firstLine(second.stderr) == "Error: failed to start spl serve: address already in use: 127.0.0.1:\(secondTaken.port)",
            "\(second.stderr)")
        #expect(!second.stderr.contains(":\(firstTaken.port)"), "the first start's log lines: \(second.stderr)")
        withExtendedLifetime((firstTaken, secondTaken)) {}
    }

    @Test func startAndRestartPrintTheHealthObjectWithOutputJSON() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.cli(["start", "--port", String(daemon.port), "-o", "json"], seconds: 60)
        #expect(started.status == 0, "\(started.stderr)")
        let health = try #require(try JSONSerialization.jsonObject(with: Data(started.stdout.utf8)) as? [String: Any], "\(started.stdout)")
        #expect(health["status"] as? String == "ok" && health["bind"] as? String == "127.0.0.1:\(daemon.port)")
        #expect(started.stdout.filter { $0 == "\n" }.count == 1, "one object: \(started.stdout)")
        let restarted = try await daemon.cli(["restart", "-o", "json"], seconds: 60)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let after = try #require(try JSONSerialization.jsonObject(with: Data(restarted.stdout.utf8)) as? [String: Any], "\(restarted.stdout)")
        #expect(after["pid"] as? Int != health["pid"] as? Int && after["bind"] as? String == "127.0.0.1:\(daemon.port)")
        let foreground = try await daemon.cli(["serve", "-o", "json"])
        #expect(foreground.status == 64)
        #expect(firstLine(foreground.stderr) == "Error: -o json applies to --daemon, --stop, --restart and --status; the log lines (logs/spl.log) are JSON already")
    }

    @Test func statusWithoutADaemonIsNotRunning() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let neverStarted = try await daemon.cli(["status"])
        #expect(neverStarted.status == 3, "\(neverStarted.stdout)\(neverStarted.stderr)")
        #expect(neverStarted.stdout.contains("Status:  not running\n"), "\(neverStarted.stdout)")

        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let stopped = try await daemon.cli(["status"])
        #expect(stopped.status == 3, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stdout.contains("Status:  not running\n"), "\(stopped.stdout)")
    }

    @Test func aRestartAfterSIGKILLKeepsTheRecords() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let first = try await daemon.serveReady()
        for fact in 1...3 {
            let know = try await daemon.cli(["know", "fact \(fact)", "--thread", "th_killed"])
            #expect(know.status == 0, "\(know.stderr)")
        }
        let before = try await threadRecordIDs(daemon, "th_killed")
        #expect(before.count == 3)

        try await daemon.killHard(first.pid)
        #expect(daemon.runFiles.contains("spl.pid"), "a killed daemon leaves its pid file: \(daemon.runFiles)")
        let status = try await daemon.cli(["status"])
        #expect(status.status == 3, "a stale pid file is not a running daemon: \(status.stdout)\(status.stderr)")

        let second = try await daemon.serveReady()
        #expect(second.pid != first.pid)
        #expect(try await threadRecordIDs(daemon, "th_killed") == before)
        try await daemon.expectStatusOK()
    }

    @Test func stopWaitsForTheExitAndASecondStopSaysNotRunning() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.serveReady()

        let stop = try await daemon.stopDaemon()
        #expect(stop.status == 0, "\(stop.stdout)\(stop.stderr)")
        daemon.expectCleanStop()
        // The lock is free the moment the last thread closed its files; the kernel may
        // take a moment longer to take the threads off the process.
        let exited = try await DaemonProcess.waitForExit(started.pid, seconds: 2)
        #expect(exited, "spl stop returned while pid \(started.pid) still runs")

        let again = try await daemon.stopDaemon()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "not running\n")

        let json = try await daemon.cli(["stop", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == #"{"object":"stop","outcome":"not_running","pid":null}"# + "\n")
        let restarted = try await daemon.serveReady()
        let stoppedJSON = try await daemon.cli(["stop", "-o", "json"])
        #expect(stoppedJSON.stdout == #"{"object":"stop","outcome":"stopped","pid":\#(restarted.pid)}"# + "\n")
    }

    @Test func aHomeWithKeysButNoStoreIsRefusedWithTheRestoreHint() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let backupFile = try await daemon.backupFile()
        try FileManager.default.removeItem(atPath: daemon.store)
        let backups = try await FileFingerprint.tree(daemon.backupRoot)

        let refused = try await daemon.serve()
        #expect(refused.status == 2, "\(refused.stderr)")
        let reason = firstLine(refused.stderr)
        #expect(reason.hasPrefix("Error: failed to start spl serve: "), "\(refused.stderr)")
        #expect(reason.contains("store \(daemon.store) is missing"), "\(refused.stderr)")
        #expect(refused.stderr.contains("spl backup restore"), "\(refused.stderr)")
        #expect(refused.stderr.contains("spl serve --new-store"), "\(refused.stderr)")
        #expect(refused.stderr.contains(backupFile), "the newest backup is named: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.store), "a refused start created a new hub.db")
        #expect(try await FileFingerprint.tree(daemon.backupRoot) == backups)
    }

    @Test(arguments: StoreDamage.allCases)
    func aDamagedStoreIsRefusedAndNoBackupChanges(_ damage: StoreDamage) async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        try await postBulk(daemon, count: 200)
        #expect(try await daemon.stopDaemon().status == 0)
        // A second start backs up the 200 records; the damage then meets real backups.
        #expect(try await daemon.serveReady().backupStatus == "written")
        #expect(try await daemon.stopDaemon().status == 0)

        try await damage.apply(to: daemon.store)
        let backups = try await FileFingerprint.tree(daemon.backupRoot)
        try #require(backups.count >= 2, "backups before the damaged start: \(backups.keys.sorted())")
        let damagedStore = try await FileFingerprint.of(daemon.store)
        let logLinesBefore = daemon.logLines.count

        let refused = try await daemon.serve()
        #expect(refused.status == 2, "\(damage): \(refused.stderr)")
        let prefix = "Error: failed to start spl serve: store \(daemon.store) is damaged: "
        let reason = firstLine(refused.stderr)
        #expect(reason.hasPrefix(prefix) && reason.count > prefix.count, "\(damage): \(refused.stderr)")
        let errorLines = refused.stderr.split(separator: "\n").dropFirst()
        #expect(
            errorLines.contains { $0.contains("ERROR") && $0.contains(daemon.store) },
            "\(damage): the last ERROR lines of logs/spl.log follow the reason: \(refused.stderr)")
        if damage == .zeroFilled {
            #expect(reason.contains("file is not a database"), "\(refused.stderr)")
        }
        let errors = daemon.logLines.dropFirst(logLinesBefore).filter { $0["level"] as? String == "ERROR" }
        // The file may be named in the message or in a field of its own (`path`).
        let naming = errors.filter { line in line.values.contains { ($0 as? String)?.contains(daemon.store) == true } }
        #expect(!naming.isEmpty, "\(damage): no ERROR line naming \(daemon.store) in logs/spl.log: \(errors)")
        for line in naming {
            #expect(line["ts"] is String && line["target"] is String, "\(line)")
        }
        #expect(try await FileFingerprint.tree(daemon.backupRoot) == backups, "\(damage): a backup changed")
        #expect(try await FileFingerprint.of(daemon.store) == damagedStore, "\(damage): the damaged store was modified")
        #expect(DaemonProcess.isLockFree(home: daemon.home))
        let status = try await daemon.cli(["status"])
        #expect(status.status == 3, "after a refused start: \(status.stdout)\(status.stderr)")
    }

    @Test func trustAndRulesAreRebuiltFromARestoredBackup() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        let http = DaemonHTTP(port: daemon.port)
        // SPEC 9.2 evidence: verdicts by a reviewer about other actors' work.
        let verdicts: [(subject: String, domain: String, verdict: String)] = [
            ("did:sync:agent:coder", "code", "accept"), ("did:sync:agent:coder", "code", "accept"),
            ("did:sync:agent:coder", "code", "accept"), ("did:sync:agent:coder", "code", "reject"),
            ("did:sync:agent:tester", "general", "accept"),
        ]
        for (clock, verdict) in verdicts.enumerated() {
            let answer = try await http.post("""
                {"act":"KNOW","actor":"did:sync:user:reviewer","clock":\(clock + 1),"thread":"th_review",\
                "body":{"verdict":"\(verdict.verdict)","subject":"\(verdict.subject)","domain":"\(verdict.domain)"}}
                """)
            #expect(answer.status == 201, "\(answer.body)")
        }
        for rule in [["--name", "route-code", "--target", "did:sync:agent:coder", "--domain", "code", "--priority", "5"],
                     ["--name", "route-docs", "--target", "did:sync:agent:writer", "--act", "DO"]] {
            let added = try await daemon.cli(["config", "add-rule"] + rule)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let views = [["trust"], ["trust", "-o", "json"], ["config", "list-rules"], ["config", "list-rules", "-o", "json"]]
        var before: [String] = []
        for view in views {
            let result = try await daemon.cli(view)
            #expect(result.status == 0, "spl \(view.joined(separator: " ")): \(result.stderr)")
            before.append(result.stdout)
        }
        #expect(before[0].contains("did:sync:agent:coder") && before[0].contains("did:sync:agent:tester"), "\(before[0])")
        #expect(before[2].contains("route-code") && before[2].contains("route-docs"), "\(before[2])")

        #expect(try await daemon.stopDaemon().status == 0)
        #expect(try await daemon.serveReady().backupStatus == "written")
        #expect(try await daemon.stopDaemon().status == 0)
        // Restore the way the drill does: move the store aside, drop side files, cp the backup in.
        let backup = try await daemon.backupFile()
        try FileManager.default.moveItem(atPath: daemon.store, toPath: daemon.store + ".replaced")
        try? FileManager.default.removeItem(atPath: daemon.store + "-wal")
        try? FileManager.default.removeItem(atPath: daemon.store + "-shm")
        _ = try await ShellTool.run("cp", [backup, daemon.store])
        _ = try await daemon.serveReady()

        for (view, expected) in zip(views, before) {
            let result = try await daemon.cli(view)
            #expect(result.status == 0, "spl \(view.joined(separator: " ")): \(result.stderr)")
            #expect(result.stdout == expected, "spl \(view.joined(separator: " ")) after the restore")
        }
    }

    private func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// The ids of `spl thread records T -o json`, in order.
    private func threadRecordIDs(_ daemon: DaemonFixture, _ thread: String) async throws -> [String] {
        let result = try await daemon.cli(["thread", "records", thread, "-o", "json"])
        try #require(result.status == 0, "spl thread records: \(result.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return records.compactMap { $0["id"] as? String }
    }

    /// One batch of `count` records with some body, so the records table spans many pages.
    private func postBulk(_ daemon: DaemonFixture, count: Int) async throws {
        let padding = String(repeating: "p", count: 300)
        let records = (1...count).map { clock in
            #"{"act":"KNOW","actor":"did:sync:user:bulk","clock":\#(clock),"thread":"th_bulk","body":{"text":"bulk \#(clock) \#(padding)"}}"#
        }
        let http = DaemonHTTP(port: daemon.port)
        let answer = try await http.send("POST", "/v1/records", json: #"{"records":[\#(records.joined(separator: ","))]}"#)
        try #require(answer.status == 201, "batch of \(count): \(String(decoding: answer.body, as: UTF8.self))")
    }
}

/// The three ways a test damages hub.db while no daemon runs.
enum StoreDamage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The drill's corruption: 4096 zero bytes in place of the store.
    case zeroFilled
    /// The file cut to half its size.
    case truncatedToHalf
    /// Garbage written over the root page of the `records` table.
    case garbageOverRecordsRoot

    var testDescription: String { rawValue }

    func apply(to store: String) async throws {
        switch self {
        case .zeroFilled:
            try FileManager.default.removeItem(atPath: store)
            try Data(count: 4096).write(to: URL(fileURLWithPath: store))
        case .truncatedToHalf:
            let size = try await FileFingerprint.of(store).size
            guard truncate(store, off_t(size / 2)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        case .garbageOverRecordsRoot:
            let rootPage = try #require(Int(try await ShellTool.sqlite(store, "select rootpage from sqlite_master where name='records'")))
            let pageSize = try #require(Int(try await ShellTool.sqlite(store, "pragma page_size")))
            // sqlite3 must leave no side files: the next start has to meet exactly this file.
            try? FileManager.default.removeItem(atPath: store + "-wal")
            try? FileManager.default.removeItem(atPath: store + "-shm")
            let handle = try #require(FileHandle(forWritingAtPath: store))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64((rootPage - 1) * pageSize))
            let garbage = Array("garbage!".utf8)
            try handle.write(contentsOf: (0..<pageSize).map { garbage[$0 % garbage.count] })
        }
    }
}

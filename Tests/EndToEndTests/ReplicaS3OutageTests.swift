import Foundation
import SyncropelTestSupport
import Testing

/// Issue 12's outage: the S3 server of a replica hangs (SIGSTOP) for 70 s under steady 4-client
/// ingest. Ingest keeps its pace, the lag shows in `/health`, `spl status` and `spl doctor`, and
/// once the server answers again the replica catches up, verifies, and restores every record
/// exactly once.
@Suite(.serialized, .solo) struct ReplicaS3OutageTests {
    static let outageSeconds = 70.0

    @Test(.timeLimit(.minutes(10))) func ingestKeepsItsRateWhileS3HangsAndTheReplicaCatchesUpAfter() async throws {
        // A server of its own: stopping the shared one would fail the other S3 tests running now.
        let moto = try await MotoServer.start()
        do {
            try await outage(moto)
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }

    private func outage(_ moto: MotoServer) async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let replica = ReplicaTarget.s3(on: moto)
        try await replica.add(to: daemon, name: "outage", syncInterval: "1s")
        _ = try await daemon.serveReady(environment: replica.environment)
        let http = DaemonHTTP(port: daemon.port)

        let log = AckLog()
        // Steady, not flat out: each writer pauses 20 ms between records (at most 200 records/s
        // in all, about what this machine's debug daemon takes), so 105 s of load do not starve
        // the tests running beside this one. A replicator that held ingest up would still show.
        let burst = RecordBurst(port: daemon.port, tag: "outage", seconds: Self.outageSeconds + 35, pauseSeconds: 0.02)
        async let writing: Void = burst.run(into: log)
        let started = await log.waitFor(1, seconds: 60, writers: 4)
        try #require(started, "no record acknowledged; writers: \(log.endings)")
        let loadStarted = Date()
        try await Task.sleep(for: .seconds(18))
        let working = try await replication(http)
        try #require(working["state"] as? String == "working" && (working["shipped_sequence"] as? NSNumber)?.int64Value ?? 0 > 0,
            "the replica is not shipping before the outage: \(working)")
        let pausedAt = Date()
        try moto.pause()
        try await Task.sleep(for: .seconds(Self.outageSeconds - 8))

        // 62 s into the outage: every report shows the lag.
        let health = try await replication(http)
        let lagSeconds = (health["lag_secs"] as? NSNumber)?.doubleValue ?? 0
        let lagRecords = (health["lag_records"] as? NSNumber)?.int64Value ?? 0
        #expect(lagSeconds > 60 && lagRecords > 0, "/health replication during the outage: \(health)")
        let status = try await daemon.cli(["status"])
        let replicaLine = status.stdout.split(separator: "\n").first { $0.hasPrefix("Replica: outage \(replica.url) ") }.map(String.init)
        #expect(replicaLine.map(Self.lagSeconds) ?? 0 > 60, "spl status during the outage:\n\(status.stdout)")
        let doctor = try await daemon.spl.doctor()
        let row = doctor.row("replica outage")
        // Warn past 60 s of lag; fail once the replica has also been failing (its first request timed out).
        #expect(["warn", "fail"].contains(row?["status"]), "\(doctor.result.stdout)")
        #expect(row?["detail"].map(Self.lagSeconds) ?? 0 > 60, "\(row ?? [:])")

        let remaining = Self.outageSeconds - Date().timeIntervalSince(pausedAt)
        if remaining > 0 { try await Task.sleep(for: .seconds(remaining)) }
        let highestAtResume = (try await daemon.httpJSON("GET", "/health").object["records"] as? NSNumber)?.int64Value ?? 0
        let resumedAt = Date()
        try moto.resume()
        try await waitUntil { (try await replication(http)["shipped_sequence"] as? NSNumber)?.int64Value ?? 0 >= highestAtResume }
        let catchUp = Date().timeIntervalSince(resumedAt)
        #expect(catchUp < 120, "the replica took \(catchUp) s to ship the records committed during the outage")
        await writing
        #expect(try await http.replicaCaughtUp(seconds: 120), "the replica did not catch up after the load ended")

        let before = rate(log, from: loadStarted.addingTimeInterval(3), to: pausedAt)
        let during = rate(log, from: pausedAt.addingTimeInterval(5), to: pausedAt.addingTimeInterval(Self.outageSeconds - 5))
        #expect(during >= 0.9 * before, "ingest fell from \(before) to \(during) records/s while S3 hung")
        let rates = String(format: "ingest %.0f records/s before, %.0f during (%.0f %%)", before, during, 100 * during / before)
        let lag = String(format: "lag seen %.1f s and \(lagRecords) records; caught up %.1f s after the server returned", lagSeconds, catchUp)
        print("S3 outage of \(Int(Self.outageSeconds)) s: \(rates); \(lag); doctor: \(row?["status"] ?? "no row")")

        let source = (try await daemon.httpJSON("GET", "/health").object["records"] as? NSNumber)?.intValue ?? -1
        #expect(try await daemon.stopDaemon().status == 0)
        let verified = try await daemon.cli(["backup", "replica", "verify", "outage"], seconds: 120, environment: replica.environment)
        #expect(verified.status == 0 && verified.stdout.hasSuffix("\nOK\n"), "\(verified.stdout)\(verified.stderr)")
        let restoredFile = daemon.spl.scratch.appendingPathComponent("restored.db").path
        let restored = try await daemon.cli(
            ["backup", "restore", "--from-replica", "outage", "--to", restoredFile], seconds: 120, environment: replica.environment)
        try #require(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        let counts = try await ShellTool.sqlite(restoredFile, "SELECT count(*), count(DISTINCT id), min(sequence), max(sequence) FROM records")
        #expect(counts == "\(source)|\(source)|1|\(source)", "records, distinct ids, first and last sequence: \(counts)")
        let back = Set(try await ShellTool.sqlite(restoredFile, "SELECT id FROM records").split(separator: "\n").map(String.init))
        #expect(log.ids.allSatisfy(back.contains), "acknowledged records missing from the restore")
    }

    /// The daemon's one `/health` `replication` entry.
    private func replication(_ http: DaemonHTTP) async throws -> [String: Any] {
        let (_, body) = try await http.send("GET", "/health")
        let health = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        return (health["replication"] as? [[String: Any]])?.first ?? [:]
    }

    /// Records acknowledged per second between two instants.
    private func rate(_ log: AckLog, from start: Date, to end: Date) -> Double {
        let count = log.acknowledgements.filter { $0.at >= start && $0.at < end }.count
        return Double(count) / end.timeIntervalSince(start)
    }

    /// The seconds of `lag N records (S s)` in a `Replica:` line or a doctor row's detail.
    static func lagSeconds(_ text: String) -> Double {
        guard let match = text.firstMatch(of: #/lag \d+ records \(([0-9.]+) s\)/#) else { return 0 }
        return Double(match.output.1) ?? 0
    }
}

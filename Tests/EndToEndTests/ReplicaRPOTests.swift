import Foundation
import Testing

/// Issue 12's recovery point: under 4-client ingest the daemon is SIGKILLed and its home
/// deleted, without waiting for the replica; the store is rebuilt from the replica alone.
/// With the default ack every record acknowledged more than `sync_interval` + 1 s before the
/// kill must be back; with `ack = "after_replica"` every acknowledged record. Five rounds
/// each; each prints what it lost and how long before the kill the lost records were
/// acknowledged (the oldest bounds the recovery point).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReplicaRPOTests {
    static let syncInterval = 1.0

    /// How the round's file replica is added, and how old a lost record may be.
    struct Mode: Sendable, CustomTestStringConvertible {
        let name: String
        let replicaOptions: [String]
        /// Records acknowledged longer than this before the kill must be back; nil: every acknowledged record.
        let lossAllowedWithin: Double?

        var testDescription: String { name }
    }

    static let modes = [
        Mode(name: "sync_interval 1s", replicaOptions: ["--sync-interval", "1s"], lossAllowedWithin: syncInterval + 1),
        Mode(name: "sync_interval 1s, ack = after_replica", replicaOptions: ["--sync-interval", "1s", "--ack", "after_replica"], lossAllowedWithin: nil),
    ]

    @Test(arguments: modes) func acknowledgedRecordsAreRestoredFromAFileReplicaAfterAKill(_ mode: Mode) async throws {
        var summaries: [String] = []
        for round in 1...5 {
            let daemon = try DaemonFixture()
            defer { daemon.tearDown() }
            let url = "file://" + daemon.spl.scratch.appendingPathComponent("replica").path
            let added = try await daemon.cli(["backup", "replica", "add", "offhost", url] + mode.replicaOptions)
            try #require(added.status == 0, "\(added.stderr)")
            let pid = try await daemon.serveReady().pid

            let log = AckLog()
            async let writing: Void = RecordBurst(port: daemon.port, tag: "rpo\(round)").run(into: log)
            // Load long enough that records from well before the recovery point exist, then kill.
            let busy = await log.waitFor(400, seconds: 60, writers: 4)
            let loadStarted = log.acknowledgements.first?.at ?? Date()
            _ = await log.waitFor(Int.max, seconds: max(0, 3 - Date().timeIntervalSince(loadStarted)), writers: 4)
            let killedAt = Date()
            try await daemon.killHard(pid)
            await writing
            try #require(busy, "only \(log.ids.count) records acknowledged; writers: \(log.endings)")

            try FileManager.default.removeItem(atPath: daemon.home)
            let restoredFile = daemon.spl.scratch.appendingPathComponent("restored.db").path
            let restored = try await daemon.cli(["backup", "restore", "--from-replica", url, "--to", restoredFile], seconds: 120)
            try #require(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
            let back = Set(try await ShellTool.sqlite(restoredFile, "SELECT id FROM records").split(separator: "\n").map(String.init))

            let acknowledgements = log.acknowledgements
            let lost = acknowledgements.filter { !back.contains($0.id) }
            let lostAges = lost.map { max(0, killedAt.timeIntervalSince($0.at)) }
            let tooOld = mode.lossAllowedWithin.map { allowed in lost.filter { killedAt.timeIntervalSince($0.at) > allowed } } ?? lost
            #expect(tooOld.isEmpty, "round \(round): \(tooOld.count) acknowledged records lost that \(mode.name) must keep")
            let age = lostAges.isEmpty
                ? "nothing lost"
                : String(format: "lost records acknowledged %.2f to %.2f s before the kill", lostAges.min()!, lostAges.max()!)
            summaries.append("round \(round): \(acknowledgements.count) acknowledged, \(lost.count) lost, \(age)")
        }
        print("RPO with a file replica (\(mode.name)):\n" + summaries.joined(separator: "\n"))
    }
}

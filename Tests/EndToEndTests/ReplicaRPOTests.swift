import Foundation
import SyncropelTestSupport
import Testing

/// Issue 12's recovery point: under 4-client ingest the daemon is SIGKILLed and its home
/// deleted, without waiting for the replica; the store is rebuilt from the replica alone.
/// With the default ack every record acknowledged more than `sync_interval` + 1 s before the
/// kill must be back; with `ack = "after_replica"` (a folder only) every acknowledged record.
/// Five rounds per mode (a folder, S3 on moto_server, a folder waited on); each prints what it
/// lost and how long before the kill the lost records were acknowledged (the oldest bounds the
/// recovery point).
@Suite(.serialized, .motoServer, .solo) struct ReplicaRPOTests {
    static let syncInterval = 1.0

    /// The round's kind of replica, the options it is added with, and how old a lost record may be.
    struct Mode: Sendable, CustomTestStringConvertible {
        let kind: ReplicaTarget.Kind
        let extraOptions: [String]
        /// Records acknowledged longer than this before the kill must be back; nil: every acknowledged record.
        let lossAllowedWithin: Double?

        var testDescription: String { extraOptions.isEmpty ? "\(kind), sync_interval 1s" : "\(kind), sync_interval 1s, ack = after_replica" }
    }

    static let modes = [
        Mode(kind: .file, extraOptions: [], lossAllowedWithin: syncInterval + 1),
        Mode(kind: .s3, extraOptions: [], lossAllowedWithin: syncInterval + 1),
        Mode(kind: .file, extraOptions: ["--ack", "after_replica"], lossAllowedWithin: nil),
    ]

    @Test(.timeLimit(.minutes(10)), arguments: modes)
    func acknowledgedRecordsAreRestoredFromTheReplicaAfterAKill(_ mode: Mode) async throws {
        var summaries: [String] = []
        for round in 1...5 {
            let daemon = try DaemonFixture()
            defer { daemon.tearDown() }
            let replica = try await ReplicaTarget.make(mode.kind, for: daemon)
            try await replica.add(to: daemon, name: "offhost", syncInterval: "1s", extraOptions: mode.extraOptions)
            let pid = try await daemon.serveReady(environment: replica.environment).pid

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

            // A new machine: an empty home that knows only where the replica is.
            try FileManager.default.removeItem(atPath: daemon.home)
            try await replica.add(to: daemon, name: "offhost", syncInterval: "1s")
            let restoredFile = daemon.spl.scratch.appendingPathComponent("restored.db").path
            let restored = try await daemon.cli(
                ["backup", "restore", "--from-replica", "offhost", "--to", restoredFile], seconds: 120, environment: replica.environment)
            try #require(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
            let back = Set(try await ShellTool.sqlite(restoredFile, "SELECT id FROM records").split(separator: "\n").map(String.init))

            let acknowledgements = log.acknowledgements
            let lost = acknowledgements.filter { !back.contains($0.id) }
            let lostAges = lost.map { max(0, killedAt.timeIntervalSince($0.at)) }
            let tooOld = mode.lossAllowedWithin.map { allowed in lost.filter { killedAt.timeIntervalSince($0.at) > allowed } } ?? lost
            #expect(tooOld.isEmpty, "\(mode.testDescription) round \(round): \(tooOld.count) acknowledged records lost that it must keep")
            let age = lostAges.isEmpty
                ? "nothing lost"
                : String(format: "lost records acknowledged %.2f to %.2f s before the kill", lostAges.min()!, lostAges.max()!)
            summaries.append("round \(round): \(acknowledgements.count) acknowledged, \(lost.count) lost, \(age)")
        }
        print("RPO with a replica (\(mode.testDescription)):\n" + summaries.joined(separator: "\n"))
    }
}

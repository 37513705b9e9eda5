import Foundation
import SyncropelTestSupport
import Testing

/// Issue 12's reused clock: a point-in-time restore loses acknowledged records, and the
/// daemon must not hand their (thread, actor, clock) or their sequence to new records
/// (docs/REPLICATION.md, "Numbers after a restore").
@Suite(.serialized, .timeLimit(.minutes(4))) struct RestoreNumberingTests {
    private struct Assigned: Equatable {
        let sequence: Int64
        let clock: Int64
    }

    @Test func aPointInTimeRestoreNeverHandsOutALostRecordsClockOrSequenceAgain() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let url = "file://" + daemon.spl.scratch.appendingPathComponent("replica").path
        _ = try await daemon.cli(["backup", "replica", "add", "nas", url, "--sync-interval", "100ms"])
        _ = try await daemon.serveReady()
        var handedOut: [Assigned] = []
        for index in 0..<6 { handedOut.append(try await write(daemon, "before \(index)")) }
        // After the daemon's own bootstrap record: sequences one by one, clocks from 0.
        let base = handedOut[0].sequence
        #expect(handedOut == (0..<6).map { Assigned(sequence: base + Int64($0), clock: Int64($0)) })
        #expect(try await DaemonHTTP(port: daemon.port).replicaCaughtUp(seconds: 30))
        #expect(try await daemon.stopDaemon().status == 0)

        // The last three were acknowledged; a restore to the sequence before them loses them.
        let target = String(handedOut[2].sequence)
        let restored = try await daemon.cli(["backup", "restore", "--from-replica", url, "--sequence", target, "--yes"], seconds: 60)
        try #require(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        let floorLine = restored.stdout.split(separator: "\n").first { $0.hasPrefix("Numbering:  new sequences and server-assigned clocks start at ") }
        let floor = try #require(floorLine.flatMap { Int64($0.split(separator: " ")[8]) }, "\(restored.stdout)")
        #expect(floor > 1_700_000_000_000_000 && floor < 1 << 53)

        _ = try await daemon.serveReady()
        let lost = handedOut[3]
        let after = try await write(daemon, "after the restore")
        #expect(after.clock != lost.clock)
        #expect(after == Assigned(sequence: floor, clock: floor))
        #expect(handedOut.allSatisfy { $0.sequence < after.sequence && $0.clock < after.clock })
        // `since` reads cross the jump.
        let page = try await daemon.httpJSON("GET", "/v1/threads/\(Self.thread)/records?since=2")
        #expect((page.object["data"] as? [[String: Any]])?.map { ($0["clock"] as? NSNumber)?.int64Value } == [floor])

        // The replica carries the jump as a new generation, and brings the log back across it.
        try await waitUntilShipped(daemon, through: floor)
        #expect(try await daemon.stopDaemon().status == 0)
        let copy = daemon.spl.scratch.appendingPathComponent("after-jump.db").path
        let rebuilt = try await daemon.cli(["backup", "restore", "--from-replica", url, "--to", copy], seconds: 60)
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("Rebuilt:    sequences 1...\(floor),"), "\(rebuilt.stdout)\(rebuilt.stderr)")
        let verified = try await daemon.cli(["backup", "replica", "verify", url], seconds: 60)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    private static let thread = "th_numbering"

    /// Posts a record without a clock over the socket, where the daemon assigns one.
    private func write(_ daemon: DaemonFixture, _ text: String) async throws -> Assigned {
        let envelope = """
            {"act":"KNOW","actor":"did:sync:user:alice","body":{"text":"\(text)"},"data_type":"SCALAR","parents":[],"thread":"\(Self.thread)"}
            """
        let answer = try await daemon.socketJSON("POST", "/v1/records", json: envelope)
        try #require(answer.status == 201, "\(answer.object)")
        let sequence = try #require((answer.object["sequence"] as? NSNumber)?.int64Value, "\(answer.object)")
        let clock = try #require((answer.object["clock"] as? NSNumber)?.int64Value, "\(answer.object)")
        return Assigned(sequence: sequence, clock: clock)
    }

    /// Polls `/health` until the replica has shipped through `sequence` with no lag.
    private func waitUntilShipped(_ daemon: DaemonFixture, through sequence: Int64) async throws {
        try await waitUntil {
            let health = try await daemon.httpJSON("GET", "/health").object
            let replica = (health["replication"] as? [[String: Any]])?.first ?? [:]
            return (replica["shipped_sequence"] as? NSNumber)?.int64Value == sequence
                && (replica["lag_records"] as? NSNumber)?.int64Value == 0
        }
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// `ack = "after_replica"` (docs/REPLICATION.md, "Synchronous mode"): a write is answered once
/// the replica holds it, and with 503 REPLICA_UNAVAILABLE, its record committed, when the
/// replica cannot take it within `ack_timeout`.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ReplicaAckTests {
    private static let thread = "th_ack"

    @Test func aWriteWaitsForTheReplicaAndIsRefusedWhileTheReplicaCannotBeWritten() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let replica = daemon.spl.scratch.appendingPathComponent("replica").path
        let url = "file://" + replica
        let added = try await daemon.cli(["backup", "replica", "add", "nas", url, "--ack", "after_replica", "--ack-timeout", "2s"])
        #expect(added.status == 0 && added.stdout.contains(", writes answered once in the replica (timeout 2s)) to "), "\(added.stdout)\(added.stderr)")
        _ = try await daemon.serveReady()
        let http = DaemonHTTP(port: daemon.port)

        let first = try await http.post(envelope(clock: 1))
        #expect(first.status == 201, "\(first.body)")
        // Answered only once the replica held it: its mark is there already.
        #expect(try await shippedSequence(daemon) ?? 0 >= sequence(of: first.body))

        // A file where the replica's folder was: every write to the replica fails.
        let aside = replica + ".aside"
        try FileManager.default.moveItem(atPath: replica, toPath: aside)
        try Data("x".utf8).write(to: URL(fileURLWithPath: replica))
        let started = Date()
        let refused = try await http.send("POST", "/v1/records", json: envelope(clock: 2))
        #expect(Date().timeIntervalSince(started) >= 2, "answered before ack_timeout")
        let error = try JSONSerialization.jsonObject(with: refused.body) as? [String: Any] ?? [:]
        #expect(refused.status == 503 && error["code"] as? String == "REPLICA_UNAVAILABLE", "\(error)")
        #expect(error["message"] as? String == "the record is committed in this instance's store, but replica nas"
            + " (ack = \"after_replica\") did not hold it within ack_timeout 2s; send the same request again: ingest is"
            + " idempotent by id, and the answer waits for the replica again")
        let batch = try await http.send("POST", "/v1/records", json: #"{"records":[\#(envelope(clock: 3)),\#(envelope(clock: 4))]}"#)
        let batchError = try JSONSerialization.jsonObject(with: batch.body) as? [String: Any] ?? [:]
        #expect(batch.status == 503 && (batchError["message"] as? String)?.hasPrefix("the 2 records are committed in this instance's store,"
            + " but replica nas (ack = \"after_replica\") did not hold them within ack_timeout 2s;") == true, "\(batchError)")
        // The records are in the store all the same.
        let page = try await daemon.httpJSON("GET", "/v1/threads/\(Self.thread)/records")
        #expect((page.object["data"] as? [[String: Any]])?.compactMap { ($0["clock"] as? NSNumber)?.int64Value } == [1, 2, 3, 4])

        // The replica back: the same request is answered 200 (it exists) once the replica holds it.
        try FileManager.default.removeItem(atPath: replica)
        try FileManager.default.moveItem(atPath: aside, toPath: replica)
        var retried: (status: Int, id: String?, body: String)?
        try await waitUntil {
            retried = try await http.post(envelope(clock: 2))
            return retried?.status == 200
        }
        #expect(try await shippedSequence(daemon) ?? 0 >= sequence(of: retried?.body ?? ""))
        #expect(try await daemon.stopDaemon().status == 0)
        let verified = try await daemon.cli(["backup", "replica", "verify", url], seconds: 60)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    @Test func addRefusesAckAfterReplicaOnS3AndOnASecondReplica() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let s3 = try await spl.run(["backup", "replica", "add", "cloud", "s3://bucket/spl", "--ack", "after_replica"])
        #expect(s3.status == 1 && s3.stderr == "Error: replica cloud: ack must be \"after_commit\" on an s3:// replica: only a"
            + " file:// replica can be waited on (ack = \"after_replica\")\n", "\(s3.stderr)")
        let first = try await spl.run(["backup", "replica", "add", "nas", "file:///mnt/nas", "--ack", "after_replica"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await spl.run(["backup", "replica", "add", "usb", "file:///mnt/usb", "--ack", "after_replica"])
        #expect(second.status == 1 && second.stderr == "Error: replica usb: ack must be \"after_commit\": replica nas already has"
            + " ack = \"after_replica\", and a write waits on one replica at most\n", "\(second.stderr)")
        let bad = try await spl.run(["backup", "replica", "add", "usb", "file:///mnt/usb", "--ack", "sync"])
        #expect(bad.status == 1 && bad.stderr == "Error: --ack \"sync\" must be after_commit or after_replica\n", "\(bad.stderr)")
    }

    private func envelope(clock: Int) -> String {
        """
        {"act":"KNOW","actor":"did:sync:user:ack","body":{"text":"ack \(clock)"},"clock":\(clock),"data_type":"SCALAR","parents":[],"thread":"\(Self.thread)"}
        """
    }

    private func sequence(of body: String) throws -> Int64 {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require((object?["sequence"] as? NSNumber)?.int64Value, "\(body)")
    }

    private func shippedSequence(_ daemon: DaemonFixture) async throws -> Int64? {
        let health = try await daemon.httpJSON("GET", "/health").object
        return ((health["replication"] as? [[String: Any]])?.first?["shipped_sequence"] as? NSNumber)?.int64Value
    }
}

import Foundation
import Logging
import SyncropelKit
import SyncropelStore
import SyncropelTestSupport
import Testing

@testable import SyncropelReplica

/// The replicator shipping to a real signature-checking S3 server (moto_server), and a
/// restore from what it shipped: the path a `[[replica]]` with an s3:// url takes.
@Suite(.motoServer, .timeLimit(.minutes(3))) struct S3ReplicationTests {
    @Test func recordsShippedToS3ComeBackWithTheirIdsAndSignatures() async throws {
        let moto = try await MotoServer.shared()
        var template = Array("/tmp/spl-s3-replication-XXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let identity = SigningIdentity()
        let store = try SQLiteRecordStore(path: folder + "/hub.db", options: .init(createdByVersion: "0.0.0-test"))
        let objects = try moto.store(prefix: "replication-\(UUID().uuidString.prefix(8))")
        let replicator = Replicator(
            settings: .init(name: "s3", syncInterval: .milliseconds(50), snapshotInterval: .seconds(86_400), retention: .seconds(86_400)),
            objects: objects, store: store, did: identity.didKey, logger: Logger(label: "replica-test"))
        await replicator.start()
        for index in 1...40 {
            let draft = RecordDraft(act: .know, actor: "did:example:alice", body: JSONObject(["n": .string("\(index)")]), thread: "th_s3")
            _ = try await store.ingest(draft, signingWith: identity)
        }
        try await waitUntil {
            let status = await replicator.status()
            return status.state == .working && status.shippedSequence == store.highestCommittedSequence
        }
        await replicator.stop()
        let written = try await store.records(afterSequence: 0, limit: 1000)

        let reader = ReplicaReader(objects: objects, layout: ReplicaLayout(instanceTail: identity.didKey.instanceTail))
        let restoredPath = folder + "/restored.db"
        _ = try await ReplicaRestore.build(reader: reader, target: .latest, into: restoredPath, version: "0.0.0-test")
        let restored = try SQLiteRecordStore(path: restoredPath, options: .init(createdByVersion: "0.0.0-test"))
        let back = try await restored.records(afterSequence: 0, limit: 1000)
        try await restored.close()
        try await store.close()
        #expect(back.map(\.id) == written.map(\.id))
        #expect(back.map(\.sequence) == written.map(\.sequence))
        #expect(back.map(\.record.signature) == written.map(\.record.signature))
        #expect(try await ReplicaVerification.run(reader: reader, scratchFolder: folder).allSatisfy { $0.problem == nil })
    }
}

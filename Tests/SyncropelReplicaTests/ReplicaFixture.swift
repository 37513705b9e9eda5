import Foundation
import Logging
import SyncropelHome
import SyncropelKit
@testable import SyncropelReplica
@testable import SyncropelStore

/// One test's instance: a scratch folder with a store of signed records and a file replica
/// beside it, and a replicator driven step by step.
final class ReplicaFixture: Sendable {
    let folder: String
    let identity = SigningIdentity()
    let store: SQLiteRecordStore
    let objects: FileObjectStore
    let replicator: Replicator

    /// `schemaVersion`: the version the store is written in (an earlier one, as a replica that
    /// began before an upgrade holds).
    init(
        snapshotInterval: Duration = .seconds(86_400), retention: Duration = .seconds(86_400), replicaFolder: String? = nil,
        schemaVersion: Int = SQLiteRecordStore.schemaVersion
    ) throws {
        var template = Array("/tmp/spl-replica-test-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { buffer in String(cString: mkdtemp(buffer.baseAddress!)!) }
        var options = SQLiteRecordStore.Options(createdByVersion: "0.0.0-test")
        options.schemaVersion = schemaVersion
        store = try SQLiteRecordStore(path: folder + "/hub.db", options: options)
        objects = FileObjectStore(root: replicaFolder ?? folder + "/replica")
        replicator = Self.replicator(
            store: store, objects: objects, identity: identity, snapshotInterval: snapshotInterval, retention: retention)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func replicator(
        store: SQLiteRecordStore, objects: FileObjectStore, identity: SigningIdentity,
        snapshotInterval: Duration = .seconds(86_400), retention: Duration = .seconds(86_400)
    ) -> Replicator {
        Replicator(
            settings: .init(name: "test", syncInterval: .milliseconds(10), snapshotInterval: snapshotInterval, retention: retention),
            objects: objects, store: store, did: identity.didKey, logger: Logger(label: "replica-test"))
    }

    /// A replica of 9 records: snapshot 1...3, then segments 4-5, 6-8 and 9-9.
    static func withThreeSegments() async throws -> ReplicaFixture {
        let fixture = try ReplicaFixture()
        try await fixture.write(3)
        try await fixture.replicator.step()
        for count in [2, 3, 1] {
            try await fixture.write(count)
            try await fixture.replicator.step()
        }
        return fixture
    }

    var layout: ReplicaLayout { ReplicaLayout(instanceTail: identity.didKey.instanceTail) }
    var reader: ReplicaReader { ReplicaReader(objects: objects, layout: layout) }

    /// Stores `count` signed records, one commit each, and returns them as stored.
    @discardableResult
    func write(_ count: Int, thread: String = "th_replica") async throws -> [StoredRecord] {
        var stored: [StoredRecord] = []
        for _ in 0..<count {
            let body = JSONObject(["text": .string("record \(store.highestCommittedSequence + 1)")])
            let draft = RecordDraft(act: .know, actor: "did:example:alice", body: body, thread: thread)
            stored.append(try await store.ingest(draft, signingWith: identity).stored)
        }
        return stored
    }

    func allRecords() async throws -> [StoredRecord] {
        try await store.records(afterSequence: 0, limit: 100_000)
    }

    /// The keys of the newest generation's segments, in sequence order.
    func segmentKeys() async throws -> [ReplicaKey] {
        try await reader.generations().last!.segments.map(\.key)
    }

    func restore(_ target: RestoreTarget = .latest) async throws -> [StoredRecord] {
        let path = "\(folder)/restored-\(UInt32.random(in: .min ... .max)).db"
        _ = try await ReplicaRestore.build(reader: reader, target: target, into: path, version: "0.0.0-test")
        let restored = try SQLiteRecordStore(path: path, options: .init(createdByVersion: "0.0.0-test"))
        let records = try await restored.records(afterSequence: 0, limit: 100_000)
        try await restored.close()
        return records
    }

    /// The first problem `replica verify` reports, as its operator message.
    func verificationProblems() async throws -> [String] {
        try await ReplicaVerification.run(reader: reader, scratchFolder: folder).compactMap { $0.problem?.description }
    }

    /// A segment's NDJSON text, and the same replaced by `text` gzipped under the same key.
    func text(of key: ReplicaKey) async throws -> String {
        String(decoding: try Gzip.decompress(try await objects.get(key)!, limit: 1 << 30), as: UTF8.self)
    }

    func replace(_ key: ReplicaKey, text: String) async throws {
        try await objects.put(key, try Gzip.compress(Array(text.utf8)))
    }
}

/// Compares what matters of two logs: sequence, id, created_at and signature of every record.
func summary(_ records: [StoredRecord]) -> [String] {
    records.map { "\($0.sequence) \($0.id) \($0.createdAt) \($0.record.signature?.sig ?? "-")" }
}

import Foundation
import SyncropelKit
import Testing

@testable import SyncropelReplica
@testable import SyncropelStore

struct ReplicationTests {
    @Test func eachSyncShipsOneSegmentAndTheMarkFollows() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let keys = try await fixture.segmentKeys()
        #expect(keys.map { String($0.rawValue.suffix(40)) } == [
            "0000000000000004-0000000000000005.seg.gz", "0000000000000006-0000000000000008.seg.gz",
            "0000000000000009-0000000000000009.seg.gz",
        ])
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        #expect(mark.shippedSequence == 9)
        let status = await fixture.replicator.status()
        #expect(status.shippedSequence == 9 && status.lagRecords == 0 && status.generation == mark.generation)
        #expect(try await fixture.restore().map(\.id) == (try await fixture.allRecords()).map(\.id))
        #expect(try await fixture.verificationProblems().isEmpty)
    }

    /// A generation begun before an upgrade holds a snapshot of schema version 1: a restore
    /// migrates it, and keeps no `.pre-v2` copy beside the result (the replica keeps the original).
    @Test func aSnapshotOfSchemaVersionOneRestoresIntoTheCurrentVersionWithoutACopy() async throws {
        let fixture = try ReplicaFixture(schemaVersion: 1)
        try await fixture.write(3)
        try await fixture.replicator.step()
        try await fixture.write(2)
        try await fixture.replicator.step()
        let folder = fixture.folder + "/restored"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        _ = try await ReplicaRestore.build(reader: fixture.reader, target: .latest, into: folder + "/hub.db", version: "0.0.0-test")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["hub.db"])
        let restored = try ReadOnlyStoreFile.open(folder + "/hub.db")
        #expect(try await restored.read { try StoreSchema.schemaVersion($0) } == SQLiteRecordStore.schemaVersion)
        try restored.close()
        let store = try SQLiteRecordStore(path: folder + "/hub.db", options: .init(createdByVersion: "0.0.0-test"))
        #expect(try await store.records(afterSequence: 0, limit: 100) == (try await fixture.allRecords()))
        try await store.close()
    }

    @Test func aMergedSegmentKeepsTheChainAndReplacesItsParts() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        await fixture.replicator.mergeDue(now: Date().addingTimeInterval(601))
        let keys = try await fixture.segmentKeys()
        #expect(keys.map { String($0.rawValue.suffix(40)) } == ["0000000000000004-0000000000000009.seg.gz"])
        let merged = try Segment.decode(
            try await fixture.objects.get(keys[0])!, key: keys[0], instance: fixture.identity.didKey.description,
            layout: fixture.layout)
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        #expect(merged.header.chain == mark.chain && merged.records.count == 6)
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
        #expect(try await fixture.verificationProblems().isEmpty)

        // Shipping goes on after the merged segment, on the same chain.
        try await fixture.write(2)
        try await fixture.replicator.step()
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
    }

    @Test func aPartLeftByAnInterruptedMergeSitsOnTheSameChain() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let parts = try await fixture.segmentKeys()
        let leftover = try #require(try await fixture.objects.get(parts[1]))
        await fixture.replicator.mergeDue(now: Date().addingTimeInterval(601))
        try await fixture.objects.put(parts[1], leftover)
        #expect(try await fixture.verificationProblems().isEmpty)
        #expect(try await fixture.restore().count == 9)
    }

    @Test func sequenceAndTimeTargetsRestoreExactPrefixes() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let source = try await fixture.allRecords()
        for n in [3, 4, 7, 9] {
            #expect(summary(try await fixture.restore(.sequence(Int64(n)))) == summary(Array(source.prefix(n))), "sequence \(n)")
        }
        // From the snapshot's last record on (records 1...3 are in the snapshot).
        for record in source.dropFirst(2) {
            let expected = source.filter { $0.createdAt <= record.createdAt }
            #expect(summary(try await fixture.restore(.time(record.createdAt))) == summary(expected), "at \(record.createdAt)")
        }
        let before = source[2].createdAt - 1
        let early = await #expect(throws: ReplicaError.self) { try await fixture.restore(.time(before)) }
        #expect(early?.description == "replica \(fixture.objects.location) cannot restore to \(RestoreTarget.time(before)): its oldest snapshot already holds sequences 1...3")
        #expect(RestoreTarget.time(1_796_458_500_250).description == "time 2026-12-05T08:15:00.250Z")
        let error = await #expect(throws: ReplicaError.self) { try await fixture.restore(.sequence(12)) }
        #expect(error?.description == "replica \(fixture.objects.location) does not reach sequence 12: it holds records up to sequence 9")
    }

    @Test func aRestoredStoreHoldsTheRecordsAsStoredWithItsThreadSummaries() async throws {
        let fixture = try ReplicaFixture()
        try await fixture.write(2, thread: "th_a")
        try await fixture.replicator.step()
        try await fixture.write(3, thread: "th_b")
        try await fixture.write(1, thread: "th_a")
        try await fixture.replicator.step()
        let path = fixture.folder + "/restored.db"
        let restored = try await ReplicaRestore.build(reader: fixture.reader, target: .latest, into: path, version: "0.0.0-test")
        #expect(restored.highestSequence == 6 && restored.snapshotSequence == 2 && restored.segmentsRead == 1)
        let store = try SQLiteRecordStore(path: path, options: .init(createdByVersion: "0.0.0-test"))
        #expect(try await store.threadSummary(id: "th_a")?.recordCount == 3)
        #expect(try await store.threadSummary(id: "th_a")?.lastClock == 2)
        #expect(try await store.threadSummary(id: "th_b")?.recordCount == 3)
        #expect(try await store.counts().records == 6)
        // A restored store forgets the replica's mark, so its daemon starts a new generation.
        #expect(try await store.replicaPosition("test") == nil)
        try await store.close()
    }

    // MARK: Damage: refused by restore and by verify, naming the object

    private func expectRefused(_ fixture: ReplicaFixture, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            _ = try await fixture.restore()
            Issue.record("restore accepted a damaged replica", sourceLocation: sourceLocation)
        } catch let error as ReplicaError {
            #expect(error.description == message, sourceLocation: sourceLocation)
        }
        #expect(try await fixture.verificationProblems() == [message], sourceLocation: sourceLocation)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.folder).filter { $0.hasPrefix("restored") }
        #expect(leftovers.isEmpty, "a refused restore leaves no store behind", sourceLocation: sourceLocation)
    }

    @Test func anAlteredSegmentIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let key = try await fixture.segmentKeys()[1]
        let text = try await fixture.text(of: key)
        try await fixture.replace(key, text: text.replacingOccurrences(of: "record 7", with: "record X"))
        let id = (try await fixture.allRecords())[6].id
        let tampered = try #require(text.split(separator: "\n").first { $0.contains("record 7") })
        let rehashed = try Record.fromLine(String(tampered).replacingOccurrences(of: "record 7", with: "record X")).id
        try await expectRefused(fixture, "replica object \(key) line 3: record \(id) re-hashes to \(rehashed)")
    }

    /// Segments decode ahead of the one applied (`SegmentLookahead`); the damage named is still
    /// the first in chain order, not whichever decode failed first.
    @Test func theFirstDamagedSegmentIsNamedWhenALaterOneIsDamagedToo() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let keys = try await fixture.segmentKeys()
        let text = try await fixture.text(of: keys[1])
        try await fixture.replace(keys[1], text: text.replacingOccurrences(of: "record 7", with: "record X"))
        try await fixture.objects.put(keys[2], Array("not gzip".utf8))
        let id = (try await fixture.allRecords())[6].id
        let tampered = try #require(text.split(separator: "\n").first { $0.contains("record 7") })
        let rehashed = try Record.fromLine(String(tampered).replacingOccurrences(of: "record 7", with: "record X")).id
        try await expectRefused(fixture, "replica object \(keys[1]) line 3: record \(id) re-hashes to \(rehashed)")
    }

    @Test func aSegmentWhoseChainWasRewrittenIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let key = try await fixture.segmentKeys()[1]
        let text = try await fixture.text(of: key)
        let header = try #require(text.split(separator: "\n").first)
        let chain = try #require(JSONParser.parse(Array(header.utf8)).value(atPath: "chain")?.stringValue)
        let forged = String(repeating: "0", count: 64)
        try await fixture.replace(key, text: text.replacingOccurrences(of: chain, with: forged))
        try await expectRefused(fixture, "replica object \(key) was altered: its records chain to \(chain), its header says \(forged)")
    }

    @Test func aDeletedMiddleSegmentIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let keys = try await fixture.segmentKeys()
        try await fixture.objects.delete(keys[1])
        try await expectRefused(
            fixture, "replica is missing sequences 6...8: no segment holds them before \(keys[2]) (a deleted segment)")
    }

    @Test func aReplayedOldSegmentIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let keys = try await fixture.segmentKeys()
        // Segment 4-5 again, renumbered to follow 9: its records and chain are the old ones.
        let old = try Segment.decode(
            try await fixture.objects.get(keys[0])!, key: keys[0], instance: fixture.identity.didKey.description, layout: fixture.layout)
        let renumbered = old.records.enumerated().map { offset, stored in
            StoredRecord(record: stored.record, sequence: 10 + Int64(offset), createdAt: stored.createdAt)
        }
        let header = SegmentHeader(
            instance: old.header.instance, generation: old.header.generation, first: 10, last: 11, count: 2,
            prev: old.header.prev, chain: old.header.chain)
        let key = fixture.layout.segmentKey(old.header.generation, first: 10, last: 11)
        try await fixture.objects.put(key, try Segment.encode(header: header, records: renumbered))
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        try await expectRefused(
            fixture,
            "replica object \(key) does not continue the chain at sequence 10: it starts from \(old.header.prev), the records before end at \(mark.chain) (a replayed, reordered or foreign segment)")
    }

    @Test func aSegmentOfAnotherInstanceIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let other = try ReplicaFixture(replicaFolder: fixture.objects.root)
        try await other.write(3)
        try await other.replicator.step()
        try await other.write(2)
        try await other.replicator.step()
        let foreign = try #require(try await other.segmentKeys().first)
        let key = try await fixture.segmentKeys()[0]
        try await fixture.objects.put(key, try #require(try await other.objects.get(foreign)))
        try await expectRefused(
            fixture,
            "replica object \(key) belongs elsewhere: its instance is \(other.identity.didKey), expected \(fixture.identity.didKey)")
    }

    @Test func anAlteredSnapshotIsRefused() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let generation = try #require(try await fixture.reader.generations().last)
        let manifest = try await fixture.reader.manifest(generation.id)
        var bytes = try #require(try await fixture.objects.get(manifest.snapshotKey))
        bytes[bytes.count / 2] ^= 0xFF
        try await fixture.objects.put(manifest.snapshotKey, bytes)
        let found = Hex.encode(SHA256Digest.of(bytes))
        try await expectRefused(
            fixture,
            "replica object \(manifest.snapshotKey) was altered: its SHA-256 is \(found), generation.json recorded \(manifest.snapshotSHA256)")
    }

    // MARK: Restart

    @Test func aRestartResumesTheGenerationAtTheMark() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        let restarted = ReplicaFixture.replicator(store: fixture.store, objects: fixture.objects, identity: fixture.identity)
        try await fixture.write(2)
        try await restarted.step()
        let after = try #require(try await fixture.store.replicaPosition("test"))
        #expect(after.generation == mark.generation && after.shippedSequence == 11)
        #expect(try await fixture.reader.generations().count == 1)
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
    }

    @Test func aSegmentWrittenBeforeACrashMovedTheMarkIsAdopted() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        try await fixture.write(2)
        try await fixture.replicator.step()
        // As if the daemon died between the put of 10-11 and the mark's move.
        try await fixture.store.saveReplicaPosition("test", mark)
        let restarted = ReplicaFixture.replicator(store: fixture.store, objects: fixture.objects, identity: fixture.identity)
        try await restarted.step()
        #expect(try await fixture.store.replicaPosition("test")?.shippedSequence == 11)
        #expect(try await fixture.reader.generations().count == 1)
    }

    @Test func aReplicaThatLostItsLastSegmentStartsANewGeneration() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        try await fixture.objects.delete(try await fixture.segmentKeys()[2])
        let restarted = ReplicaFixture.replicator(store: fixture.store, objects: fixture.objects, identity: fixture.identity)
        try await restarted.step()
        let after = try #require(try await fixture.store.replicaPosition("test"))
        #expect(after.generation != mark.generation && after.shippedSequence == 9)
        #expect(try await fixture.reader.generations().count == 2)
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
    }

    @Test func everySequenceStaysRestorableAcrossGenerations() async throws {
        let fixture = try ReplicaFixture(snapshotInterval: .milliseconds(1))
        try await fixture.write(3)
        try await fixture.replicator.step()
        try await fixture.write(2)
        try await fixture.replicator.step()
        let generations = try await fixture.reader.generations()
        #expect(generations.count >= 2)
        // Every sequence is restorable: the older generation reaches the newer one's snapshot.
        let source = try await fixture.allRecords()
        for n in 3...source.count {
            #expect(summary(try await fixture.restore(.sequence(Int64(n)))) == summary(Array(source.prefix(n))), "sequence \(n)")
        }
    }
}

extension Record {
    /// The record an exported line describes, its id computed from its fields.
    static func fromLine(_ line: String) throws -> Record {
        try RecordDraft(json: try JSONParser.parse(Array(line.utf8)), stripExportFields: true).record()
    }
}

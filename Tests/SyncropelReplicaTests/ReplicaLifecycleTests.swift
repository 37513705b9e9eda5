import Foundation
import Logging
import SyncropelKit
import SyncropelStore
import SyncropelTestSupport
import Testing

@testable import SyncropelReplica

/// The replicator over time: failures and recovery, retention, and stores that moved under it.
@Suite(.timeLimit(.minutes(2))) struct ReplicaLifecycleTests {
    @Test func aFailingReplicaReportsItsErrorKeepsTheLagAndCatchesUpWhenItReturns() async throws {
        let scratch = try ReplicaFixture()
        // A file where the replica's folder should be: every write fails until it goes.
        let blocked = scratch.folder + "/blocked"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocked))
        let fixture = try ReplicaFixture(replicaFolder: blocked + "/replica")
        try await fixture.write(3)
        await fixture.replicator.start()
        var failing: ReplicationStatus?
        try await waitUntil {
            failing = await fixture.replicator.status()
            return failing?.state == .failing
        }
        let error = try #require(failing?.lastError)
        // The generation id in the key is random; everything around it is fixed.
        #expect(error.hasPrefix("replica file://\(blocked)/replica: cannot write \(fixture.layout.generationsPrefix)"), "\(error)")
        #expect(error.hasSuffix("/snapshot-0000000000000003.db.gz: cannot create the folder \(blocked)/replica: Not a directory"), "\(error)")
        try await fixture.write(2)
        let lagging = await fixture.replicator.status()
        #expect(lagging.lagRecords == 5 && lagging.shippedSequence == nil && lagging.lagSeconds >= 0)

        try FileManager.default.removeItem(atPath: blocked)
        // The mark moves inside a round, the state once the round is done: wait for both.
        var working: ReplicationStatus?
        try await waitUntil {
            working = await fixture.replicator.status()
            return working?.state == .working && working?.shippedSequence == 5
        }
        #expect(working?.lagRecords == 0 && working?.lastError == nil, "\(String(describing: working))")
        await fixture.replicator.stop()
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
        // Until here: releasing `scratch` earlier would remove the blocking file with its folder.
        withExtendedLifetime(scratch) {}
    }

    @Test func aBacklogShipsInSegmentsOfBoundedSize() async throws {
        let fixture = try ReplicaFixture()
        let replicator = Replicator(
            settings: .init(name: "test", syncInterval: .seconds(1), snapshotInterval: .seconds(86_400), retention: .seconds(86_400), recordsPerSegment: 10),
            objects: fixture.objects, store: fixture.store, did: fixture.identity.didKey, logger: Logger(label: "replica-test"))
        try await fixture.write(1)
        try await replicator.step()
        try await fixture.write(25)
        try await replicator.step()
        #expect(try await fixture.reader.generations().last?.segments.map { "\($0.first)-\($0.last)" } == ["2-11", "12-21", "22-26"])
        #expect(try await fixture.verificationProblems().isEmpty)
    }

    @Test func generationsOutsideTheRetentionAreDeletedButNeverTheNewest() async throws {
        let fixture = try ReplicaFixture(snapshotInterval: .milliseconds(1), retention: .milliseconds(1))
        for _ in 0..<4 {
            try await fixture.write(2)
            try await Task.sleep(for: .milliseconds(5))
            try await fixture.replicator.step()
        }
        let generations = try await fixture.reader.generations()
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        // Four steps made eight generations; the newest stays, and the one before it, which
        // restores the last millisecond before the newest snapshot.
        #expect(generations.count == 2, "\(generations.map(\.id))")
        #expect(generations.last?.id.rawValue == mark.generation)
        #expect(summary(try await fixture.restore()) == summary(try await fixture.allRecords()))
    }

    @Test func generationsInsideTheRetentionStay() async throws {
        let fixture = try ReplicaFixture(snapshotInterval: .milliseconds(1))
        for _ in 0..<3 {
            try await fixture.write(1)
            try await fixture.replicator.step()
        }
        #expect(try await fixture.reader.generations().count >= 3)
    }

    @Test func aStoreBelowItsMarkStartsANewGeneration() async throws {
        let fixture = try ReplicaFixture()
        try await fixture.write(3)
        try await fixture.replicator.step()
        let mark = try #require(try await fixture.store.replicaPosition("test"))
        // As if the store had been restored from an older copy: the mark is past its end.
        try await fixture.store.saveReplicaPosition("test", ReplicaPosition(generation: mark.generation, shippedSequence: 9, chain: mark.chain))
        let restarted = ReplicaFixture.replicator(store: fixture.store, objects: fixture.objects, identity: fixture.identity)
        try await restarted.step()
        let after = try #require(try await fixture.store.replicaPosition("test"))
        #expect(after.generation != mark.generation && after.shippedSequence == 3)
    }

    @Test func aReplicaListsTheInstancesItHolds() async throws {
        let fixture = try ReplicaFixture()
        try await fixture.write(1)
        try await fixture.replicator.step()
        let other = try ReplicaFixture(replicaFolder: fixture.objects.root)
        try await other.write(1)
        try await other.replicator.step()
        try await fixture.objects.put(try ReplicaKey("instance-nothex/x"), [1])
        #expect(try await ReplicaLayout.instanceTails(in: fixture.objects)
            == [fixture.identity.didKey.instanceTail, other.identity.didKey.instanceTail].sorted())
    }

    @Test func anEmptyReplicaAndBrokenObjectsAreRefusedNamingWhatIsWrong() async throws {
        let fixture = try ReplicaFixture()
        let empty = await #expect(throws: ReplicaError.self) { try await fixture.restore() }
        #expect(empty?.description
            == "replica \(fixture.objects.location) holds no generation of this instance (nothing under instance-\(fixture.identity.didKey.instanceTail)/generations/)")

        try await fixture.write(3)
        try await fixture.replicator.step()
        try await fixture.write(2)
        try await fixture.replicator.step()
        let key = try await fixture.segmentKeys()[0]
        let bytes = try #require(try await fixture.objects.get(key))

        try await fixture.objects.put(key, Array("not gzip".utf8))
        let notGzip = await #expect(throws: ReplicaError.self) { try await fixture.restore() }
        #expect(notGzip?.description.hasPrefix("replica object \(key) is unreadable: it is not gzip of at most 1073741824 bytes (") == true, "\(notGzip?.description ?? "")")

        try await fixture.objects.put(key, bytes)
        let generation = try #require(try await fixture.reader.generations().last?.id)
        let wrongKey = fixture.layout.segmentKey(generation, first: 4, last: 6)
        try await fixture.objects.delete(key)
        try await fixture.objects.put(wrongKey, bytes)
        let misnamed = await #expect(throws: ReplicaError.self) { try await fixture.restore() }
        #expect(misnamed?.description == "replica object \(wrongKey) does not hold what its name says: its header holds sequences 4...5")
        try await fixture.objects.delete(wrongKey)

        try await fixture.objects.put(key, bytes)
        let overlapping = fixture.layout.segmentKey(generation, first: 5, last: 6)
        try await fixture.objects.put(overlapping, bytes)
        #expect(try await fixture.verificationProblems() == [
            "replica object \(overlapping) does not hold what its name says: its header holds sequences 4...5"
        ])
        try await fixture.objects.delete(overlapping)

        let manifest = try await fixture.reader.manifest(generation)
        try await fixture.objects.delete(manifest.snapshotKey)
        let missing = await #expect(throws: ReplicaError.self) { try await fixture.restore() }
        #expect(missing?.description == "replica \(fixture.objects.location) has no object \(manifest.snapshotKey)")
    }

    @Test func aSnapshotThatInflatesFarPastAStoreIsRefused() async throws {
        let fixture = try ReplicaFixture()
        try await fixture.write(2)
        try await fixture.replicator.step()
        let generation = try #require(try await fixture.reader.generations().last?.id)
        let manifest = try await fixture.reader.manifest(generation)
        // 64 MiB of zeros in about 64 KB, under a generation.json that vouches for it.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 64 << 20))
        try await fixture.objects.put(manifest.snapshotKey, bomb)
        let forged = GenerationManifest(
            instance: manifest.instance, generation: generation, createdAt: manifest.createdAt, snapshotKey: manifest.snapshotKey,
            snapshotSHA256: Hex.encode(SHA256Digest.of(bomb)), snapshotSequence: manifest.snapshotSequence,
            snapshotLastCreatedAt: manifest.snapshotLastCreatedAt)
        try await fixture.objects.put(fixture.layout.manifestKey(generation), forged.encoded)
        let refused = await #expect(throws: ReplicaError.self) { try await fixture.restore() }
        let limit = bomb.count * 256 + (16 << 20)
        #expect(refused?.description.hasPrefix("replica object \(manifest.snapshotKey) is unreadable: it is not gzip of at most \(limit) bytes (") == true,
            "\(refused?.description ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).filter { $0.hasPrefix("restored") }.isEmpty)
    }

    @Test(arguments: [
        (ReplicaError.overlappingSegment(key: try! ReplicaKey("i/s"), coveredThrough: 9),
         "replica object i/s overlaps the records up to sequence 9 that other segments hold"),
        (.unsoundSnapshot(key: try! ReplicaKey("i/snap"), reason: "bad record x"), "replica object i/snap is not a sound snapshot: bad record x"),
        (.malformedMark(replica: "nas"), "the store's shipped mark for replica nas is malformed; restart the daemon to start a new generation"),
        (.storage(location: "file:///r", operation: "write", key: "i/k", underlying: FileObjectStoreError.notAFile(path: "/r/i/k")),
         "replica file:///r: cannot write i/k: /r/i/k is not a regular file"),
        (.keyMismatch(key: try! ReplicaKey("i/k"), reason: "the name is not a segment of this instance"),
         "replica object i/k does not hold what its name says: the name is not a segment of this instance"),
    ])
    func messages(error: ReplicaError, message: String) {
        #expect(error.description == message)
    }

    @Test func otherMessages() {
        #expect(ReplicaLocationError.s3Credentials(url: "s3://b/p", .halfInEnvironment(missing: "AWS_SECRET_ACCESS_KEY", file: "/h/secrets/aws-credentials")).description
            == "replica s3://b/p: " + S3CredentialsError.halfInEnvironment(missing: "AWS_SECRET_ACCESS_KEY", file: "/h/secrets/aws-credentials").description)
        #expect(FileObjectStoreError.system(path: "/r/x", operation: "create", reason: "Permission denied").description
            == "cannot create /r/x: Permission denied")
    }
}

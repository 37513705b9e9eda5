import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import SyncropelStore
import Testing

@testable import SyncropelReplica

/// `encryption = "passphrase"`: every object sealed under SPL_BACKUP_PASSPHRASE, readable and
/// restorable with it, refused naming the object with a wrong one, altered, moved, plain or
/// missing; the chain still finds a deleted segment.
@Suite(.timeLimit(.minutes(2))) struct EncryptedReplicaTests {
    static let passphrase = "replica passphrase 1"
    /// Cheap scrypt so tests derive in milliseconds; the daemon uses `.standard`.
    static let cheap = PassphraseKey.Parameters(n: 1 << 10, r: 8, p: 1)
    static let payload = "payload-that-must-not-leak"

    /// A fixture whose replicator ships to an encrypted folder, with 3 records in the snapshot
    /// and segments 4-5 and 6-8.
    private func encryptedReplica() async throws -> (ReplicaFixture, EncryptedObjectStore) {
        let fixture = try ReplicaFixture()
        let objects = encrypted(FileObjectStore(root: fixture.folder + "/encrypted"), Self.passphrase)
        let replicator = Replicator(
            settings: .init(name: "test", syncInterval: .milliseconds(10), snapshotInterval: .seconds(86_400), retention: .seconds(86_400)),
            objects: objects, store: fixture.store, did: fixture.identity.didKey, logger: Logger(label: "replica-test"))
        for count in [3, 2, 3] {
            try await write(fixture, count)
            try await replicator.step()
        }
        return (fixture, objects)
    }

    private func encrypted(_ files: FileObjectStore, _ passphrase: String?, mode: EncryptedObjectStore.Mode = .required) -> EncryptedObjectStore {
        EncryptedObjectStore(base: files, passphrase: passphrase, mode: mode, writeParameters: Self.cheap)
    }

    private func write(_ fixture: ReplicaFixture, _ count: Int) async throws {
        for _ in 0..<count {
            let body = JSONObject(["text": .string("\(Self.payload) \(fixture.store.highestCommittedSequence + 1)")])
            let draft = RecordDraft(act: .know, actor: "did:example:alice", body: body, thread: "th_encrypted")
            _ = try await fixture.store.ingest(draft, signingWith: fixture.identity)
        }
    }

    private func restore(_ fixture: ReplicaFixture, _ objects: any ReplicaObjectStore) async throws -> [StoredRecord] {
        let path = "\(fixture.folder)/restored-\(UInt32.random(in: .min ... .max)).db"
        _ = try await ReplicaRestore.build(
            reader: ReplicaReader(objects: objects, layout: fixture.layout), target: .latest, into: path, version: "0.0.0-test")
        let restored = try SQLiteRecordStore(path: path, options: .init(createdByVersion: "0.0.0-test"))
        defer { Task { try? await restored.close() } }
        return try await restored.records(afterSequence: 0, limit: 1000)
    }

    private func problems(_ fixture: ReplicaFixture, _ objects: any ReplicaObjectStore) async throws -> [String] {
        try await ReplicaVerification.run(reader: ReplicaReader(objects: objects, layout: fixture.layout), scratchFolder: fixture.folder)
            .compactMap { $0.problem?.description }
    }

    @Test func everyObjectIsSealedAndRestoresWithThePassphrase() async throws {
        let (fixture, objects) = try await encryptedReplica()
        let source = try await fixture.allRecords()
        let listed = try await objects.list(prefix: "")
        #expect(listed.count == 4, "\(listed.map(\.key))")
        for info in listed {
            let raw = try #require(try await objects.base.get(info.key))
            let text = String(decoding: raw, as: UTF8.self)
            #expect(text.hasPrefix(#"{"check":""#) && text.contains(#""format":"spl-replica-encrypted""#), "\(info.key)")
            // Nothing of the content shows: not the payload, the DID, an id, nor anything gzip would inflate.
            #expect(!text.contains(Self.payload) && !text.contains(fixture.identity.didKey.description))
            #expect(source.allSatisfy { !text.contains($0.id.hex) })
            #expect(throws: (any Error).self) { try Gzip.decompress(Array(raw.drop { $0 != 0x0A }.dropFirst()), limit: 1 << 30) }
        }
        #expect(summary(try await restore(fixture, objects)) == summary(source))
        #expect(try await problems(fixture, objects).isEmpty)
        // A reader by URL opens envelopes without being told the replica is encrypted.
        let byURL = encrypted(objects.base as! FileObjectStore, Self.passphrase, mode: .whenPresent)
        #expect(summary(try await restore(fixture, byURL)) == summary(source))
    }

    @Test func aWrongOrMissingPassphraseIsRefusedNamingTheObject() async throws {
        let (fixture, objects) = try await encryptedReplica()
        let files = objects.base as! FileObjectStore
        let manifest = try #require(try await ReplicaReader(objects: files, layout: fixture.layout).generations().first).id
        let key = fixture.layout.manifestKey(manifest)
        let wrong = await #expect(throws: ReplicaError.self) { try await restore(fixture, encrypted(files, "another passphrase")) }
        #expect(wrong?.description
            == "cannot decrypt replica object \(key): SPL_BACKUP_PASSPHRASE is not the passphrase it was encrypted with")
        let missing = await #expect(throws: ReplicaError.self) { try await restore(fixture, encrypted(files, nil, mode: .whenPresent)) }
        #expect(missing?.description
            == "replica object \(key) is encrypted; set SPL_BACKUP_PASSPHRASE to the passphrase of the daemon that wrote it")
        #expect(try await problems(fixture, encrypted(files, "another passphrase")) == [wrong?.description])
    }

    @Test func anAlteredOrMovedBoxIsRefusedNamingTheObject() async throws {
        let (fixture, objects) = try await encryptedReplica()
        let files = objects.base as! FileObjectStore
        let segments = try await ReplicaReader(objects: files, layout: fixture.layout).generations().last!.segments.map(\.key)
        try #require(segments.count == 2)
        let original = try #require(try await files.get(segments[0]))
        var altered = original
        altered[altered.count - 20] ^= 0x01
        try await files.put(segments[0], altered)
        #expect(try await problems(fixture, objects)
            == ["replica object \(segments[0]) was altered: its AES-GCM tag does not match its bytes, header and name"])
        let refused = await #expect(throws: ReplicaError.self) { try await restore(fixture, objects) }
        #expect(refused?.description == "replica object \(segments[0]) was altered: its AES-GCM tag does not match its bytes, header and name")

        // A sound box under another segment's name: its name is authenticated too.
        try await files.put(segments[0], try #require(try await files.get(segments[1])))
        #expect(try await problems(fixture, objects)
            == ["replica object \(segments[0]) was altered: its AES-GCM tag does not match its bytes, header and name"])

        // The chain inside still finds a segment that is gone.
        try await files.put(segments[0], original)
        try await files.delete(segments[0])
        #expect(try await problems(fixture, objects)
            == ["replica is missing sequences 4...5: no segment holds them before \(segments[1]) (a deleted segment)"])
    }

    @Test func theChainStillRefusesAForeignSegmentSealedWithTheRightPassphrase() async throws {
        let (fixture, objects) = try await encryptedReplica()
        let (other, otherObjects) = try await encryptedReplica()
        let key = try #require(try await ReplicaReader(objects: objects.base, layout: fixture.layout).generations().last!.segments.first).key
        let otherKey = try #require(try await ReplicaReader(objects: otherObjects.base, layout: other.layout).generations().last!.segments.first).key
        // Someone with the passphrase seals another instance's segment 4-5 under this one's name.
        try await objects.put(key, try #require(try await otherObjects.get(otherKey)))
        #expect(try await problems(fixture, objects) == [
            "replica object \(key) belongs elsewhere: its instance is \(other.identity.didKey), expected \(fixture.identity.didKey)"
        ])
    }

    @Test func aPlainObjectInAnEncryptedReplicaIsRefused() async throws {
        let (fixture, objects) = try await encryptedReplica()
        let files = objects.base as! FileObjectStore
        let segment = try #require(try await ReplicaReader(objects: files, layout: fixture.layout).generations().last!.segments.first).key
        try await files.put(segment, try #require(try await objects.get(segment)))
        let refused = await #expect(throws: ReplicaError.self) { try await restore(fixture, objects) }
        #expect(refused?.description == "replica object \(segment) is not encrypted, but the replica has encryption = \"passphrase\";"
            + " it was written without encryption or put there by someone else")
    }

    @Test func aDaemonWithoutASoundPassphraseIsRefusedNamingTheReplica() throws {
        let replica = HomeConfig.Replica(name: "nas", url: "file:///mnt/nas", encryption: .passphrase)
        #expect(throws: ReplicaEncryptionError.passphraseMissing(replica: "nas")) {
            try ReplicaLocation.encryptionPassphrase(for: replica, environment: [:])
        }
        #expect(throws: ReplicaEncryptionError.passphraseTooShort(replica: "nas", characters: 5)) {
            try ReplicaLocation.encryptionPassphrase(for: replica, environment: ["SPL_BACKUP_PASSPHRASE": "short"])
        }
        #expect(try ReplicaLocation.encryptionPassphrase(for: replica, environment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase]) == Self.passphrase)
        #expect(try ReplicaLocation.encryptionPassphrase(for: HomeConfig.Replica(name: "plain", url: "file:///x"), environment: [:]) == nil)
        #expect(ReplicaEncryptionError.passphraseMissing(replica: "nas").description
            == "replica nas has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE is not set; set it to a passphrase of at least 12 characters")
        #expect(ReplicaEncryptionError.passphraseTooShort(replica: "nas", characters: 5).description
            == "replica nas has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE has 5 characters, fewer than 12; set it to a longer passphrase")
        let home = HomeLayout(root: "/nonexistent-home")
        #expect(throws: ReplicaLocationError.encryption(.passphraseMissing(replica: "nas"))) {
            try ReplicaLocation.objectStore(for: replica, environment: [:], home: home)
        }
        let opened = try? ReplicaLocation.objectStore(for: replica, environment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase], home: home)
        #expect((opened as? EncryptedObjectStore)?.mode == .required)
    }

    @Test func aHeaderThatIsNotOneOfOursIsRefused() throws {
        let key = try ReplicaKey("instance-000000000000000000000000/keys.sealed")
        let sound = #"{"check":"00000000000000000000000000000000","format":"spl-replica-encrypted","kdf":"scrypt","n":1024,"p":1,"r":8,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","version":1}"#
        func refusal(_ header: String) -> String? {
            do {
                _ = try ObjectEnvelope.header(of: Array((header + "\n").utf8), key: key)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal(sound) == nil)
        let cases = [
            (#""version":1"#, #""version":2"#, "its envelope version is not 1; read it with the spl that wrote it or a newer one"),
            (#""n":1024"#, #""n":1073741824"#, "its envelope's scrypt parameters are missing or out of range"),
            (#""kdf":"scrypt""#, #""kdf":"pbkdf2""#, "its envelope's scrypt parameters are missing or out of range"),
            (#""salt":"AAAAAAAAAAAAAAAAAAAAAA==""#, #""salt":"AAAA""#, "its envelope's salt is not 16 bytes of base64"),
            (#""check":"00000000000000000000000000000000""#, #""check":"zz""#, "its envelope's check is not 32 hex digits"),
        ]
        for (field, replacement, reason) in cases {
            #expect(refusal(sound.replacingOccurrences(of: field, with: replacement)) == "replica object \(key) is unreadable: \(reason)")
        }
        // Plain objects are not envelopes: generation.json, sealed keys, gzip.
        #expect(try ObjectEnvelope.header(of: Array(#"{"format":"spl-generation-1"}"#.utf8) + [0x0A], key: key) == nil)
        #expect(try ObjectEnvelope.header(of: [0x1f, 0x8b, 0x08], key: key) == nil)
    }
}

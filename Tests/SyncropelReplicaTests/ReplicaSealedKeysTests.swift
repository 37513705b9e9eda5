import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import Testing

@testable import SyncropelReplica

/// The instance's keys in the replica: shipped sealed once per run, opened with the passphrase
/// into the same identity, refused when missing, under another passphrase or another instance's.
@Suite(.timeLimit(.minutes(2))) struct ReplicaSealedKeysTests {
    static let passphrase = "replica passphrase 1"
    static let cheap = PassphraseKey.Parameters(n: 1 << 10, r: 8, p: 1)

    /// A replicator of `fixture`'s store whose home holds `fixture.identity`, shipping sealed keys.
    private func replicator(_ fixture: ReplicaFixture, objects: any ReplicaObjectStore) throws -> Replicator {
        let home = HomeLayout(root: fixture.folder + "/home")
        try KeyFiles.write(fixture.identity, to: home, force: false)
        return Replicator(
            settings: .init(name: "test", syncInterval: .milliseconds(10), snapshotInterval: .seconds(86_400), retention: .seconds(86_400)),
            objects: objects, store: fixture.store, did: fixture.identity.didKey, logger: Logger(label: "replica-test"),
            sealKeys: { try SealedKeys.sealed(home: home, passphrase: Self.passphrase, parameters: Self.cheap) })
    }

    @Test func theKeysShipOnceAndOpenIntoTheSameIdentity() async throws {
        let fixture = try ReplicaFixture()
        try await fixture.write(2)
        let replicator = try replicator(fixture, objects: fixture.objects)
        try await replicator.step()
        let key = fixture.layout.sealedKeysKey
        #expect(key.rawValue == "instance-\(fixture.identity.didKey.instanceTail)/keys.sealed")
        let sealed = try #require(try await fixture.objects.get(key))
        #expect(String(decoding: sealed, as: UTF8.self).hasPrefix(#"{"format":"spl-sealed-keys","#))
        let opened = try await ReplicaSealedKeys.open(reader: fixture.reader, passphrase: Self.passphrase)
        #expect(opened.didKey == fixture.identity.didKey)

        // Once per run: a later round does not write them again.
        try await fixture.objects.delete(key)
        try await fixture.write(1)
        try await replicator.step()
        #expect(try await fixture.objects.get(key) == nil)
    }

    @Test func missingWrongOrForeignKeysAreRefusedInOneLine() async throws {
        let fixture = try ReplicaFixture()
        let key = fixture.layout.sealedKeysKey
        let location = fixture.objects.location
        let missing = await #expect(throws: ReplicaError.self) {
            try await ReplicaSealedKeys.open(reader: fixture.reader, passphrase: Self.passphrase)
        }
        #expect(missing?.description == "replica \(location) holds no sealed keys (\(key)): its daemon ships them only with"
            + " SPL_BACKUP_PASSPHRASE set; restore the keys from a keys.<stamp>.sealed backup with 'spl backup restore-keys FILE'")

        try await replicator(fixture, objects: fixture.objects).step()
        let wrong = await #expect(throws: ReplicaError.self) {
            try await ReplicaSealedKeys.open(reader: fixture.reader, passphrase: "another passphrase")
        }
        #expect(wrong?.description == "cannot open sealed keys file replica \(location) object \(key): wrong passphrase, or the file"
            + " was altered; set SPL_BACKUP_PASSPHRASE to the passphrase the daemon had when it wrote this backup")
        let none = await #expect(throws: ReplicaError.self) { try await ReplicaSealedKeys.open(reader: fixture.reader, passphrase: nil) }
        #expect(none?.description == "replica object \(key) is encrypted; set SPL_BACKUP_PASSPHRASE to the passphrase of the daemon that wrote it")

        // Another instance's keys put in this instance's folder.
        let other = try ReplicaFixture()
        try await replicator(other, objects: other.objects).step()
        try await fixture.objects.put(key, try #require(try await other.objects.get(other.layout.sealedKeysKey)))
        let foreign = await #expect(throws: ReplicaError.self) {
            try await ReplicaSealedKeys.open(reader: fixture.reader, passphrase: Self.passphrase)
        }
        #expect(foreign?.description == "replica object \(key) belongs elsewhere: its key pair is \(other.identity.didKey),"
            + " expected instance-\(fixture.layout.instanceTail)")
    }

    @Test func inAnEncryptedReplicaTheSealedKeysAreEncryptedToo() async throws {
        let fixture = try ReplicaFixture()
        let objects = EncryptedObjectStore(base: fixture.objects, passphrase: Self.passphrase, mode: .required, writeParameters: Self.cheap)
        try await replicator(fixture, objects: objects).step()
        let raw = try #require(try await fixture.objects.get(fixture.layout.sealedKeysKey))
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix(#"{"check":""#))
        let reader = ReplicaReader(objects: objects, layout: fixture.layout)
        #expect(try await ReplicaSealedKeys.open(reader: reader, passphrase: Self.passphrase).didKey == fixture.identity.didKey)
    }
}

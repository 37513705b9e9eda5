import Foundation
import Testing

/// Identity backups end to end (SPEC 8.4): a store backup and its sealed keys restored on a new
/// machine give the same instance, whose new records carry the same signer; a wrong passphrase,
/// a missing one, a running daemon or existing keys change nothing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SealedIdentityTests {
    static let passphrase = "sealed identity passphrase"
    static let thread = "th_sealed_identity"

    private func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Instance A with a passphrase: a record, then `spl backup now`; returns the backup, its sealed
    /// keys, and A's did:key and instance DID.
    private func backedUpInstance(_ daemon: DaemonFixture) async throws -> (backup: String, keys: String, did: String, instance: String) {
        let started = try await daemon.start(extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        try #require(started.status == 0, "\(started.stderr)")
        let know = try await daemon.cli(["know", "before the move", "--thread", Self.thread])
        try #require(know.status == 0, "\(know.stderr)")
        let now = try await daemon.cli(["backup", "now", "-o", "json"])
        try #require(now.status == 0, "\(now.stderr)")
        let answer = try #require(try json(now.stdout) as? [String: Any], "\(now.stdout)")
        let backup = try #require(answer["path"] as? String)
        let keys = try #require(answer["sealed_keys"] as? String, "the daemon has the passphrase: \(now.stdout)")
        #expect(keys == URL(fileURLWithPath: backup).deletingLastPathComponent().path
            + "/keys.\(URL(fileURLWithPath: backup).lastPathComponent.dropFirst("hub.db.".count)).sealed")
        let identity = try #require(try json(try await daemon.cli(["identity", "show", "-o", "json"]).stdout) as? [String: Any])
        return (backup, keys, try #require(identity["did"] as? String), try #require(identity["instance_did"] as? String))
    }

    @Test func restoredOnANewMachineTheInstanceSignsAsBefore() async throws {
        let original = try DaemonFixture()
        defer { original.tearDown() }
        let (backup, keys, did, instance) = try await backedUpInstance(original)
        _ = try await original.stopDaemon()

        // A new machine: a new scratch HOME (so a new backup root) and an empty home.
        let fresh = try DaemonFixture()
        defer { fresh.tearDown() }
        let restore = try await fresh.spl.run(
            ["backup", "--auto", "restore-keys", keys], timeout: 60, extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout == """
            Restored keys from \(keys) into \(fresh.home)/keys
            Identity: \(did)
            Instance: \(instance)
            Next: put the store back with 'spl backup restore <hub.db backup> --yes', then 'spl serve'

            """)
        let store = try await fresh.cli(["backup", "restore", backup, "--yes"], seconds: 60)
        #expect(store.status == 0, "\(store.stdout)\(store.stderr)")

        let started = try await fresh.start()
        try #require(started.status == 0, "\(started.stderr)")
        let health = try await fresh.httpJSON("GET", "/health").object
        #expect(health["instance_did"] as? String == instance)
        let after = try await fresh.cli(["know", "after the move", "--thread", Self.thread])
        #expect(after.status == 0, "\(after.stderr)")
        let records = try #require(try json(try await fresh.cli(["thread", "records", Self.thread, "-o", "json"]).stdout) as? [[String: Any]])
        #expect(records.map { ($0["body"] as? [String: Any])?["text"] as? String } == ["before the move", "after the move"])
        #expect(records.allSatisfy { $0["signer"] as? String == did }, "\(records.map { $0["signer"] ?? "none" })")
    }

    @Test func aWrongPassphraseOrAnyOtherRefusalWritesNothing() async throws {
        let original = try DaemonFixture()
        defer { original.tearDown() }
        let (_, keys, did, _) = try await backedUpInstance(original)

        let fresh = try DaemonFixture()
        defer { fresh.tearDown() }
        let keysFolder = fresh.home + "/keys"
        let wrong = try await fresh.spl.run(
            ["backup", "--auto", "restore-keys", keys], timeout: 60, extraEnvironment: ["SPL_BACKUP_PASSPHRASE": "not the passphrase"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "Error: cannot open sealed keys file \(keys): wrong passphrase, or the file was altered;"
            + " set SPL_BACKUP_PASSPHRASE to the passphrase the daemon had when it wrote this backup\n")
        #expect(!FileManager.default.fileExists(atPath: keysFolder))

        let unset = try await fresh.cli(["backup", "--auto", "restore-keys", keys])
        #expect(unset.status == 1)
        #expect(unset.stderr == "Error: SPL_BACKUP_PASSPHRASE is not set; set it to the passphrase the daemon had when it wrote \(keys)\n")
        let noFile = try await fresh.cli(["backup", "--auto", "restore-keys"])
        #expect(noFile.stderr == "Error: spl backup --auto restore-keys needs the sealed keys FILE (keys.<stamp>.sealed)\n")
        #expect(!FileManager.default.fileExists(atPath: keysFolder))

        // A home with its own identity: replaced only with --force and the right passphrase.
        try #require(try await fresh.cli(["init"]).status == 0)
        let before = try await FileFingerprint.tree(keysFolder)
        let withPassphrase = ["SPL_BACKUP_PASSPHRASE": Self.passphrase]
        let refused = try await fresh.spl.run(["backup", "--auto", "restore-keys", keys], timeout: 60, extraEnvironment: withPassphrase)
        #expect(refused.stderr == "Error: a private key already exists at \(keysFolder)/primary.key; refusing to replace the"
            + " instance identity (use --force to replace it: the old identity is lost unless it is backed up)\n")
        let wrongForced = try await fresh.spl.run(
            ["backup", "--auto", "restore-keys", keys, "--force"], timeout: 60,
            extraEnvironment: ["SPL_BACKUP_PASSPHRASE": "still not the passphrase"])
        #expect(wrongForced.status == 1, "\(wrongForced.stderr)")
        #expect(try await FileFingerprint.tree(keysFolder) == before)

        let started = try await fresh.start()
        try #require(started.status == 0, "\(started.stderr)")
        let running = try await fresh.spl.run(["backup", "--auto", "restore-keys", keys, "--force"], timeout: 60, extraEnvironment: withPassphrase)
        #expect(running.stderr == "Error: a spl daemon is running for \(fresh.home); stop it with 'spl stop' before restoring its keys\n")
        _ = try await fresh.stopDaemon()
        #expect(try await FileFingerprint.tree(keysFolder) == before)

        let forced = try await fresh.spl.run(["backup", "--auto", "restore-keys", keys, "--force", "-o", "json"], timeout: 60, extraEnvironment: withPassphrase)
        #expect(forced.status == 0, "\(forced.stderr)")
        let answer = try #require(try json(forced.stdout) as? [String: Any])
        #expect(answer["object"] as? String == "keys_restored" && answer["did"] as? String == did)
        let shown = try #require(try json(try await fresh.cli(["identity", "show", "-o", "json"]).stdout) as? [String: Any])
        #expect(shown["did"] as? String == did)
    }
}

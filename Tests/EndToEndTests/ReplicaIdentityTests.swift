import Foundation
import Testing

/// The whole instance from a replica alone (docs/REPLICATION.md, Keys and Encryption): a daemon
/// with SPL_BACKUP_PASSPHRASE ships its sealed keys, an encrypted replica holds no record byte in
/// the clear, and a new machine with only the URL and the passphrase gets the same DID back,
/// signing as before. The passphrase shows nowhere.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ReplicaIdentityTests {
    static let passphrase = "replica identity passphrase"
    static let payload = "payload-never-in-the-clear"
    static let thread = "th_replica_identity"

    private func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// Every file under `folder`, as bytes, by path.
    private func files(under folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files[path] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
        }
        return files
    }

    @Test func aNewMachineBringsBackTheWholeInstanceFromAnEncryptedReplica() async throws {
        let original = try DaemonFixture()
        defer { original.tearDown() }
        let replica = original.spl.scratch.appendingPathComponent("replica").path
        let url = "file://" + replica
        let added = try await original.cli(["backup", "replica", "add", "nas", url, "--sync-interval", "100ms", "--encryption", "passphrase"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("retention 14d, objects encrypted under SPL_BACKUP_PASSPHRASE) to "), "\(added.stdout)")
        let badEncryption = try await original.cli(["backup", "replica", "add", "other", "file:///x", "--encryption", "aes"])
        #expect(badEncryption.status == 1 && badEncryption.stderr == "Error: --encryption \"aes\" must be none or passphrase\n")
        var outputs: [String] = [added.stdout, added.stderr]

        // No passphrase, or one too short: the daemon does not start.
        let unset = try await original.start()
        #expect(unset.status != 0)
        #expect(unset.stderr.contains("replica nas has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE is not set; set it to a"
            + " passphrase of at least 12 characters"), "\(unset.stderr)")
        let short = try await original.start(extraEnvironment: ["SPL_BACKUP_PASSPHRASE": "short"])
        #expect(short.status != 0)
        #expect(short.stderr.contains("replica nas has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE has 5 characters, fewer"
            + " than 12; set it to a longer passphrase"), "\(short.stderr)")

        let started = try await original.start(extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        try #require(started.status == 0, "\(started.stderr)")
        outputs += [started.stdout, started.stderr]
        let http = DaemonHTTP(port: original.port)
        // The generation starts first, so the records below go out as segments.
        #expect(try await http.replicaCaughtUp(seconds: 30), "the encrypted replica did not start")
        for index in 1...5 {
            let know = try await original.cli(["know", "\(Self.payload) \(index)", "--thread", Self.thread])
            try #require(know.status == 0, "\(know.stderr)")
        }
        #expect(try await http.replicaCaughtUp(seconds: 30), "the encrypted replica did not catch up")
        let identity = try json(try await original.cli(["identity", "show", "-o", "json"]).stdout)
        let did = try #require(identity["did"] as? String)
        let health = try await original.http("GET", "/health").body
        let status = try await original.cli(["status"])
        let replicaStatus = try await original.cli(["backup", "replica", "status", "-o", "json"])
        outputs += [String(decoding: health, as: UTF8.self), status.stdout, status.stderr, replicaStatus.stdout]
        #expect(try await original.stopDaemon().status == 0)

        // The storage holds no record byte, no DID, and nothing gzip would inflate.
        let objects = try files(under: replica)
        let folder = try #require(objects.keys.first { $0.hasSuffix("/keys.sealed") }.map { String($0.prefix { $0 != "/" }) })
        #expect(objects.keys.contains { $0.hasSuffix(".seg.gz") } && objects.keys.contains { $0.hasSuffix("/generation.json") })
        for (path, bytes) in objects {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix(#"{"check":""#), "\(path) is not an envelope")
            #expect(!text.contains(Self.payload) && !text.contains(did) && !text.contains("spl-sealed-keys"), "\(path) shows its content")
        }
        outputs.append(try String(contentsOfFile: original.home + "/logs/spl.log", encoding: .utf8))
        #expect(outputs.allSatisfy { !$0.contains(Self.passphrase) }, "the passphrase was printed, logged or served")

        // A new machine: its own scratch HOME and an empty home, only the URL and the passphrase.
        let fresh = try DaemonFixture()
        defer { fresh.tearDown() }
        let restore = ["backup", "restore", "--from-replica", url, "--with-keys", "--yes"]
        let keysKey = "\(folder)/keys.sealed"
        let noPassphrase = try await fresh.cli(restore)
        #expect(noPassphrase.status == 1 && noPassphrase.stderr
            == "Error: replica object \(keysKey) is encrypted; set SPL_BACKUP_PASSPHRASE to the passphrase of the daemon that wrote it\n")
        let wrong = try await fresh.spl.run(restore, timeout: 60, extraEnvironment: ["SPL_BACKUP_PASSPHRASE": "not the passphrase"])
        #expect(wrong.status == 1 && wrong.stderr
            == "Error: cannot decrypt replica object \(keysKey): SPL_BACKUP_PASSPHRASE is not the passphrase it was encrypted with\n")
        #expect(!FileManager.default.fileExists(atPath: fresh.home + "/keys") && !FileManager.default.fileExists(atPath: fresh.store))
        outputs += [noPassphrase.stderr, wrong.stderr]

        let restored = try await fresh.spl.run(restore, timeout: 60, extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("\nKeys:       \(did) from \(keysKey) into \(fresh.home)/keys\n"), "\(restored.stdout)")
        outputs += [restored.stdout, restored.stderr]

        let served = try await fresh.start()
        try #require(served.status == 0, "\(served.stderr)")
        let freshIdentity = try json(try await fresh.cli(["identity", "show", "-o", "json"]).stdout)
        #expect(freshIdentity["did"] as? String == did && freshIdentity["instance_did"] as? String == identity["instance_did"] as? String)
        let after = try await fresh.cli(["know", "after the move", "--thread", Self.thread])
        #expect(after.status == 0, "\(after.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(try await fresh.cli(["thread", "records", Self.thread, "-o", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(records.map { ($0["body"] as? [String: Any])?["text"] as? String }
            == (1...5).map { "\(Self.payload) \($0)" } + ["after the move"])
        #expect(records.allSatisfy { $0["signer"] as? String == did }, "\(records.map { $0["signer"] ?? "none" })")
        #expect(try await fresh.stopDaemon().status == 0)

        // An altered box is named by verify; without the passphrase verify says what it needs.
        let segment = try #require(objects.keys.filter { $0.hasSuffix(".seg.gz") }.sorted().first)
        var altered = try #require(objects[segment])
        altered[altered.count - 20] ^= 0x01
        try altered.write(to: URL(fileURLWithPath: replica + "/" + segment))
        let verify = try await fresh.spl.run(["backup", "replica", "verify", url], timeout: 60, extraEnvironment: ["SPL_BACKUP_PASSPHRASE": Self.passphrase])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("FAILED: replica object \(segment) was altered: its AES-GCM tag does not match its bytes, header and name"), "\(verify.stdout)")
        outputs += [verify.stdout, verify.stderr, try String(contentsOfFile: fresh.home + "/logs/spl.log", encoding: .utf8)]
        #expect(outputs.allSatisfy { !$0.contains(Self.passphrase) }, "the passphrase was printed, logged or served")
    }

    @Test func keysInAPlainReplicaRestoreOnlyOverTheSameIdentityUnlessReplaced() async throws {
        let original = try DaemonFixture()
        defer { original.tearDown() }
        let replica = original.spl.scratch.appendingPathComponent("replica").path
        let url = "file://" + replica
        _ = try await original.cli(["backup", "replica", "add", "nas", url, "--sync-interval", "100ms"])
        try #require(try await original.start().status == 0)
        let know = try await original.cli(["know", "plain replica", "--thread", Self.thread])
        try #require(know.status == 0, "\(know.stderr)")
        #expect(try await DaemonHTTP(port: original.port).replicaCaughtUp(seconds: 30))
        #expect(try await original.stopDaemon().status == 0)
        let did = try #require(try json(try await original.cli(["identity", "show", "-o", "json"]).stdout)["did"] as? String)
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: replica).first { $0.hasPrefix("instance-") })

        // Without a passphrase the daemon shipped no keys.
        let fresh = try DaemonFixture()
        defer { fresh.tearDown() }
        let restore = ["backup", "restore", "--from-replica", url, "--with-keys", "--yes"]
        let withPassphrase = ["SPL_BACKUP_PASSPHRASE": Self.passphrase]
        let noKeys = try await fresh.spl.run(restore, timeout: 60, extraEnvironment: withPassphrase)
        #expect(noKeys.status == 1 && noKeys.stderr == "Error: replica \(url) holds no sealed keys (\(folder)/keys.sealed): its daemon"
            + " ships them only with SPL_BACKUP_PASSPHRASE set; restore the keys from a keys.<stamp>.sealed backup with"
            + " 'spl backup restore-keys FILE'\n")

        // With one, it ships them at its next start; the records stay readable without it.
        try #require(try await original.start(extraEnvironment: withPassphrase).status == 0)
        #expect(try await DaemonHTTP(port: original.port).replicaCaughtUp(seconds: 30))
        #expect(try await original.stopDaemon().status == 0)
        let sealed = try String(contentsOfFile: "\(replica)/\(folder)/keys.sealed", encoding: .utf8)
        #expect(sealed.hasPrefix(#"{"format":"spl-sealed-keys","#), "\(sealed)")

        // A home with another identity is refused, then replaced with --replace-keys, its keys kept.
        try #require(try await fresh.cli(["init"]).status == 0)
        let own = try #require(try json(try await fresh.cli(["identity", "show", "-o", "json"]).stdout)["did"] as? String)
        let refused = try await fresh.spl.run(restore, timeout: 60, extraEnvironment: withPassphrase)
        #expect(refused.status == 1 && refused.stderr == "Error: this home's keys are \(own), the replica's are \(did); pass"
            + " --replace-keys to replace them (this home's keys are kept as keys.replaced.<epoch>)\n")
        #expect(try json(try await fresh.cli(["identity", "show", "-o", "json"]).stdout)["did"] as? String == own)
        let replaced = try await fresh.spl.run(restore + ["--replace-keys"], timeout: 60, extraEnvironment: withPassphrase)
        #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
        let moved = try #require(try FileManager.default.contentsOfDirectory(atPath: fresh.home).first { $0.hasPrefix("keys.replaced.") })
        #expect(replaced.stdout.contains("\nMoved:      \(fresh.home)/keys → \(fresh.home)/\(moved)\n"), "\(replaced.stdout)")
        #expect(replaced.stdout.contains("\nKeys:       \(did) from \(folder)/keys.sealed into \(fresh.home)/keys\n"), "\(replaced.stdout)")
        #expect(try json(try await fresh.cli(["identity", "show", "-o", "json"]).stdout)["did"] as? String == did)
        let kept = try String(contentsOfFile: "\(fresh.home)/\(moved)/primary.pub", encoding: .utf8)
        #expect(kept == own + "\n")

        // Again over the same identity: nothing to replace.
        let again = try await fresh.spl.run(restore, timeout: 60, extraEnvironment: withPassphrase)
        #expect(again.status == 0 && again.stdout.contains("\nKeys:       this home already has \(did)\n"), "\(again.stdout)\(again.stderr)")

        let misuse = try await fresh.cli(["backup", "restore", "--from-replica", url, "--replace-keys"])
        #expect(misuse.status != 0 && misuse.stderr.contains("--replace-keys goes with --with-keys"), "\(misuse.stderr)")
        let withTo = try await fresh.cli(["backup", "restore", "--from-replica", url, "--with-keys", "--to", "/tmp/x.db"])
        #expect(withTo.status != 0 && withTo.stderr.contains("--with-keys restores into the home; it does not go with --to"), "\(withTo.stderr)")
    }
}

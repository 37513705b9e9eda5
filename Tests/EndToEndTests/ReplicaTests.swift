import Foundation
import Testing

/// A daemon with a file replica (docs/REPLICATION.md): killed, its home deleted, and brought
/// back from the replica alone, whole and at chosen points.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ReplicaTests {
    @Test func aFileReplicaBringsBackEveryAcknowledgedRecordAndChosenPoints() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let replica = daemon.spl.scratch.appendingPathComponent("replica").path
        let url = "file://" + replica
        let added = try await daemon.cli(["backup", "replica", "add", "nas", url, "--sync-interval", "100ms"])
        #expect(added.status == 0, "\(added.stderr)")
        let pid = try await daemon.serveReady().pid

        let http = DaemonHTTP(port: daemon.port)
        let acknowledged = try await http.writeRecords(writers: 4, each: 60)
        #expect(acknowledged.count == 240)
        let caughtUp = try await http.replicaCaughtUp(seconds: 30)
        #expect(caughtUp, "the replica did not catch up within 30 s")
        let source = try await http.allRecords()
        let status = try await daemon.cli(["status"])
        #expect(status.stdout.contains("\nReplica: nas \(url) working, shipped through \(source.count), lag 0 records ("), "\(status.stdout)")
        let replicaStatus = try await daemon.cli(["backup", "replica", "status"])
        let statusRow = replicaStatus.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        #expect(statusRow.hasPrefix("nas") && statusRow.contains(url) && statusRow.contains("working")
            && statusRow.contains(" \(source.count) ") && statusRow.contains("0 records ("), "\(replicaStatus.stdout)")
        let replicaJSON = try await daemon.cli(["backup", "replica", "status", "-o", "json"])
        let listed = try JSONSerialization.jsonObject(with: Data(replicaJSON.stdout.utf8)) as? [String: Any]
        #expect(((listed?["data"] as? [[String: Any]])?.first?["shipped_sequence"] as? Int) == source.count, "\(replicaJSON.stdout)")
        let doctor = try await daemon.spl.doctor()
        let row = doctor.row("replica nas")
        #expect(row?["status"] == "pass", "\(doctor.result.stdout)")
        #expect(row?["detail"]?.hasPrefix("nas \(url) working, shipped through \(source.count), lag 0 records (") == true, "\(row ?? [:])")

        try await daemon.killHard(pid)
        let keys = daemon.spl.scratch.appendingPathComponent("keys-kept").path
        try FileManager.default.copyItem(atPath: daemon.home + "/keys", toPath: keys)
        try FileManager.default.removeItem(atPath: daemon.home)
        try FileManager.default.createDirectory(atPath: daemon.home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: keys, toPath: daemon.home + "/keys")

        let verified = try await daemon.cli(["backup", "replica", "verify", url])
        #expect(verified.status == 0 && verified.stdout.hasSuffix("\nOK\n"), "\(verified.stdout)\(verified.stderr)")

        // The whole log, exactly as it was stored.
        let whole = try await restore(daemon, ["--from-replica", url])
        #expect(whole.contains("Records:    0 (no \(daemon.store)) now → \(source.count) after restore"), "\(whole)")
        #expect(whole.contains("Restored:   \(url) (sequences 1...\(source.count)) → \(daemon.store), "), "\(whole)")
        #expect(try await served(daemon) == source)
        let check = DaemonHTTP(port: daemon.port)
        let missing = try await check.missing(acknowledged)
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged records missing")
        #expect(try await daemon.stopDaemon().status == 0)

        // Exactly 1...N, with the source's ids.
        let n = source.count / 2
        let copy = daemon.spl.scratch.appendingPathComponent("sequence.db").path
        let written = try await daemon.cli(["backup", "restore", "--from-replica", url, "--sequence", String(n), "--to", copy], seconds: 60)
        #expect(written.status == 0 && written.stdout.hasSuffix("Written:    \(copy)\n"), "\(written.stdout)\(written.stderr)")
        let checked = try await daemon.cli(["backup", "verify", copy])
        #expect(checked.stdout.contains("Records:    \(n) checked, 0 bad"), "\(checked.stdout)")
        let again = try await daemon.cli(["backup", "restore", "--from-replica", url, "--to", copy])
        #expect(again.status == 1 && again.stderr == "Error: \(copy) already exists and a restore never overwrites a file; choose another name\n")
        let bySequence = try await restore(daemon, ["--from-replica", url, "--sequence", String(n)])
        #expect(bySequence.contains("Rebuilt:    sequences 1...\(n),"), "\(bySequence)")
        #expect(try await served(daemon) == Array(source.prefix(n)))
        #expect(try await daemon.stopDaemon().status == 0)

        // Exactly the records with created_at at or before T.
        let cut = source[source.count * 2 / 3].createdAt
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let at = formatter.string(from: Date(timeIntervalSince1970: Double(cut) / 1000))
        _ = try await restore(daemon, ["--from-replica", url, "--at", at])
        #expect(try await served(daemon) == source.filter { $0.createdAt <= cut })
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func aDamagedReplicaIsRefusedByRestoreAndVerifyNamingTheObject() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let replica = daemon.spl.scratch.appendingPathComponent("replica").path
        let url = "file://" + replica
        _ = try await daemon.cli(["backup", "replica", "add", "nas", url, "--sync-interval", "50ms"])
        _ = try await daemon.serveReady()
        let http = DaemonHTTP(port: daemon.port)
        for round in 0..<3 {
            _ = try await http.writeRecords(writers: 1, each: 5, tag: "round\(round)")
            #expect(try await http.replicaCaughtUp(seconds: 30))
        }
        #expect(try await daemon.stopDaemon().status == 0)

        let segments = try FileManager.default.subpathsOfDirectory(atPath: replica).filter { $0.hasSuffix(".seg.gz") }.sorted()
        try #require(segments.count >= 3, "\(segments)")
        let middle = segments[segments.count / 2]
        try FileManager.default.removeItem(atPath: replica + "/" + middle)
        let verified = try await daemon.cli(["backup", "replica", "verify", "nas"])
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("FAILED: replica is missing sequences "), "\(verified.stdout)")
        #expect(verified.stdout.contains("(a deleted segment)"), "\(verified.stdout)")
        let restored = try await daemon.cli(["backup", "restore", "--from-replica", "nas", "--yes"], seconds: 60)
        #expect(restored.status != 0)
        #expect(restored.stderr.contains("replica is missing sequences "), "\(restored.stderr)")
        #expect(restored.stderr.contains("no segment holds them before instance-"), "\(restored.stderr)")
        #expect(FileManager.default.fileExists(atPath: daemon.store), "a refused restore leaves the store in place")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: daemon.home).filter { $0.contains("from-replica") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func replicaCommandsEditTheConfigAndRefuseBadInput() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let config = daemon.home + "/config.toml"
        let added = try await daemon.cli(["backup", "replica", "add", "nas", "file:///mnt/nas/spl", "--retention", "30d"])
        #expect(added.status == 0)
        #expect(added.stdout == "Added replica nas → file:///mnt/nas/spl (sync every 1s, snapshot every 24h, retention 30d) to \(config).\nThe daemon starts shipping to it at its next start.\n")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("[[replica]]") && text.contains("30d"), "\(text)")

        let refusals: [([String], String)] = [
            (["add", "nas", "file:///other"], "Error: a replica named nas is already in \(config); remove it first or choose another name"),
            (["add", "other", "file:///mnt/nas/spl"], "Error: replica nas in \(config) already ships to file:///mnt/nas/spl; two replicas in one place would prune each other's generations"),
            (["add", "a b", "file:///x"], "Error: replica name \"a b\" must be 1 to 64 characters from [A-Za-z0-9._-]"),
            (["add", "x", "relative/path"], "Error: replica URL \"relative/path\" must be file:///absolute/path or s3://bucket/prefix"),
            (["add", "x", "file:///x", "--sync-interval", "1 s"], "Error: --sync-interval \"1 s\" must be a duration such as 500ms, 1s, 10m, 24h or 14d"),
            (["remove", "nope"], "Error: no replica named nope in \(config); see 'spl backup replica list'"),
            (["verify", "nope"], "Error: no replica named nope in \(config), and \"nope\" is not a file:/// or s3:// URL; see 'spl backup replica list'"),
        ]
        for (arguments, message) in refusals {
            let refused = try await daemon.cli(["backup", "replica"] + arguments)
            #expect(refused.status == 1 && refused.stderr == message + "\n", "\(arguments): \(refused.stderr)")
        }

        let listed = try await daemon.cli(["backup", "replica", "list", "-o", "json"])
        #expect(listed.stdout == #"{"object":"list","data":[{"name":"nas","url":"file:///mnt/nas/spl","sync_interval":"1s","snapshot_interval":"24h","retention":"30d","encryption":"none"}],"next_cursor":null}"# + "\n")
        let removed = try await daemon.cli(["backup", "replica", "remove", "nas"])
        #expect(removed.stdout == "Removed replica nas (file:///mnt/nas/spl) from \(config); its objects were left in place.\n")
        let empty = try await daemon.cli(["backup", "replica", "list"])
        #expect(empty.stdout == "no replicas in \(config); add one with 'spl backup replica add NAME URL'\n")

        let both = try await daemon.cli(["backup", "restore", "hub.db.bak", "--from-replica", "nas"])
        #expect(both.status != 0 && both.stderr.contains("give a backup FILE or --from-replica, not both"), "\(both.stderr)")
        let badTime = try await daemon.cli(["backup", "restore", "--from-replica", "nas", "--at", "yesterday"])
        #expect(badTime.status != 0 && badTime.stderr.contains("--at yesterday is not an ISO 8601 UTC time"), "\(badTime.stderr)")
        let s3 = try await daemon.cli(["backup", "replica", "verify", "s3://bucket/prefix"])
        // An S3 replica without credentials says where they go (the scratch HOME has none).
        let secrets = daemon.home + "/secrets/aws-credentials"
        #expect(s3.status == 1 && s3.stderr == "Error: replica s3://bucket/prefix: no S3 credentials: set AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY in the daemon's environment, or write \(secrets) (chmod 600) with the lines"
            + " 'aws_access_key_id = …' and 'aws_secret_access_key = …'\n", "\(s3.stderr)")
    }

    // MARK: Helpers

    /// `spl backup restore --yes` with `arguments`; requires exit 0 and returns stdout.
    private func restore(_ daemon: DaemonFixture, _ arguments: [String]) async throws -> String {
        let result = try await daemon.cli(["backup", "restore"] + arguments + ["--yes"], seconds: 60)
        try #require(result.status == 0, "restore \(arguments) exited \(result.status): \(result.stdout)\(result.stderr)")
        return result.stdout
    }

    /// Starts the daemon on the home as it is and reads back its whole log.
    private func served(_ daemon: DaemonFixture) async throws -> [LoggedRecord] {
        _ = try await daemon.serveReady()
        let http = DaemonHTTP(port: daemon.port)
        return try await http.allRecords()
    }
}

import Foundation
import Testing

/// `spl thread snapshot` and `spl thread restore`: NDJSON export and import through the
/// running daemons' HTTP API, into a second fresh instance.
@Suite(.serialized) struct ThreadSnapshotTests {
    static let thread = "th_snap"
    static let tcpActor = "did:example:tcp-writer"

    /// Runs `body` with two ready daemons in separate scratch homes; both are always torn down.
    func withTwoDaemons(_ body: (_ source: DaemonFixture, _ target: DaemonFixture) async throws -> Void) async throws {
        let source = try DaemonFixture()
        defer { source.tearDown() }
        let target = try DaemonFixture()
        defer { target.tearDown() }
        _ = try await source.serveReady()
        _ = try await target.serveReady()
        try await body(source, target)
    }

    /// Two signed records written through the socket, two unsigned ones POSTed over TCP,
    /// and one on another thread.
    func writeRecords(_ fixture: DaemonFixture) async throws {
        for text in ["signed one", "signed two"] {
            let result = try await fixture.cli(["know", text, "--thread", Self.thread])
            try #require(result.status == 0, "\(result.stderr)")
        }
        for clock in [100, 101] {
            let envelope = #"{"act":"KNOW","actor":"\#(Self.tcpActor)","body":{"text":"unsigned \#(clock)","n":1.5},"clock":\#(clock),"thread":"\#(Self.thread)"}"#
            let (status, body) = try await fixture.http("POST", "/v1/records", json: envelope)
            try #require(status == 201, "\(String(decoding: body, as: UTF8.self))")
        }
        let other = try await fixture.cli(["intend", "another goal", "--thread", "th_other"])
        try #require(other.status == 0, "\(other.stderr)")
    }

    /// `spl thread records T -o json` as Foundation objects.
    func records(_ fixture: DaemonFixture, _ thread: String = Self.thread) async throws -> [[String: Any]] {
        let result = try await fixture.cli(["thread", "records", thread, "-o", "json"])
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    /// Every record id of every thread, from `spl thread list` and `spl thread records`.
    func allIDs(_ fixture: DaemonFixture) async throws -> Set<String> {
        let list = try await fixture.cli(["thread", "list", "-o", "json"])
        let answer = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        let threads = answer?["data"] as? [[String: Any]] ?? []
        var ids: Set<String> = []
        for thread in threads.compactMap({ $0["id"] as? String }) {
            ids.formUnion(try await records(fixture, thread).compactMap { $0["id"] as? String })
        }
        return ids
    }

    func lines(of path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func object(_ line: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    func sha256Hex(_ text: String) async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spl-snapshot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        return String(try await ShellTool.run("sha256sum", [file.path]).prefix(64))
    }

    /// `spl thread snapshot T --out <source scratch>/name`, required to succeed; the file's path.
    func snapshot(_ fixture: DaemonFixture, _ arguments: [String], name: String = "snap.ndjson") async throws -> String {
        let path = fixture.spl.scratch.path + "/" + name
        let result = try await fixture.cli(["thread", "snapshot"] + arguments + ["--out", path])
        try #require(result.status == 0, "\(result.stderr)")
        return path
    }

    @Test func aThreadMovesToASecondInstanceWithItsSignaturesAsTheyWere() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = source.spl.scratch.path + "/snap.ndjson"
            let written = try await source.cli(["thread", "snapshot", Self.thread, "--out", path])
            #expect(written.status == 0, "\(written.stderr)")
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(written.stdout == "Snapshot: \(path) (4 records of 1 thread, \(size) bytes)\n")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let original = try await records(source)
            let lines = try lines(of: path)
            #expect(lines.count == 5)
            let manifest = try object(lines[0])
            let ids = original.compactMap { $0["id"] as? String }
            #expect(manifest["object"] as? String == "snapshot_manifest")
            #expect(manifest["version"] as? Int == 1)
            #expect(manifest["threads"] as? [String] == [Self.thread])
            #expect(manifest["records"] as? Int == 4)
            #expect(manifest["ids_sha256"] as? String == (try await sha256Hex(ids.sorted().joined(separator: "\n"))))
            #expect((manifest["instance_did"] as? String)?.hasPrefix("did:sync:instance:") == true)
            for (line, record) in zip(lines.dropFirst(), original) {
                #expect(try object(line) as NSDictionary == record as NSDictionary)
            }
            #expect(original.filter { $0["sig"] != nil }.count == 2)

            let restored = try await target.cli(["thread", "restore", "--in", path])
            #expect(restored.status == 0, "\(restored.stderr)")
            #expect(restored.stdout == "Restored \(path): 4 created, 0 already present (1 thread)\n")
            let copies = try await records(target)
            #expect(copies.compactMap { $0["id"] as? String } == ids)
            for (copy, record) in zip(copies, original) {
                #expect(copy["sig"] as? String == record["sig"] as? String)
                #expect(copy["signer"] as? String == record["signer"] as? String)
                #expect((copy["sig"] == nil) == (record["sig"] == nil))
                #expect(copy["body"] as? NSDictionary == record["body"] as? NSDictionary)
            }

            let again = try await target.cli(["thread", "restore", "--in", path])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == "Restored \(path): 0 created, 4 already present (1 thread)\n")
            let json = try await target.cli(["thread", "restore", "--in", path, "-o", "json"])
            #expect(json.stdout == #"{"object":"snapshot_restore","path":"\#(path)","dry_run":false,"created":0,"exists":4,"skipped":0,"threads":1,"refused":[]}"# + "\n")
            #expect(try await records(target).count == 4)
        }
    }

    @Test func aDryRunSaysWhatItWouldDoAndWritesNothing() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, [Self.thread])
            let before = try await allIDs(target)
            let dryRun = try await target.cli(["thread", "restore", "--in", path, "--dry-run"])
            #expect(dryRun.status == 0, "\(dryRun.stderr)")
            #expect(dryRun.stdout == "Dry run of \(path), nothing written: 4 would be created, 0 already present (1 thread)\n")
            #expect(try await allIDs(target) == before)

            let onSource = try await source.cli(["thread", "restore", "--in", path, "--dry-run"])
            #expect(onSource.stdout == "Dry run of \(path), nothing written: 0 would be created, 4 already present (1 thread)\n")
        }
    }

    @Test func anEditedLineIsRefusedByLineAndIDAndNothingIsWritten() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, [Self.thread])
            var lines = try lines(of: path)
            let victim = try object(lines[3])
            let id = try #require(victim["id"] as? String)
            lines[3] = lines[3].replacingOccurrences(of: "unsigned 100", with: "unsigned 999")
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let readdressed = try await target.spl.run(["record", "id", "-o", "json"], stdin: Data(lines[3].utf8))
            let newID = try #require(try object(readdressed.stdout)["id"] as? String)
            #expect(newID != id)

            let before = try await allIDs(target)
            let refused = try await target.cli(["thread", "restore", "--in", path])
            #expect(refused.status == 1)
            #expect(refused.stdout == "")
            #expect(refused.stderr == "Error: snapshot \(path) refused: line 4, record \(id): its content hashes to \(newID); the line was changed after export; nothing was imported\n")
            #expect(try await allIDs(target) == before)
        }
    }

    @Test func aManifestThatDoesNotMatchTheRecordsIsRefused() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, [Self.thread])
            var lines = try lines(of: path)
            let actual = try #require(try object(lines[0])["ids_sha256"] as? String)
            let forged = String(repeating: "0", count: 64)
            lines[0] = lines[0].replacingOccurrences(of: actual, with: forged)
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let refused = try await target.cli(["thread", "restore", "--in", path, "--dry-run"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "Error: snapshot \(path) refused: the record ids hash to \(actual), not to the manifest's ids_sha256 \(forged); the file was edited; nothing was imported\n")

            lines[0] = lines[0].replacingOccurrences(of: forged, with: actual)
            try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let short = try await target.cli(["thread", "restore", "--in", path])
            #expect(short.stderr == "Error: snapshot \(path) refused: the manifest counts 4 records but the file has 3; the file is incomplete or was edited; nothing was imported\n")
            #expect(try await records(target).isEmpty)
        }
    }

    @Test func aRecordThatCollidesWithAStoredOneRefusesTheWholeImport() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, [Self.thread])
            let squatter = #"{"act":"KNOW","actor":"\#(Self.tcpActor)","body":{"text":"already here"},"clock":101,"thread":"\#(Self.thread)"}"#
            let (status, body) = try await target.httpJSON("POST", "/v1/records", json: squatter)
            try #require(status == 201)
            let squatterID = try #require(body["id"] as? String)
            let lines = try lines(of: path)
            let victim = try #require(try object(lines[4])["id"] as? String)
            let refused = try await target.cli(["thread", "restore", "--in", path])
            #expect(refused.status == 1)
            #expect(refused.stderr == "Error: snapshot \(path) refused: line 5, record \(victim): the store already holds record \(squatterID) with the same thread, actor and clock; nothing was imported\n")
            #expect(try await records(target).compactMap { $0["id"] as? String } == [squatterID])
        }
    }

    @Test func allCoversEveryThreadAndRestoresBesideTheTargetsOwnBootstrap() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, ["--all"])
            // Service accounts stay with their instance: --all leaves their thread out.
            let credentials = Set(try await records(source, "th_service_accounts").compactMap { $0["id"] as? String })
            #expect(credentials.count == 2, "the admin account and token the test daemons mint")
            let sourceIDs = try await allIDs(source).subtracting(credentials)
            let list = try await source.cli(["thread", "list", "-o", "json"])
            let answer = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
            let threads = (answer?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                .filter { $0 != "th_service_accounts" }
            let lines = try lines(of: path)
            let manifest = try object(lines[0])
            #expect(manifest["threads"] as? [String] == threads.sorted())
            #expect(Set(threads) == [Self.thread, "th_other", "th_engine_config"])
            #expect(manifest["records"] as? Int == sourceIDs.count)
            #expect(Set(try lines.dropFirst().compactMap { try object($0)["id"] as? String }) == sourceIDs)

            let targetBefore = try await allIDs(target)
            let restored = try await target.cli(["thread", "restore", "--in", path])
            #expect(restored.status == 0, "\(restored.stderr)")
            #expect(restored.stdout == "Restored \(path): \(sourceIDs.count - 1) created, 0 already present, 1 skipped (the source instance's bootstrap record; this store has its own) (3 threads)\n")
            let sourceBootstrap = try await records(source, "th_engine_config").compactMap { $0["id"] as? String }
            #expect(try await allIDs(target) == targetBefore.union(sourceIDs).subtracting(sourceBootstrap))
        }
    }

    @Test func aThreadOfMoreThanOneBatchMovesWhole() async throws {
        try await withTwoDaemons { source, target in
            for batch in 0..<3 {
                let envelopes = (0..<1000).map { index in
                    let clock = batch * 1000 + index
                    return #"{"act":"KNOW","actor":"\#(Self.tcpActor)","body":{"n":\#(clock)},"clock":\#(clock),"thread":"th_big"}"#
                }
                let (status, body) = try await source.http("POST", "/v1/records", json: #"{"records":[\#(envelopes.joined(separator: ","))]}"#)
                try #require(status == 201, "\(String(decoding: body, as: UTF8.self))")
            }
            let path = try await snapshot(source, ["th_big"])
            let restored = try await target.cli(["thread", "restore", "--in", path])
            #expect(restored.status == 0, "\(restored.stderr)")
            // Past two seconds (a loaded machine) progress lines come first; the summary is last.
            var lines = restored.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.popLast() == "")
            #expect(lines.popLast() == "Restored \(path): 3000 created, 0 already present (1 thread)")
            #expect(lines.allSatisfy { $0.hasPrefix("restore  ") && $0.contains("/3000 records") }, "\(lines)")
            let ids = try await records(target, "th_big").compactMap { $0["id"] as? String }
            #expect(ids == (try await records(source, "th_big").compactMap { $0["id"] as? String }))
            #expect(ids.count == 3000)
        }
    }

    @Test func operatorMistakesAreRefusedInOneLine() async throws {
        try await withTwoDaemons { source, _ in
            let missing = source.spl.scratch.path + "/nothing.ndjson"
            let noFile = try await source.cli(["thread", "restore", "--in", missing])
            #expect(noFile.status == 1)
            #expect(noFile.stderr == "Error: no snapshot file at \(missing)\n")

            let out = source.spl.scratch.path + "/empty.ndjson"
            let unknown = try await source.cli(["thread", "snapshot", "th_nope", "--out", out])
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "Error: thread th_nope has no records in this store; nothing was written\n")
            #expect(!FileManager.default.fileExists(atPath: out))

            let neither = try await source.cli(["thread", "snapshot", "--out", out])
            #expect(neither.status != 0)
            #expect(neither.stderr.hasPrefix("Error: name one thread or pass --all\n"))

            try "{\"object\":\"list\"}\n".write(toFile: out, atomically: true, encoding: .utf8)
            let notSnapshot = try await source.cli(["thread", "restore", "--in", out])
            #expect(notSnapshot.stderr == "Error: snapshot \(out) refused: line 1 is not a snapshot_manifest object; is this a file written by 'spl thread snapshot'?; nothing was imported\n")
        }
    }

    /// Issue 13: a snapshot could write routing rules into th_engine_config. A rule another
    /// instance signed is refused with the line that holds it; --dry-run lists it and exits 1;
    /// nothing is written. The instance that signed it takes the same file (its own records).
    @Test func reservedThreadRecordsAreTakenOnlyUnderThisInstancesSignature() async throws {
        try await withTwoDaemons { source, target in
            let rule = try await source.cli(["config", "add-rule", "--name", "evil", "--target", "did:sync:agent:mallory", "--priority", "1000"])
            try #require(rule.status == 0, "\(rule.stderr)")
            let path = try await snapshot(source, ["th_engine_config"])
            let lines = try lines(of: path)
            let ruleLine = try #require(lines.firstIndex { $0.contains("\"name\":\"evil\"") })
            let ruleID = try #require(try object(lines[ruleLine])["id"] as? String)
            let identity = try await target.cli(["identity", "show", "-o", "json"])
            let targetDID = try #require(try object(identity.stdout)["did"] as? String)
            let before = try await records(target, "th_engine_config")

            let refused = try await target.cli(["thread", "restore", "--in", path])
            #expect(refused.status == 1)
            #expect(refused.stderr == "Error: snapshot \(path) refused: line \(ruleLine + 1), record \(ruleID): th_engine_config is a reserved thread"
                + " and the record is not signed by this instance (\(targetDID)); nothing was imported\n")
            let dryRun = try await target.cli(["thread", "restore", "--in", path, "--dry-run"])
            #expect(dryRun.status == 1)
            #expect(dryRun.stdout.hasSuffix(
                "1 refused (1 thread)\n  refused: line \(ruleLine + 1), record \(ruleID): th_engine_config is a reserved thread"
                    + " and the record is not signed by this instance (\(targetDID))\n"), "\(dryRun.stdout)")
            #expect(try await records(target, "th_engine_config").count == before.count, "nothing was written")
            let rules = try await target.cli(["config", "list-rules"])
            #expect(!rules.stdout.contains("evil"), "\(rules.stdout)")

            let own = try await source.cli(["thread", "restore", "--in", path])
            #expect(own.status == 0, "\(own.stderr)")
        }
    }

    /// Issue 13: one huge line is refused as soon as the reader has seen past the bound, with
    /// its line number, and nothing is written.
    @Test func aHugeLineIsRefusedWithoutReadingTheRest() async throws {
        try await withTwoDaemons { source, target in
            try await writeRecords(source)
            let path = try await snapshot(source, [Self.thread])
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            let megabyte = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
            for _ in 0..<40 { try handle.write(contentsOf: megabyte) }
            try handle.close()
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
            let refused = try await target.cli(["thread", "restore", "--in", path])
            #expect(refused.status == 1)
            #expect(refused.stderr == "Error: snapshot \(path) refused: line \(lines) is longer than 16777216 bytes,"
                + " more than any record takes; the file is not a snapshot spl wrote; nothing was imported\n")
            #expect(try await records(target).isEmpty)
        }
    }
}

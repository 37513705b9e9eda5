import Crypto
import Testing

@testable import SyncropelKit

@Suite struct ThreadSnapshotTests {
    static let identity = SigningIdentity()

    static func record(_ text: String, clock: Int64, thread: String = "th_a", actor: String = "did:example:a") throws -> Record {
        try Record(act: .know, actor: actor, body: JSONObject(["text": .string(text)]), clock: clock, thread: thread)
    }

    /// Wire objects of `records`, as the API returns them.
    static func wire(_ records: [Record]) -> [JSONValue] {
        records.enumerated().map { index, record in
            StoredRecord(record: record, sequence: Int64(index + 1), createdAt: 1_764_000_000_000 + Int64(index)).jsonValue
        }
    }

    static func snapshotBytes(_ records: [Record], threads: [String] = ["th_a"]) -> [UInt8] {
        let manifest = SnapshotManifest(
            threads: threads, ids: records.map(\.id.hex), createdAt: 1_764_000_000_000, instanceDID: "did:sync:instance:abc")
        return ThreadSnapshot.encode(manifest: manifest, records: wire(records))
    }

    /// A signed record, an unsigned one, and one with a judge.
    static func sample() throws -> [Record] {
        let signed = try identity.sign(record("signed", clock: 1))
        let unsigned = try record("unsigned", clock: 2, actor: "did:example:b")
        let judged = try Record(
            act: .know, actor: "did:example:c", body: JSONObject(["verdict": "accept"]), clock: 3, thread: "th_a", judgedBy: signed.id)
        return [signed, unsigned, judged]
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func bytes(_ lines: [String]) -> [UInt8] {
        Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    func refusal(_ bytes: [UInt8]) -> SnapshotError? {
        do {
            _ = try ThreadSnapshot(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTripKeepsIDsSignaturesAndJudges() throws {
        let records = try Self.sample()
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes(records))
        #expect(snapshot.manifest.records == 3)
        #expect(snapshot.manifest.threads == ["th_a"])
        #expect(snapshot.manifest.instanceDID == "did:sync:instance:abc")
        #expect(snapshot.entries.map(\.line) == [2, 3, 4])
        #expect(snapshot.entries.map(\.record) == records)
        #expect(snapshot.entries[0].record.signature == records[0].signature)
        #expect(snapshot.entries[1].record.signature == nil)
        for entry in snapshot.entries {
            guard case .object(let envelope) = entry.envelope else {
                Issue.record("envelope is not an object")
                continue
            }
            #expect(Set(envelope.members.map(\.key)).isDisjoint(with: RecordRules.exportFieldNames))
            #expect(try RecordDraft(json: entry.envelope).record() == entry.record)
        }
    }

    @Test func theManifestIsTheFirstLineInAFixedOrder() throws {
        let lines = Self.lines(Self.snapshotBytes(try Self.sample()))
        #expect(lines.count == 4)
        let digest = SnapshotManifest.idsDigest(try Self.sample().map(\.id.hex))
        #expect(lines[0] == #"{"object":"snapshot_manifest","version":1,"threads":["th_a"],"records":3,"ids_sha256":"\#(digest)","created_at":1764000000000,"instance_did":"did:sync:instance:abc"}"#)
        #expect(lines[1].hasPrefix(#"{"object":"record","id":""#))
    }

    @Test func theIDsDigestIsOfTheSortedIDsJoinedByNewlines() {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        let expected = Hex.encode(SHA256.hash(data: Array("\(a)\n\(b)".utf8)))
        #expect(SnapshotManifest.idsDigest([b, a]) == expected)
        #expect(SnapshotManifest.idsDigest([a, b]) == expected)
        #expect(SnapshotManifest.idsDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func anEmptyThreadSnapshotReadsBack() throws {
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes([]))
        #expect(snapshot.entries.isEmpty)
        #expect(snapshot.manifest.records == 0)
    }

    @Test func anEditedBodyIsRefusedNamingTheLineAndID() throws {
        let records = try Self.sample()
        var lines = Self.lines(Self.snapshotBytes(records))
        lines[2] = lines[2].replacingOccurrences(of: "\"unsigned\"", with: "\"edited\"")
        let edited = try Record(act: .know, actor: "did:example:b", body: JSONObject(["text": "edited"]), clock: 2, thread: "th_a")
        let error = refusal(Self.bytes(lines))
        #expect(error == .idMismatch(line: 3, id: records[1].id.hex, recomputed: edited.id.hex))
        #expect(error?.description == "line 3, record \(records[1].id.hex): its content hashes to \(edited.id.hex); the line was changed after export")
    }

    @Test func aSignatureThatDoesNotVerifyIsRefused() throws {
        let records = try Self.sample()
        let other = try SigningIdentity().sign(records[0])
        var lines = Self.lines(Self.snapshotBytes(records))
        lines[1] = lines[1].replacingOccurrences(of: records[0].signature!.sig, with: other.signature!.sig)
        #expect(refusal(Self.bytes(lines)) == .badSignature(
            line: 2, id: records[0].id.hex, reason: "BAD_SIGNATURE: signature does not verify for record \(records[0].id.hex)"))
    }

    @Test func aMissingLineIsACountMismatch() throws {
        var lines = Self.lines(Self.snapshotBytes(try Self.sample()))
        lines.removeLast()
        let error = refusal(Self.bytes(lines))
        #expect(error == .countMismatch(manifest: 3, found: 2))
        #expect(error?.description == "the manifest counts 3 records but the file has 2; the file is incomplete or was edited")
    }

    @Test func aSwappedRecordIsADigestMismatch() throws {
        let records = try Self.sample()
        let stranger = try Self.record("stranger", clock: 9)
        var lines = Self.lines(Self.snapshotBytes(records))
        lines[3] = Self.wire([stranger])[0].serialized()
        let manifestDigest = SnapshotManifest.idsDigest(records.map(\.id.hex))
        let computed = SnapshotManifest.idsDigest([records[0], records[1], stranger].map(\.id.hex))
        let error = refusal(Self.bytes(lines))
        #expect(error == .digestMismatch(manifest: manifestDigest, computed: computed))
        #expect(error?.description == "the record ids hash to \(computed), not to the manifest's ids_sha256 \(manifestDigest); the file was edited")
    }

    @Test func theManifestIsChecked() throws {
        let records = try Self.sample()
        var lines = Self.lines(Self.snapshotBytes(records))
        #expect(refusal([]) == .empty)
        #expect(refusal(Self.bytes(Array(lines.dropFirst()))) == .notAManifest)
        #expect(SnapshotError.notAManifest.description == "line 1 is not a snapshot_manifest object; is this a file written by 'spl thread snapshot'?")
        lines[0] = lines[0].replacingOccurrences(of: #""version":1"#, with: #""version":2"#)
        #expect(refusal(Self.bytes(lines))?.description == "line 1: snapshot format version 2 is not supported; this spl reads version 1")
        lines[0] = #"{"object":"snapshot_manifest","version":1,"threads":["th_a"],"records":"3"}"#
        #expect(refusal(Self.bytes(lines))?.description == "line 1: the manifest's records must be a count of records")
    }

    @Test func brokenLinesAreRefusedByNumber() throws {
        let records = try Self.sample()
        var lines = Self.lines(Self.snapshotBytes(records))
        lines.insert("", at: 2)
        #expect(refusal(Self.bytes(lines)) == .notJSON(line: 3, reason: "the line is empty"))
        lines[2] = #"{"object":"thread"}"#
        #expect(refusal(Self.bytes(lines))?.description == #"line 3 is not a record object: it must be an object with "object":"record""#)
        lines[2] = #"{"object":"record","id":"x"}"#
        #expect(refusal(Self.bytes(lines))?.description == "line 3 is not a record object: its id must be 64 lowercase hex characters")
        let id = String(repeating: "0", count: 64)
        lines[2] = #"{"object":"record","id":"\#(id)","act":"KNOW","actor":"did:x:y","body":{},"thread":"th_a"}"#
        #expect(refusal(Self.bytes(lines))?.description == "line 3, record \(id): INVALID_CLOCK: the record has no clock")
    }

    @Test func duplicatesClocksAndUnlistedThreadsAreRefused() throws {
        let records = try Self.sample()
        var lines = Self.lines(Self.snapshotBytes(records))
        lines.append(lines[1])
        #expect(refusal(Self.bytes(lines)) == .duplicateRecord(line: 5, id: records[0].id.hex, firstLine: 2))

        let clash = try Self.record("same clock", clock: 1)
        let clashing = Self.snapshotBytes([records[0], clash])
        #expect(refusal(clashing) == .clockClash(line: 3, id: clash.id.hex, otherLine: 2))

        let elsewhere = try Self.record("elsewhere", clock: 1, thread: "th_b")
        #expect(refusal(Self.snapshotBytes([elsewhere])) == .threadNotInManifest(line: 2, id: elsewhere.id.hex, thread: "th_b"))
        #expect(try ThreadSnapshot(decoding: Self.snapshotBytes([records[0], elsewhere], threads: ["th_a", "th_b"])).entries.count == 2)
    }

    // MARK: - Import plan

    static func bootstrap(_ instance: String) throws -> Record {
        try Record(
            act: .learn, actor: "did:sync:system:engine", body: JSONObject(["topic": "instance_bootstrap", "instance_did": .string(instance)]),
            clock: 0, thread: "th_engine_config")
    }

    @Test func thePlanSplitsNewFromStoredRecords() throws {
        let records = try Self.sample()
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes(records))
        let plan = try SnapshotImportPlan(snapshot: snapshot, stored: [records[1]], instance: Self.identity.didKey.description)
        #expect(plan.toCreate.map(\.line) == [2, 4])
        #expect(plan.alreadyPresent.map(\.line) == [3])
        #expect(plan.skipped.isEmpty)
        #expect(plan.toSend.map(\.line) == [2, 3, 4])
    }

    @Test func aStoredRecordOnTheSameClockRefusesThePlan() throws {
        let records = try Self.sample()
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes(records))
        let holder = try Self.record("already here", clock: 2, actor: "did:example:b")
        #expect(throws: SnapshotError.conflictsWithStore(line: 3, id: records[1].id.hex, storedID: holder.id.hex)) {
            try SnapshotImportPlan(snapshot: snapshot, stored: [holder], instance: Self.identity.didKey.description)
        }
        #expect(SnapshotError.conflictsWithStore(line: 3, id: "a", storedID: "b").description
            == "line 3, record a: the store already holds record b with the same thread, actor and clock")
    }

    @Test func theSourceBootstrapGivesWayToTheStoresOwn() throws {
        let source = try Self.bootstrap("did:sync:instance:source")
        let target = try Self.bootstrap("did:sync:instance:target")
        let rule = try Self.identity.sign(Record(
            act: .learn, actor: "did:sync:system:engine", body: JSONObject(["kind": "core.routing_rule.v1", "name": "r"]), clock: 1,
            thread: "th_engine_config"))
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes([source, rule], threads: ["th_engine_config"]))
        let plan = try SnapshotImportPlan(snapshot: snapshot, stored: [target], instance: Self.identity.didKey.description)
        #expect(plan.skipped.map(\.line) == [2])
        #expect(plan.toCreate.map(\.line) == [3])
        #expect(plan.toSend.map(\.line) == [3])
        #expect(plan.refused.isEmpty)
        #expect(source.isInstanceBootstrap && !rule.isInstanceBootstrap)
    }

    /// Issue 13: an unsigned routing rule, a rule signed by a stranger and a setting signed by
    /// a stranger claiming the operator's actor are refused on every reserved thread; a record
    /// signed by this instance and an ordinary thread's records are imported.
    @Test func reservedThreadsTakeOnlyThisInstancesSignature() throws {
        let instance = Self.identity.didKey.description
        let stranger = SigningIdentity()
        let unsigned = try Record(
            act: .learn, actor: "did:sync:user:operator", body: JSONObject(["kind": "core.routing_rule.v1", "name": "evil", "priority": 1000]),
            clock: 5, thread: "th_engine_config")
        let strangerRule = try stranger.sign(Record(
            act: .learn, actor: "did:sync:user:operator", body: JSONObject(["kind": "core.routing_rule.v1", "name": "evil2"]),
            clock: 6, thread: "th_engine_config"))
        let strangerSetting = try stranger.sign(Record(
            act: .learn, actor: "did:sync:user:operator", body: JSONObject(["topic": "auth_required", "value": false]),
            clock: 1, thread: "th_federation_pairs"))
        let ours = try Self.identity.sign(Record(
            act: .learn, actor: "did:sync:user:operator", body: JSONObject(["kind": "core.routing_rule.v1", "name": "ok"]),
            clock: 7, thread: "th_engine_config"))
        let ordinary = try Self.record("plain", clock: 1)
        let snapshot = try ThreadSnapshot(decoding: Self.snapshotBytes(
            [unsigned, strangerRule, strangerSetting, ours, ordinary], threads: ["th_a", "th_engine_config", "th_federation_pairs"]))
        let plan = try SnapshotImportPlan(snapshot: snapshot, stored: [], instance: instance)
        #expect(plan.refused == [
            .reservedThreadNotSigned(line: 2, id: unsigned.id.hex, thread: "th_engine_config", instance: instance),
            .reservedThreadNotSigned(line: 3, id: strangerRule.id.hex, thread: "th_engine_config", instance: instance),
            .reservedThreadNotSigned(line: 4, id: strangerSetting.id.hex, thread: "th_federation_pairs", instance: instance),
        ])
        #expect(plan.toCreate.map(\.line) == [5, 6])
        #expect(SnapshotError.reservedThreadNotSigned(line: 2, id: "ab", thread: "th_consent", instance: "did:key:zX").description
            == "line 2, record ab: th_consent is a reserved thread and the record is not signed by this instance (did:key:zX)")
        #expect(RecordRules.reservedThreads == ["th_engine_config", "th_actor_registry", "th_federation_pairs", "th_consent", "th_service_accounts"])
    }

    /// Issue 13: a file with one 1 GB line took 3.1 GB to refuse.
    @Test func aLineLongerThanAnySnapshotLineIsRefusedByNumber() throws {
        let records = try Self.sample()
        var bytes = Self.snapshotBytes(records)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: ThreadSnapshot.maxLineBytes + 1) + [10]
        #expect(throws: SnapshotError.lineTooLong(line: records.count + 2, limit: ThreadSnapshot.maxLineBytes)) {
            try ThreadSnapshot(decoding: bytes)
        }
        #expect(SnapshotError.lineTooLong(line: 3, limit: 16 << 20).description
            == "line 3 is longer than 16777216 bytes, more than any record takes; the file is not a snapshot spl wrote")
    }
}

import Foundation
import GRDB
import PostgresNIO
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

@Suite(.postgresServer, .timeLimit(.minutes(5))) struct SweepTests {
    /// Changes rows behind the store's back, through its own database's SQL (the test's own
    /// literal values only).
    private func damage(_ store: any RecordStore, _ sql: String) async throws {
        switch store {
        case let sqlite as SQLiteRecordStore:
            try await sqlite.database.write { db in try db.execute(sql: sql) }
        case let postgres as PostgresRecordStore:
            try await postgres.execute(PostgresQuery(unsafeSQL: sql))
        default:
            Issue.record("no way to damage \(type(of: store))")
        }
    }

    @Test(arguments: StoreBackend.allCases) func aSoundStoreSweepsCleanWithSignaturesCountedApart(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(batch: (0..<10).map { draft(clock: Int64($0)) }, signingWith: SigningIdentity())
        _ = try await store.ingest(batch: (10..<15).map { draft(clock: Int64($0)) }, signingWith: nil)
        let steps = CallbackLog<SweepProgress>()
        let report = try await store.sweepContentAddresses { steps.append($0) }
        #expect(report.isClean)
        #expect(report.recordsChecked == 15)
        #expect(report.signaturesChecked == 10)
        #expect(steps.last == SweepProgress(done: 15, total: 15))
        try await store.close()
    }

    @Test func anEmptyStoreSweepsClean() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 0)
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) }
        #expect(report.isClean)
        #expect(report.recordsChecked == 0)
    }

    /// Edits the closed store file in place, keeping every length.
    private func tamper(_ fixture: StoreFixture, replacing old: String, with new: String) throws {
        precondition(old.utf8.count == new.utf8.count)
        var bytes = try fixture.bytes(fixture.storePath)
        let range = try #require(bytes.firstRange(of: Array(old.utf8)), "\(old) is in the file")
        bytes.replaceSubrange(range, with: Array(new.utf8))
        #expect(bytes.firstRange(of: Array(old.utf8)) == nil, "\(old) occurs once")
        try fixture.write(bytes, to: fixture.storePath)
    }

    @Test func aRecordWhoseCanonicalTextChangedIsNamed() async throws {
        let fixture = StoreFixture()
        let written = try await fixture.makeStoreFile(count: 20) { $0 == 13 ? "pay alice 100" : "record \($0)" }
        try tamper(fixture, replacing: "pay alice 100", with: "pay alice 900")
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) }
        #expect(report.recordsChecked == 20)
        #expect(report.badRecords.count == 1)
        let finding = try #require(report.badRecords.first)
        #expect(finding.storedID == written[13].id.hex)
        #expect(finding.sequence == written[13].sequence)
        guard case .idMismatch = finding.reason else {
            Issue.record("expected an id mismatch, got \(finding.reason)")
            return
        }
        #expect(finding.description.hasPrefix("record \(written[13].id) (sequence 14): canonical bytes hash to "))

        // Reads refuse the row instead of serving content under an id it does not hash to.
        let store = try fixture.openStore()
        let error = await #expect(throws: StoreError.self) { try await store.record(id: written[13].id) }
        #expect(error?.description.hasPrefix("store \(fixture.storePath) has a damaged record at sequence 14: filed as \(written[13].id)") == true)
        try await store.close()
    }

    /// Bytes that hash to their stored id but are not what the canonical writer makes (an
    /// escape it never writes) are not read by the one-pass check: the parser reads them and
    /// names them.
    @Test func bytesThatHashToTheirIdButAreNotCanonicalAreNamed() async throws {
        let fixture = StoreFixture()
        let written = try await fixture.makeStoreFile(count: 20) { $0 == 5 ? "two\nlines" : "record \($0)" }
        let target = written[5]
        // The writer escapes a newline as \n; \u000a parses to the same text.
        let text = String(decoding: target.stored.record.canonical, as: UTF8.self)
            .replacingOccurrences(of: #"two\nlines"#, with: #"two\u000alines"#)
        let bytes = Array(text.utf8)
        #expect(CanonicalRecordShape.matches(bytes) && CanonicalRecordShape.canonicalFields(bytes) == nil)
        let id = bytes.withUnsafeBufferPointer { RecordID(hashing: $0) }
        let queue = try DatabaseQueue(path: fixture.storePath)
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE records SET canonical = ?, id = ? WHERE sequence = ?", arguments: [text, id.hex, target.sequence])
        }
        try queue.close()
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) }
        #expect(report.badRecords == [SweepFinding(storedID: id.hex, sequence: target.sequence, reason: .notCanonical)])
    }

    @Test func aRecordWhoseLookupColumnChangedIsNamed() async throws {
        let fixture = StoreFixture()
        let written = try await fixture.makeStoreFile(count: 20)
        let target = written[7]
        // In the table row, the id column is followed by the thread and actor columns.
        let columns = target.id.hex + "th_fixture" + "did:example:alice"
        try tamper(fixture, replacing: columns, with: target.id.hex + "th_fixture" + "did:example:mallo")
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) }
        #expect(report.badRecords == [
            SweepFinding(
                storedID: target.id.hex, sequence: target.sequence,
                reason: .badColumn(column: "actor", stored: "\"did:example:mallo\"", expected: "\"did:example:alice\"")),
        ])
        #expect(report.badRecords[0].description
            == "record \(target.id) (sequence 8): column actor holds \"did:example:mallo\", canonical bytes say \"did:example:alice\"")
    }

    @Test func aTextChangedInEveryColumnAndIndexThatHoldsItIsNamed() async throws {
        let fixture = StoreFixture()
        let written = try await fixture.makeStoreFile(count: 20)
        // A careful tamperer edits the thread name everywhere: the row's column, both
        // indexes, the thread summary and the canonical text. Only the hash can tell.
        var bytes = try fixture.bytes(fixture.storePath)
        let old = Array("th_fixture".utf8)
        let new = Array("th_fixturX".utf8)
        var replaced = 0
        while let range = bytes.firstRange(of: old) {
            bytes.replaceSubrange(range, with: new)
            replaced += 1
        }
        #expect(replaced > 20)
        try fixture.write(bytes, to: fixture.storePath)
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) }
        #expect(report.recordsChecked == 20)
        #expect(Set(report.badRecords.map(\.storedID)) == Set(written.map(\.id.hex)))
    }

    @Test(arguments: StoreBackend.allCases) func aSignatureThatNoLongerVerifiesIsReportedApart(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let identity = SigningIdentity()
        let written = try await store.ingest(batch: (0..<5).map { draft(clock: Int64($0)) }, signingWith: identity)
        let other = try SigningIdentity().sign(written[2].stored.record)
        try await damage(store, "UPDATE records SET sig = '\(other.signature!.sig)' WHERE sequence = 3")
        let report = try await store.sweepContentAddresses(progress: nil)
        #expect(report.badRecords.isEmpty)
        #expect(report.signaturesChecked == 5)
        #expect(report.badSignatures.map(\.storedID) == [written[2].id.hex])
        #expect(report.badSignatures.first?.description == "record \(written[2].id) (sequence 3): bad signature: signature does not verify for record \(written[2].id)")
        try await store.close()
    }

    /// Issue 13: stripping the signatures off a backup left it passing verify ("0 checked").
    /// The instance signs every record of a reserved thread, so an unsigned one there is named;
    /// an unsigned record elsewhere is an ordinary unsigned record.
    @Test(arguments: StoreBackend.allCases) func anUnsignedRecordOnAReservedThreadIsNamed(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let identity = SigningIdentity()
        let rule = RecordDraft(
            act: .learn, actor: "did:sync:user:operator", body: JSONObject(["kind": "core.routing_rule.v1", "name": "r", "target": "did:sync:agent:x"]),
            clock: 1, thread: "th_engine_config")
        let written = try await store.ingest(batch: [rule, draft(clock: 1)], signingWith: identity)
        try await damage(store, "UPDATE records SET sig = NULL, signer = NULL")
        let report = try await store.sweepContentAddresses(progress: nil)
        #expect(report.badSignatures.isEmpty)
        #expect(report.signaturesChecked == 0)
        #expect(report.badRecords.map(\.description) == [
            "record \(written[0].id) (sequence 1): bad signature: no signature on reserved thread th_engine_config, where the instance signs every record"
        ])
        try await store.close()
    }
}

@Suite struct PipelinedSweepTests {
    /// Three chunks: unsigned, then signed by one key, then a short last chunk signed by another.
    private func makeThreeChunkStore(_ fixture: StoreFixture) async throws -> [IngestResult] {
        let size = ContentAddressSweep.chunkSize
        let store = try fixture.openStore()
        let drafts = (0..<(2 * size + 100)).map { draft(clock: Int64($0), text: "record \($0)") }
        var written = try await store.ingest(batch: Array(drafts[..<(size + 10)]), signingWith: nil)
        written += try await store.ingest(batch: Array(drafts[(size + 10)..<(2 * size)]), signingWith: SigningIdentity())
        written += try await store.ingest(batch: Array(drafts[(2 * size)...]), signingWith: SigningIdentity())
        try await store.close()
        return written
    }

    private func rows(_ path: String) throws -> [SweptRow] {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        return try database.read { db in
            try Row.fetchAll(db, sql: ContentAddressSweep.rowsSQL).map(SweptRow.init)
        }
    }

    /// Every row checked in one piece on this thread, as the sweep did before it was pipelined.
    private func unpipelined(_ path: String) throws -> (badRecords: [SweepFinding], badSignatures: [SweepFinding]) {
        let (findings, signed) = ContentAddressSweep.checkContent(try rows(path))
        return (findings, ContentAddressSweep.checkSignatures(signed))
    }

    @Test func badRecordsInDifferentChunksAreFoundInSequenceOrder() async throws {
        let fixture = StoreFixture()
        let written = try await makeThreeChunkStore(fixture)
        let size = ContentAddressSweep.chunkSize
        let database = try DatabaseQueue(path: fixture.storePath)
        try await database.write { db in
            // Chunk 3 first, so the order of the findings cannot come from the order of the edits.
            let otherSig = try String.fetchOne(db, sql: "SELECT sig FROM records WHERE sequence = ?", arguments: [2 * size + 2])!
            try db.execute(sql: "UPDATE records SET sig = ? WHERE sequence = ?", arguments: [otherSig, 2 * size + 21])
            try db.execute(sql: "UPDATE records SET canonical = replace(canonical, 'record', 'RECORD') WHERE sequence = ?", arguments: [2 * size + 50])
            try db.execute(sql: "UPDATE records SET actor = 'did:example:mallory' WHERE sequence = ?", arguments: [size + 6])
            try db.execute(sql: "UPDATE records SET sig = ? WHERE sequence = ?", arguments: [otherSig, size + 4000])
            try db.execute(sql: "UPDATE records SET canonical = replace(canonical, 'record', 'RECORD') WHERE sequence = 4")
        }
        try database.close()

        let steps = CallbackLog<SweepProgress>()
        let report = try await offThePool { try ContentAddressSweep.run(file: fixture.storePath) { steps.append($0) } }
        let total = Int64(written.count)
        #expect(report.recordsChecked == total)
        // Every signed record but the one whose content is bad (its signature is never reached).
        #expect(report.signaturesChecked == total - Int64(size + 10) - 1)
        #expect(report.badRecords.map(\.sequence) == [4, Int64(size + 6), Int64(2 * size + 50)])
        #expect(report.badRecords.map(\.storedID) == [written[3].id.hex, written[size + 5].id.hex, written[2 * size + 49].id.hex])
        #expect(report.badSignatures.map(\.sequence) == [Int64(size + 4000), Int64(2 * size + 21)])
        #expect(steps.all.map(\.done) == [Int64(size), Int64(2 * size), total])
        #expect(steps.all.allSatisfy { $0.total == total })

        let expected = try unpipelined(fixture.storePath)
        #expect(report.badRecords == expected.badRecords)
        #expect(report.badSignatures == expected.badSignatures)
    }

    @Test func finishWaitsForEveryChunkHandedIn() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 300)
        let rows = try rows(fixture.storePath)
        let steps = CallbackLog<SweepProgress>()
        let pipeline = SweepPipeline(total: 300, progress: { steps.append($0) })
        // More chunks than the pipeline holds at once, so handing in also waits for checks to end.
        let report = await offThePool {
            for start in stride(from: 0, to: 300, by: 30) {
                pipeline.check(Array(rows[start..<(start + 30)]))
            }
            return pipeline.finish()
        }
        #expect(steps.all.map(\.done) == Array(stride(from: 30, through: 300, by: 30)))
        #expect(report.recordsChecked == 300)
        #expect(report.isClean)
    }
}

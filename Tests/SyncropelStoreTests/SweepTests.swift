import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

@Suite struct SweepTests {
    @Test func aSoundStoreSweepsCleanWithSignaturesCountedApart() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
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
        let report = try ContentAddressSweep.run(file: fixture.storePath)
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
        let report = try ContentAddressSweep.run(file: fixture.storePath)
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

    @Test func aRecordWhoseLookupColumnChangedIsNamed() async throws {
        let fixture = StoreFixture()
        let written = try await fixture.makeStoreFile(count: 20)
        let target = written[7]
        // In the table row, the id column is followed by the thread and actor columns.
        let columns = target.id.hex + "th_fixture" + "did:example:alice"
        try tamper(fixture, replacing: columns, with: target.id.hex + "th_fixture" + "did:example:mallo")
        let report = try ContentAddressSweep.run(file: fixture.storePath)
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
        let report = try ContentAddressSweep.run(file: fixture.storePath)
        #expect(report.recordsChecked == 20)
        #expect(Set(report.badRecords.map(\.storedID)) == Set(written.map(\.id.hex)))
    }

    @Test func aSignatureThatNoLongerVerifiesIsReportedApart() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        let identity = SigningIdentity()
        let written = try await store.ingest(batch: (0..<5).map { draft(clock: Int64($0)) }, signingWith: identity)
        let other = try SigningIdentity().sign(written[2].stored.record)
        try await store.database.write { db in
            try db.execute(sql: "UPDATE records SET sig = ? WHERE sequence = 3", arguments: [other.signature!.sig])
        }
        let report = try await store.sweepContentAddresses()
        #expect(report.badRecords.isEmpty)
        #expect(report.signaturesChecked == 5)
        #expect(report.badSignatures.map(\.storedID) == [written[2].id.hex])
        #expect(report.badSignatures.first?.description == "record \(written[2].id) (sequence 3): bad signature: signature does not verify for record \(written[2].id)")
        try await store.close()
    }
}

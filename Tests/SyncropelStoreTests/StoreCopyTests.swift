import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

/// `spl store copy`: a log moved record for record, resumable, never carrying a record that fails its check.
@Suite struct StoreCopyTests {
    /// A source of `count` signed records on two threads; returns it open with its records.
    private func source(_ fixture: StoreFixture, count: Int) async throws -> (SQLiteRecordStore, [StoredRecord]) {
        let store = try fixture.openStore()
        let identity = SigningIdentity()
        _ = try await store.ingest(
            batch: (0..<count).map { draft(clock: Int64($0 / 2), thread: $0 % 2 == 0 ? "th_a" : "th_b", text: "r\($0)") },
            signingWith: identity)
        return (store, try await store.records(afterSequence: 0, limit: count))
    }

    private func destination(_ fixture: StoreFixture, did: String? = StoreFixture.options.instanceDID) throws -> SQLiteRecordStore {
        try SQLiteRecordStore(path: fixture.folder + "/copy.db", options: .init(createdByVersion: "0.0.0-test", instanceDID: did))
    }

    @Test func everyRecordKeepsItsSequenceBytesAndSignatureAcrossBatches() async throws {
        let fixture = StoreFixture()
        let (source, records) = try await source(fixture, count: 250)
        let target = try destination(fixture)
        let steps = CallbackLog<StoreCopy.Progress>()
        let result = try await StoreCopy(from: source, to: target, batchSize: 100).run { steps.append($0) }
        #expect(result == StoreCopy.Result(appended: 250, resumedAt: 0, highestSequence: 250))
        #expect(try await target.records(afterSequence: 0, limit: 1000) == records)
        #expect(try await target.threadSummary(id: "th_b")?.recordCount == 125)
        #expect(steps.all.map(\.copied) == [0, 100, 200, 250])
        #expect(steps.all.allSatisfy { $0.total == 250 })
        try await target.close()
        try await source.close()
    }

    @Test func anInterruptedCopyResumesWhereTheDestinationEnds() async throws {
        let fixture = StoreFixture()
        let (source, records) = try await source(fixture, count: 30)
        let target = try destination(fixture)
        try await target.appendVerbatim(Array(records.prefix(12)))
        let result = try await StoreCopy(from: source, to: target, batchSize: 7).run()
        #expect(result == StoreCopy.Result(appended: 18, resumedAt: 12, highestSequence: 30))
        #expect(try await target.records(afterSequence: 0, limit: 100) == records)
        let again = try await StoreCopy(from: source, to: target).run()
        #expect(again == StoreCopy.Result(appended: 0, resumedAt: 30, highestSequence: 30))
        try await target.close()
        try await source.close()
    }

    @Test func aDestinationHoldingOtherRecordsIsRefusedAndLeftAsItWas() async throws {
        let fixture = StoreFixture()
        let (source, records) = try await source(fixture, count: 5)
        let target = try destination(fixture)
        let other = try await target.ingest(draft(clock: 0, thread: "th_other"), signingWith: nil)
        let expected = StoreCopyError.notAPrefix(
            destination: target.url, sequence: 1, sourceID: records[0].id.hex, destinationID: other.stored.id.hex)
        await #expect(throws: expected) { try await StoreCopy(from: source, to: target).run() }
        #expect(expected.description == "\(target.url) holds record \(other.stored.id.hex) at sequence 1 where the source holds "
            + "\(records[0].id.hex); it is not a partial copy of the source, so the copy cannot resume into it; copy into an empty store")
        #expect(try await target.counts().records == 1)
        try await target.close()
        try await source.close()
    }

    @Test func anotherInstancesStoreIsRefused() async throws {
        let fixture = StoreFixture()
        let (source, _) = try await source(fixture, count: 3)
        let target = try destination(fixture, did: "did:sync:instance:ffffffffffffffffffffffff")
        _ = try await target.ingest(draft(clock: 0), signingWith: nil)
        let expected = StoreCopyError.differentInstance(
            source: StoreFixture.options.instanceDID!, destination: "did:sync:instance:ffffffffffffffffffffffff")
        await #expect(throws: expected) { try await StoreCopy(from: source, to: target).run() }
        #expect(expected.description == "the destination holds the records of did:sync:instance:ffffffffffffffffffffffff, "
            + "the source those of \(StoreFixture.options.instanceDID!); copy into an empty store")
        try await target.close()
        try await source.close()
    }

    @Test func aRecordWhoseSignatureFailsStopsTheCopyBeforeIt() async throws {
        let fixture = StoreFixture()
        let (written, records) = try await source(fixture, count: 20)
        // Another valid-looking signature: the row still decodes, only the check can catch it.
        let forged = Data(repeating: 7, count: 64).base64EncodedString()
        try await written.database.write { db in
            try db.execute(sql: "UPDATE records SET sig = ? WHERE sequence = 14", arguments: [forged])
        }
        // `spl store copy` opens the source file itself: the store that wrote it would still hold
        // its newest records as it committed them (`RecentRecords`), not as the file now has them.
        try await written.close()
        let source = try fixture.openStore()
        let target = try destination(fixture)
        let error = await #expect(throws: StoreCopyError.self) { try await StoreCopy(from: source, to: target, batchSize: 10).run() }
        #expect(error == .badRecord(
            source: source.url, sequence: 14, reason: "signature does not verify for record \(records[13].id.hex)"))
        #expect(error?.description == "record at sequence 14 of \(source.url) failed its check: signature does not verify "
            + "for record \(records[13].id.hex); run 'spl backup verify' on the source; nothing past it was copied")
        #expect(try await target.counts().highestSequence == 10)
        try await target.close()
        try await source.close()
    }

    @Test func storeAddressesAreFilesOrURLsAndAnythingElseIsNamedInTheError() throws {
        #expect(try StoreAddress("hub.db", currentDirectory: "/srv/a", environment: [:]) == .sqlite(path: "/srv/a/hub.db"))
        #expect(try StoreAddress("sqlite:///var/lib/../spl/hub.db", currentDirectory: "/x", environment: [:]) == .sqlite(path: "/var/spl/hub.db"))
        #expect(throws: StoreAddressError.unknownScheme("mysql://h/db")) { try StoreAddress("mysql://h/db", currentDirectory: "/", environment: [:]) }
        #expect(StoreAddressError.unknownScheme("mysql://h/db").description
            == "mysql://h/db names no store spl knows; give a file path, sqlite:///path or postgresql://user@host:port/database")
        #expect(StoreAddressError.missingFile("/a/b.db").description == "no store file at /a/b.db")
    }
}

import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

@Suite(.postgresServer, .timeLimit(.minutes(5))) struct IngestTests {
    @Test(arguments: StoreBackend.allCases) func aDuplicateIsANoOp(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let first = try await store.ingest(draft(clock: 1), signingWith: nil)
        let again = try await store.ingest(draft(clock: 1), signingWith: nil)
        #expect(first.status == .created)
        #expect(again.status == .exists)
        #expect(again.stored == first.stored)
        #expect(try await store.counts() == StoreCounts(records: 1, threads: 1, highestSequence: 1))
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aClashingClockIsRefused(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let first = try await store.ingest(draft(clock: 1, text: "first"), signingWith: nil)
        let error = await #expect(throws: RecordError.self) {
            try await store.ingest(draft(clock: 1, text: "second"), signingWith: nil)
        }
        #expect(error?.code == .duplicateClock)
        #expect(error?.field == "clock")
        #expect(error?.description == "DUPLICATE_CLOCK: did:example:alice already wrote \(first.id) at clock 1 on thread th_fixture")
        // Another actor may use the same clock on the same thread.
        let other = try await store.ingest(draft(actor: "did:example:bob", clock: 1), signingWith: nil)
        #expect(other.status == .created)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aBatchWithAClashingRecordWritesNothingAndNamesIt(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(draft(clock: 7, text: "already there"), signingWith: nil)
        let batch = [draft(clock: 1), draft(clock: 2), draft(clock: 3), draft(clock: 7, text: "clash"), draft(clock: 8)]
        let error = await #expect(throws: RecordError.self) {
            try await store.ingest(batch: batch, signingWith: nil)
        }
        #expect(error?.code == .duplicateClock)
        #expect(error?.field == "records[3].clock")
        #expect(try await store.counts().records == 1)
        #expect(try await store.threadSummary(id: "th_fixture")?.recordCount == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aBatchWithAnInvalidRecordWritesNothingAndNamesIt(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let batch = [draft(clock: 1), draft(clock: 2), draft(clock: 3), draft(clock: -4), draft(clock: 5)]
        let error = await #expect(throws: RecordError.self) {
            try await store.ingest(batch: batch, signingWith: nil)
        }
        #expect(error?.code == .invalidClock)
        #expect(error?.field == "records[3].clock")
        #expect(error?.description == "INVALID_CLOCK: records[3]: clock must be 0 or more")
        #expect(try await store.counts().records == 0)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func duplicatesInsideABatchAreNoOps(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(draft(clock: 1), signingWith: nil)
        let results = try await store.ingest(batch: [draft(clock: 1), draft(clock: 2), draft(clock: 2)], signingWith: nil)
        #expect(results.map(\.status) == [.exists, .created, .exists])
        #expect(results.map(\.clock) == [1, 2, 2])
        #expect(results[1].sequence == results[2].sequence)
        #expect(try await store.counts().records == 2)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aMissingClockIsTheThreadsHighestPlusOne(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let first = try await store.ingest(draft(thread: "th_auto"), signingWith: nil)
        #expect(first.clock == 0)
        _ = try await store.ingest(draft(actor: "did:example:bob", clock: 41, thread: "th_auto"), signingWith: nil)
        let next = try await store.ingest(draft(thread: "th_auto", text: "after bob"), signingWith: nil)
        #expect(next.clock == 42)
        let batch = try await store.ingest(batch: [draft(thread: "th_auto", text: "a"), draft(thread: "th_auto", text: "b")], signingWith: nil)
        #expect(batch.map(\.clock) == [43, 44])
        #expect(try await store.ingest(draft(thread: "th_other"), signingWith: nil).clock == 0)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func theSignerSignsUnsignedRecordsAfterTheirClockIsKnown(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let identity = SigningIdentity()
        let result = try await store.ingest(draft(), signingWith: identity)
        #expect(result.stored.record.signature?.signer == identity.didKey.description)
        let read = try #require(try await store.record(id: result.id))
        #expect(read.record.signature == result.stored.record.signature)
        #expect(throws: Never.self) { try read.record.verifySignature() }

        // A record that arrives signed keeps its own signature.
        let sender = SigningIdentity()
        let signed = try sender.sign(draft(clock: 5).record())
        let kept = try await store.ingest(draft(clock: 5, signature: signed.signature), signingWith: identity)
        #expect(kept.stored.record.signature == signed.signature)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aSignatureThatDoesNotVerifyIsRefused(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let signedOther = try SigningIdentity().sign(draft(clock: 9, text: "other").record())
        let error = await #expect(throws: RecordError.self) {
            try await store.ingest(batch: [draft(clock: 1), draft(clock: 2, signature: signedOther.signature)], signingWith: nil)
        }
        #expect(error?.code == .badSignature)
        #expect(error?.field == "records[1].sig")
        #expect(try await store.counts().records == 0)
        try await store.close()
    }

    /// Eight tasks writing at once: every acknowledged record is stored, and the
    /// bad request among them fails alone.
    @Test(arguments: StoreBackend.allCases) func concurrentWritersAreAllAcknowledged(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(draft(actor: "did:example:writer3", clock: 10, thread: "th_w3"), signingWith: nil)
        let acknowledged = try await withThrowingTaskGroup(of: [IngestResult].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var results: [IngestResult] = []
                    for index in 0..<40 {
                        let clash = writer == 3 && index == 10
                        let record = draft(actor: "did:example:writer\(writer)", clock: Int64(index), thread: "th_w\(writer)", text: clash ? "clash" : "r")
                        do {
                            results.append(try await store.ingest(record, signingWith: nil))
                        } catch let error as RecordError where clash {
                            #expect(error.code == .duplicateClock)
                        }
                    }
                    return results
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count == 8 * 40 - 1)
        #expect(Set(acknowledged.map(\.sequence)).count == acknowledged.count)
        for result in acknowledged {
            #expect(try await store.record(id: result.id) == result.stored)
        }
        #expect(try await store.counts() == StoreCounts(records: 8 * 40, threads: 8, highestSequence: 8 * 40))
        try await store.close()
    }

    @Test func aFullStoreWritesNothingAndKeepsServing() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(draft(clock: 0), signingWith: nil)
        // SQLite answers SQLITE_FULL at its page limit exactly as on a full disk.
        try await store.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + 2)")
        }
        let big = String(repeating: "x", count: 64 * 1024)
        let error = await #expect(throws: StoreError.self) {
            try await store.ingest(batch: (1...20).map { draft(clock: Int64($0), text: big) }, signingWith: nil)
        }
        #expect(error == .storeFull(path: fixture.storePath, sqliteMessage: "database or disk is full (SQLite error 13)"))
        #expect(error?.description == "store \(fixture.storePath) is full: database or disk is full (SQLite error 13); nothing was written")
        #expect(try await store.counts().records == 1)
        #expect(try await store.ingest(draft(clock: 1), signingWith: nil).status == .created)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func ingestAfterCloseIsRefused(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        try await store.close()
        try await store.close()
        let error = await #expect(throws: StoreError.self) { try await store.ingest(draft(clock: 1), signingWith: nil) }
        #expect(error?.description == "store \(fixture.name(of: store)) is closed")
    }

    @Test func theMemoryStoreWritesNoFile() async throws {
        let fixture = StoreFixture()
        let store = try SQLiteRecordStore.inMemory(options: StoreFixture.options)
        let result = try await store.ingest(draft(clock: 3), signingWith: nil)
        #expect(try await store.record(id: result.id) == result.stored)
        #expect(store.url == "sqlite://:memory:")
        try await store.close()
        #expect(try fixture.listing().isEmpty)
    }
}

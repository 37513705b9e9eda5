import Foundation
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// What replication needs of the store: its mark, and appending records as another store held them.
@Suite(.postgresServer, .timeLimit(.minutes(5))) struct ReplicaSupportTests {
    @Test(arguments: StoreBackend.allCases) func aReplicaMarkIsKeptPerReplicaAndForgottenTogether(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        #expect(try await store.replicaPosition("nas") == nil)
        let mark = ReplicaPosition(generation: "g1", shippedSequence: 42, chain: String(repeating: "c", count: 64))
        try await store.saveReplicaPosition("nas", mark)
        try await store.saveReplicaPosition("s3", ReplicaPosition(generation: "g2", shippedSequence: 7, chain: "d"))
        try await store.saveReplicaPosition("nas", ReplicaPosition(generation: "g1", shippedSequence: 43, chain: "e"))
        #expect(try await store.replicaPosition("nas") == ReplicaPosition(generation: "g1", shippedSequence: 43, chain: "e"))
        #expect(try await store.replicaPosition("s3")?.shippedSequence == 7)
        try await store.dropReplicaPositions()
        #expect(try await store.replicaPosition("nas") == nil)
        #expect(try await store.replicaPosition("s3") == nil)
        #expect(try await store.metadata().instanceDID == StoreFixture.options.instanceDID)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func storedRecordsAreAppendedAsTheyWereWithThreadSummaries(backend: StoreBackend) async throws {
        let source = try await StoreFixture().makeStoreFileReturningRecords(count: 5)
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        var heard = store.committedSequences().makeAsyncIterator()
        #expect(await heard.next() == 0)
        try await store.appendVerbatim(Array(source.prefix(3)))
        try await store.appendVerbatim(Array(source.dropFirst(3)))
        #expect(try await store.records(afterSequence: 0, limit: 10) == source)
        #expect(try await store.threadSummary(id: "th_fixture")?.recordCount == 5)
        #expect(try await store.threadSummary(id: "th_fixture")?.lastClock == 4)
        #expect(store.highestCommittedSequence == 5)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func recordsThatDoNotContinueTheLogAreRefusedAndNothingIsWritten(backend: StoreBackend) async throws {
        let source = try await StoreFixture().makeStoreFileReturningRecords(count: 4)
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        try await store.appendVerbatim([source[0]])
        await #expect(throws: VerbatimAppendError.notNext(expected: 2, found: 3)) {
            try await store.appendVerbatim([source[2], source[3]])
        }
        await #expect(throws: VerbatimAppendError.notNext(expected: 3, found: 1)) {
            try await store.appendVerbatim([source[1], source[0]])
        }
        let clash = StoredRecord(record: source[0].record, sequence: 2, createdAt: source[0].createdAt)
        await #expect(throws: VerbatimAppendError.alreadyStored(sequence: 2, id: source[0].id.hex)) {
            try await store.appendVerbatim([clash])
        }
        #expect(try await store.records(afterSequence: 0, limit: 10) == [source[0]])
        #expect(try await store.threadSummary(id: "th_fixture")?.recordCount == 1)
        try await store.close()
    }

    @Test func messages() {
        #expect(VerbatimAppendError.notNext(expected: 2, found: 3).description
            == "a record at sequence 3 cannot follow the log: the next sequence is 2")
        #expect(VerbatimAppendError.alreadyStored(sequence: 2, id: "ab").description
            == "record ab at sequence 2 clashes with a stored record (same id, or same thread, actor and clock)")
    }
}

extension StoreFixture {
    /// `makeStoreFile`, returning the records as the store holds them.
    func makeStoreFileReturningRecords(count: Int) async throws -> [StoredRecord] {
        try await makeStoreFile(count: count).map(\.stored)
    }
}

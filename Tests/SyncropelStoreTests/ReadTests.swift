import Foundation
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

@Suite(.postgresServer, .timeLimit(.minutes(5))) struct ReadTests {
    @Test(arguments: StoreBackend.allCases) func recordsSurviveCloseAndReopen(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let first = try await fixture.openStore(backend)
        let written = try await first.ingest(batch: (0..<25).map { draft(clock: Int64($0)) }, signingWith: nil)
        try await first.close()
        #expect(!fixture.exists(fixture.storePath + "-wal"))
        let store = try await fixture.openStore(backend)
        for result in written {
            #expect(try await store.record(id: result.id) == result.stored)
        }
        #expect(try await store.counts() == StoreCounts(records: 25, threads: 1, highestSequence: 25))
        let metadata = try await store.metadata()
        #expect(metadata == StoreMetadata(
            schemaVersion: backend == .sqlite ? StoreFixture.schemaVersion : PostgresRecordStore.schemaVersion, instanceDID: StoreFixture.options.instanceDID,
            createdByVersion: "0.0.0-test"))
        try await store.close()
    }

    @Test func theStoreFileIsPrivate() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 1)
        #expect(try fixture.mode(of: fixture.storePath) == 0o600)
    }

    @Test(arguments: StoreBackend.allCases) func anUnknownRecordOrThreadReadsAsNothing(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        #expect(try await store.record(id: RecordID(hex: String(repeating: "0", count: 64))!) == nil)
        let page = try await store.threadRecords("th_nobody", from: .newest, limit: 10)
        #expect(page == ThreadPage(records: [], olderCursor: nil, newerCursor: nil))
        #expect(try await store.threadSummary(id: "th_nobody") == nil)
        try await store.close()
    }

    /// 54 records written in shuffled clock order, with clock ties between actors; at every
    /// other tie the later actor by name writes first, so the order of the (thread, clock,
    /// actor) index and the page's (clock, sequence) order disagree there.
    private func shuffledThread(_ store: any RecordStore) async throws -> [StoredRecord] {
        var generator = SystemRandomNumberGenerator()
        var drafts: [RecordDraft] = []
        for clock in (0..<40).shuffled(using: &generator) {
            let alice = draft(clock: Int64(clock), thread: "th_pages", text: "a\(clock)")
            guard clock % 3 == 0 else {
                drafts.append(alice)
                continue
            }
            let bob = draft(actor: "did:example:bob", clock: Int64(clock), thread: "th_pages", text: "b\(clock)")
            drafts += clock % 2 == 0 ? [bob, alice] : [alice, bob]
        }
        var stored: [StoredRecord] = []
        for draft in drafts {
            stored.append(try await store.ingest(draft, signingWith: nil).stored)
        }
        #expect(stored.count == 54)
        return stored.sorted { ($0.record.clock, $0.sequence) < ($1.record.clock, $1.sequence) }
    }

    @Test(arguments: StoreBackend.allCases) func threadPagesWalkBackwardWithoutDuplicatesOrGaps(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let expected = try await shuffledThread(store)
        var page = try await store.threadRecords("th_pages", from: .newest, limit: 10)
        #expect(page.newerCursor == nil)
        var walked = page.records
        var extraClock: Int64 = 100
        while let older = page.olderCursor {
            // Records arriving meanwhile (newer clocks) do not disturb older pages.
            _ = try await store.ingest(draft(clock: extraClock, thread: "th_pages"), signingWith: nil)
            extraClock += 1
            page = try await store.threadRecords("th_pages", from: .cursor(older), limit: 10)
            #expect(page.records.count <= 10)
            #expect(page.newerCursor != nil)
            walked = page.records + walked
        }
        #expect(walked == expected)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func threadPagesWalkForwardWithoutDuplicatesOrGaps(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let expected = try await shuffledThread(store)
        var page = try await store.threadRecords("th_pages", from: .sinceClock(4), limit: 7)
        #expect(page.olderCursor == nil)
        var walked = page.records
        while let newer = page.newerCursor {
            page = try await store.threadRecords("th_pages", from: .cursor(newer), limit: 7)
            #expect(page.olderCursor != nil)
            walked += page.records
        }
        #expect(walked == expected.filter { $0.record.clock > 4 })
        #expect(try await store.threadRecords("th_pages", from: .sinceClock(39), limit: 7).records.isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func cursorsTurnAroundBetweenDirections(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        let expected = try await shuffledThread(store)
        let newest = try await store.threadRecords("th_pages", from: .newest, limit: 10)
        let older = try await store.threadRecords("th_pages", from: .cursor(try #require(newest.olderCursor)), limit: 10)
        let back = try await store.threadRecords("th_pages", from: .cursor(try #require(older.newerCursor)), limit: 10)
        #expect(back.records == newest.records)
        #expect(back.newerCursor == nil)
        #expect(older.records == Array(expected.dropLast(10).suffix(10)))
        try await store.close()
    }

    @Test func cursorsRoundTripThroughText() throws {
        let cursor = ThreadCursor(.older, clock: 12, sequence: 345)
        #expect(cursor.description == "o12.345")
        #expect(ThreadCursor("o12.345") == cursor)
        #expect(ThreadCursor("n0.1") == ThreadCursor(.newer, clock: 0, sequence: 1))
        for bad in ["", "x1.2", "o1", "o1.2.3", "oa.1", "n1."] {
            #expect(ThreadCursor(bad) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases) func recordsAfterASequenceFeedFolds(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(batch: (0..<12).map { draft(clock: Int64($0)) }, signingWith: nil)
        #expect(try await store.records(afterSequence: 0, limit: 5).map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(try await store.records(afterSequence: 9, limit: 5).map(\.sequence) == [10, 11, 12])
        #expect(try await store.records(afterSequence: 12, limit: 5).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func threadSummariesAndCounts(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(batch: [draft(clock: 5, thread: "th_a"), draft(clock: 2, thread: "th_a")], signingWith: nil)
        let last = try await store.ingest(draft(clock: 9, thread: "th_b"), signingWith: nil)
        let summaries = try await store.threadSummaries()
        #expect(summaries.map(\.id) == ["th_b", "th_a"] || summaries.map(\.id) == ["th_a", "th_b"])
        let a = try #require(try await store.threadSummary(id: "th_a"))
        #expect(a.recordCount == 2)
        #expect(a.lastClock == 5)
        #expect(try await store.threadSummary(id: "th_b")?.updatedAt == last.stored.createdAt)
        #expect(try await store.counts() == StoreCounts(records: 3, threads: 2, highestSequence: 3))
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func derivedStateIsSavedLoadedAndDropped(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        _ = try await store.ingest(batch: (0..<3).map { draft(clock: Int64($0)) }, signingWith: nil)
        #expect(try await store.loadDerivedState(name: "threads") == nil)
        let blob = DerivedStateBlob(name: "threads", watermark: 3, bytes: Array("{\"n\":3}".utf8))
        try await store.saveDerivedState(blob)
        #expect(try await store.loadDerivedState(name: "threads") == blob)
        let newer = DerivedStateBlob(name: "threads", watermark: 2, bytes: [1, 2, 3])
        try await store.saveDerivedState(newer)
        #expect(try await store.loadDerivedState(name: "threads") == newer)
        // A watermark past the log (a store swapped underneath) is not trusted.
        try await store.saveDerivedState(DerivedStateBlob(name: "trust", watermark: 99, bytes: [0]))
        #expect(try await store.loadDerivedState(name: "trust") == nil)
        try await store.dropDerivedState(name: "threads")
        try await store.dropDerivedState(name: "threads")
        #expect(try await store.loadDerivedState(name: "threads") == nil)
        try await store.close()
    }
}

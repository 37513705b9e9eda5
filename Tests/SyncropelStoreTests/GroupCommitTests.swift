import Foundation
import GRDB
import SyncropelKit
import Testing

@testable import SyncropelStore

/// The writer's transaction: requests grouped into one commit fail one by one.
@Suite struct GroupCommitTests {
    private func commit(_ drafts: [[RecordDraft]], in store: SQLiteRecordStore) async throws -> [Result<[IngestResult], any Error>] {
        let requests = try drafts.map { try IngestRequest(drafts: $0, signer: nil, isBatch: $0.count > 1) }
        let commit = GroupCommit(path: store.path, floor: nil)
        return try await store.database.writeWithoutTransaction { db in commit.run(requests, in: db) }
    }

    @Test func aRefusedRequestFailsAloneInsideTheGroup() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(draft(clock: 5), signingWith: nil)
        let outcomes = try await commit(
            [[draft(clock: 1)], [draft(clock: 2), draft(clock: 5, text: "clash")], [draft(clock: 3)]], in: store)
        #expect(try outcomes[0].get().map(\.clock) == [1])
        let refused = #expect(throws: RecordError.self) { try outcomes[1].get() }
        #expect(refused?.code == .duplicateClock)
        #expect(refused?.field == "records[1].clock")
        #expect(try outcomes[2].get().map(\.clock) == [3])
        #expect(try await store.counts().records == 3)
        #expect(try await store.threadSummary(id: "th_fixture")?.recordCount == 3)
        try await store.close()
    }

    @Test func aRequestThatFillsTheStoreFailsAloneAndTheOthersCommit() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(draft(clock: 0), signingWith: nil)
        try await store.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + 4)")
        }
        let big = String(repeating: "x", count: 64 * 1024)
        let outcomes = try await commit(
            [[draft(clock: 1)], (2..<12).map { draft(clock: Int64($0), text: big) }, [draft(clock: 20)]], in: store)
        #expect(try outcomes[0].get().map(\.clock) == [1])
        #expect(throws: StoreError.storeFull(path: fixture.storePath, sqliteMessage: "database or disk is full (SQLite error 13)")) {
            try outcomes[1].get()
        }
        #expect(try outcomes[2].get().map(\.clock) == [20])
        let page = try await store.threadRecords("th_fixture", from: .newest, limit: 100)
        #expect(page.records.map(\.record.clock) == [0, 1, 20])
        try await store.close()
    }
}

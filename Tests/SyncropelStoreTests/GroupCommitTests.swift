import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// The writer's transaction: requests grouped into one commit fail one by one.
@Suite(.postgresServer, .timeLimit(.minutes(5))) struct GroupCommitTests {
    /// The requests as one group, through the backend's own group commit.
    private func commit(_ drafts: [[RecordDraft]], in store: any RecordStore) async throws -> [Result<[IngestResult], any Error>] {
        let requests = try drafts.map { try IngestRequest(drafts: $0, signer: nil, isBatch: $0.count > 1) }
        switch store {
        case let postgres as PostgresRecordStore:
            return try await postgres.writes.withConnection { connection in
                var commit = PostgresGroupCommit(url: postgres.url, connection: connection, floor: nil)
                return try await commit.run(requests)
            }
        case let sqlite as SQLiteRecordStore:
            let commit = GroupCommit(path: sqlite.path, floor: nil, schemaVersion: sqlite.schemaVersion)
            return try await sqlite.database.writeWithoutTransaction { db in commit.run(requests, in: db) }
        default:
            throw StoreError.closed(path: store.url)
        }
    }

    @Test(arguments: StoreBackend.allCases) func aRefusedRequestFailsAloneInsideTheGroup(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
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

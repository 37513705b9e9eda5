import Foundation
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// Checkpoints run beside the writer, on their own connection, while the store stays open.
@Suite(.timeLimit(.minutes(2))) struct WALCheckpointerTests {
    private func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    @Test func theStoreFileGrowsWhileOpenAndEveryRecordIsThere() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        let sizeAtOpen = size(fixture.storePath)
        // About 12 MB of pages: well past the 1000-frame threshold, far below the writer's own backstop.
        for batch in 0..<30 {
            let text = String(repeating: "x", count: 300)
            let drafts = (0..<1000).map { draft(clock: Int64(batch * 1000 + $0), text: "\(text) \(batch) \($0)") }
            _ = try await store.ingest(batch: drafts)
        }
        // Only a checkpoint writes pages into the store file; SQLite's automatic one is off.
        try await waitUntil { size(fixture.storePath) >= sizeAtOpen + 4_000_000 }
        #expect(size(fixture.storePath) >= sizeAtOpen + 4_000_000)
        #expect(size(fixture.storePath + "-wal") <= Int64(WALCheckpointer.backstopFrames) * 4200)
        #expect(try await store.counts().records == 30_000)
        try await store.close()
        #expect(!fixture.exists(fixture.storePath + "-wal"))
    }

    @Test func closingWaitsForARunningCheckpointAndLeavesNoWAL() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        let drafts = (0..<3000).map { draft(clock: Int64($0), text: String(repeating: "y", count: 500) + "\($0)") }
        _ = try await store.ingest(batch: drafts)
        try await store.close()
        #expect(!fixture.exists(fixture.storePath + "-wal"))
        #expect(!fixture.exists(fixture.storePath + "-shm"))
        let reopened = try fixture.openStore()
        #expect(try await reopened.counts().records == 3000)
        try await reopened.close()
    }
}

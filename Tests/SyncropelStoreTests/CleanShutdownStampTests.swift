import Foundation
import SyncropelKit
import Testing

@testable import SyncropelStore

@Suite struct CleanShutdownStampTests {
    @Test func anUnchangedStoreSkipsTheFullCheck() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 3)
        let stampPath = fixture.folder + "/clean-shutdown.json"
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)), "no stamp yet")

        let stamp = try CleanShutdownStamp(storePath: fixture.storePath)
        try fixture.write(stamp.encoded, to: stampPath)
        #expect(CleanShutdownStamp.load(from: stampPath) == stamp)
        #expect(stamp.size == Int64(try fixture.bytes(fixture.storePath).count))
        #expect(stamp.changeCounter > 0)
        #expect(!CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))

        // A new owner's pid replaces the stamp in the lock file.
        try fixture.write(Array("4242\n".utf8), to: stampPath)
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))
    }

    @Test func aChangedStoreNeedsTheFullCheck() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 3)
        let stampPath = fixture.folder + "/clean-shutdown.json"
        try fixture.write(CleanShutdownStamp(storePath: fixture.storePath).encoded, to: stampPath)

        let store = try fixture.openStore()
        _ = try await store.ingest(draft(clock: 100), signingWith: nil)
        // Still open: the write waits in the WAL.
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))
        try await store.close()
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))
    }

    @Test func aSameSizeEditNeedsTheFullCheck() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 3)
        let stampPath = fixture.folder + "/clean-shutdown.json"
        try fixture.write(CleanShutdownStamp(storePath: fixture.storePath).encoded, to: stampPath)
        // File times advance in clock ticks of a few milliseconds.
        try await Task.sleep(for: .milliseconds(20))
        var bytes = try fixture.bytes(fixture.storePath)
        bytes[bytes.count - 1] ^= 0xFF
        try fixture.write(bytes, to: fixture.storePath)
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))
    }

    @Test func anUnreadableStampNeedsTheFullCheck() async throws {
        let fixture = StoreFixture()
        try await fixture.makeStoreFile(count: 1)
        let stampPath = fixture.folder + "/clean-shutdown.json"
        try fixture.write(Array("not json".utf8), to: stampPath)
        #expect(CleanShutdownStamp.load(from: stampPath) == nil)
        #expect(CleanShutdownStamp.isFullCheckNeeded(storePath: fixture.storePath, stamp: .load(from: stampPath)))
    }
}

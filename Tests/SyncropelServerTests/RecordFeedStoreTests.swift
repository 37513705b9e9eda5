import SyncropelHome
import SyncropelKit
import SyncropelStore
import Testing

@testable import SyncropelServer

/// What the watch feed relies on from the store: commit notices and the replay read.
@Suite(.timeLimit(.minutes(1))) struct RecordFeedStoreTests {
    private func know(_ thread: String, clock: Int64) -> RecordDraft {
        RecordDraft(act: .know, actor: "did:sync:user:notices", body: JSONObject(["c": .string("\(clock)")]), clock: clock, thread: thread)
    }

    @Test func commitNoticesStartAtTheHighestSequenceAndEndWhenTheStoreCloses() async throws {
        let store = try SQLiteRecordStore.inMemory(options: .init(createdByVersion: "test"))
        _ = try await store.ingest(know("th_n", clock: 1), signingWith: nil)
        #expect(store.highestCommittedSequence == 1)
        var notices = store.committedSequences().makeAsyncIterator()
        #expect(await notices.next() == 1)
        _ = try await store.ingest(batch: [know("th_n", clock: 2), know("th_m", clock: 1)], signingWith: nil)
        #expect(await notices.next() == 3)
        // A record already stored commits nothing new: no notice.
        _ = try await store.ingest(know("th_n", clock: 1), signingWith: nil)
        _ = try await store.ingest(know("th_n", clock: 3), signingWith: nil)
        #expect(await notices.next() == 4)
        try await store.close()
        #expect(await notices.next() == nil)
    }

    @Test func replayReadsOneThreadInSequenceOrderWithinBounds() async throws {
        let store = try SQLiteRecordStore.inMemory(options: .init(createdByVersion: "test"))
        for (thread, clock) in [("th_r", 5), ("th_other", 1), ("th_r", 2), ("th_r", 9), ("th_r", 1)] as [(String, Int64)] {
            _ = try await store.ingest(know(thread, clock: clock), signingWith: nil)
        }
        let all = try await store.threadRecords("th_r", afterSequence: 0, throughSequence: 5, clockAbove: nil, limit: 10)
        #expect(all.map(\.sequence) == [1, 3, 4, 5])
        let bounded = try await store.threadRecords("th_r", afterSequence: 1, throughSequence: 4, clockAbove: nil, limit: 10)
        #expect(bounded.map(\.sequence) == [3, 4])
        let aboveClock = try await store.threadRecords("th_r", afterSequence: 0, throughSequence: 5, clockAbove: 1, limit: 2)
        #expect(aboveClock.map(\.record.clock) == [5, 2])
    }

    @Test(arguments: [
        ([:], 15), (["SPL_SSE_HEARTBEAT_SECS": ""], 15), (["SPL_SSE_HEARTBEAT_SECS": "1"], 1), (["SPL_SSE_HEARTBEAT_SECS": "86400"], 86_400),
    ] as [([String: String], Int)])
    func heartbeatIntervalComesFromTheEnvironmentElseTheConfig(environment: [String: String], seconds: Int) throws {
        let config = HomeConfig.defaults(environment: ["USER": "ana"])
        #expect(try HeartbeatSetting.interval(config: config, environment: environment) == .seconds(seconds))
        var configured = config
        configured.server.sseHeartbeatSecs = 40
        let expected = environment["SPL_SSE_HEARTBEAT_SECS"].flatMap { Int($0) } ?? 40
        #expect(try HeartbeatSetting.interval(config: configured, environment: environment) == .seconds(expected))
    }

    @Test(arguments: ["0", "-1", "1.5", "abc", "86401"])
    func aBadHeartbeatIntervalIsRefusedWithTheFix(value: String) {
        #expect(throws: HeartbeatSettingError(value: value)) {
            try HeartbeatSetting.interval(config: .defaults(environment: [:]), environment: ["SPL_SSE_HEARTBEAT_SECS": value])
        }
        #expect(HeartbeatSettingError(value: value).description
            == "SPL_SSE_HEARTBEAT_SECS=\(value) is not a heartbeat interval; use a whole number of seconds from 1 to 86400")
    }
}

import Logging
import NIOCore
import Synchronization
import SyncropelKit
import SyncropelStore
import Testing

@testable import SyncropelServer

/// The watch hub without HTTP: fan-out by thread, sequence order across commits, replay
/// meeting live without gap or duplicate, lag, disconnect and shutdown.
@Suite(.timeLimit(.minutes(1))) struct RecordFeedTests {
    static let actor = "did:sync:user:feed-test"

    private func store() throws -> SQLiteRecordStore {
        try SQLiteRecordStore.inMemory(options: .init(createdByVersion: "test"))
    }

    @discardableResult
    private func write(_ store: SQLiteRecordStore, _ thread: String, clock: Int64? = nil, actor: String = actor) async throws -> StoredRecord {
        let draft = RecordDraft(act: .know, actor: actor, body: JSONObject(["n": .string("\(clock ?? -1)")]), clock: clock, thread: thread)
        return try await store.ingest(draft, signingWith: nil).stored
    }

    private func subscribe(
        _ feed: RecordFeed, _ thread: String, _ replay: ReplayStart = .liveOnly, store: SQLiteRecordStore,
        closed: ConnectionCloses = ConnectionCloses()
    ) async throws -> FeedReader {
        let subscription = try #require(try await feed.subscribe(thread: thread, replay: replay, store: store) { closed.record() })
        return FeedReader(subscription: subscription, store: store)
    }

    @Test func aThreadsRecordsReachOnlyItsWatchers() async throws {
        let store = try store()
        let feed = RecordFeed()
        var first = try await subscribe(feed, "th_a", store: store)
        var second = try await subscribe(feed, "th_a", store: store)
        var other = try await subscribe(feed, "th_b", store: store)
        let a1 = try await write(store, "th_a", clock: 1)
        let b1 = try await write(store, "th_b", clock: 1)
        let a2 = try await write(store, "th_a", clock: 2)
        #expect(try await first.records(2).map(\.id) == [a1.sequence, a2.sequence].map(String.init))
        #expect(try await second.records(2).map(\.id) == [a1.sequence, a2.sequence].map(String.init))
        #expect(try await other.records(1).map(\.id) == [String(b1.sequence)])
        #expect(await feed.watcherCount == 3)
    }

    @Test func liveFramesFollowSequenceOrderAcrossConcurrentCommits() async throws {
        let store = try store()
        let feed = RecordFeed()
        var reader = try await subscribe(feed, "th_busy", store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for clock in 1...50 as ClosedRange<Int64> {
                        try await write(store, "th_busy", clock: clock, actor: "did:sync:user:w\(writer)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let sequences = try await reader.records(200).map { Int64($0.id)! }
        #expect(sequences == Array(1...200))
    }

    @Test func aFrameCarriesTheSequenceAndTheWholeRecord() async throws {
        let store = try store()
        let feed = RecordFeed()
        var reader = try await subscribe(feed, "th_frame", store: store)
        let stored = try await write(store, "th_frame", clock: 7)
        let frame = try #require(try await reader.records(1).first)
        let expected = JSONValue.object(JSONObject([.init(key: "id", value: .string(stored.id.hex)), .init(key: "record", value: stored.jsonValue)]))
        #expect(frame.text == "id: \(stored.sequence)\nevent: record.created\ndata: \(expected.serialized())\n\n")
    }

    @Test func lastEventIDReplaysWhatCameAfterThenGoesLive() async throws {
        let store = try store()
        var written: [StoredRecord] = []
        for clock in 1...5 as ClosedRange<Int64> {
            written.append(try await write(store, "th_resume", clock: clock))
        }
        try await write(store, "th_elsewhere", clock: 1)
        let feed = RecordFeed()
        var reader = try await subscribe(feed, "th_resume", .afterSequence(written[1].sequence), store: store)
        for clock in 6...7 as ClosedRange<Int64> {
            written.append(try await write(store, "th_resume", clock: clock))
        }
        let sequences = try await reader.records(5).map { Int64($0.id)! }
        #expect(sequences == written[2...].map(\.sequence))
    }

    @Test func sinceClockReplaysHigherClocksInSequenceOrder() async throws {
        let store = try store()
        let late = try await write(store, "th_clock", clock: 9)
        try await write(store, "th_clock", clock: 1)
        let middle = try await write(store, "th_clock", clock: 4)
        let feed = RecordFeed()
        var reader = try await subscribe(feed, "th_clock", .clockAbove(3), store: store)
        let live = try await write(store, "th_clock", clock: 2)
        let sequences = try await reader.records(3).map { Int64($0.id)! }
        #expect(sequences == [late.sequence, middle.sequence, live.sequence])
    }

    @Test func aWatcherAWholeBufferBehindEndsLaggedAndOthersCarryOn() async throws {
        let store = try store()
        let feed = RecordFeed(capacity: 4)
        let closes = ConnectionCloses()
        var stalled = try await subscribe(feed, "th_lag", store: store, closed: closes)
        var reading = try await subscribe(feed, "th_lag", store: store)
        var written: [StoredRecord] = []
        for clock in 1...6 as ClosedRange<Int64> {
            written.append(try await write(store, "th_lag", clock: clock))
            #expect(try await reading.records(1).map(\.id) == [String(written.last!.sequence)])
        }
        #expect(await feed.watcherCount == 1)
        #expect(stalled.subscription.ending == .lagged)
        let frames = try await stalled.rest()
        #expect(frames.map(\.text) == [
            "event: error\ndata: {\"code\":\"lagged\",\"message\":\"this watch fell 4 events behind and was closed; reconnect with Last-Event-ID to resume\"}\n\n"
        ])
        // A response that never writes its last frame has its connection closed after the grace.
        try await closes.wait(for: 1)

        var resumed = try await subscribe(feed, "th_lag", .afterSequence(0), store: store)
        #expect(try await resumed.records(6).map { Int64($0.id)! } == written.map(\.sequence))
    }

    @Test func aDisconnectedWatcherIsForgottenWithoutALastFrame() async throws {
        let store = try store()
        let feed = RecordFeed()
        let closes = ConnectionCloses()
        var reader = try await subscribe(feed, "th_gone", store: store, closed: closes)
        #expect(await feed.watcherCount == 1)
        await feed.remove(reader.subscription, ending: .disconnected)
        #expect(await feed.watcherCount == 0)
        #expect(try await reader.rest().isEmpty)
        try await write(store, "th_gone", clock: 1)
        #expect(await feed.watcherCount == 0)
        #expect(closes.count == 0)
    }

    @Test func shutdownEndsEveryWatchAndRefusesNewOnes() async throws {
        let store = try store()
        let feed = RecordFeed()
        var readers = [
            try await subscribe(feed, "th_x", store: store), try await subscribe(feed, "th_y", .clockAbove(0), store: store),
        ]
        await feed.shutdown()
        for index in readers.indices {
            #expect(try await readers[index].rest().map(\.text) == ["event: server_shutdown\ndata: {\"retry_after_ms\":2000}\n\n"])
        }
        #expect(await feed.watcherCount == 0)
        #expect(try await feed.subscribe(thread: "th_x", replay: .liveOnly, store: store) {} == nil)
    }

    /// Issue 13: 5000 watchers were accepted without a cap.
    @Test func watchersPastTheCapAreRefusedUntilOneCloses() async throws {
        let store = try store()
        let feed = RecordFeed(maxWatchers: 2)
        _ = try await subscribe(feed, "th_x", store: store)
        let second = try #require(try await feed.subscribe(thread: "th_y", replay: .liveOnly, store: store) {})
        let refusal = APIError(.serviceUnavailable, "TOO_MANY_WATCHES", "2 watches are open, the most this daemon keeps; close one or raise [server] max_watchers")
        await #expect(throws: refusal) { try await feed.subscribe(thread: "th_z", replay: .liveOnly, store: store) {} }
        await feed.remove(second, ending: .disconnected)
        #expect(try await feed.subscribe(thread: "th_z", replay: .liveOnly, store: store) {} != nil)
        await feed.shutdown()
    }

    @Test func heartbeatsGoOnlyToWatchersWithNothingQueued() async throws {
        let store = try store()
        let feed = RecordFeed()
        var idle = try await subscribe(feed, "th_idle", store: store)
        var busy = try await subscribe(feed, "th_busy", store: store)
        try await write(store, "th_busy", clock: 1)
        while busy.subscription.backlog == 0 { await Task.yield() }
        await feed.heartbeat()
        await feed.heartbeat()
        #expect(idle.subscription.backlog == 1, "an unread heartbeat is not joined by another")
        #expect(try await idle.next()?.map(\.text) == ["event: heartbeat\ndata: {}\n\n"])
        #expect(try await busy.next()?.first?.text.hasPrefix("id: 1\nevent: record.created\n") == true)
        #expect(busy.subscription.backlog == 1, "the frame counts as queued until the next read")
    }
}

/// Counts the connection closes a subscription asked for.
final class ConnectionCloses: Sendable {
    private let closes = Mutex(0)

    func record() { closes.withLock { $0 += 1 } }

    var count: Int { closes.withLock { $0 } }

    func wait(for count: Int) async throws {
        while self.count < count { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// One SSE frame as text, with its `id:` when it has one.
struct TextFrame {
    let text: String

    var id: String? {
        text.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}

extension FeedReader {
    /// The next `count` record frames, skipping heartbeats; fails if the watch ends first.
    mutating func records(_ count: Int) async throws -> [(id: String, text: String)] {
        var frames: [(id: String, text: String)] = []
        while frames.count < count {
            let batch = try #require(try await next(), "the watch ended after \(frames.count) of \(count) records")
            for buffer in batch {
                let frame = TextFrame(text: buffer.text)
                if let id = frame.id { frames.append((id, frame.text)) }
            }
        }
        return frames
    }

    /// Every frame left until the watch ends.
    mutating func rest() async throws -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        while let batch = try await next() { frames += batch }
        return frames
    }
}

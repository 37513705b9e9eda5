import NIOCore
import SyncropelStore

/// What one watch response writes, in order: the replay its request asked for (read from
/// the store, up to the sequence where the live frames begin), the live frames and
/// heartbeats, then the closing frame (`server_shutdown` or the lagged error).
///
/// Replay and live meet at `subscription.liveAfter`, so the stream has no gap and no
/// duplicate. A watch that ended skips what it still had queued: its client resumes with
/// `Last-Event-ID` and gets those records again by replay.
struct FeedReader {
    /// Records per replay read.
    static let replayPage = 500

    let subscription: FeedSubscription
    let store: any RecordStore
    private var replayCursor: Int64?
    private var events: AsyncStream<FeedSubscription.Event>.AsyncIterator
    private var lastLiveCount = 0
    private var isDone = false

    init(subscription: FeedSubscription, store: any RecordStore) {
        self.subscription = subscription
        self.store = store
        events = subscription.events.makeAsyncIterator()
        switch subscription.replay {
        case .liveOnly: replayCursor = nil
        case .afterSequence(let sequence): replayCursor = sequence
        case .clockAbove: replayCursor = 0
        }
    }

    /// The next frames to write, nil after the last. Asking again means the previous
    /// frames were written.
    mutating func next() async throws -> [ByteBuffer]? {
        subscription.written(lastLiveCount)
        lastLiveCount = 0
        guard !isDone else { return nil }
        if let cursor = replayCursor, subscription.ending == nil {
            let page = try await store.threadRecords(
                subscription.thread, afterSequence: cursor, throughSequence: subscription.liveAfter,
                clockAbove: clockAbove, limit: Self.replayPage)
            replayCursor = page.count == Self.replayPage ? page.last?.sequence : nil
            if !page.isEmpty { return page.map(SSEFrame.record) }
        }
        if subscription.ending == nil, let event = await events.next(), subscription.ending == nil {
            switch event {
            case .records(let frames):
                lastLiveCount = frames.count
                return frames
            case .heartbeat:
                lastLiveCount = 1
                return [SSEFrame.heartbeat]
            }
        }
        isDone = true
        switch subscription.ending {
        case .lagged: return [SSEFrame.lagged(capacity: subscription.capacity)]
        case .shutdown: return [SSEFrame.serverShutdown]
        case .disconnected, nil: return nil
        }
    }

    private var clockAbove: Int64? {
        if case .clockAbove(let clock) = subscription.replay { return clock }
        return nil
    }
}

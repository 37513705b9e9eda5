import NIOCore
import Synchronization

/// One watcher of one thread, as the feed sees it: a bounded queue of live frames,
/// how many of them are not written yet, and why the watch ended.
///
/// The feed offers frames; the watch's own response task (`FeedReader`) takes them. A
/// watcher whose unwritten frames would exceed `capacity` ends `lagged` instead of
/// holding the feed up or growing without bound.
final class FeedSubscription: Sendable {
    enum Event: Sendable {
        /// Consecutive record frames of the thread, in sequence order.
        case records([ByteBuffer])
        case heartbeat
    }

    enum Ending: String, Sendable, Equatable {
        case lagged
        case shutdown
        /// The client went away.
        case disconnected
    }

    /// How long a watcher that was ended may take to write its last frame before its
    /// connection is closed under it (a client that stopped reading never lets it finish).
    static let finishGrace: Duration = .seconds(2)

    let id: Int
    let thread: String
    let replay: ReplayStart
    /// Records up to this sequence were committed before the watch began: replayed, never live.
    let liveAfter: Int64
    let capacity: Int
    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let unwritten = Atomic<Int>(0)
    private let state = Mutex<(ending: Ending?, isFinished: Bool)>((nil, false))
    private let closeConnection: @Sendable () -> Void

    init(
        id: Int, thread: String, replay: ReplayStart, liveAfter: Int64, capacity: Int,
        closeConnection: @escaping @Sendable () -> Void
    ) {
        self.id = id
        self.thread = thread
        self.replay = replay
        self.liveAfter = liveAfter
        self.capacity = capacity
        self.closeConnection = closeConnection
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    var ending: Ending? { state.withLock { $0.ending } }

    /// Live frames (heartbeats included) not yet written to the client.
    var backlog: Int { unwritten.load(ordering: .relaxed) }

    /// Queues record frames; false (and nothing queued) when they would put the watcher
    /// more than `capacity` frames behind.
    func offer(_ frames: [ByteBuffer]) -> Bool {
        guard unwritten.add(frames.count, ordering: .relaxed).newValue <= capacity else {
            unwritten.subtract(frames.count, ordering: .relaxed)
            return false
        }
        continuation.yield(.records(frames))
        return true
    }

    /// A heartbeat only for a watcher with nothing queued: frames already on their way say
    /// as much, and a client that stopped reading never collects more than one.
    func heartbeat() {
        guard unwritten.compareExchange(expected: 0, desired: 1, ordering: .relaxed).exchanged else { return }
        continuation.yield(.heartbeat)
    }

    /// `count` frames were written to the client.
    func written(_ count: Int) {
        unwritten.subtract(count, ordering: .relaxed)
    }

    /// Ends the watch (the first reason stays). Unless the client is gone, its response
    /// gets `finishGrace` to write the last frame; then the connection is closed.
    func end(_ ending: Ending) {
        let isFirst = state.withLock { state -> Bool in
            guard state.ending == nil else { return false }
            state.ending = ending
            return true
        }
        guard isFirst else { return }
        continuation.finish()
        guard ending != .disconnected else { return }
        Task { [self] in
            try? await Task.sleep(for: Self.finishGrace)
            if !state.withLock({ $0.isFinished }) { closeConnection() }
        }
    }

    /// The response wrote its last frame (or failed): nothing is left to force.
    func finished() {
        state.withLock { $0.isFinished = true }
    }
}

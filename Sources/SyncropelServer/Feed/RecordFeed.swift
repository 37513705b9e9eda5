import Logging
import NIOCore
import SyncropelKit
import SyncropelStore

/// The hub of every thread watch (SPEC 7.2): follows the store's commits, reads each new
/// record once, and hands its frame to the watchers of its thread.
///
/// Records reach the feed whoever wrote them (TCP, the socket, the daemon itself),
/// because it follows the store's commit notices rather than the routes. Watchers cost
/// no thread: each is a queue the feed fills and its response task drains.
///
/// ```swift
/// guard let subscription = await feed.subscribe(thread: "th_a", replay: .liveOnly, store: store, closeConnection: close)
/// else { return }  // shutting down
/// var reader = FeedReader(subscription: subscription, store: store)
/// while let frames = try await reader.next() { try await writer.write(contentsOf: frames) }
/// ```
actor RecordFeed {
    /// Frames a watcher may have unwritten before it is ended `lagged`.
    let capacity: Int
    private let logger: Logger
    private var store: (any RecordStore)?
    private var follower: Task<Void, Never>?
    /// Every record up to this sequence has been handed to the watchers of its thread.
    private var delivered: Int64 = 0
    /// The highest sequence the store reported committed.
    private var committed: Int64 = 0
    private var isReading = false
    private var isShutDown = false
    private var watchers: [String: [Int: FeedSubscription]] = [:]
    private var nextID = 0

    /// Records read from the store per step of the fan-out.
    static let readPage = 1000

    /// Watches open at once; past it `subscribe` refuses, so a flood of watchers cannot
    /// take every descriptor and a queue each.
    let maxWatchers: Int

    init(capacity: Int = 1024, maxWatchers: Int = 1000, logger: Logger = Logger(label: "watch")) {
        self.capacity = capacity
        self.maxWatchers = maxWatchers
        self.logger = logger
    }

    /// Open watches, over all threads.
    var watcherCount: Int { watchers.values.reduce(0) { $0 + $1.count } }

    /// A new watcher of `thread`, live from the records committed after this call; nil once
    /// the feed is shut down. The first watcher attaches the feed to `store`. Throws
    /// `TOO_MANY_WATCHES` when `maxWatchers` are open.
    func subscribe(
        thread: String, replay: ReplayStart, store: any RecordStore,
        closeConnection: @escaping @Sendable () -> Void
    ) throws(APIError) -> FeedSubscription? {
        guard !isShutDown else { return nil }
        guard watcherCount < maxWatchers else {
            throw APIError(.serviceUnavailable, "TOO_MANY_WATCHES", "\(maxWatchers) watches are open, the most this daemon keeps; close one or raise [server] max_watchers")
        }
        attach(store)
        let subscription = FeedSubscription(
            id: nextID, thread: thread, replay: replay, liveAfter: delivered, capacity: capacity,
            closeConnection: closeConnection)
        nextID += 1
        watchers[thread, default: [:]][subscription.id] = subscription
        logger.debug("watch opened", metadata: ["thread": "\(thread)", "watchers": "\(watcherCount)"])
        return subscription
    }

    /// Ends a watch and forgets it; harmless for one already gone.
    func remove(_ subscription: FeedSubscription, ending: FeedSubscription.Ending) {
        subscription.end(ending)
        guard watchers[subscription.thread]?.removeValue(forKey: subscription.id) != nil else { return }
        if watchers[subscription.thread]?.isEmpty == true { watchers[subscription.thread] = nil }
        // A lagging client is worth an operator's eye; ordinary comings and goings are not.
        let reason = subscription.ending ?? ending
        logger.log(
            level: reason == .lagged ? .info : .debug, "watch closed: \(reason.rawValue)",
            metadata: ["thread": "\(subscription.thread)", "watchers": "\(watcherCount)"])
    }

    func heartbeat() {
        for subscription in watchers.values.flatMap(\.values) {
            subscription.heartbeat()
        }
    }

    /// Ends every watch with `server_shutdown` and refuses new ones: the daemon is stopping.
    func shutdown() {
        isShutDown = true
        follower?.cancel()
        let all = watchers.values.flatMap(\.values)
        for subscription in all {
            remove(subscription, ending: .shutdown)
        }
        logger.info("watches closed for shutdown: \(all.count)")
    }

    private func attach(_ store: any RecordStore) {
        guard self.store == nil else { return }
        self.store = store
        // Read before observing: the stream starts with the highest sequence again, so a
        // commit in between is still read.
        delivered = store.highestCommittedSequence
        committed = delivered
        let commits = store.committedSequences()
        follower = Task { [weak self] in
            for await highest in commits {
                await self?.follow(to: highest)
            }
        }
    }

    /// Reads the records up to `highest` in pages and hands them out. Calls that arrive
    /// while a read is under way only raise the target; the running loop reads on.
    private func follow(to highest: Int64) async {
        committed = max(committed, highest)
        guard !isReading, let store else { return }
        isReading = true
        defer { isReading = false }
        while delivered < committed && !isShutDown {
            let page: [StoredRecord]
            do {
                page = try await store.records(afterSequence: delivered, limit: Self.readPage)
            } catch {
                // The next commit notice retries from the same place; nothing is skipped.
                logger.error("watch feed cannot read the store: \(error)")
                return
            }
            guard let last = page.last else {
                delivered = committed
                return
            }
            deliver(page)
            delivered = last.sequence
        }
    }

    /// One frame per record, encoded once, offered to each watcher of its thread.
    private func deliver(_ page: [StoredRecord]) {
        var byThread: [String: [StoredRecord]] = [:]
        for stored in page where watchers[stored.record.thread] != nil {
            byThread[stored.record.thread, default: []].append(stored)
        }
        for (thread, records) in byThread {
            let frames = records.map(SSEFrame.record)
            for subscription in (watchers[thread] ?? [:]).values where !subscription.offer(frames) {
                remove(subscription, ending: .lagged)
            }
        }
    }
}

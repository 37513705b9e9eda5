import Logging
import Synchronization
import SyncropelStore

/// Which of the daemons sharing one database writes: the active one holds the store's writer
/// claim; the others are standbys that serve reads and watches and keep trying to claim it.
///
/// A standby retries every `retryInterval`, so when the active daemon dies (and the database
/// drops its claim with its connection) one standby is writing within about that long. The
/// daemon that wins starts what only the writer runs (timed backups, replicas); one that loses
/// its claim stops them and goes back to trying. For a store only this process opens, the first
/// claim always succeeds and is never lost.
///
/// ```swift
/// let election = WriterElection(store: store, address: "127.0.0.1:9100", logger: logger)
/// await election.run(onActive: { await replication.start() }, onStandby: { await replication.stop() })
/// ```
public final class WriterElection: Sendable {
    public enum Role: String, Sendable {
        case active
        case standby
    }

    private let store: any RecordStore
    private let address: String
    private let retryInterval: Duration
    private let logger: Logger
    private let current: Mutex<Role>

    /// `initialRole` is what the start-up's own claim found.
    init(store: any RecordStore, address: String, initialRole: Role, retryInterval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.address = address
        self.retryInterval = retryInterval
        self.logger = logger
        current = Mutex(initialRole)
    }

    public var role: Role { current.withLock { $0 } }

    /// Keeps the claim, or keeps trying for it, until the task is cancelled.
    func run(onActive: @Sendable () async -> Void, onStandby: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if role == .standby {
                guard await claim() else {
                    try? await Task.sleep(for: retryInterval)
                    continue
                }
                current.withLock { $0 = .active }
                logger.info("active: this daemon now writes the store", metadata: ["store": "\(store.url)", "bind": "\(address)"])
            }
            await onActive()
            await store.writerClaimLost()
            guard !Task.isCancelled else { return }
            current.withLock { $0 = .standby }
            logger.error("standby: the writer claim on the store was lost; writes are refused until it is won again",
                metadata: ["store": "\(store.url)"])
            await onStandby()
        }
    }

    private func claim() async -> Bool {
        do {
            return try await store.claimWriter(advertising: address)
        } catch {
            logger.warning("writer claim failed: \(error)", metadata: ["store": "\(store.url)"])
            return false
        }
    }
}

import Foundation
import Logging
import SyncropelKit
import SyncropelStore

/// Thread states, trust, engine configuration, tasks and service accounts: the folds of SPEC 9,
/// docs/TASKS.md and docs/HTTP-API.md (authentication), kept in memory.
///
/// Never authoritative: each fold carries the `sequence` watermark it covers,
/// is persisted in the store at shutdown, and at the next start only the
/// records after the watermark are folded. While the daemon runs, `startFollowing()`
/// folds each commit after it lands (never on the ingest path), so a clean stop
/// persists an up-to-date state and the next start folds almost nothing, however
/// long the log. Reads still call `catchUp()` first, so they never see a stale fold.
public actor DerivedState {
    private static let names = (
        threads: "threads.v1", trust: "trust.v1", config: "config.v1", tasks: "tasks.v1", auth: "auth.v1"
    )
    /// Records folded between two persists while following: what a crash makes the next start fold again, at most.
    static let persistEvery = 100_000
    /// The least time between two folds while following…
    let followInterval: Duration
    /// …unless the last fold took at least this many records.
    static let foldWithoutWaiting = 1000

    private let store: any RecordStore
    private let logger: Logger
    /// The instance key's did:key: the only signer whose auth records count.
    private let trustedSigner: String
    public private(set) var threads = ThreadFold()
    public private(set) var trust = TrustFold()
    public private(set) var config = ConfigFold()
    public private(set) var tasks = TaskFold()
    /// Read by every TCP request as it is, without catching up: the follower folds new
    /// records within `followInterval`, and the routes that write auth records catch up first.
    public private(set) var auth = AuthFold()
    private var follower: Task<Void, Never>?

    public init(store: any RecordStore, trustedSigner: String, logger: Logger, followInterval: Duration = .milliseconds(200)) {
        self.store = store
        self.followInterval = followInterval
        self.trustedSigner = trustedSigner
        self.logger = logger
    }

    /// Loads the persisted folds; a blob that does not decode is dropped and folded again from the start.
    public func loadPersisted() async throws {
        threads = try await load(Self.names.threads) ?? ThreadFold()
        trust = try await load(Self.names.trust) ?? TrustFold()
        config = try await load(Self.names.config) ?? ConfigFold()
        tasks = try await load(Self.names.tasks) ?? TaskFold()
        auth = try await load(Self.names.auth) ?? AuthFold()
    }

    /// Folds every record stored after the lowest watermark; returns how many were read.
    @discardableResult
    public func catchUp() async throws -> Int {
        var after = min(threads.watermark, trust.watermark, config.watermark, tasks.watermark, auth.watermark)
        var folded = 0
        while true {
            let page = try await store.records(afterSequence: after, limit: 1000)
            guard let last = page.last else { return folded }
            let judgedActors = try await actorsOfJudgedRecords(in: page)
            for stored in page {
                threads.apply(stored)
                tasks.apply(stored)
                auth.apply(stored, trustedSigner: trustedSigner)
                trust.apply(stored) { judgedActors[$0] }
                let ignoredBefore = config.ignored.count
                config.apply(stored)
                if config.ignored.count > ignoredBefore, let ignored = config.ignored.last {
                    logger.warning("\(ignored)", metadata: ["record": "\(ignored.id)"])
                }
            }
            folded += page.count
            after = last.sequence
        }
    }

    /// Folds every commit shortly after it lands, until `stopFollowing()`.
    public func startFollowing() {
        guard follower == nil else { return }
        let commits = store.committedSequences()
        follower = Task { await self.follow(commits) }
    }

    /// Ends the following task and waits for its last fold.
    public func stopFollowing() async {
        follower?.cancel()
        await follower?.value
        follower = nil
    }

    private func follow(_ commits: AsyncStream<Int64>) async {
        var sincePersist = 0
        for await _ in commits {
            var folded = 0
            do {
                folded = try await catchUp()
                sincePersist += folded
                if sincePersist >= Self.persistEvery {
                    try await persist()
                    sincePersist = 0
                }
            } catch {
                logger.warning("derived state did not follow the log (reads fold it instead): \(error)")
            }
            // One fold per interval while records come a few at a time: a fold per commit cost
            // single-record ingest a wake-up each. Batches are folded as they land instead, so
            // their records are still in the store's window of recent commits (`RecentRecords`)
            // and are not read back from the file.
            if folded < Self.foldWithoutWaiting {
                try? await Task.sleep(for: followInterval)
            }
        }
    }

    /// Writes the five folds with their watermarks into the store.
    public func persist() async throws {
        try await save(threads, name: Self.names.threads, watermark: threads.watermark)
        try await save(trust, name: Self.names.trust, watermark: trust.watermark)
        try await save(config, name: Self.names.config, watermark: config.watermark)
        try await save(tasks, name: Self.names.tasks, watermark: tasks.watermark)
        try await save(auth, name: Self.names.auth, watermark: auth.watermark)
    }

    public func thread(_ id: String) async throws -> ThreadState? {
        try await catchUp()
        return threads.state(of: id)
    }

    public func threadStates() async throws -> ThreadFold {
        try await catchUp()
        return threads
    }

    public func trustScores(now: Int64) async throws -> [TrustRow] {
        try await catchUp()
        return trust.scores(now: now)
    }

    public func engineConfig() async throws -> ConfigFold {
        try await catchUp()
        return config
    }

    public func taskStates() async throws -> TaskFold {
        try await catchUp()
        return tasks
    }

    public func serviceAccounts() async throws -> AuthFold {
        try await catchUp()
        return auth
    }

    /// Trust verdicts may name their subject only as the record they judge; that
    /// record may be older than the page, so its actor is looked up in the store.
    private func actorsOfJudgedRecords(in page: [StoredRecord]) async throws -> [RecordID: String] {
        var actors: [RecordID: String] = [:]
        for stored in page where stored.record.act == .know {
            guard let judged = stored.record.judgedBy, actors[judged] == nil else { continue }
            if let actor = try await store.record(id: judged)?.record.actor {
                actors[judged] = actor
            }
        }
        return actors
    }

    private func load<Fold: Decodable>(_ name: String) async throws -> Fold? {
        guard let blob = try await store.loadDerivedState(name: name) else { return nil }
        do {
            return try JSONDecoder().decode(Fold.self, from: Data(blob.bytes))
        } catch {
            logger.warning("persisted fold \(name) does not decode; folding from the start", metadata: ["error": "\(error)"])
            try await store.dropDerivedState(name: name)
            return nil
        }
    }

    private func save<Fold: Encodable>(_ fold: Fold, name: String, watermark: Int64) async throws {
        let bytes = try JSONEncoder().encode(fold)
        try await store.saveDerivedState(DerivedStateBlob(name: name, watermark: watermark, bytes: Array(bytes)))
    }
}

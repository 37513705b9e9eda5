import Crypto
import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// Ships one instance's record log to one replica, continuously, inside the daemon.
///
/// Every `syncInterval` the records committed since the replica's mark go out as one segment;
/// the mark (generation, last shipped sequence, chain) moves in the store only after the
/// object is durable in the replica, so a restart resumes from it. A generation starts with a
/// consistent snapshot of the store; a new one starts every `snapshotInterval`, and whenever
/// the replica no longer ends where the mark says (objects lost, or a store restored from
/// elsewhere). Level-0 segments are merged per 10 minutes and those per hour
/// (`SegmentMerger`); generations no restore inside `retention` needs are deleted.
///
/// Failures never touch ingest: the loop backs off up to 30 s, the lag grows and is reported,
/// and one log line marks each change between working and failing.
public actor Replicator {
    public struct Settings: Sendable {
        public let name: String
        public let syncInterval: Duration
        public let snapshotInterval: Duration
        public let retention: Duration
        /// Most records in one segment, so catching up after an outage holds a bounded page in memory.
        public let recordsPerSegment: Int
        /// With `ack = "after_replica"`: how long a write waits for this replica; nil when writes
        /// do not wait for it.
        public let ackTimeout: Duration?

        public init(
            name: String, syncInterval: Duration, snapshotInterval: Duration, retention: Duration, recordsPerSegment: Int = 10_000,
            ackTimeout: Duration? = nil
        ) {
            self.name = name
            self.syncInterval = syncInterval
            self.snapshotInterval = snapshotInterval
            self.retention = retention
            self.recordsPerSegment = recordsPerSegment
            self.ackTimeout = ackTimeout
        }

        public init(_ replica: HomeConfig.Replica) {
            self.init(
                name: replica.name, syncInterval: replica.syncInterval.duration,
                snapshotInterval: replica.snapshotInterval.duration, retention: replica.retention.duration,
                ackTimeout: replica.ack == .afterReplica ? replica.ackTimeout.duration : nil)
        }
    }

    /// Most canonical bytes in one shipped segment (records may carry 1 MiB bodies each);
    /// merges stop at the same size, far below what a reader accepts (`Segment.maximumBytes`).
    static let segmentBytes = 64 << 20
    static let maximumBackoff = Duration.seconds(30)
    /// A replica writes wait on is retried sooner: a write waits `ack_timeout` at most.
    static let maximumAckBackoff = Duration.seconds(1)

    public let settings: Settings
    /// The replica, counting what this replicator wrote to it (`status().writes`).
    let objects: CountingObjectStore
    private let store: any RecordStore
    /// Where a new generation's snapshot is written before it is compressed and shipped.
    private let scratchFolder: String
    private let did: DIDKey
    let layout: ReplicaLayout
    let logger: Logger
    /// The time the merge and snapshot schedules follow: the system's, except in a measure
    /// that simulates hours of shipping in seconds.
    let scheduleClock: @Sendable () -> Date
    private var position: ReplicaPosition? {
        didSet { if let position { shippedWaiters.shipped(through: position.shippedSequence) } }
    }
    /// The writes waiting for this replica (`ack = "after_replica"`).
    public nonisolated let shippedWaiters = ShippedWaiters()
    private var generationStartedAt = Date.distantPast
    var mergePlan = MergePlan()
    private var state = ReplicationStatus.State.starting
    private var lastError: String?
    private var lastShippedAt: Date?
    private var loop: Task<Void, Never>?
    /// Seals the instance's keys for `instance-<tail>/keys.sealed`; nil once they are shipped,
    /// or when the daemon has no passphrase to seal them with.
    private var sealKeys: (@Sendable () throws -> [UInt8])?

    /// `sealKeys` gives the sealed keys file to ship once per run (nil: ship no keys).
    public init(
        settings: Settings, objects: any ReplicaObjectStore, store: any RecordStore, did: DIDKey, logger: Logger,
        scratchFolder: String = NSTemporaryDirectory(),
        sealKeys: (@Sendable () throws -> [UInt8])? = nil, scheduleClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sealKeys = sealKeys
        self.scheduleClock = scheduleClock
        self.settings = settings
        self.objects = CountingObjectStore(objects)
        self.store = store
        self.scratchFolder = scratchFolder
        self.did = did
        layout = ReplicaLayout(instanceTail: did.instanceTail)
        self.logger = logger
    }

    /// The instance's `did:key:…`, as segment headers carry it.
    var instance: String { did.description }

    var location: String { objects.location }

    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Ends the loop; a working replica then gets what is left, once, before the store closes.
    public func stop() async {
        loop?.cancel()
        await loop?.value
        loop = nil
        guard state == .working else { return }
        do {
            _ = try await shipPending()
        } catch {
            logger.warning("replica \(settings.name) missed the last records at stop: \(error)")
        }
    }

    public func status() async -> ReplicationStatus {
        let highest = store.highestCommittedSequence
        let shipped = position?.shippedSequence
        let lag = max(0, highest - (shipped ?? 0))
        var lagSeconds = 0.0
        if lag > 0, let oldest = try? await store.records(afterSequence: shipped ?? 0, limit: 1).first {
            lagSeconds = max(0, Date().timeIntervalSince1970 - Double(oldest.createdAt) / 1000)
        }
        return ReplicationStatus(
            name: settings.name, location: objects.location, state: state, generation: position?.generation,
            shippedSequence: shipped, lagRecords: lag, lagSeconds: lagSeconds, lastShippedAt: lastShippedAt,
            lastError: lastError, writes: objects.writes)
    }

    private func run() async {
        var backoff = Duration.zero
        while !Task.isCancelled {
            do {
                try await step()
                succeeded()
                backoff = .zero
                if settings.ackTimeout == nil {
                    try await Task.sleep(for: settings.syncInterval)
                } else {
                    // A waiting write ships at once: its segment holds every commit since the last one.
                    await shippedWaiters.pause(upTo: settings.syncInterval)
                }
            } catch is CancellationError {
                return
            } catch {
                failed(error)
                backoff = min(max(backoff * 2, .seconds(1)), settings.ackTimeout == nil ? Self.maximumBackoff : Self.maximumAckBackoff)
                try? await Task.sleep(for: backoff)
            }
        }
    }

    /// One round: resume or start a generation, ship what is new, merge, rotate, prune.
    package func step() async throws {
        if sealKeys != nil { try await shipSealedKeys() }
        if position == nil { try await resumeOrStartGeneration() }
        if try await !shipPending() {
            // A chain carries no gap: the records from the jump on start a generation of their own.
            logger.info("replica \(settings.name) sequences jump after a restore's assignment floor: new generation",
                metadata: ["replica": "\(objects.location)"])
            try await startGeneration()
        }
        await mergeDue(now: scheduleClock())
        if scheduleClock().timeIntervalSince(generationStartedAt) >= seconds(settings.snapshotInterval) {
            try await startGeneration()
        }
    }

    private func succeeded() {
        if state == .failing {
            logger.info("replica \(settings.name) working again: shipped through sequence \(position?.shippedSequence ?? 0)",
                metadata: ["replica": "\(objects.location)"])
        }
        state = .working
        lastError = nil
    }

    private func failed(_ error: any Error) {
        if state != .failing {
            logger.error("replica \(settings.name) failing, ingest continues and the lag grows: \(error)",
                metadata: ["replica": "\(objects.location)"])
        }
        state = .failing
        lastError = "\(error)"
    }

    // MARK: Shipping

    /// Writes the sealed keys once per run, so the replica alone brings back the identity (the
    /// passphrase may have changed since the last run). Keys that cannot be sealed are reported
    /// once and never hold back the records.
    private func shipSealedKeys() async throws {
        guard let sealKeys else { return }
        let sealed: [UInt8]
        do {
            sealed = try await BlockingWork.run(sealKeys)
        } catch {
            self.sealKeys = nil
            logger.error("replica \(settings.name) ships no sealed keys: \(error)", metadata: ["replica": "\(objects.location)"])
            return
        }
        try await put(layout.sealedKeysKey, sealed)
        self.sealKeys = nil
        logger.info("replica \(settings.name) sealed keys written to \(layout.sealedKeysKey)", metadata: ["replica": "\(objects.location)"])
    }

    /// Ships what was committed up to now, and nothing committed meanwhile: under a steady load
    /// that waits for the next sync instead of chasing each commit with a segment of its own.
    /// False when the log jumps (see `ship(through:)`).
    private func shipPending() async throws -> Bool {
        try await ship(through: store.highestCommittedSequence)
    }

    /// Ships the records up to `target` as segments of at most `settings.recordsPerSegment` records and
    /// `segmentBytes` bytes; false when it stopped before a jump in the sequences, which only a
    /// restore's `AssignmentFloor` makes.
    private func ship(through target: Int64) async throws -> Bool {
        guard var current = position else { return true }
        while current.shippedSequence < target {
            let limit = Int(min(Int64(settings.recordsPerSegment), target - current.shippedSequence))
            let page = try await store.records(afterSequence: current.shippedSequence, limit: limit)
            guard !page.isEmpty else { return true }
            var bytes = 0
            var next = current.shippedSequence + 1
            let records = page.prefix { stored in
                defer { bytes += stored.record.canonical.count; next += 1 }
                return stored.sequence == next && (bytes == 0 || bytes + stored.record.canonical.count <= Self.segmentBytes)
            }
            guard !records.isEmpty else { return false }
            current = try await ship(Array(records), after: current)
        }
        return true
    }

    /// Writes `records` as one segment after `current` and moves the mark once it is durable.
    private func ship(_ records: [StoredRecord], after current: ReplicaPosition) async throws -> ReplicaPosition {
        guard let generation = GenerationID(current.generation), var chain = ReplicaChain(hex: current.chain) else {
            throw ReplicaError.malformedMark(replica: settings.name)
        }
        for stored in records { chain.append(stored.id) }
        let first = records.first!.sequence
        let last = records.last!.sequence
        let header = SegmentHeader(
            instance: did.description, generation: generation, first: first, last: last, count: Int64(records.count),
            prev: current.chain, chain: chain.hex)
        let key = layout.segmentKey(generation, first: first, last: last)
        try await put(key, try await BlockingWork.run { try Segment.encode(header: header, records: records) })
        // Durable in the replica: waiting writes need not wait for the mark's own commit as well.
        shippedWaiters.shipped(through: last)
        let next = ReplicaPosition(generation: current.generation, shippedSequence: last, chain: chain.hex)
        try await store.saveReplicaPosition(settings.name, next)
        position = next
        lastShippedAt = Date()
        mergePlan.shipped(MergePlan.Part(key: key, first: first, last: last, prev: current.chain, chain: chain.hex, writtenAt: scheduleClock()))
        return next
    }

    // MARK: Generations

    /// Continues the mark's generation when the replica ends exactly there (or holds segments
    /// past it that carry the store's own records: written before a crash moved the mark);
    /// otherwise starts a new one.
    private func resumeOrStartGeneration() async throws {
        if let mark = try await store.replicaPosition(settings.name), mark.shippedSequence <= store.highestCommittedSequence,
            let generation = GenerationID(mark.generation), ReplicaChain(hex: mark.chain) != nil, let resumed = try await resume(mark, generation)
        {
            position = resumed
            logger.info("replica \(settings.name) resumed generation \(generation) at sequence \(resumed.shippedSequence)",
                metadata: ["replica": "\(objects.location)"])
            return
        }
        try await startGeneration()
    }

    private func resume(_ mark: ReplicaPosition, _ generation: GenerationID) async throws -> ReplicaPosition? {
        let reader = ReplicaReader(objects: objects, layout: layout)
        let manifest: GenerationManifest
        do {
            manifest = try await reader.manifest(generation)
        } catch {
            // Storage that does not answer is not a lost generation: retry rather than start over.
            if error.isStorageFailure { throw error }
            return nil
        }
        guard let listing = try await reader.generations().first(where: { $0.id == generation }),
            mark.shippedSequence >= manifest.snapshotSequence
        else { return nil }
        // The mark's chain commits to everything before it: the object ending there must carry it.
        if mark.shippedSequence == manifest.snapshotSequence {
            guard manifest.chainStart == mark.chain else { return nil }
        } else {
            guard let end = listing.segments.first(where: { $0.last == mark.shippedSequence }),
                try await segmentHeader(end.key, reader: reader).chain == mark.chain
            else { return nil }
        }
        var current = mark
        // Segments past the mark were written before a crash could move it: adopt those that
        // hold exactly the store's own records.
        while let next = listing.segments.first(where: { $0.first == current.shippedSequence + 1 }) {
            let header = try await segmentHeader(next.key, reader: reader)
            guard header.prev == current.chain, header.last <= store.highestCommittedSequence else { return nil }
            var chain = ReplicaChain(hex: current.chain)!
            let records = try await store.records(afterSequence: current.shippedSequence, limit: Int(header.count))
            for stored in records { chain.append(stored.id) }
            guard records.count == header.count, chain.hex == header.chain else { return nil }
            current = ReplicaPosition(generation: mark.generation, shippedSequence: header.last, chain: header.chain)
        }
        // A missing object before the mark leaves a gap that no restore could cross.
        guard listing.reach(from: manifest.snapshotSequence) == current.shippedSequence else { return nil }
        if current != mark { try await store.saveReplicaPosition(settings.name, current) }
        generationStartedAt = Date(timeIntervalSince1970: Double(manifest.createdAt) / 1000)
        return current
    }

    private func segmentHeader(_ key: ReplicaKey, reader: ReplicaReader) async throws -> SegmentHeader {
        try Segment.split(try await reader.require(key), key: key, instance: did.description, layout: layout).0
    }

    /// Snapshots the store and starts a generation from it; the previous generation first gets
    /// the records up to the snapshot, so every sequence stays restorable from one generation.
    private func startGeneration() async throws {
        let scratch = "\(scratchFolder)/.replica-snapshot-\(settings.name)-\(UInt32.random(in: .min ... .max))"
        defer { try? PrivateFiles.remove(scratch) }
        let started = ContinuousClock.now
        let copy = try await store.backup(to: scratch, placement: .replacing, progress: nil)
        // Up to a jump at most: the snapshot carries the records past it.
        _ = try await ship(through: copy.highestSequence)
        let compressed = try await BlockingWork.run { try Gzip.compress(Array(try Data(contentsOf: URL(fileURLWithPath: scratch)))) }
        let now = Date()
        let generation = GenerationID.make(at: now, after: position.flatMap { GenerationID($0.generation) })
        var lastCreatedAt: Int64 = 0
        if copy.highestSequence > 0 {
            lastCreatedAt = try await store.records(afterSequence: copy.highestSequence - 1, limit: 1).first?.createdAt ?? 0
        }
        let manifest = GenerationManifest(
            instance: did.description, generation: generation, createdAt: Int64(now.timeIntervalSince1970 * 1000),
            snapshotKey: layout.snapshotKey(generation, sequence: copy.highestSequence),
            snapshotSHA256: Hex.encode(SHA256.hash(data: compressed)), snapshotSequence: copy.highestSequence,
            snapshotLastCreatedAt: lastCreatedAt)
        try await put(manifest.snapshotKey, compressed)
        try await put(layout.manifestKey(generation), manifest.encoded)
        let start = ReplicaPosition(generation: generation.rawValue, shippedSequence: copy.highestSequence, chain: manifest.chainStart)
        try await store.saveReplicaPosition(settings.name, start)
        position = start
        generationStartedAt = scheduleClock()
        mergePlan.reset()
        logger.info(
            "replica \(settings.name) generation \(generation) started: snapshot of \(copy.highestSequence) records, \(compressed.count) bytes in \((ContinuousClock.now - started).components.seconds) s",
            metadata: ["replica": "\(objects.location)"])
        try await pruneGenerations(now: now, keeping: generation)
    }

    /// Deletes each generation whose successor started before the retention window: no point
    /// inside the window restores from it. The newest generation always stays.
    private func pruneGenerations(now: Date, keeping current: GenerationID) async throws {
        let listings = try await ReplicaReader(objects: objects, layout: layout).generations()
        let cutoff = now.addingTimeInterval(-seconds(settings.retention))
        for (index, listing) in listings.enumerated().dropLast() where listing.id != current {
            guard listings[index + 1].id.startedAt <= cutoff else { continue }
            // The manifest goes first: a generation without one is never read, even half deleted.
            try await delete(layout.manifestKey(listing.id))
            for info in try await objects.list(prefix: layout.generationPrefix(listing.id)) {
                try await delete(info.key)
            }
            logger.info("replica \(settings.name) generation \(listing.id) deleted: outside the retention of \(settings.retention)",
                metadata: ["replica": "\(objects.location)"])
        }
    }

    private func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws {
        do {
            try await objects.put(key, bytes)
        } catch {
            throw ReplicaError.storage(location: objects.location, operation: "write", key: key.rawValue, underlying: error)
        }
    }

    private func delete(_ key: ReplicaKey) async throws {
        do {
            try await objects.delete(key)
        } catch {
            throw ReplicaError.storage(location: objects.location, operation: "delete", key: key.rawValue, underlying: error)
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

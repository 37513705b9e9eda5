import Crypto
import SyncropelKit
import SyncropelStore

/// What one listing shows of a generation.
public struct GenerationListing: Sendable, Equatable {
    public struct SegmentObject: Sendable, Equatable {
        public let key: ReplicaKey
        public let first: Int64
        public let last: Int64
        public let size: Int
    }

    public let id: GenerationID
    public var hasManifest = false
    public var snapshots: [ReplicaKey] = []
    /// By first sequence, the longer of two with the same first coming first.
    public var segments: [SegmentObject] = []
    public var bytes = 0

    /// The highest sequence the segment names promise without a gap after `start`.
    public func reach(from start: Int64) -> Int64 {
        var reached = start
        for segment in segments where segment.first <= reached + 1 { reached = max(reached, segment.last) }
        return reached
    }
}

/// How far a walk through a generation went.
public struct WalkResult: Sendable, Equatable {
    /// The last sequence applied (the snapshot's when no record followed).
    public let sequence: Int64
    /// `created_at` of that record.
    public let createdAt: Int64
    public let chain: String
    public let recordsRead: Int64
    public let segmentsRead: Int
}

/// Reads one instance's objects from a replica and checks them as it goes: the layout, each
/// generation's manifest and snapshot hash, and the segment chain (see `Segment.decode`).
public struct ReplicaReader: Sendable {
    public let objects: any ReplicaObjectStore
    public let layout: ReplicaLayout

    public init(objects: any ReplicaObjectStore, layout: ReplicaLayout) {
        self.objects = objects
        self.layout = layout
    }

    /// Every generation the replica holds for the instance, oldest first.
    public func generations() async throws(ReplicaError) -> [GenerationListing] {
        var byID: [GenerationID: GenerationListing] = [:]
        for info in try await list(layout.generationsPrefix) {
            guard let object = layout.classify(info.key) else { continue }
            var listing = byID[object.generation] ?? GenerationListing(id: object.generation)
            listing.bytes += info.size
            switch object {
            case .manifest: listing.hasManifest = true
            case .snapshot: listing.snapshots.append(info.key)
            case .segment(_, let first, let last):
                listing.segments.append(.init(key: info.key, first: first, last: last, size: info.size))
            }
            byID[object.generation] = listing
        }
        return byID.values.sorted { $0.id < $1.id }.map { listing in
            var sorted = listing
            sorted.segments.sort { ($0.first, -$0.last) < ($1.first, -$1.last) }
            return sorted
        }
    }

    public func manifest(_ generation: GenerationID) async throws(ReplicaError) -> GenerationManifest {
        let key = layout.manifestKey(generation)
        return try GenerationManifest(decoding: try await require(key), key: key, generation: generation, layout: layout)
    }

    /// The snapshot's bytes, checked against the manifest's SHA-256.
    public func snapshot(_ manifest: GenerationManifest) async throws(ReplicaError) -> [UInt8] {
        let bytes = try await require(manifest.snapshotKey)
        let hash = Hex.encode(SHA256.hash(data: bytes))
        guard hash == manifest.snapshotSHA256 else {
            throw .snapshotHashMismatch(key: manifest.snapshotKey, expected: manifest.snapshotSHA256, found: hash)
        }
        return bytes
    }

    /// Reads the generation's segments in chain order from its snapshot on, checking each, and
    /// hands `apply` the records up to the first one `isPastTarget` refuses (all without one).
    /// The next segments decode while `apply` runs (`SegmentLookahead`).
    /// Segments that a longer one covers (left by a merge that was interrupted before it
    /// removed them) must sit on the same chain.
    public func walk(
        _ listing: GenerationListing, _ manifest: GenerationManifest,
        isPastTarget: (StoredRecord) -> Bool = { _ in false },
        apply: ([StoredRecord]) async throws -> Void = { _ in }
    ) async throws -> WalkResult {
        let boundaries = Set(listing.segments.flatMap { [$0.first - 1, $0.last] })
        var chainAt: [Int64: String] = [manifest.snapshotSequence: manifest.chainStart]
        var current = manifest.snapshotSequence
        var createdAt = manifest.snapshotLastCreatedAt
        var chain = manifest.chainStart
        var recordsRead: Int64 = 0
        var segmentsRead = 0
        var lookahead = SegmentLookahead(reader: self, segments: listing.segments, instance: manifest.instance, boundaries: boundaries)
        defer { lookahead.cancel() }
        for (index, segment) in listing.segments.enumerated() {
            guard segment.first > manifest.snapshotSequence else {
                throw ReplicaError.overlappingSegment(key: segment.key, coveredThrough: manifest.snapshotSequence)
            }
            let decoded = try await lookahead.segment(index)
            segmentsRead += 1
            if segment.last <= current {
                for (sequence, value) in [(segment.first - 1, decoded.header.prev), (segment.last, decoded.header.chain)]
                where chainAt[sequence] != value {
                    throw ReplicaError.brokenChain(
                        key: segment.key, sequence: segment.first, expected: chainAt[sequence] ?? "no chain value", found: value)
                }
                continue
            }
            guard segment.first <= current + 1 else {
                throw ReplicaError.missingRecords(key: segment.key, from: current + 1, through: segment.first - 1)
            }
            guard segment.first == current + 1 else {
                throw ReplicaError.overlappingSegment(key: segment.key, coveredThrough: current)
            }
            guard decoded.header.prev == chain else {
                throw ReplicaError.brokenChain(key: segment.key, sequence: segment.first, expected: chain, found: decoded.header.prev)
            }
            let wanted = decoded.records.prefix { !isPastTarget($0) }
            if !wanted.isEmpty { try await apply(Array(wanted)) }
            recordsRead += Int64(wanted.count)
            guard wanted.count == decoded.records.count else {
                var partial = ReplicaChain(hex: decoded.header.prev)!
                for stored in wanted { partial.append(stored.id) }
                return WalkResult(
                    sequence: wanted.last?.sequence ?? current, createdAt: wanted.last?.createdAt ?? createdAt,
                    chain: partial.hex, recordsRead: recordsRead, segmentsRead: segmentsRead)
            }
            chainAt.merge(decoded.chains) { _, new in new }
            current = segment.last
            createdAt = decoded.records.last?.createdAt ?? createdAt
            chain = decoded.header.chain
        }
        return WalkResult(sequence: current, createdAt: createdAt, chain: chain, recordsRead: recordsRead, segmentsRead: segmentsRead)
    }

    private func list(_ prefix: String) async throws(ReplicaError) -> [ReplicaObjectInfo] {
        do {
            return try await objects.list(prefix: prefix)
        } catch {
            throw .storage(location: objects.location, operation: "list", key: prefix, underlying: error)
        }
    }

    func require(_ key: ReplicaKey) async throws(ReplicaError) -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try await objects.get(key)
        } catch let error as ReplicaError {
            // What an encrypted replica refuses (a wrong passphrase, an altered box) is not a storage failure.
            throw error
        } catch {
            throw .storage(location: objects.location, operation: "read", key: key.rawValue, underlying: error)
        }
        guard let bytes else { throw .missingObject(location: objects.location, key: key) }
        return bytes
    }
}

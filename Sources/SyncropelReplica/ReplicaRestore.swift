import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// Which point of the log a restore brings back.
public enum RestoreTarget: Sendable, Equatable, CustomStringConvertible {
    /// Everything the replica holds.
    case latest
    /// Exactly the records 1...N.
    case sequence(Int64)
    /// The records with `created_at` at or before this Unix millisecond, as a prefix of the log.
    case time(Int64)

    public var description: String {
        switch self {
        case .latest: "its newest record"
        case .sequence(let sequence): "sequence \(sequence)"
        case .time(let milliseconds):
            "time \(Self.timeFormatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))"
        }
    }

    private static var timeFormatter: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    func isPast(_ stored: StoredRecord) -> Bool {
        switch self {
        case .latest: false
        case .sequence(let sequence): stored.sequence > sequence
        case .time(let milliseconds): stored.createdAt > milliseconds
        }
    }
}

/// A store file rebuilt from a replica, ready to be installed like a backup.
public struct RestoredStore: Sendable, Equatable {
    public let path: String
    public let generation: GenerationID
    public let snapshotSequence: Int64
    /// The highest sequence the file holds.
    public let highestSequence: Int64
    public let segmentsRead: Int
}

/// Rebuilds a store from a replica (`spl backup restore --from-replica`): the newest snapshot at
/// or before the target, its hash and every record in it checked (`StoreVerification`), then
/// the segments replayed through the chain up to the target, each record re-hashed and its
/// signature checked, and appended exactly as it was stored (`appendVerbatim`).
///
/// ```swift
/// let restored = try await ReplicaRestore.build(reader: reader, target: .sequence(500), into: folder + "/hub.db.from-replica", version: "0.1.0")
/// ```
public enum ReplicaRestore {
    public static func build(
        reader: ReplicaReader, target: RestoreTarget, into path: String, version: String
    ) async throws -> RestoredStore {
        let listings = try await reader.generations().filter(\.hasManifest)
        guard !listings.isEmpty else {
            throw ReplicaError.noGeneration(location: reader.objects.location, instanceFolder: "instance-\(reader.layout.instanceTail)")
        }
        var chosen: (GenerationListing, GenerationManifest)?
        var oldest: GenerationManifest?
        for listing in listings.reversed() {
            let manifest = try await reader.manifest(listing.id)
            oldest = manifest
            if startsAtOrBefore(manifest, target) {
                chosen = (listing, manifest)
                break
            }
        }
        guard let chosen else {
            throw ReplicaError.targetBeforeOldestSnapshot(
                location: reader.objects.location, target: target.description, snapshotSequence: oldest?.snapshotSequence ?? 0)
        }
        let (listing, manifest) = chosen
        try await unpackSnapshot(reader: reader, manifest: manifest, to: path)
        // A snapshot of an earlier schema is migrated as it opens; the replica keeps the original.
        var options = SQLiteRecordStore.Options(createdByVersion: version)
        options.keepsPremigrationCopy = false
        let store = try SQLiteRecordStore(path: path, options: options)
        let result: WalkResult
        do {
            result = try await reader.walk(listing, manifest, isPastTarget: target.isPast) { records in
                try await store.appendVerbatim(records)
            }
            try await store.dropReplicaPositions()
            try await store.close()
        } catch {
            try? await store.close()
            removeStoreFiles(path)
            throw error
        }
        if case .sequence(let wanted) = target, result.sequence != wanted {
            removeStoreFiles(path)
            throw ReplicaError.targetNotReached(
                location: reader.objects.location, target: target.description, reached: "sequence \(result.sequence)")
        }
        return RestoredStore(
            path: path, generation: manifest.generation, snapshotSequence: manifest.snapshotSequence,
            highestSequence: result.sequence, segmentsRead: result.segmentsRead)
    }

    private static func removeStoreFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? PrivateFiles.remove(path + suffix) }
    }

    private static func startsAtOrBefore(_ manifest: GenerationManifest, _ target: RestoreTarget) -> Bool {
        switch target {
        case .latest: true
        case .sequence(let sequence): manifest.snapshotSequence <= sequence
        case .time(let milliseconds): manifest.snapshotSequence == 0 || manifest.snapshotLastCreatedAt <= milliseconds
        }
    }

    /// Writes the generation's snapshot, hash checked, as a store file at `path` and checks it
    /// the way `spl backup verify` does: pages, schema, every id and every signature, and that it
    /// ends at snapshotSequence.
    static func unpackSnapshot(reader: ReplicaReader, manifest: GenerationManifest, to path: String) async throws {
        let key = manifest.snapshotKey
        let compressed = try await reader.snapshot(manifest)
        // A store compresses a few times over; a hostile object that inflates far more is refused.
        let limit = compressed.count * 256 + (16 << 20)
        let bytes: [UInt8]
        do {
            bytes = try Gzip.decompress(compressed, limit: limit)
        } catch {
            throw ReplicaError.unreadableObject(key: key, reason: "it is not gzip of at most \(limit) bytes (\(error))")
        }
        try PrivateFiles.writeAtomically(bytes, to: path)
        do {
            let report = try StoreVerification.run(file: path, full: false)
            guard report.isClean else {
                let findings = report.sweep.badRecords + report.sweep.badSignatures
                throw ReplicaError.unsoundSnapshot(key: key, reason: findings.first.map { "bad \($0)" } ?? "bad records")
            }
            let info = try BackupFileInfo.read(path)
            // Fewer records than sequences only where a restore's assignment floor made the log jump.
            guard let info, info.highestSequence == manifest.snapshotSequence, info.recordCount <= manifest.snapshotSequence else {
                throw ReplicaError.unsoundSnapshot(
                    key: key,
                    reason: "it holds \(info?.recordCount ?? 0) records up to sequence \(info?.highestSequence ?? 0), generation.json says up to \(manifest.snapshotSequence)")
            }
        } catch let error as ReplicaError {
            try? PrivateFiles.remove(path)
            throw error
        } catch {
            try? PrivateFiles.remove(path)
            throw ReplicaError.unsoundSnapshot(key: key, reason: "\(error)")
        }
    }
}

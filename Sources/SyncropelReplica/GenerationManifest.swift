import Foundation
import SyncropelKit

/// `generation.json`: what a generation starts from. Written once, after its snapshot, and
/// before any of its segments; a generation without one is not used.
public struct GenerationManifest: Sendable, Equatable {
    public static let format = "spl-generation-1"

    /// The instance's `did:key:…`.
    public let instance: String
    public let generation: GenerationID
    /// Unix milliseconds when the generation was started.
    public let createdAt: Int64
    public let snapshotKey: ReplicaKey
    /// SHA-256 of the snapshot object's bytes (the `.db.gz` as stored), lowercase hex.
    public let snapshotSHA256: String
    /// The snapshot holds exactly the records 1...snapshotSequence.
    public let snapshotSequence: Int64
    /// `created_at` of the record at `snapshotSequence` (0 when the snapshot is empty): `--at` picks by it.
    public let snapshotLastCreatedAt: Int64
    /// chain(0) of the generation, lowercase hex.
    public let chainStart: String

    public init(
        instance: String, generation: GenerationID, createdAt: Int64, snapshotKey: ReplicaKey, snapshotSHA256: String,
        snapshotSequence: Int64, snapshotLastCreatedAt: Int64
    ) {
        self.instance = instance
        self.generation = generation
        self.createdAt = createdAt
        self.snapshotKey = snapshotKey
        self.snapshotSHA256 = snapshotSHA256
        self.snapshotSequence = snapshotSequence
        self.snapshotLastCreatedAt = snapshotLastCreatedAt
        chainStart = ReplicaChain(generation: generation, snapshotSHA256: snapshotSHA256).hex
    }

    public var encoded: [UInt8] {
        let object: JSONValue = .object(JSONObject([
            "format": .string(Self.format), "instance": .string(instance), "generation": .string(generation.rawValue),
            "created_at": .integer(JSONInteger(createdAt)), "snapshot": .string(snapshotKey.rawValue),
            "snapshot_sha256": .string(snapshotSHA256), "snapshot_sequence": .integer(JSONInteger(snapshotSequence)),
            "snapshot_last_created_at": .integer(JSONInteger(snapshotLastCreatedAt)), "chain_start": .string(chainStart),
        ]))
        return ((try? CanonicalJSON.encode(object)) ?? []) + [UInt8(ascii: "\n")]
    }

    /// Reads and checks a `generation.json` found at `key`, which must sit in `expected`'s folder.
    public init(decoding bytes: [UInt8], key: ReplicaKey, generation expected: GenerationID, layout: ReplicaLayout) throws(ReplicaError) {
        func unreadable(_ reason: String) -> ReplicaError { .unreadableObject(key: key, reason: reason) }
        guard bytes.count <= 64 * 1024, case .object(let object)? = try? JSONParser.parse(bytes) else {
            throw unreadable("it is not a JSON object")
        }
        guard object["format"]?.stringValue == Self.format else { throw unreadable("its format is not \(Self.format)") }
        guard let instance = object["instance"]?.stringValue, let did = DIDKey(instance) else {
            throw unreadable("its instance is not a did:key")
        }
        guard did.instanceTail == layout.instanceTail else {
            throw .foreignObject(key: key, field: "instance", expected: "instance-\(layout.instanceTail)", found: instance)
        }
        guard let name = object["generation"]?.stringValue, let generation = GenerationID(name) else {
            throw unreadable("its generation is not a generation id")
        }
        guard generation == expected else {
            throw .foreignObject(key: key, field: "generation", expected: expected.rawValue, found: name)
        }
        guard let createdAt = object["created_at"]?.int64Value, let sequence = object["snapshot_sequence"]?.int64Value,
            sequence >= 0, let lastCreatedAt = object["snapshot_last_created_at"]?.int64Value,
            let hash = object["snapshot_sha256"]?.stringValue, RecordID.isValid(hash),
            let snapshot = object["snapshot"]?.stringValue
        else { throw unreadable("a field is missing or of the wrong type") }
        guard snapshot == layout.snapshotKey(generation, sequence: sequence).rawValue else {
            throw .keyMismatch(key: key, reason: "snapshot \(snapshot) is not the snapshot of sequence \(sequence) in this generation")
        }
        self.init(
            instance: instance, generation: generation, createdAt: createdAt,
            snapshotKey: layout.snapshotKey(generation, sequence: sequence), snapshotSHA256: hash,
            snapshotSequence: sequence, snapshotLastCreatedAt: lastCreatedAt)
        guard object["chain_start"]?.stringValue == chainStart else {
            throw unreadable("its chain_start is not chain(0) of its generation and snapshot")
        }
    }
}

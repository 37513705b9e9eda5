import Crypto
import SyncropelKit

/// The hash chain that runs through a generation's records, so a missing, altered, reordered,
/// replayed or foreign segment shows: each segment carries the chain before its first record
/// (`prev`) and after its last (`chain`), and merging segments keeps both ends.
///
/// ```swift
/// var chain = ReplicaChain(generation: id, snapshotSHA256: hex)
/// chain.append(record.id)          // after each record, in sequence order
/// print(chain.hex)
/// ```
public struct ReplicaChain: Sendable, Equatable {
    public private(set) var bytes: [UInt8]

    /// chain(0) = SHA-256("spl-replica-chain-1\n" + generation id + "\n" + snapshot SHA-256 hex).
    public init(generation: GenerationID, snapshotSHA256: String) {
        bytes = Array(SHA256.hash(data: Array("spl-replica-chain-1\n\(generation.rawValue)\n\(snapshotSHA256)".utf8)))
    }

    /// A chain value read back as 64 lowercase hex characters.
    public init?(hex: String) {
        guard RecordID.isValid(hex) else { return nil }
        let digits = Array(hex.utf8)
        bytes = stride(from: 0, to: 64, by: 2).map { index in
            UInt8(Self.nibble(digits[index]) << 4 | Self.nibble(digits[index + 1]))
        }
    }

    /// chain = SHA-256(chain bytes ‖ UTF-8 of the record's id).
    public mutating func append(_ id: RecordID) {
        var hasher = SHA256()
        hasher.update(data: bytes)
        hasher.update(data: Array(id.hex.utf8))
        bytes = Array(hasher.finalize())
    }

    public var hex: String { Hex.encode(bytes) }

    private static func nibble(_ digit: UInt8) -> UInt8 {
        digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10
    }
}

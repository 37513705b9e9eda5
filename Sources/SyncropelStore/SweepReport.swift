import SyncropelKit

/// Where a sweep is: `done` of `total` records checked.
public struct SweepProgress: Sendable, Equatable {
    public let done: Int64
    public let total: Int64
}

/// One record that failed the sweep, named by the id it is stored under.
public struct SweepFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The canonical bytes no longer parse into a valid record.
        case unreadable(String)
        /// The canonical bytes hash to another id than the one the row is filed under.
        case idMismatch(recomputed: RecordID)
        /// The bytes parse, but are not the canonical form of what they hold.
        case notCanonical
        /// A lookup column disagrees with the canonical bytes (or holds no valid value).
        case badColumn(column: String, stored: String, expected: String)
        case badSignature(String)

        public var description: String {
            switch self {
            case .unreadable(let message):
                return "canonical bytes unreadable: \(message)"
            case .idMismatch(let recomputed):
                return "canonical bytes hash to \(recomputed)"
            case .notCanonical:
                return "stored bytes are not in canonical form"
            case .badColumn(let column, let stored, let expected):
                return "column \(column) holds \(stored), canonical bytes say \(expected)"
            case .badSignature(let message):
                return "bad signature: \(message)"
            }
        }
    }

    /// The row's `id` column (not necessarily valid hex when the row was tampered with).
    public let storedID: String
    public let sequence: Int64
    public let reason: Reason

    public var description: String {
        "record \(storedID) (sequence \(sequence)): \(reason)"
    }
}

/// What a content-address sweep found: content and signatures reported apart,
/// with the time each took, so a caller can print each with its own rate.
public struct SweepReport: Sendable, Equatable {
    public var recordsChecked: Int64 = 0
    public var badRecords: [SweepFinding] = []
    public var signaturesChecked: Int64 = 0
    public var badSignatures: [SweepFinding] = []
    public var contentDuration: Duration = .zero
    public var signatureDuration: Duration = .zero

    public init() {}

    public var isClean: Bool { badRecords.isEmpty && badSignatures.isEmpty }

    /// Adds the report of the chunk that follows the ones already in this report.
    mutating func append(_ next: SweepReport) {
        recordsChecked += next.recordsChecked
        badRecords += next.badRecords
        signaturesChecked += next.signaturesChecked
        badSignatures += next.badSignatures
        contentDuration += next.contentDuration
        signatureDuration += next.signatureDuration
    }
}

/// The name of one object in a replica, relative to the replica's root:
/// `instance-<tail>/<generation>/…`, segments separated by `/`.
///
/// Keys come back from listings of storage that someone else may have written, so a key
/// is checked before it is used as a path or a URL: no empty, `.` or `..` segment, no
/// leading `/`, and only `[A-Za-z0-9._-]` in a segment.
public struct ReplicaKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws(ReplicaKeyError) {
        guard rawValue.utf8.count <= Self.maximumLength else { throw .tooLong(rawValue.utf8.count) }
        let segments = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != ".." else { throw .badSegment(key: rawValue) }
            guard segment.utf8.allSatisfy(Self.isAllowed) else { throw .badCharacter(key: rawValue) }
        }
        self.rawValue = rawValue
    }

    /// Longer keys than S3 accepts (1024 bytes) are never written, so never trusted.
    public static let maximumLength = 1024

    public var description: String { rawValue }

    public static func < (lhs: ReplicaKey, rhs: ReplicaKey) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

/// Why a string is not a `ReplicaKey`.
public enum ReplicaKeyError: Error, Equatable, CustomStringConvertible {
    case tooLong(Int)
    case badSegment(key: String)
    case badCharacter(key: String)

    public var description: String {
        switch self {
        case .tooLong(let count):
            "replica object key of \(count) bytes is longer than \(ReplicaKey.maximumLength)"
        case .badSegment(let key):
            "replica object key \(key.debugDescription) has an empty, '.' or '..' segment"
        case .badCharacter(let key):
            "replica object key \(key.debugDescription) has a character outside [A-Za-z0-9._-/]"
        }
    }
}

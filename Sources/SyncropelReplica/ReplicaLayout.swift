/// Where each object of one instance lives in a replica: the one place that knows the layout
/// (docs/REPLICATION.md).
///
/// ```
/// instance-<24 hex>/generations/<generation>/generation.json
/// instance-<24 hex>/generations/<generation>/snapshot-<16-digit seq>.db.gz
/// instance-<24 hex>/generations/<generation>/segments/<16-digit first>-<16-digit last>.seg.gz
/// instance-<24 hex>/keys.sealed
/// ```
public struct ReplicaLayout: Sendable, Equatable {
    /// The 24 hex digits that name the instance's folder, as in backup folders.
    public let instanceTail: String

    public init(instanceTail: String) {
        self.instanceTail = instanceTail
    }

    /// `instance-<tail>/generations/`: what a listing of every generation starts with.
    public var generationsPrefix: String { "instance-\(instanceTail)/generations/" }

    /// The instance's key pair sealed under SPL_BACKUP_PASSPHRASE, a file as `spl backup` seals it.
    public var sealedKeysKey: ReplicaKey { key("instance-\(instanceTail)/keys.sealed") }

    public func generationPrefix(_ generation: GenerationID) -> String {
        generationsPrefix + generation.rawValue + "/"
    }

    public func segmentsPrefix(_ generation: GenerationID) -> String {
        generationPrefix(generation) + "segments/"
    }

    public func manifestKey(_ generation: GenerationID) -> ReplicaKey {
        key(generationPrefix(generation) + "generation.json")
    }

    public func snapshotKey(_ generation: GenerationID, sequence: Int64) -> ReplicaKey {
        key(generationPrefix(generation) + "snapshot-\(Self.digits(sequence)).db.gz")
    }

    public func segmentKey(_ generation: GenerationID, first: Int64, last: Int64) -> ReplicaKey {
        key(segmentsPrefix(generation) + "\(Self.digits(first))-\(Self.digits(last)).seg.gz")
    }

    /// What a listed key is, or nil for an object this layout does not name (left alone).
    public func classify(_ key: ReplicaKey) -> ReplicaObject? {
        guard key.rawValue.hasPrefix(generationsPrefix) else { return nil }
        let parts = key.rawValue.dropFirst(generationsPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard let generation = parts.first.flatMap({ GenerationID(String($0)) }) else { return nil }
        switch parts.count {
        case 2 where parts[1] == "generation.json":
            return .manifest(generation)
        case 2 where parts[1].hasPrefix("snapshot-") && parts[1].hasSuffix(".db.gz"):
            let digits = parts[1].dropFirst("snapshot-".count).dropLast(".db.gz".count)
            return Self.sequence(digits).map { .snapshot(generation, sequence: $0) }
        case 3 where parts[1] == "segments" && parts[2].hasSuffix(".seg.gz"):
            let range = parts[2].dropLast(".seg.gz".count).split(separator: "-", omittingEmptySubsequences: false)
            guard range.count == 2, let first = Self.sequence(range[0]), let last = Self.sequence(range[1]),
                first >= 1, first <= last
            else { return nil }
            return .segment(generation, first: first, last: last)
        default:
            return nil
        }
    }

    /// Sequences are written as 16 digits so keys sort as numbers.
    static func digits(_ sequence: Int64) -> String {
        let text = String(sequence)
        return String(repeating: "0", count: max(0, 16 - text.count)) + text
    }

    private static func sequence(_ digits: Substring) -> Int64? {
        guard digits.count == 16, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int64(digits)
    }

    /// Every part is a generation id, fixed words or digits, so the key is always valid.
    private func key(_ text: String) -> ReplicaKey {
        try! ReplicaKey(text)
    }
}

/// One object a replica's layout names.
public enum ReplicaObject: Sendable, Hashable {
    case manifest(GenerationID)
    case snapshot(GenerationID, sequence: Int64)
    case segment(GenerationID, first: Int64, last: Int64)

    public var generation: GenerationID {
        switch self {
        case .manifest(let generation), .snapshot(let generation, _), .segment(let generation, _, _): generation
        }
    }
}

extension ReplicaLayout {
    /// The tails of every `instance-<24 hex>/` folder a replica holds, sorted.
    public static func instanceTails(in objects: any ReplicaObjectStore) async throws -> [String] {
        var tails: Set<String> = []
        for info in try await objects.list(prefix: "") {
            guard let folder = info.key.rawValue.split(separator: "/").first, folder.hasPrefix("instance-") else { continue }
            let tail = String(folder.dropFirst("instance-".count))
            if tail.utf8.count == 24, tail.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
                tails.insert(tail)
            }
        }
        return tails.sorted()
    }
}

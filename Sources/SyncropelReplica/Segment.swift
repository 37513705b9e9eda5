import SyncropelKit

/// The first line of a segment: which records it holds and where it sits in the chain.
public struct SegmentHeader: Sendable, Equatable {
    public static let format = "spl-segment-1"

    /// The instance's `did:key:…`.
    public let instance: String
    public let generation: GenerationID
    public let first: Int64
    public let last: Int64
    public let count: Int64
    /// The chain before `first`, lowercase hex.
    public let prev: String
    /// The chain after `last`, lowercase hex.
    public let chain: String

    public init(instance: String, generation: GenerationID, first: Int64, last: Int64, count: Int64, prev: String, chain: String) {
        self.instance = instance
        self.generation = generation
        self.first = first
        self.last = last
        self.count = count
        self.prev = prev
        self.chain = chain
    }

    var jsonValue: JSONValue {
        .object(JSONObject([
            "format": .string(Self.format), "instance": .string(instance), "generation": .string(generation.rawValue),
            "first": .integer(JSONInteger(first)), "last": .integer(JSONInteger(last)),
            "count": .integer(JSONInteger(count)), "prev": .string(prev), "chain": .string(chain),
        ]))
    }

    init(json: JSONValue, key: ReplicaKey) throws(ReplicaError) {
        guard case .object(let object) = json, object["format"]?.stringValue == Self.format else {
            throw .unreadableObject(key: key, reason: "line 1 is not a \(Self.format) header")
        }
        guard let instance = object["instance"]?.stringValue,
            let generation = object["generation"]?.stringValue.flatMap(GenerationID.init),
            let first = object["first"]?.int64Value, let last = object["last"]?.int64Value,
            let count = object["count"]?.int64Value, let prev = object["prev"]?.stringValue, RecordID.isValid(prev),
            let chain = object["chain"]?.stringValue, RecordID.isValid(chain)
        else { throw .unreadableObject(key: key, reason: "its header has a field missing or of the wrong type") }
        self.init(instance: instance, generation: generation, first: first, last: last, count: count, prev: prev, chain: chain)
    }
}

/// A segment: gzip of NDJSON, a `SegmentHeader` line then one line per stored record in
/// sequence order, each the record's canonical JSON with `sequence`, `created_at`, `sig` and
/// `signer` (docs/REPLICATION.md).
///
/// ```swift
/// let bytes = try Segment.encode(header: header, records: records)
/// let segment = try Segment.decode(bytes, key: key, instance: did, layout: layout)  // checks everything
/// ```
public struct Segment: Sendable {
    /// Larger decompressed segments are refused: a hostile replica could hold a gzip bomb.
    static let maximumBytes = 1 << 30

    public let header: SegmentHeader
    public let records: [StoredRecord]
    /// The chain after each sequence asked for in `decode(…, chainsAt:)`.
    public let chains: [Int64: String]

    /// The gzip bytes of a segment holding `records`, which must run `header.first...header.last`.
    public static func encode(header: SegmentHeader, records: [StoredRecord]) throws -> [UInt8] {
        var body: [UInt8] = []
        for stored in records {
            body += try CanonicalJSON.encode(stored.jsonValue)
            body.append(UInt8(ascii: "\n"))
        }
        return try encode(header: header, body: body)
    }

    /// The gzip bytes of `header` followed by record lines already encoded (each ending in a newline).
    static func encode(header: SegmentHeader, body: some Collection<UInt8>) throws -> [UInt8] {
        var text = try CanonicalJSON.encode(header.jsonValue)
        text.append(UInt8(ascii: "\n"))
        text += body
        return try Gzip.compress(text)
    }

    /// The segment at `key` opened and checked: the header names this instance and the
    /// generation of its folder and the range of its key; every record line parses, its id
    /// re-hashes from its canonical fields, its signature verifies; sequences run first...last
    /// without a gap; and the chain from `prev` over the ids ends at the header's `chain`.
    public static func decode(
        _ bytes: [UInt8], key: ReplicaKey, instance: String, layout: ReplicaLayout, chainsAt boundaries: Set<Int64> = []
    ) throws(ReplicaError) -> Segment {
        let (header, body) = try split(bytes, key: key, instance: instance, layout: layout)
        var records: [StoredRecord] = []
        records.reserveCapacity(Int(min(header.count, 1 << 20)))
        var chains: [Int64: String] = [:]
        guard var chain = ReplicaChain(hex: header.prev) else {
            throw .unreadableObject(key: key, reason: "its prev is not a chain value")
        }
        var keys = SignerKeys()
        var expected = header.first
        var lineNumber = 1
        for line in body.split(separator: UInt8(ascii: "\n")) {
            lineNumber += 1
            let stored = try record(line, key: key, lineNumber: lineNumber, keys: &keys)
            guard stored.sequence == expected, stored.sequence <= header.last else {
                throw .badRecord(key: key, line: lineNumber, reason: "sequence \(stored.sequence) where \(expected) belongs")
            }
            chain.append(stored.id)
            if boundaries.contains(stored.sequence) { chains[stored.sequence] = chain.hex }
            records.append(stored)
            expected += 1
        }
        guard expected == header.last + 1, Int64(records.count) == header.count else {
            throw .keyMismatch(key: key, reason: "its header promises \(header.count) records \(header.first)...\(header.last), it holds \(records.count)")
        }
        guard chain.hex == header.chain else {
            throw .alteredSegment(key: key, header: header.chain, computed: chain.hex)
        }
        return Segment(header: header, records: records, chains: chains)
    }

    /// The header checked against the key and the replica, and the record lines behind it, unparsed.
    static func split(
        _ bytes: [UInt8], key: ReplicaKey, instance: String, layout: ReplicaLayout
    ) throws(ReplicaError) -> (SegmentHeader, ArraySlice<UInt8>) {
        guard case .segment(let generation, let first, let last)? = layout.classify(key) else {
            throw .keyMismatch(key: key, reason: "the name is not a segment of this instance")
        }
        let text: [UInt8]
        do {
            text = try Gzip.decompress(bytes, limit: maximumBytes)
        } catch {
            throw .unreadableObject(key: key, reason: "it is not gzip of at most \(maximumBytes) bytes (\(error))")
        }
        let end = text.firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
        let json: JSONValue
        do {
            json = try JSONParser.parse(text[..<end])
        } catch {
            throw .unreadableObject(key: key, reason: "line 1 is not JSON: \(error)")
        }
        let header = try SegmentHeader(json: json, key: key)
        guard header.instance == instance else {
            throw .foreignObject(key: key, field: "instance", expected: instance, found: header.instance)
        }
        guard header.generation == generation else {
            throw .foreignObject(key: key, field: "generation", expected: generation.rawValue, found: header.generation.rawValue)
        }
        guard header.first == first, header.last == last else {
            throw .keyMismatch(key: key, reason: "its header holds sequences \(header.first)...\(header.last)")
        }
        return (header, text[min(end + 1, text.endIndex)...])
    }

    private static func record(
        _ line: ArraySlice<UInt8>, key: ReplicaKey, lineNumber: Int, keys: inout SignerKeys
    ) throws(ReplicaError) -> StoredRecord {
        func bad(_ reason: String) -> ReplicaError { .badRecord(key: key, line: lineNumber, reason: reason) }
        guard case .object(let object)? = try? JSONParser.parse(line), object["object"] == "record" else {
            throw bad("it is not a record object")
        }
        guard let exported = object["id"]?.stringValue, RecordID.isValid(exported),
            let sequence = object["sequence"]?.int64Value, let createdAt = object["created_at"]?.int64Value
        else { throw bad("its id, sequence or created_at is missing or malformed") }
        let record: Record
        do throws(RecordError) {
            let draft = try RecordDraft(json: .object(object), stripExportFields: true)
            guard draft.clock != nil else { throw RecordError(.invalidClock, field: "clock", "the record has no clock") }
            record = try draft.record()
        } catch {
            throw bad("record \(exported): \(error.description)")
        }
        guard record.id.hex == exported else {
            throw bad("record \(exported) re-hashes to \(record.id.hex)")
        }
        do {
            try record.verifySignature(keys: &keys)
        } catch {
            throw bad("record \(exported): \(error.description)")
        }
        return StoredRecord(record: record, sequence: sequence, createdAt: createdAt)
    }
}

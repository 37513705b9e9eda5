/// A record as a store holds it: with its place in the log and arrival time.
public struct StoredRecord: Sendable, Equatable {
    public let record: Record
    /// Position in the store's log, assigned at commit, increasing.
    public let sequence: Int64
    /// Server wall clock at ingest, Unix milliseconds.
    public let createdAt: Int64

    public init(record: Record, sequence: Int64, createdAt: Int64) {
        self.record = record
        self.sequence = sequence
        self.createdAt = createdAt
    }

    public var id: RecordID { record.id }

    /// The wire form of SPEC 7.2: `{"object":"record","id",…,"sequence","created_at","sig"?,"signer"?}`.
    public var jsonValue: JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "record"),
            .init(key: "id", value: .string(record.id.hex)),
            .init(key: "act", value: .string(record.act.rawValue)),
            .init(key: "actor", value: .string(record.actor)),
            .init(key: "body", value: .object(record.body)),
            .init(key: "clock", value: .integer(JSONInteger(record.clock))),
            .init(key: "data_type", value: .string(record.dataType.rawValue)),
            .init(key: "parents", value: .array(record.parents.map { .string($0.hex) })),
            .init(key: "thread", value: .string(record.thread)),
            .init(key: "judged_by", value: record.judgedBy.map { .string($0.hex) } ?? .null),
            .init(key: "sequence", value: .integer(JSONInteger(sequence))),
            .init(key: "created_at", value: .integer(JSONInteger(createdAt))),
        ]
        if let signature = record.signature {
            members.append(.init(key: "sig", value: .string(signature.sig)))
            members.append(.init(key: "signer", value: .string(signature.signer)))
        }
        return .object(JSONObject(members))
    }

    /// `jsonValue.serialized()`, byte for byte, without building it: the canonical bytes hold the
    /// seven hashed fields in the wire form's order and text (one writer makes both), so they go
    /// out as stored between the id and `judged_by`. A `Record` only holds bytes that parsed as
    /// one object of exactly those fields; stored bytes with whitespace around that object (which
    /// spl never writes) take the long way.
    public func appendJSONText(to bytes: inout [UInt8]) {
        guard record.canonical.first == UInt8(ascii: "{"), record.canonical.last == UInt8(ascii: "}") else {
            bytes.append(contentsOf: jsonValue.serialized().utf8)
            return
        }
        var id = record.id.hex
        id.withUTF8 { id in
            record.canonical.withUnsafeBufferPointer { canonical in
                Self.appendJSONText(
                    canonical: canonical, id: id, judgedBy: record.judgedBy, sequence: sequence, createdAt: createdAt,
                    signature: record.signature, to: &bytes)
            }
        }
    }

    /// The wire text of a record from its parts, for a store that sends stored bytes without
    /// making a `Record`: `canonical` must be one JSON object (`CanonicalRecordShape.matches`)
    /// and `id` its id's 64 hex digits.
    public static func appendJSONText(
        canonical: UnsafeBufferPointer<UInt8>, id: UnsafeBufferPointer<UInt8>, judgedBy: RecordID?, sequence: Int64,
        createdAt: Int64, signature: RecordSignature?, to bytes: inout [UInt8]
    ) {
        var writer = JSONTextWriter(reservingCapacity: 0)
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        writer.append(#"{"object":"record","id":""#)
        writer.bytes.append(contentsOf: id)
        writer.append(#"","#)
        // The canonical object without its braces: "act":…,"thread":"…".
        writer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: canonical.dropFirst().dropLast()))
        writer.append(#","judged_by":"#)
        if let judgedBy { writer.appendString(judgedBy.hex) } else { writer.append("null") }
        writer.append(#","sequence":"#)
        writer.appendInteger(sequence)
        writer.append(#","created_at":"#)
        writer.appendInteger(createdAt)
        if let signature {
            writer.append(#","sig":"#)
            writer.appendString(signature.sig)
            writer.append(#","signer":"#)
            writer.appendString(signature.signer)
        }
        writer.append(UInt8(ascii: "}"))
    }
}

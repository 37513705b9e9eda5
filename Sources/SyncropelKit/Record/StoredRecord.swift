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
}

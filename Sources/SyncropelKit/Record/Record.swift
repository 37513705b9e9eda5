import Crypto

/// An immutable, content-addressed Syncropel record.
///
/// A `Record` always holds valid fields, the canonical bytes of its seven
/// hashed fields and the id derived from them, computed once when it is made.
/// `judgedBy` and `signature` sit outside the hash.
public struct Record: Sendable, Equatable {
    public let act: Act
    public let actor: String
    public private(set) var body: JSONObject
    public let clock: Int64
    public let dataType: DataType
    /// Sorted ascending, without duplicates.
    public let parents: [RecordID]
    public let thread: String
    public let judgedBy: RecordID?
    /// Outside the hash: the daemon may sign a record after its id is known.
    public var signature: RecordSignature?

    /// UTF-8 canonical JSON of `{act, actor, body, clock, data_type, parents, thread}`.
    public let canonical: [UInt8]
    public let id: RecordID

    /// Largest canonical body a record may carry.
    public static let maxBodyBytes = 1 << 20

    /// Makes a record from its fields, checking each as ingest does.
    public init(
        act: Act, actor: String, body: JSONObject, clock: Int64, dataType: DataType = .scalar,
        parents: [RecordID] = [], thread: String, judgedBy: RecordID? = nil, signature: RecordSignature? = nil
    ) throws(RecordError) {
        try RecordRules.checkActor(actor)
        try RecordRules.checkThread(thread)
        try RecordRules.checkClock(clock)
        let sortedParents = Array(Set(parents)).sorted()
        guard sortedParents.count <= RecordRules.maxParents else {
            throw RecordError(.invalidParents, field: "parents", "more than \(RecordRules.maxParents) parents")
        }
        self.act = act
        self.actor = actor
        self.body = body
        self.clock = clock
        self.dataType = dataType
        self.parents = sortedParents
        self.thread = thread
        self.judgedBy = judgedBy
        self.signature = signature
        let hashed = Record.hashedFields(
            act: act, actor: actor, body: body, clock: clock, dataType: dataType, parents: sortedParents, thread: thread)
        do {
            canonical = try CanonicalJSON.encode(hashed)
        } catch {
            throw RecordError(.invalidJSON, field: "body", "body cannot be canonicalised: \(error)")
        }
        if canonical.count > Record.maxBodyBytes {
            let bodySize = (try? CanonicalJSON.encode(.object(body)).count) ?? canonical.count
            if bodySize > Record.maxBodyBytes {
                throw RecordError(.invalidField, field: "body", "body is \(bodySize) bytes in canonical form; the limit is 1 MiB")
            }
        }
        id = RecordID(digest: SHA256.hash(data: canonical))
    }

    /// Rebuilds a record from stored canonical bytes, keeping those exact bytes.
    ///
    /// `id` is recomputed from `canonical`, so a caller can compare it with the id
    /// the bytes were stored under; `isCanonicalFormValid` tells whether the bytes
    /// are what the parsed fields canonicalise to.
    public init(canonical bytes: [UInt8], judgedBy: RecordID?, signature: RecordSignature?) throws(RecordError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw RecordError(.invalidJSON, "stored canonical bytes do not parse: \(error)")
        }
        guard case .object(let object) = value else {
            throw RecordError(.invalidJSON, "stored canonical bytes are not an object")
        }
        let fields = try RecordFields(object, requireClock: true, allowed: RecordRules.hashedFieldNames)
        act = fields.act
        actor = fields.actor
        body = fields.body
        clock = fields.clock!
        dataType = fields.dataType
        parents = fields.parents
        thread = fields.thread
        self.judgedBy = judgedBy
        self.signature = signature
        canonical = bytes
        id = RecordID(digest: SHA256.hash(data: bytes))
    }

    /// This record as `init(canonical:judgedBy:signature:)` makes it from its own canonical bytes,
    /// without parsing them: the body's members in code point order at every depth, integral
    /// doubles as integers. The canonical bytes, and so the id, are the same.
    public var readBack: Record {
        guard !CanonicalJSON.parsesBackUnchanged(.object(body)) else { return self }
        var record = self
        record.body = CanonicalJSON.readBack(.object(body)).objectValue!
        return record
    }

    /// The seven hashed fields as a JSON object.
    static func hashedFields(
        act: Act, actor: String, body: JSONObject, clock: Int64, dataType: DataType, parents: [RecordID], thread: String
    ) -> JSONValue {
        .object(JSONObject([
            .init(key: "act", value: .string(act.rawValue)),
            .init(key: "actor", value: .string(actor)),
            .init(key: "body", value: .object(body)),
            .init(key: "clock", value: .integer(JSONInteger(clock))),
            .init(key: "data_type", value: .string(dataType.rawValue)),
            .init(key: "parents", value: .array(parents.map { .string($0.hex) })),
            .init(key: "thread", value: .string(thread)),
        ]))
    }

    /// True when `canonical` is exactly what the fields canonicalise to.
    public var isCanonicalFormValid: Bool {
        let hashed = Record.hashedFields(
            act: act, actor: actor, body: body, clock: clock, dataType: dataType, parents: parents, thread: thread)
        return (try? CanonicalJSON.encode(hashed)) == canonical
    }

    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.id == rhs.id && lhs.canonical == rhs.canonical && lhs.judgedBy == rhs.judgedBy
            && lhs.signature == rhs.signature
    }
}

/// An Ed25519 signature over a record's canonical bytes and the did:key that made it.
public struct RecordSignature: Sendable, Equatable {
    /// Base64 of the 64-byte signature.
    public let sig: String
    /// `did:key:z6Mk…` of the signing key.
    public let signer: String

    public init(sig: String, signer: String) {
        self.sig = sig
        self.signer = signer
    }
}

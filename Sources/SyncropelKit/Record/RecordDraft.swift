/// A checked ingest envelope whose clock the server may still have to assign.
///
/// `RecordDraft(json:)` applies every field rule of SPEC 3.1; `record(clock:)`
/// completes it with the envelope's own clock or the one the store assigns.
public struct RecordDraft: Sendable {
    public let act: Act
    public let actor: String
    public let body: JSONObject
    /// Nil when the sender left the clock to the server.
    public let clock: Int64?
    public let dataType: DataType
    public let parents: [RecordID]
    public let thread: String
    public let judgedBy: RecordID?
    public let signature: RecordSignature?

    /// Checks an envelope received from a client.
    ///
    /// With `stripExportFields`, `object`, `id`, `sequence` and `created_at`
    /// (what exports add) are ignored instead of refused.
    public init(json: JSONValue, stripExportFields: Bool = false) throws(RecordError) {
        guard case .object(let object) = json else {
            throw RecordError(.invalidJSON, "a record must be a JSON object")
        }
        let allowed = stripExportFields ? RecordRules.envelopeFieldNames.union(RecordRules.exportFieldNames) : RecordRules.envelopeFieldNames
        let fields = try RecordFields(object, requireClock: false, allowed: allowed)
        act = fields.act
        actor = fields.actor
        body = fields.body
        clock = fields.clock
        dataType = fields.dataType
        parents = fields.parents
        thread = fields.thread
        judgedBy = fields.judgedBy
        signature = fields.signature
    }

    public init(
        act: Act, actor: String, body: JSONObject, clock: Int64? = nil, dataType: DataType = .scalar,
        parents: [RecordID] = [], thread: String, judgedBy: RecordID? = nil, signature: RecordSignature? = nil
    ) {
        self.act = act
        self.actor = actor
        self.body = body
        self.clock = clock
        self.dataType = dataType
        self.parents = parents
        self.thread = thread
        self.judgedBy = judgedBy
        self.signature = signature
    }

    /// The record with `clock` (ignored when the envelope carried its own).
    public func record(assignedClock: Int64 = 0) throws(RecordError) -> Record {
        try Record(
            act: act, actor: actor, body: body, clock: clock ?? assignedClock, dataType: dataType, parents: parents,
            thread: thread, judgedBy: judgedBy, signature: signature)
    }
}

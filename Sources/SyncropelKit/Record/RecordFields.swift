/// The fields of an envelope object, checked one by one with the error codes of SPEC 11.
///
/// Shared by ingest (`RecordDraft`) and by reading canonical bytes back from a store.
struct RecordFields {
    var act: Act
    var actor: String
    var body: JSONObject
    var clock: Int64?
    var dataType: DataType
    var parents: [RecordID]
    var thread: String
    var judgedBy: RecordID?
    var signature: RecordSignature?

    init(_ object: JSONObject, requireClock: Bool, allowed: Set<String>) throws(RecordError) {
        for member in object.members where !allowed.contains(member.key) {
            throw RecordError(.invalidField, field: member.key, "unknown field \"\(member.key)\"")
        }
        guard let actValue = object["act"] else { throw Self.missing("act") }
        guard case .string(let actText) = actValue else { throw Self.mistyped("act", "a string") }
        guard let act = Act(rawValue: actText) else {
            throw RecordError(.invalidAct, field: "act", "act must be one of \(Act.allCases.map(\.rawValue).joined(separator: " "))")
        }
        self.act = act

        guard let actorValue = object["actor"] else { throw Self.missing("actor") }
        guard case .string(let actor) = actorValue else { throw Self.mistyped("actor", "a string") }
        try RecordRules.checkActor(actor)
        self.actor = actor

        guard let bodyValue = object["body"] else { throw Self.missing("body") }
        guard case .object(let body) = bodyValue else { throw Self.mistyped("body", "an object") }
        self.body = body

        switch object["clock"] {
        case nil:
            if requireClock { throw Self.missing("clock") }
            clock = nil
        case .integer(let integer)?:
            guard let value = integer.int64Value else {
                throw RecordError(.invalidClock, field: "clock", "clock must be at most 2^63-1")
            }
            try RecordRules.checkClock(value)
            clock = value
        case _?:
            throw RecordError(.invalidClock, field: "clock", "clock must be an integer")
        }

        switch object["data_type"] {
        case nil:
            dataType = .scalar
        case .string(let text)?:
            guard let type = DataType(rawValue: text) else {
                throw RecordError(
                    .invalidDataType, field: "data_type",
                    "data_type must be one of \(DataType.allCases.map(\.rawValue).joined(separator: " "))")
            }
            dataType = type
        case _?:
            throw Self.mistyped("data_type", "a string")
        }

        switch object["parents"] {
        case nil:
            parents = []
        case .array(let items)?:
            var ids = Set<RecordID>()
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item, let id = RecordID(hex: text) else {
                    throw RecordError(.invalidParents, field: "parents[\(index)]", "parents must be record ids (64 lowercase hex)")
                }
                ids.insert(id)
            }
            guard ids.count <= RecordRules.maxParents else {
                throw RecordError(.invalidParents, field: "parents", "more than \(RecordRules.maxParents) parents")
            }
            parents = ids.sorted()
        case _?:
            throw RecordError(.invalidParents, field: "parents", "parents must be an array of record ids")
        }

        guard let threadValue = object["thread"] else { throw Self.missing("thread") }
        guard case .string(let thread) = threadValue else { throw Self.mistyped("thread", "a string") }
        try RecordRules.checkThread(thread)
        self.thread = thread

        switch object["judged_by"] {
        case nil, .null?:
            judgedBy = nil
        case .string(let text)? where RecordID(hex: text) != nil:
            judgedBy = RecordID(hex: text)
        case _?:
            throw Self.mistyped("judged_by", "a record id or null")
        }

        switch (object["sig"], object["signer"]) {
        case (nil, nil):
            signature = nil
        case (.string(let sig)?, .string(let signer)?):
            signature = RecordSignature(sig: sig, signer: signer)
        case (nil, _?), (_?, nil):
            throw RecordError(.badSignature, field: object["sig"] == nil ? "sig" : "signer", "sig and signer come together or not at all")
        case (_?, _?):
            throw Self.mistyped(object["sig"]?.stringValue == nil ? "sig" : "signer", "a string")
        }
    }

    private static func missing(_ field: String) -> RecordError {
        RecordError(.invalidField, field: field, "missing field \"\(field)\"")
    }

    private static func mistyped(_ field: String, _ expected: String) -> RecordError {
        RecordError(.invalidField, field: field, "\"\(field)\" must be \(expected)")
    }
}

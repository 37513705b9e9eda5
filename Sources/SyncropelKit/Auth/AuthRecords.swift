/// The LEARN records that declare service accounts and tokens on `th_service_accounts`.
///
/// The daemon writes them signed by the instance key; `AuthFold` reads only those, so a
/// record with the same body from anyone else changes nothing.
public enum AuthRecords {
    /// The actor of every auth record: the engine, as for the bootstrap LEARN.
    public static let actor = "did:sync:system:engine"

    public enum Kind: String, Sendable, CaseIterable {
        case accountCreated = "spl.auth.account_created"
        case accountRevoked = "spl.auth.account_revoked"
        case tokenCreated = "spl.auth.token_created"
        case tokenRetired = "spl.auth.token_retired"
    }

    public static func accountCreated(
        _ id: ServiceAccountID, name: String, scopes: [AuthScope], actors: [String]
    ) -> RecordDraft {
        draft(.accountCreated, [
            "sa_id": .string(id.value), "name": .string(name),
            "scopes": .array(scopes.map { .string($0.rawValue) }), "actors": .array(actors.map(JSONValue.string)),
        ])
    }

    public static func accountRevoked(_ id: ServiceAccountID) -> RecordDraft {
        draft(.accountRevoked, ["sa_id": .string(id.value)])
    }

    public static func tokenCreated(_ token: TokenText) -> RecordDraft {
        draft(.tokenCreated, [
            "token_id": .string(token.tokenID), "sa_id": .string(token.accountID.value),
            "secret_sha256": .string(Hex.encode(token.digest)),
        ])
    }

    public static func tokenRetired(_ tokenID: String, _ retirement: ServiceToken.Retirement) -> RecordDraft {
        draft(.tokenRetired, ["token_id": .string(tokenID), "reason": .string(retirement.rawValue)])
    }

    private static func draft(_ kind: Kind, _ fields: KeyValuePairs<String, JSONValue>) -> RecordDraft {
        var members = [JSONObject.Member(key: "kind", value: .string(kind.rawValue))]
        members += fields.map { JSONObject.Member(key: $0.key, value: $0.value) }
        let body = JSONObject(members)
        return RecordDraft(act: .learn, actor: actor, body: body, thread: RecordRules.serviceAccountsThread)
    }
}

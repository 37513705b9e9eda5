import SyncropelKit

extension ServiceAccount {
    /// `{"object":"service_account","id","name","scopes","actors","created_at","revoked_at"}`.
    var jsonValue: JSONValue {
        [
            "object": "service_account", "id": .string(id.value), "name": .string(name),
            "scopes": .array(scopes.map { .string($0.rawValue) }), "actors": .array(actors.map(JSONValue.string)),
            "created_at": .int(createdAt), "revoked_at": revokedAt.map(JSONValue.int) ?? .null,
        ]
    }
}

extension ServiceToken {
    /// `{"object":"token","id","sa_id","status":"active|revoked|rotated","created_at","retired_at"}`: never the secret.
    var jsonValue: JSONValue {
        [
            "object": "token", "id": .string(id), "sa_id": .string(accountID.value),
            "status": .string(retired?.rawValue ?? "active"), "created_at": .int(createdAt),
            "retired_at": retiredAt.map(JSONValue.int) ?? .null,
        ]
    }
}

extension TokenText {
    /// The answer that carries a token's text, the one time it is shown.
    var createdJSON: JSONValue {
        ["object": "token_created", "id": .string(tokenID), "sa_id": .string(accountID.value), "token": .string(text)]
    }
}

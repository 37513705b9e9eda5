import Hummingbird
import SyncropelKit

/// Service accounts and tokens, under `/v1/admin/` and so only on the unix socket (`LocalOnlyRoutes`).
///
/// `POST …/service-accounts {"name","scopes"?,"actors"?,"with_token"?}`, `GET …/service-accounts[/{id}]`,
/// `POST …/service-accounts/{id}/revoke`; `POST …/tokens {"sa_id"}`, `GET …/tokens?sa_id=`,
/// `POST …/tokens/{id}/revoke`, `POST …/tokens/{id}/rotate`. A token's text appears only in the
/// answer that created it.
package struct AuthAdminRoutes {
    package static let accounts = "/v1/admin/service-accounts"
    package static let tokens = "/v1/admin/tokens"
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.post(RouterPath(Self.accounts)) { request, context in try await createAccount(request, context: context) }
        router.get(RouterPath(Self.accounts)) { _, _ in
            JSONResponse.list(try await fold().accounts.map(\.jsonValue))
        }
        router.get(RouterPath(Self.accounts + "/:id")) { _, context in
            let fold = try await fold()
            let id = try Self.accountID(context.parameters.get("id"))
            guard let account = fold.account(id) else { throw APIError.notFound("no service account \(id.value)") }
            var object = account.jsonValue.objectValue ?? JSONObject()
            object["tokens"] = .array(fold.tokens(of: id).map(\.jsonValue))
            return JSONResponse.make(.object(object))
        }
        router.post(RouterPath(Self.accounts + "/:id/revoke")) { _, context in
            let id = try Self.accountID(context.parameters.get("id"))
            return JSONResponse.make(try await gate.readyInstance().serviceAccounts.revoke(account: id).jsonValue)
        }
        router.post(RouterPath(Self.tokens)) { request, context in
            let body = try await JSONRequestBody.readOptionalObject(request, context: context, fields: ["sa_id"], shape: "{\"sa_id\": \"sa_…\"}")
            let id = try Self.accountID(body["sa_id"]?.stringValue, field: "sa_id")
            let token = try await gate.readyInstance().serviceAccounts.mintToken(for: id)
            return JSONResponse.make(token.createdJSON, status: .created)
        }
        router.get(RouterPath(Self.tokens)) { request, _ in
            try QueryParameters.check(request, allowed: ["sa_id"])
            let account = try request.uri.queryParameters["sa_id"].map { try Self.accountID(String($0), field: "sa_id") }
            return JSONResponse.list(try await fold().tokens(of: account).map(\.jsonValue))
        }
        router.post(RouterPath(Self.tokens + "/:id/revoke")) { _, context in
            let id = context.parameters.get("id") ?? ""
            _ = try await gate.readyInstance().serviceAccounts.retire(token: id, .revoked)
            return JSONResponse.make(try await fold().token(id)?.jsonValue ?? .null)
        }
        router.post(RouterPath(Self.tokens + "/:id/rotate")) { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let replacement = try await gate.readyInstance().serviceAccounts.retire(token: id, .rotated) else {
                throw APIError(.internalServerError, "INTERNAL", "token \(id) was rotated without a replacement")
            }
            return JSONResponse.make(replacement.createdJSON, status: .created)
        }
    }

    private func fold() async throws -> AuthFold {
        try await gate.readyInstance().derived.serviceAccounts()
    }

    private func createAccount(_ request: Request, context: InstanceRequestContext) async throws -> Response {
        let body = try await JSONRequestBody.readOptionalObject(
            request, context: context, fields: ["name", "scopes", "actors", "with_token"],
            shape: "{\"name\", \"scopes\"?: [\"records:read\", …], \"actors\"?: [\"did:…\"], \"with_token\"?: bool}")
        guard let nameValue = body["name"] else { throw APIError.invalidField("name", "name is required") }
        let name = try Self.name(nameValue)
        let scopes = try Self.strings(body["scopes"], field: "scopes")
        let actors = try Self.strings(body["actors"], field: "actors")
        guard !scopes.isEmpty else { throw APIError.invalidField("scopes", "give at least one scope") }
        let parsedScopes: [AuthScope]
        do {
            parsedScopes = try AuthScope.parseList(scopes.joined(separator: ","))
        } catch {
            throw APIError.invalidField("scopes", error.description)
        }
        do {
            try ServiceAccount.checkActors(actors)
        } catch {
            throw APIError.invalidField("actors", error.description)
        }
        var withToken = false
        if let value = body["with_token"] {
            guard let flag = value.boolValue else { throw APIError.invalidField("with_token", "with_token must be true or false") }
            withToken = flag
        }
        let (account, token) = try await gate.readyInstance().serviceAccounts.create(
            name: name, scopes: parsedScopes, actors: actors, withToken: withToken)
        var object = account.jsonValue.objectValue ?? JSONObject()
        if let token { object["token"] = token.createdJSON }
        return JSONResponse.make(.object(object), status: .created)
    }

    static func name(_ value: JSONValue) throws -> String {
        guard let name = value.stringValue, (try? ServiceAccount.checkName(name)) != nil else {
            throw APIError.invalidField("name", AuthRecordError.invalidName.description)
        }
        return name
    }

    static func accountID(_ text: String?, field: String = "id") throws -> ServiceAccountID {
        guard let text, let id = ServiceAccountID(text) else {
            throw APIError.invalidField(field, "a service account id is sa_ and 16 lowercase hex")
        }
        return id
    }

    private static func strings(_ value: JSONValue?, field: String) throws -> [String] {
        guard let value else { return [] }
        guard let items = value.arrayValue, case let strings = items.compactMap(\.stringValue), strings.count == items.count else {
            throw APIError.invalidField(field, "\(field) must be an array of strings")
        }
        return strings
    }
}

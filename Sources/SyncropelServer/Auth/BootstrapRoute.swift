import Hummingbird
import SyncropelKit

/// `POST /v1/bootstrap/service-account {"name"?}`: the first service account, an admin that may
/// act as anyone, with its token shown once. Open without a token, over TCP too, until an
/// account exists; then 409 `BOOTSTRAP_CLOSED`.
package struct BootstrapRoute {
    package static let path = "/v1/bootstrap/service-account"
    static let defaultName = "admin"
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.post(RouterPath(Self.path)) { request, context in
            let instance = try gate.readyInstance()
            let body = try await JSONRequestBody.readOptionalObject(request, context: context, fields: ["name"], shape: "{\"name\"?: \"…\"}")
            let name = try body["name"].map { try AuthAdminRoutes.name($0) } ?? Self.defaultName
            let (account, token) = try await instance.serviceAccounts.bootstrap(name: name)
            return JSONResponse.make(["object": "bootstrap", "service_account": account.jsonValue, "token": token.createdJSON], status: .created)
        }
    }
}

import Hummingbird
import SyncropelKit

/// The scope each route needs over TCP, by method and registered path (docs/HTTP-API.md lists
/// it beside each route). A test holds this table to exactly the routes `InstanceRouter`
/// registers, so a new route cannot be served without a decision here.
enum RouteScopes {
    enum Need: Sendable, Equatable {
        /// No token needed: `/health` (which then says only liveness and version) and bootstrap.
        case noToken
        case scope(AuthScope)
    }

    static let table: [String: Need] = [
        "GET /health": .noToken,
        "POST \(BootstrapRoute.path)": .noToken,
        "GET /v1/ping": .scope(.recordsRead),
        "POST /v1/ping": .scope(.recordsRead),
        "GET /v1/identity": .scope(.recordsRead),
        "GET /v1/trust": .scope(.recordsRead),
        "GET /v1/config": .scope(.configRead),
        "GET /v1/config/rules": .scope(.configRead),
        "POST /v1/records": .scope(.recordsWrite),
        "GET /v1/records": .scope(.recordsRead),
        "GET /v1/records/{id}": .scope(.recordsRead),
        "POST /v1/records/query": .scope(.recordsRead),
        "GET /v1/threads": .scope(.recordsRead),
        "GET /v1/threads/{id}/records": .scope(.recordsRead),
        "GET /v1/threads/{id}/state": .scope(.recordsRead),
        "GET /v1/threads/{id}/watch": .scope(.recordsRead),
        "GET /v1/tasks": .scope(.recordsRead),
        "GET /v1/tasks/{id}": .scope(.recordsRead),
        "POST /v1/admin/backup": .scope(.backup),
        "GET /v1/admin/backup/auto": .scope(.backup),
        "POST /v1/admin/backup/auto": .scope(.backup),
        "GET \(AuthAdminRoutes.accounts)": .scope(.admin),
        "POST \(AuthAdminRoutes.accounts)": .scope(.admin),
        "GET \(AuthAdminRoutes.accounts)/{id}": .scope(.admin),
        "POST \(AuthAdminRoutes.accounts)/{id}/revoke": .scope(.admin),
        "GET \(AuthAdminRoutes.tokens)": .scope(.admin),
        "POST \(AuthAdminRoutes.tokens)": .scope(.admin),
        "POST \(AuthAdminRoutes.tokens)/{id}/revoke": .scope(.admin),
        "POST \(AuthAdminRoutes.tokens)/{id}/rotate": .scope(.admin),
    ]

    /// What the matched route needs; nil for a path no route serves (Hummingbird sets no endpoint path).
    static func need(method: HTTPRequest.Method, endpointPath: String?) -> Need? {
        endpointPath.flatMap { table["\(method.rawValue) \($0)"] }
    }
}

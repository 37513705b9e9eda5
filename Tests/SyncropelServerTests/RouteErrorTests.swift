import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SyncropelServer

/// The error answers of the router, in process (`app.test(.router)`, as Hummingbird's own
/// RouterTests do): no daemon, no socket. The request context of the router test framework
/// has no unix-socket address, so these requests are treated as TCP ones.
@Suite struct RouteErrorTests {
    private static let version = "9.9.9-test"

    /// The daemon's router on a gate that is still starting.
    private static func router() -> Router<InstanceRequestContext> {
        InstanceRouter.make(
            gate: InstanceGate(), feed: RecordFeed(maxWatchers: 4), version: version,
            browserGuard: BrowserRequestGuard(host: "127.0.0.1", port: 9100, allowedOrigins: []))
    }

    /// The body as a JSON object of strings; nil for anything else.
    private static func object(_ body: ByteBuffer) -> [String: String]? {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: String]
    }

    @Test func aPathNobodyServesIs404WithTheErrorObject() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            try await client.execute(uri: "/v1/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.server] == "spl/\(Self.version)")
                #expect(response.headers[.contentType] == "application/json")
                #expect(Self.object(response.body) == ["object": "error", "code": "NOT_FOUND", "message": "no route GET /v1/nowhere"])
            }
        }
    }

    /// Every registered route, asked with a method it does not serve, is 405 and `Allow` lists
    /// the methods its path serves; the list comes from the registrations, so a new route is
    /// covered. (`/v1/admin/` is refused over TCP before routing, so it is asked elsewhere.)
    @Test func everyRegisteredPathAnswers405ToAnotherMethod() async throws {
        let router = Self.router()
        let routes = router.routes.map { (path: $0.path, method: $0.method.rawValue) }
        #expect(routes.count >= 16, "\(routes.count) routes registered")
        try await Application(router: router).test(.router) { client in
            for route in routes where !route.path.description.hasPrefix(LocalOnlyRoutes.prefix) {
                let path = "/" + route.path.map { element in element.description.hasPrefix(":") ? "x1" : element.description }
                    .joined(separator: "/")
                let served = Set(routes.filter { $0.path == route.path }.map(\.method))
                try await client.execute(uri: path, method: .delete) { response in
                    #expect(response.status == .methodNotAllowed, "DELETE \(path)")
                    #expect(Set(response.headers[.allow]?.split(separator: ", ").map(String.init) ?? []) == served, "\(path)")
                    #expect(Self.object(response.body) == [
                        "object": "error", "code": "METHOD_NOT_ALLOWED", "message": "DELETE is not allowed on \(path)",
                    ])
                }
            }
        }
    }

    @Test func aRouteThrowingAPIErrorAnswersWithItsStatusAndBody() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            try await client.execute(uri: "/v1/identity", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(Self.object(response.body) == [
                    "object": "error", "code": "STARTING", "message": "the instance is starting; retry in a moment",
                ])
            }
            try await client.execute(uri: "/v1/admin/backup", method: .post) { response in
                #expect(response.status == .forbidden)
                #expect(Self.object(response.body)?["code"] == "LOCAL_ONLY")
            }
        }
    }

    /// Hummingbird itself answers with an `APIError` (it is an `HTTPResponseError`): no
    /// middleware of ours maps it, and the `field` is kept.
    @Test func hummingbirdRendersAPIErrorWithoutOurMiddleware() async throws {
        let router = Router(context: InstanceRequestContext.self)
        router.get("/refuse") { _, _ -> Response in throw APIError.invalidField("limit", "limit must be 1 to 1000") }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/refuse", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(Self.object(response.body) == [
                    "object": "error", "code": "INVALID_FIELD", "message": "limit must be 1 to 1000", "field": "limit",
                ])
            }
        }
    }
}

import Hummingbird
import SyncropelKit

/// The one router both listeners answer with (SPEC 7).
enum InstanceRouter {
    static func make(
        gate: InstanceGate, feed: RecordFeed, version: String, browserGuard: BrowserRequestGuard, clientLimits: ClientLimits? = nil,
        authentication: TCPAuthentication? = nil
    ) -> Router<InstanceRequestContext> {
        // Hummingbird applies a middleware only to routes registered after it, and the error
        // middleware needs every route to tell 405 from 404: so a scratch router registers them
        // once to be read, and the served router registers them after its middleware.
        let registered = Router(context: InstanceRequestContext.self)
        registerRoutes(on: registered, gate: gate, feed: feed)
        let router = Router(context: InstanceRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(serverHeader: "spl/\(version)", routes: RouteTable(registered)))
        // A client past its limits costs one table lookup, before any other work.
        if let clientLimits { router.add(middleware: ClientLimitMiddleware(limits: clientLimits)) }
        if let authentication { router.add(middleware: authentication) }
        router.add(middleware: browserGuard)
        router.add(middleware: LocalOnlyRoutes())
        registerRoutes(on: router, gate: gate, feed: feed)
        return router
    }

    private static func registerRoutes(on router: Router<InstanceRequestContext>, gate: InstanceGate, feed: RecordFeed) {
        InstanceRoutes(gate: gate).register(on: router)
        RecordRoutes(gate: gate).register(on: router)
        ThreadRoutes(gate: gate).register(on: router)
        TaskRoutes(gate: gate).register(on: router)
        WatchRoutes(gate: gate, feed: feed).register(on: router)
        BackupRoutes(gate: gate).register(on: router)
        BootstrapRoute(gate: gate).register(on: router)
        AuthAdminRoutes(gate: gate).register(on: router)
    }
}

/// Turns every refusal into the JSON error of SPEC 7.1 and names the server version,
/// which the CLI compares with its own.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = InstanceRequestContext
    let serverHeader: String
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let methods = routes.methods(on: path)
            if methods.isEmpty {
                response = try APIError.notFound("no route \(request.method) \(path)").response(from: request, context: context)
            } else {
                response = try APIError.methodNotAllowed(request.method, path: path).response(from: request, context: context)
                response.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
            }
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed: \(apiError.message)", metadata: ["target": "http", "path": "\(request.uri.path)"])
            }
            response = try apiError.response(from: request, context: context)
        }
        response.headers[.server] = serverHeader
        return response
    }
}

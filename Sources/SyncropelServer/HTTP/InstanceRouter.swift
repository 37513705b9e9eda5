import Hummingbird
import SyncropelKit

/// The one router both listeners answer with (SPEC 7).
enum InstanceRouter {
    static func make(gate: InstanceGate, feed: RecordFeed, version: String, browserGuard: BrowserRequestGuard) -> Router<InstanceRequestContext> {
        let router = Router(context: InstanceRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(serverHeader: "spl/\(version)"))
        router.add(middleware: browserGuard)
        router.add(middleware: LocalOnlyRoutes())
        InstanceRoutes(gate: gate).register(on: router)
        RecordRoutes(gate: gate).register(on: router)
        ThreadRoutes(gate: gate).register(on: router)
        WatchRoutes(gate: gate, feed: feed).register(on: router)
        BackupRoutes(gate: gate).register(on: router)
        return router
    }

    /// Paths the router serves (any method), to tell 405 from 404.
    static let knownPaths: [[String]] = [
        ["health"], ["v1", "ping"], ["v1", "records"], ["v1", "records", "*"], ["v1", "threads"], ["v1", "threads", "*", "records"],
        ["v1", "threads", "*", "state"], ["v1", "identity"], ["v1", "trust"], ["v1", "config"], ["v1", "config", "rules"],
        ["v1", "threads", "*", "watch"], ["v1", "admin", "backup"], ["v1", "admin", "backup", "auto"],
    ]

    static func isKnownPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/").map(String.init)
        return knownPaths.contains { pattern in
            pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }
}

/// Turns every refusal into the JSON error of SPEC 7.1 and names the server version,
/// which the CLI compares with its own.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = InstanceRequestContext
    let serverHeader: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = InstanceRouter.isKnownPath(request.uri.path)
                ? JSONResponse.error(APIError(.methodNotAllowed, "METHOD_NOT_ALLOWED", "\(request.method) is not allowed on \(request.uri.path)"))
                : JSONResponse.error(.notFound("no route \(request.method) \(request.uri.path)"))
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed: \(apiError.message)", metadata: ["target": "http", "path": "\(request.uri.path)"])
            }
            response = JSONResponse.error(apiError)
        }
        response.headers[.server] = serverHeader
        return response
    }
}

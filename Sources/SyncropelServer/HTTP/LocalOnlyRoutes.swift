import Hummingbird

/// The admin routes answer only on the unix socket, until TCP clients authenticate.
///
/// Over TCP, 200 `POST /v1/admin/backup` in 4.6 s wrote 202 files, and any client could
/// rewrite config.toml through `/v1/admin/backup/auto`. They change the instance rather than
/// its records, like the reserved threads (rule 3.3.6), so the same door applies: the socket
/// in the 0700 run/ folder, which `spl backup` uses.
struct LocalOnlyRoutes: RouterMiddleware {
    typealias Context = InstanceRequestContext

    static let prefix = "/v1/admin/"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.viaUnixSocket || !request.uri.path.hasPrefix(Self.prefix) else {
            throw APIError(
                .forbidden, "LOCAL_ONLY",
                "\(request.uri.path) is served only on the local socket; run 'spl backup' on the instance's machine")
        }
        return try await next(request, context)
    }
}

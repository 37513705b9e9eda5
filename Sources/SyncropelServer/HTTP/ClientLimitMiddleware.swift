import Hummingbird

/// Answers `429` with `Retry-After` to a TCP client past its request rate or connection
/// count (`ClientLimits`); the unix socket is the operator's and is never limited.
struct ClientLimitMiddleware: RouterMiddleware {
    typealias Context = InstanceRequestContext
    let limits: ClientLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !context.viaUnixSocket, let client = limits.key(for: context.channel.remoteAddress),
            let refusal = limits.admit(client)
        else { return try await next(request, context) }
        let error: APIError
        let retryAfter: Int
        switch refusal {
        case .rate(let seconds):
            retryAfter = seconds
            error = APIError(
                .tooManyRequests, "RATE_LIMITED",
                "\(client) sent more than \(limits.settings.burst) requests at once or \(limits.settings.perSecond) a second ([server] rate_limit_burst, rate_limit_per_sec); retry after \(seconds) s")
        case .connections(let open):
            retryAfter = 1
            error = APIError(
                .tooManyRequests, "TOO_MANY_CONNECTIONS",
                "\(client) holds \(open) connections, more than [server] max_connections_per_client (\(limits.settings.connectionsPerClient)); reuse or close connections and retry")
        }
        var response = try error.response(from: request, context: context)
        response.headers[.retryAfter] = String(retryAfter)
        return response
    }
}

import Hummingbird
import Logging
import SyncropelKit

/// Authenticates every TCP request with a service token (`Authorization: Bearer <token>` or
/// `x-api-key: <token>`, which the Python SDK sends) and checks the scope its route needs
/// (`RouteScopes`) and the actor it claims in `X-Syncropel-Actor`.
///
/// The unix socket is the operator's and passes untouched. Until a service account exists,
/// TCP answers 503 `BOOTSTRAP_REQUIRED` except on `/health` and the bootstrap route. Each
/// refusal is one log line with the client address and the token id, never the secret.
struct TCPAuthentication: RouterMiddleware {
    typealias Context = InstanceRequestContext
    static let actorHeader = HTTPFields.Element.Name("X-Syncropel-Actor")!
    static let apiKeyHeader = HTTPFields.Element.Name("x-api-key")!

    /// The service accounts as folded now; nil while the instance starts.
    let accounts: @Sendable () async -> AuthFold?
    let failures: FailedAuthentications
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !context.viaUnixSocket else { return try await next(request, context) }
        var context = context
        let need = RouteScopes.need(method: request.method, endpointPath: context.endpointPath)
        let presented = Self.presentedToken(request)
        if need == .noToken {
            if let fold = await accounts(), case .accepted(let account, _) = fold.authenticate(presented) {
                context.access = .account(account)
            } else {
                context.access = .anonymous
            }
            return try await next(request, context)
        }
        guard let fold = await accounts() else { throw APIError.starting }
        guard fold.hasAccounts else { throw AuthError.bootstrapRequired }
        let client = context.channel.remoteAddress?.ipAddress ?? "unknown"
        switch fold.authenticate(presented) {
        case .refused(let refusal):
            logger.warning(
                "authentication refused", metadata: ["client": "\(client)", "token_id": "\(refusal.tokenID)", "reason": "\(refusal)"])
            switch failures.record(client) {
            case .none: break
            case .delay(let delay): try await Task.sleep(for: delay)
            case .refuse(let retryAfter):
                var response = try AuthError.tooManyFailures(retryAfter: retryAfter).response(from: request, context: context)
                response.headers[.retryAfter] = String(retryAfter)
                return response
            }
            throw AuthError.unauthenticated(refusal)
        case .accepted(let account, let tokenID):
            if case .scope(let scope) = need, !account.grants(scope) {
                logger.warning(
                    "authorization refused", metadata: ["client": "\(client)", "token_id": "\(tokenID)", "needs": "\(scope.rawValue)"])
                throw AuthError.missingScope(scope, account: account.id, request: "\(request.method) \(request.uri.path)")
            }
            if let actor = request.headers[Self.actorHeader], !account.allows(actor: actor) {
                logger.warning(
                    "actor claim refused", metadata: ["client": "\(client)", "token_id": "\(tokenID)", "actor": "\(actor)"])
                throw AuthError.actorDenied(actor, account: account.id, field: nil)
            }
            context.access = .account(account)
            return try await next(request, context)
        }
    }

    /// The token text of `Authorization: Bearer …`, else of `x-api-key`; nil when neither is sent.
    static func presentedToken(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let scheme = "bearer "
            guard authorization.lowercased().hasPrefix(scheme) else { return authorization }
            return String(authorization.dropFirst(scheme.count))
        }
        return request.headers[apiKeyHeader]
    }
}

import Hummingbird
import SyncropelKit

/// The refusals of TCP authentication, as the responses clients see.
enum AuthError {
    static let bootstrapCommand = "spl service-account create --name admin --bootstrap"

    static let bootstrapRequired = APIError(
        .serviceUnavailable, "BOOTSTRAP_REQUIRED",
        "no service account exists yet, so TCP clients cannot authenticate; on the instance's machine run '\(bootstrapCommand)' (or POST \(BootstrapRoute.path) once, or start the daemon with SPL_BOOTSTRAP_TOKEN set)")

    static let bootstrapClosed = APIError(
        .conflict, "BOOTSTRAP_CLOSED",
        "a service account already exists; create more with 'spl service-account create' on the instance's machine")

    static func unauthenticated(_ refusal: AuthRefusal) -> APIError {
        APIError(.unauthorized, "UNAUTHENTICATED", "\(refusal)")
    }

    static func tooManyFailures(retryAfter: Int) -> APIError {
        APIError(
            .tooManyRequests, "TOO_MANY_FAILED_AUTHENTICATIONS",
            "too many failed authentications from this address; retry after \(retryAfter) s with a valid token")
    }

    static func missingScope(_ scope: AuthScope, account: ServiceAccountID, request: String) -> APIError {
        APIError(.forbidden, "INSUFFICIENT_SCOPE", "\(request) needs scope \(scope.rawValue), which service account \(account) does not have")
    }

    static func actorDenied(_ actor: String, account: ServiceAccountID, field: String?) -> APIError {
        APIError(
            .forbidden, "DID_CLAIM_DENIED", "service account \(account) may not act as \(actor); its allowed actors are set by 'spl service-account create --actors'",
            field: field)
    }
}

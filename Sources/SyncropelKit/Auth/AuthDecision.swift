/// What `AuthFold.authenticate` concluded about a presented token.
public enum AuthDecision: Sendable, Equatable {
    case accepted(ServiceAccount, tokenID: String)
    case refused(AuthRefusal)
}

/// Why a token was refused. `tokenID` names it in the one log line a refusal makes; the
/// secret is never part of it.
public enum AuthRefusal: Sendable, Equatable, CustomStringConvertible {
    case missing
    case malformed
    case unknown(tokenID: String)
    case retired(tokenID: String, ServiceToken.Retirement)
    case accountRevoked(tokenID: String, ServiceAccountID)

    /// The token id for the log line, `-` when there is none to name.
    public var tokenID: String {
        switch self {
        case .missing, .malformed: "-"
        case .unknown(let id), .retired(let id, _), .accountRevoked(let id, _): id
        }
    }

    public var description: String {
        switch self {
        case .missing: "no token: send Authorization: Bearer <token> or x-api-key: <token>"
        case .malformed: AuthRecordError.malformedToken.description
        case .unknown: "the token is not known to this instance"
        case .retired(_, .revoked): "the token was revoked"
        case .retired(_, .rotated): "the token was rotated out; use the token 'spl token rotate' printed"
        case .accountRevoked(_, let account): "service account \(account) was revoked"
        }
    }
}

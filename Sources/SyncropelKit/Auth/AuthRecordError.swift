/// Why a service-account request or token text is refused; the description is the operator's message.
public enum AuthRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownScope(String)
    case invalidName
    case invalidActor(String)
    case malformedToken

    public var description: String {
        switch self {
        case .unknownScope(let name):
            "unknown scope \"\(name)\"; scopes are \(AuthScope.allCases.map(\.rawValue).joined(separator: ", "))"
        case .invalidName:
            "a service account name is 1-64 characters, none of them control characters"
        case .invalidActor(let actor):
            "allowed actor \"\(actor)\" is neither a DID (did:…) nor * (any actor)"
        case .malformedToken:
            "a token is spl_prod_sa_<16 hex>_<64 hex> (lowercase), as 'spl token create' prints it"
        }
    }
}

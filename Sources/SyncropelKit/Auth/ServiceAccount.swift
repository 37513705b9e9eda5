/// A service account as the auth records declare it: what its tokens may do, and as whom.
public struct ServiceAccount: Sendable, Equatable, Codable {
    /// Allowed actor that stands for every actor (the bootstrap admin's).
    public static let anyActor = "*"

    public let id: ServiceAccountID
    public let name: String
    public let scopes: [AuthScope]
    /// DIDs a request may claim as a record's `actor` or in `X-Syncropel-Actor`, or `anyActor`.
    public let actors: [String]
    /// Server wall clock of the creating record, Unix milliseconds.
    public let createdAt: Int64
    public internal(set) var revokedAt: Int64?

    public var isRevoked: Bool { revokedAt != nil }

    /// Whether a token of this account may use a route that needs `scope`; `admin` grants all.
    public func grants(_ scope: AuthScope) -> Bool {
        scopes.contains(.admin) || scopes.contains(scope)
    }

    public func allows(actor: String) -> Bool {
        actors.contains(Self.anyActor) || actors.contains(actor)
    }

    /// Allowed actors from a `--actors` list: each a DID or `*`.
    public static func checkActors(_ actors: [String]) throws(AuthRecordError) {
        for actor in actors where actor != anyActor {
            do {
                try RecordRules.checkActor(actor)
            } catch {
                throw .invalidActor(actor)
            }
        }
    }

    /// 1-64 characters, none of them control characters (names are printed in tables and logs).
    public static func checkName(_ name: String) throws(AuthRecordError) {
        guard (1...64).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalidName }
    }
}

/// A token of a service account, as the log knows it: the digest of its secret, never the secret.
public struct ServiceToken: Sendable, Equatable, Codable {
    /// Why a token stopped working.
    public enum Retirement: String, Sendable, Codable {
        case revoked
        /// `spl token rotate` replaced it with a new token of the same account.
        case rotated
    }

    /// `tok_<16 hex>`, from the digest.
    public let id: String
    public let accountID: ServiceAccountID
    /// SHA-256 of the secret.
    let digest: [UInt8]
    public let createdAt: Int64
    public internal(set) var retired: Retirement?
    public internal(set) var retiredAt: Int64?
}

import Crypto

/// The text of a service token, `spl_<env>_<sa_id>_<secret>`: `spl_prod_sa_0123456789abcdef_<64 hex>`.
///
/// The secret is 256 random bits as 64 lowercase hex. Only its SHA-256 is ever written to
/// the log (`digest`); `tokenID` names the token in lists and log lines and is read from
/// that digest, so a refused token is named without revealing anything of the secret.
public struct TokenText: Sendable, Equatable {
    public static let environment = "prod"
    public let accountID: ServiceAccountID
    public let secret: String

    /// Parses text from a request header or the environment, strictly: exact shape, lowercase hex only.
    public init(parsing text: some StringProtocol) throws(AuthRecordError) {
        let prefix = "spl_\(Self.environment)_"
        let utf8 = Array(text.utf8)
        let idLength = ServiceAccountID.prefix.utf8.count + ServiceAccountID.hexLength
        guard utf8.count == prefix.utf8.count + idLength + 1 + 64, utf8.starts(with: prefix.utf8) else {
            throw .malformedToken
        }
        let idBytes = utf8[prefix.utf8.count..<(prefix.utf8.count + idLength)]
        let separator = prefix.utf8.count + idLength
        guard utf8[separator] == UInt8(ascii: "_"), let accountID = ServiceAccountID(String(decoding: idBytes, as: UTF8.self))
        else { throw .malformedToken }
        let secretBytes = utf8[(separator + 1)...]
        guard secretBytes.allSatisfy(Hex.isDigit) else { throw .malformedToken }
        self.accountID = accountID
        self.secret = String(decoding: secretBytes, as: UTF8.self)
    }

    /// A new token for `account`, with a fresh 256-bit secret.
    public static func mint(for account: ServiceAccountID) -> TokenText {
        var generator = SystemRandomNumberGenerator()
        let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        // The minted text always parses: the id is checked and the secret is 64 lowercase hex.
        return TokenText(accountID: account, secret: secret)
    }

    private init(accountID: ServiceAccountID, secret: String) {
        self.accountID = accountID
        self.secret = secret
    }

    public var text: String { "spl_\(Self.environment)_\(accountID.value)_\(secret)" }

    /// SHA-256 of the secret's UTF-8 text: what the token record holds.
    public var digest: [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    /// `tok_` and the first 16 hex of `digest`.
    public var tokenID: String { Self.tokenID(digest: digest) }

    static func tokenID(digest: [UInt8]) -> String { "tok_" + Hex.encode(digest.prefix(8)) }
}

/// `sa_` and 16 lowercase hex: a service account's id, chosen at random when it is created.
public struct ServiceAccountID: Sendable, Hashable, Codable, CustomStringConvertible {
    static let prefix = "sa_"
    static let hexLength = 16
    public let value: String

    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let hex = text.utf8.dropFirst(Self.prefix.utf8.count)
        guard hex.count == Self.hexLength, hex.allSatisfy(Hex.isDigit) else { return nil }
        value = text
    }

    public static func random() -> ServiceAccountID {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(hexLength / 2)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return ServiceAccountID(unchecked: prefix + Hex.encode(bytes))
    }

    private init(unchecked value: String) { self.value = value }

    public var description: String { value }
}

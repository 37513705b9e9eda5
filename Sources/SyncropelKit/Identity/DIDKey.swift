import Crypto

/// The W3C did:key form of an Ed25519 public key:
/// `did:key:z` + base58btc(0xED 0x01 ‖ 32-byte key), always starting `did:key:z6Mk`.
public struct DIDKey: Sendable, Hashable, CustomStringConvertible {
    private static let prefix = "did:key:z"
    private static let ed25519Multicodec: [UInt8] = [0xED, 0x01]

    public let publicKey: Curve25519.Signing.PublicKey

    public init(publicKey: Curve25519.Signing.PublicKey) {
        self.publicKey = publicKey
    }

    /// Nil unless `did` is a did:key of an Ed25519 key.
    public init?(_ did: String) {
        guard did.hasPrefix(DIDKey.prefix), let bytes = Base58.decode(String(did.dropFirst(DIDKey.prefix.count))),
            bytes.count == 34, Array(bytes.prefix(2)) == DIDKey.ed25519Multicodec,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes.dropFirst(2))
        else { return nil }
        publicKey = key
    }

    public var description: String {
        DIDKey.prefix + Base58.encode(DIDKey.ed25519Multicodec + Array(publicKey.rawRepresentation))
    }

    /// `did:sync:instance:` + the first 24 hex characters of SHA-256 of the raw public key.
    public var instanceDID: String { "did:sync:instance:" + instanceTail }

    /// The 24-hex tail of the instance DID; it names the backup folder `instance-<tail>`.
    public var instanceTail: String {
        String(Hex.encode(SHA256.hash(data: publicKey.rawRepresentation)).prefix(24))
    }

    public static func == (lhs: DIDKey, rhs: DIDKey) -> Bool {
        lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(publicKey.rawRepresentation)
    }
}

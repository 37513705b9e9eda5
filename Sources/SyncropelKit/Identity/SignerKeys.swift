/// did:key signers already decoded, by the text they are stored as.
///
/// Decoding a did:key (base58, then the public key) is repeated work when a store has one or a
/// few signers for a hundred thousand signatures, so a sweep keeps one of these per lane. A
/// value: each lane owns its own copy, so there is nothing shared to lock.
///
/// ```swift
/// var keys = SignerKeys()
/// for record in records { try record.verifySignature(keys: &keys) }
/// ```
public struct SignerKeys: Sendable {
    /// Past this many signers the memo starts over, so a store of many signers cannot grow it without bound.
    public static let capacity = 1024

    private var keys: [String: DIDKey] = [:]

    public init() {}

    /// The key `signer` names; nil when it is not a did:key of an Ed25519 key (not remembered).
    public mutating func key(for signer: String) -> DIDKey? {
        if let known = keys[signer] { return known }
        guard let key = DIDKey(signer) else { return nil }
        if keys.count >= Self.capacity { keys.removeAll(keepingCapacity: true) }
        keys[signer] = key
        return key
    }
}

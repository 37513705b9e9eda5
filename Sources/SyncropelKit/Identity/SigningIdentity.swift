import Crypto
import Foundation

/// An instance's Ed25519 key pair: it names the instance and signs its records.
public struct SigningIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(privateKey: Curve25519.Signing.PrivateKey = .init()) {
        self.privateKey = privateKey
    }

    /// From the 32 raw private-key bytes.
    public init(rawPrivateKey: some ContiguousBytes) throws {
        privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
    }

    public var didKey: DIDKey { DIDKey(publicKey: privateKey.publicKey) }

    /// Signs the record's canonical bytes; the signature is stored beside the record.
    public func sign(_ record: Record) throws -> Record {
        let signature = try privateKey.signature(for: record.canonical)
        var signed = record
        signed.signature = RecordSignature(sig: signature.base64EncodedString(), signer: didKey.description)
        return signed
    }
}

extension Record {
    /// Checks `sig` against `signer` over the canonical bytes (SPEC 3.4); unsigned records pass.
    public func verifySignature() throws(RecordError) {
        var keys = SignerKeys()
        try verifySignature(keys: &keys)
    }

    /// As `verifySignature()`, taking the signer's key from `keys` once it has been decoded.
    public func verifySignature(keys: inout SignerKeys) throws(RecordError) {
        try signature?.verify(over: canonical, keys: &keys)
    }
}

extension RecordSignature {
    /// Checks this signature over a record's canonical bytes, for a caller that has the bytes
    /// but has not built the record (a store's content-address sweep).
    public func verify(over canonical: [UInt8], keys: inout SignerKeys) throws(RecordError) {
        guard let key = keys.key(for: signer) else {
            throw RecordError(.badSignature, field: "signer", "signer must be a did:key of an Ed25519 key")
        }
        // Canonical base64 only: a decoder that ignores the spare bits of the last character
        // accepts several texts for one signature, and a stored text must be the one signed.
        guard let bytes = Data(base64Encoded: sig), bytes.count == 64, bytes.base64EncodedString() == sig else {
            throw RecordError(.badSignature, field: "sig", "sig must be the canonical base64 of a 64-byte Ed25519 signature")
        }
        guard key.publicKey.isValidSignature(bytes, for: canonical) else {
            let id = RecordID(digest: SHA256.hash(data: canonical))
            throw RecordError(.badSignature, field: "sig", "signature does not verify for record \(id)")
        }
    }
}

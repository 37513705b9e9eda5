import Crypto
import Foundation
import Testing

@testable import SyncropelKit

@Suite struct IdentityTests {
    @Test func base58RoundTripsAndKeepsLeadingZeros() {
        let samples: [[UInt8]] = [[], [0], [0, 0, 1], [0xFF, 0xEE], Array(0...40)]
        for bytes in samples {
            #expect(Base58.decode(Base58.encode(bytes)) == bytes)
        }
        #expect(Base58.encode(Array("hello world".utf8)) == "StV1DL6CwTryKyV")
        #expect(Base58.decode("0OIl") == nil)
    }

    @Test func didKeyMatchesTheW3CTestVector() throws {
        // did:key spec test vector: Ed25519 public key 3b6a27bc… → did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
        let raw = try #require(Data(hexString: "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"))
        let key = DIDKey(publicKey: try Curve25519.Signing.PublicKey(rawRepresentation: raw))
        #expect(key.description == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
        #expect(DIDKey(key.description) == key)
        #expect(DIDKey("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme") == nil)
        #expect(DIDKey("did:web:example.com") == nil)
    }

    @Test func instanceDIDIsTwentyFourHexOfThePublicKeyHash() {
        let identity = SigningIdentity()
        let did = identity.didKey
        #expect(did.description.hasPrefix("did:key:z6Mk"))
        let digest = Hex.encode(SHA256.hash(data: identity.privateKey.publicKey.rawRepresentation))
        #expect(did.instanceTail == String(digest.prefix(24)))
        #expect(did.instanceDID == "did:sync:instance:" + did.instanceTail)
    }

    @Test func signaturesVerifyAndTamperingIsRefused() throws {
        let identity = SigningIdentity()
        let record = try Record(act: .know, actor: "did:x:y", body: JSONObject(["text": "hi"]), clock: 1, thread: "t")
        let signed = try identity.sign(record)
        #expect(signed.id == record.id)
        #expect(signed.signature?.signer == identity.didKey.description)
        try signed.verifySignature()

        let other = try Record(act: .know, actor: "did:x:y", body: JSONObject(["text": "bye"]), clock: 1, thread: "t")
        var forged = other
        forged.signature = signed.signature
        #expect(throws: RecordError(.badSignature, field: "sig", "signature does not verify for record \(other.id)")) {
            try forged.verifySignature()
        }
        var badSigner = record
        badSigner.signature = RecordSignature(sig: signed.signature!.sig, signer: "did:example:nobody")
        #expect(throws: RecordError(.badSignature, field: "signer", "signer must be a did:key of an Ed25519 key")) {
            try badSigner.verifySignature()
        }
        var badBase64 = record
        badBase64.signature = RecordSignature(sig: "%%%", signer: identity.didKey.description)
        #expect(throws: RecordError(.badSignature, field: "sig", "sig must be the canonical base64 of a 64-byte Ed25519 signature")) {
            try badBase64.verifySignature()
        }
    }

    /// Issue 13: a signature whose last base64 character has a spare bit set decodes to the
    /// same 64 bytes, so a lenient decoder verifies it; only the canonical text is accepted.
    @Test func aSignatureWithSpareBitsSetIsRefused() throws {
        let identity = SigningIdentity()
        let signed = try identity.sign(Record(act: .know, actor: "did:example:a", body: JSONObject(["text": "x"]), clock: 1, thread: "th_a"))
        let text = Array(signed.signature!.sig)
        #expect(text.count == 88 && text.suffix(2) == ["=", "="])
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let last = alphabet.firstIndex(of: text[85])!
        #expect(last & 0b1111 == 0, "a 64-byte signature leaves 4 spare bits in its last character")
        var bent = signed
        bent.signature = RecordSignature(sig: String(text[..<85]) + String(alphabet[last | 1]) + "==", signer: signed.signature!.signer)
        #expect(Data(base64Encoded: bent.signature!.sig) == Data(base64Encoded: signed.signature!.sig), "the same bytes")
        #expect(throws: RecordError(.badSignature, field: "sig", "sig must be the canonical base64 of a 64-byte Ed25519 signature")) {
            try bent.verifySignature()
        }
        try signed.verifySignature()
    }

    @Test func rawKeyRoundTrip() throws {
        let identity = SigningIdentity()
        let again = try SigningIdentity(rawPrivateKey: identity.privateKey.rawRepresentation)
        #expect(again.didKey == identity.didKey)
    }
}

extension Data {
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var iterator = hexString.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let byte = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(bytes)
    }
}

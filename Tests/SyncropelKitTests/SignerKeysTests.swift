import Testing

@testable import SyncropelKit

@Suite struct SignerKeysTests {
    private func record(_ n: Int) throws -> Record {
        try Record(act: .know, actor: "did:x:y", body: JSONObject(["n": .integer(JSONInteger(Int64(n)))]), clock: Int64(n), thread: "t")
    }

    @Test func twoSignersBothVerifyThroughOneMemo() throws {
        let alice = SigningIdentity()
        let bob = SigningIdentity()
        var keys = SignerKeys()
        for n in 0..<6 {
            try (n.isMultiple(of: 2) ? alice : bob).sign(try record(n)).verifySignature(keys: &keys)
        }
        #expect(keys.key(for: alice.didKey.description) == alice.didKey)
        #expect(keys.key(for: bob.didKey.description) == bob.didKey)
    }

    @Test func aWrongSignerStillFailsOnceTheRightOneIsRemembered() throws {
        let alice = SigningIdentity()
        let bob = SigningIdentity()
        var keys = SignerKeys()
        let signed = try alice.sign(try record(1))
        try signed.verifySignature(keys: &keys)
        try bob.sign(try record(2)).verifySignature(keys: &keys)

        // Alice's signature claimed by Bob, whose key the memo now holds.
        var claimedByBob = signed
        claimedByBob.signature = RecordSignature(sig: signed.signature!.sig, signer: bob.didKey.description)
        #expect(throws: RecordError(.badSignature, field: "sig", "signature does not verify for record \(signed.id)")) {
            try claimedByBob.verifySignature(keys: &keys)
        }
        // Alice's did:key with one character changed names no key the memo holds.
        var altered = signed
        let did = alice.didKey.description
        let changed = String(did.dropLast()) + (did.last == "A" ? "B" : "A")
        altered.signature = RecordSignature(sig: signed.signature!.sig, signer: changed)
        #expect(throws: RecordError.self) { try altered.verifySignature(keys: &keys) }
        var notADIDKey = signed
        notADIDKey.signature = RecordSignature(sig: signed.signature!.sig, signer: "did:example:nobody")
        #expect(throws: RecordError(.badSignature, field: "signer", "signer must be a did:key of an Ed25519 key")) {
            try notADIDKey.verifySignature(keys: &keys)
        }
        #expect(keys.key(for: "did:example:nobody") == nil)
        try signed.verifySignature(keys: &keys)
    }

    @Test func moreSignersThanTheMemoHoldsStillVerify() throws {
        var keys = SignerKeys()
        let identities = (0...SignerKeys.capacity).map { _ in SigningIdentity() }
        for (n, identity) in identities.enumerated() {
            try identity.sign(try record(n)).verifySignature(keys: &keys)
        }
        try identities[0].sign(try record(0)).verifySignature(keys: &keys)
        #expect(keys.key(for: identities[0].didKey.description) == identities[0].didKey)
    }
}

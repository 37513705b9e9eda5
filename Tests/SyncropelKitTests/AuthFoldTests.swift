import Foundation
import Testing

@testable import SyncropelKit

@Suite struct AuthFoldTests {
    let instance = SigningIdentity()
    var signer: String { instance.didKey.description }

    /// The drafts signed by `key` and stored in order, as the daemon writes them.
    func log(_ drafts: [RecordDraft], signedBy key: SigningIdentity? = nil) throws -> [StoredRecord] {
        var log = FoldLog()
        for (index, draft) in drafts.enumerated() {
            log.add(try (key ?? instance).sign(try draft.record(assignedClock: Int64(index + 1))))
        }
        return log.records
    }

    func fold(_ records: [StoredRecord]) -> AuthFold {
        var fold = AuthFold()
        for record in records { fold.apply(record, trustedSigner: signer) }
        return fold
    }

    @Test func aValidTokenIsAcceptedWithItsAccount() throws {
        let id = ServiceAccountID.random()
        let token = TokenText.mint(for: id)
        let fold = fold(try log([
            AuthRecords.accountCreated(id, name: "ci", scopes: [.recordsRead], actors: ["did:example:ci"]),
            AuthRecords.tokenCreated(token),
        ]))
        guard case .accepted(let account, let tokenID) = fold.authenticate(token.text) else {
            Issue.record("refused: \(fold.authenticate(token.text))")
            return
        }
        #expect(account.name == "ci" && account.scopes == [.recordsRead] && tokenID == token.tokenID)
        #expect(account.grants(.recordsRead) && !account.grants(.recordsWrite))
        #expect(account.allows(actor: "did:example:ci") && !account.allows(actor: "did:example:other"))
        #expect(fold.hasAccounts && fold.watermark == 2)
    }

    @Test func revokedRotatedAndUnknownTokensAreRefused() throws {
        let id = ServiceAccountID.random()
        let (revoked, rotated, kept) = (TokenText.mint(for: id), TokenText.mint(for: id), TokenText.mint(for: id))
        let fold = fold(try log([
            AuthRecords.accountCreated(id, name: "ci", scopes: [.admin], actors: ["*"]),
            AuthRecords.tokenCreated(revoked), AuthRecords.tokenCreated(rotated), AuthRecords.tokenCreated(kept),
            AuthRecords.tokenRetired(revoked.tokenID, .revoked), AuthRecords.tokenRetired(rotated.tokenID, .rotated),
        ]))
        #expect(fold.authenticate(revoked.text) == .refused(.retired(tokenID: revoked.tokenID, .revoked)))
        #expect(fold.authenticate(rotated.text) == .refused(.retired(tokenID: rotated.tokenID, .rotated)))
        let stranger = TokenText.mint(for: id)
        #expect(fold.authenticate(stranger.text) == .refused(.unknown(tokenID: stranger.tokenID)))
        #expect(fold.authenticate(nil) == .refused(.missing))
        #expect(fold.authenticate("Bearer nonsense") == .refused(.malformed))
        if case .accepted = fold.authenticate(kept.text) {} else { Issue.record("the kept token was refused") }
    }

    @Test func aRevokedAccountRefusesItsTokensAndTakesNoNewOnes() throws {
        let id = ServiceAccountID.random()
        let (before, after) = (TokenText.mint(for: id), TokenText.mint(for: id))
        let fold = fold(try log([
            AuthRecords.accountCreated(id, name: "ci", scopes: [.admin], actors: ["*"]),
            AuthRecords.tokenCreated(before), AuthRecords.accountRevoked(id), AuthRecords.tokenCreated(after),
        ]))
        #expect(fold.authenticate(before.text) == .refused(.accountRevoked(tokenID: before.tokenID, id)))
        #expect(fold.authenticate(after.text) == .refused(.unknown(tokenID: after.tokenID)))
        #expect(fold.account(id)?.isRevoked == true)
    }

    @Test func recordsNotSignedByTheInstanceChangeNothing() throws {
        let id = ServiceAccountID.random()
        let token = TokenText.mint(for: id)
        let drafts = [
            AuthRecords.accountCreated(id, name: "intruder", scopes: [.admin], actors: ["*"]), AuthRecords.tokenCreated(token),
        ]
        let strangers = fold(try log(drafts, signedBy: SigningIdentity()))
        #expect(!strangers.hasAccounts)
        #expect(strangers.authenticate(token.text) == .refused(.unknown(tokenID: token.tokenID)))
        var unsigned = FoldLog()
        for draft in drafts { unsigned.add(try draft.record(assignedClock: 1)) }
        #expect(!fold(unsigned.records).hasAccounts)
    }

    @Test func aSecondCreationOfAnIDAndMalformedBodiesAreIgnored() throws {
        let id = ServiceAccountID.random()
        let token = TokenText.mint(for: id)
        var wrongID = AuthRecords.tokenCreated(token).body
        wrongID = JSONObject(wrongID.members.map { $0.key == "token_id" ? .init(key: "token_id", value: "tok_0000000000000000") : $0 })
        let fold = fold(try log([
            AuthRecords.accountCreated(id, name: "first", scopes: [.recordsRead], actors: []),
            AuthRecords.accountCreated(id, name: "second", scopes: [.admin], actors: ["*"]),
            RecordDraft(act: .learn, actor: AuthRecords.actor, body: wrongID, thread: RecordRules.serviceAccountsThread),
        ]))
        #expect(fold.account(id)?.name == "first" && fold.account(id)?.scopes == [.recordsRead])
        #expect(fold.tokens().isEmpty)
    }

    @Test func foldingInStepsEqualsFoldingOnceAndSurvivesSaving() throws {
        let id = ServiceAccountID.random()
        let records = try log([
            AuthRecords.accountCreated(id, name: "ci", scopes: [.backup], actors: ["did:example:a"]),
            AuthRecords.tokenCreated(TokenText.mint(for: id)), AuthRecords.tokenCreated(TokenText.mint(for: id)),
        ])
        var stepped = fold(Array(records.prefix(1)))
        stepped = try FoldLog.reloaded(stepped)
        for record in records { stepped.apply(record, trustedSigner: signer) }
        #expect(stepped == fold(records))
        #expect(stepped.tokens(of: id).count == 2)
    }

    @Test func tokenTextParsesOnlyItsExactShape() throws {
        let secret = String(repeating: "ab", count: 32)
        let good = "spl_prod_sa_0123456789abcdef_\(secret)"
        let parsed = try TokenText(parsing: good)
        #expect(parsed.accountID.value == "sa_0123456789abcdef" && parsed.secret == secret && parsed.text == good)
        let bad = [
            "", "spl_prod_sa_0123456789abcdef_", good + "0", String(good.dropLast()), good.uppercased(),
            "spl_test_sa_0123456789abcdef_\(secret)", "spl_prod_sa_0123456789ABCDEF_\(secret)",
            "spl_prod_sa_0123456789abcdeg_\(secret)", "spl_prod_sa_0123456789abcdef-\(secret)",
            "spl_prod_sa_0123456789abcdef_\(String(repeating: "ab", count: 31))zz", " \(good.dropFirst())",
            "spl_prod_sa_0123456789abcdef_\(String(repeating: "é", count: 32))",
        ]
        for text in bad {
            #expect(throws: AuthRecordError.malformedToken, "\(text)") { try TokenText(parsing: text) }
        }
        let minted = TokenText.mint(for: .random())
        #expect(try TokenText(parsing: minted.text) == minted)
        #expect(minted.tokenID.hasPrefix("tok_") && minted.tokenID.count == 20 && !minted.text.contains(minted.tokenID.dropFirst(4)))
    }

    @Test func scopeListsAndTheirErrors() throws {
        #expect(try AuthScope.parseList("records:write, records:read,records:read") == [.recordsRead, .recordsWrite])
        #expect(throws: AuthRecordError.unknownScope("records:delete")) { try AuthScope.parseList("records:read,records:delete") }
        #expect(
            AuthRecordError.unknownScope("x").description
                == "unknown scope \"x\"; scopes are records:read, records:write, config:read, config:write, backup, admin")
        #expect(
            AuthRecordError.invalidActor("bob").description == "allowed actor \"bob\" is neither a DID (did:…) nor * (any actor)")
        #expect(throws: AuthRecordError.invalidActor("bob")) { try ServiceAccount.checkActors(["did:example:a", "*", "bob"]) }
        #expect(throws: AuthRecordError.invalidName) { try ServiceAccount.checkName("") }
        #expect(throws: AuthRecordError.invalidName) { try ServiceAccount.checkName("a\nb") }
        #expect(
            AuthRecordError.invalidName.description == "a service account name is 1-64 characters, none of them control characters")
        #expect(
            AuthRecordError.malformedToken.description
                == "a token is spl_prod_sa_<16 hex>_<64 hex> (lowercase), as 'spl token create' prints it")
        let admin = ServiceAccount(id: .random(), name: "a", scopes: [.admin], actors: ["*"], createdAt: 0)
        #expect(AuthScope.allCases.allSatisfy(admin.grants) && admin.allows(actor: "did:anyone"))
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]) && !ConstantTime.equal([1, 2], [1, 2, 3]))
    }
}

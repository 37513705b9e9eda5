import SyncropelKit
import SyncropelStore

/// Writes the auth records (`AuthRecords`) under the instance key, one change at a time, and
/// folds each before answering, so the next request already sees it.
///
/// One actor for every change, so two bootstraps racing each other cannot both find the
/// instance without accounts.
public actor ServiceAccountWriter {
    private let store: any RecordStore
    private let identity: SigningIdentity
    private let derived: DerivedState

    public init(store: any RecordStore, identity: SigningIdentity, derived: DerivedState) {
        self.store = store
        self.identity = identity
        self.derived = derived
    }

    /// The first account, an admin that may act as anyone, with `token` or a new one; refused
    /// once any account exists.
    public func bootstrap(name: String, token given: TokenText? = nil) async throws -> (ServiceAccount, TokenText) {
        guard try await !derived.serviceAccounts().hasAccounts else { throw AuthError.bootstrapClosed }
        let (account, token) = try await create(
            name: name, scopes: [.admin], actors: [ServiceAccount.anyActor], id: given?.accountID, token: given, withToken: true)
        guard let token else { throw APIError(.internalServerError, "INTERNAL", "the bootstrap token was not minted") }
        return (account, token)
    }

    /// A new account and, with `withToken`, its first token, in one batch.
    public func create(
        name: String, scopes: [AuthScope], actors: [String], id: ServiceAccountID? = nil, token given: TokenText? = nil,
        withToken: Bool
    ) async throws -> (ServiceAccount, TokenText?) {
        let id = id ?? ServiceAccountID.random()
        let token = withToken ? given ?? TokenText.mint(for: id) : nil
        var drafts = [AuthRecords.accountCreated(id, name: name, scopes: scopes, actors: actors)]
        if let token { drafts.append(AuthRecords.tokenCreated(token)) }
        _ = try await store.ingest(batch: drafts, signingWith: identity)
        guard let account = try await derived.serviceAccounts().account(id) else {
            throw APIError(.internalServerError, "INTERNAL", "service account \(id) was written but not folded")
        }
        return (account, token)
    }

    public func revoke(account id: ServiceAccountID) async throws -> ServiceAccount {
        let account = try await liveAccount(id)
        _ = try await store.ingest(AuthRecords.accountRevoked(account.id), signingWith: identity)
        return try await derived.serviceAccounts().account(id) ?? account
    }

    public func mintToken(for id: ServiceAccountID) async throws -> TokenText {
        _ = try await liveAccount(id)
        let token = TokenText.mint(for: id)
        _ = try await store.ingest(AuthRecords.tokenCreated(token), signingWith: identity)
        _ = try await derived.serviceAccounts()
        return token
    }

    /// Retires a live token: `.revoked`, or `.rotated` with a new token of its account minted in the same batch.
    public func retire(token id: String, _ retirement: ServiceToken.Retirement) async throws -> TokenText? {
        guard let token = try await derived.serviceAccounts().token(id) else {
            throw APIError.notFound("no token \(id); 'spl token list' shows them")
        }
        if let retired = token.retired {
            throw APIError(.conflict, "TOKEN_RETIRED", "token \(id) is already \(retired.rawValue)")
        }
        var replacement: TokenText?
        if retirement == .rotated {
            let account = try await liveAccount(token.accountID)
            replacement = TokenText.mint(for: account.id)
        }
        var drafts = [AuthRecords.tokenRetired(id, retirement)]
        if let replacement { drafts.append(AuthRecords.tokenCreated(replacement)) }
        _ = try await store.ingest(batch: drafts, signingWith: identity)
        _ = try await derived.serviceAccounts()
        return replacement
    }

    private func liveAccount(_ id: ServiceAccountID) async throws -> ServiceAccount {
        guard let account = try await derived.serviceAccounts().account(id) else {
            throw APIError.notFound("no service account \(id); 'spl service-account list' shows them")
        }
        if account.isRevoked { throw APIError(.conflict, "ACCOUNT_REVOKED", "service account \(id) is revoked") }
        return account
    }
}

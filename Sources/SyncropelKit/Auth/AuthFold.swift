/// Service accounts and tokens, folded from the `AuthRecords` LEARNs on `th_service_accounts`.
///
/// Only records signed by `trustedSigner` (the instance key) count: the thread is reserved,
/// but a backup, replica or import could still carry a stranger's record. The first
/// creation of an id wins; revocation and retirement are final. Incremental like the other
/// folds: records at or below `watermark` are skipped.
///
/// ```swift
/// var fold = AuthFold()
/// for stored in records { fold.apply(stored, trustedSigner: instanceKey) }
/// if case .accepted(let account, _) = fold.authenticate(header) { … }
/// ```
public struct AuthFold: Sendable, Equatable, Codable {
    public private(set) var watermark: Int64 = 0
    private var accountsByID: [ServiceAccountID: ServiceAccount] = [:]
    private var tokensByID: [String: ServiceToken] = [:]
    /// Each account's token ids, so a presented token is compared only with its own account's.
    private var tokenIDsByAccount: [ServiceAccountID: [String]] = [:]

    public init() {}

    /// Folds one record; records must come in ascending `sequence`.
    public mutating func apply(_ stored: StoredRecord, trustedSigner: String) {
        guard stored.sequence > watermark else { return }
        watermark = stored.sequence
        let record = stored.record
        guard record.act == .learn, record.thread == RecordRules.serviceAccountsThread,
            record.signature?.signer == trustedSigner,
            let kind = record.body["kind"]?.stringValue.flatMap(AuthRecords.Kind.init(rawValue:))
        else { return }
        let body = record.body
        switch kind {
        case .accountCreated: createAccount(body, at: stored.createdAt)
        case .accountRevoked:
            guard let id = body["sa_id"]?.stringValue.flatMap(ServiceAccountID.init(_:)), accountsByID[id]?.isRevoked == false
            else { return }
            accountsByID[id]?.revokedAt = stored.createdAt
        case .tokenCreated: createToken(body, at: stored.createdAt)
        case .tokenRetired:
            guard let id = body["token_id"]?.stringValue, tokensByID[id]?.retired == nil,
                let reason = body["reason"]?.stringValue.flatMap(ServiceToken.Retirement.init(rawValue:))
            else { return }
            tokensByID[id]?.retired = reason
            tokensByID[id]?.retiredAt = stored.createdAt
        }
    }

    /// Whether any service account was ever created: until one is, TCP needs bootstrapping.
    public var hasAccounts: Bool { !accountsByID.isEmpty }

    /// Every account, in creation order.
    public var accounts: [ServiceAccount] {
        accountsByID.values.sorted { ($0.createdAt, $0.id.value) < ($1.createdAt, $1.id.value) }
    }

    public func account(_ id: ServiceAccountID) -> ServiceAccount? { accountsByID[id] }

    public func token(_ id: String) -> ServiceToken? { tokensByID[id] }

    /// Tokens in creation order, of one account or of all.
    public func tokens(of account: ServiceAccountID? = nil) -> [ServiceToken] {
        let ids = account.map { tokenIDsByAccount[$0] ?? [] } ?? Array(tokensByID.keys)
        return ids.compactMap { tokensByID[$0] }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Checks a presented token text (nil when the request carried none). The digest is compared
    /// in constant time with each token of the account the text names.
    public func authenticate(_ text: String?) -> AuthDecision {
        guard let text else { return .refused(.missing) }
        guard let token = try? TokenText(parsing: text) else { return .refused(.malformed) }
        let digest = token.digest
        let match = (tokenIDsByAccount[token.accountID] ?? []).compactMap { tokensByID[$0] }
            .first { ConstantTime.equal($0.digest, digest) }
        guard let match else { return .refused(.unknown(tokenID: token.tokenID)) }
        if let retired = match.retired { return .refused(.retired(tokenID: match.id, retired)) }
        guard let account = accountsByID[match.accountID] else { return .refused(.unknown(tokenID: match.id)) }
        if account.isRevoked { return .refused(.accountRevoked(tokenID: match.id, account.id)) }
        return .accepted(account, tokenID: match.id)
    }

    private mutating func createAccount(_ body: JSONObject, at time: Int64) {
        guard let id = body["sa_id"]?.stringValue.flatMap(ServiceAccountID.init(_:)), accountsByID[id] == nil,
            let name = body["name"]?.stringValue, (try? ServiceAccount.checkName(name)) != nil,
            let scopeValues = body["scopes"]?.arrayValue, let actorValues = body["actors"]?.arrayValue
        else { return }
        let scopes = scopeValues.compactMap { $0.stringValue.flatMap(AuthScope.init(rawValue:)) }
        let actors = actorValues.compactMap(\.stringValue)
        guard scopes.count == scopeValues.count, actors.count == actorValues.count,
            (try? ServiceAccount.checkActors(actors)) != nil
        else { return }
        accountsByID[id] = ServiceAccount(id: id, name: name, scopes: scopes, actors: actors, createdAt: time)
    }

    private mutating func createToken(_ body: JSONObject, at time: Int64) {
        guard let accountID = body["sa_id"]?.stringValue.flatMap(ServiceAccountID.init(_:)),
            accountsByID[accountID]?.isRevoked == false,
            let digest = body["secret_sha256"]?.stringValue.flatMap(Hex.decode), digest.count == 32,
            let id = body["token_id"]?.stringValue, id == TokenText.tokenID(digest: digest), tokensByID[id] == nil
        else { return }
        tokensByID[id] = ServiceToken(id: id, accountID: accountID, digest: digest, createdAt: time)
        tokenIDsByAccount[accountID, default: []].append(id)
    }
}

/// Comparison whose time does not depend on where two digests first differ.
enum ConstantTime {
    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SyncropelKit
import Testing

@testable import SyncropelServer

/// `TCPAuthentication` in process (`app.test(.router)`): the router test framework's requests
/// come over no unix socket, so they are TCP ones. The gate stays starting, so a request the
/// middleware lets through is answered 503 `STARTING` by its route.
@Suite struct AuthenticationRouteTests {
    static let instance = SigningIdentity()
    static let reader = ServiceAccountID.random()
    static let readerToken = TokenText.mint(for: reader)

    /// An instance with one account that may read records as did:example:reader.
    static func accounts() throws -> AuthFold {
        var fold = AuthFold()
        let drafts = [
            AuthRecords.accountCreated(reader, name: "reader", scopes: [.recordsRead], actors: ["did:example:reader"]),
            AuthRecords.tokenCreated(readerToken),
        ]
        for (index, draft) in drafts.enumerated() {
            let record = try instance.sign(try draft.record(assignedClock: Int64(index + 1)))
            fold.apply(StoredRecord(record: record, sequence: Int64(index + 1), createdAt: 0), trustedSigner: instance.didKey.description)
        }
        return fold
    }

    static func router(_ fold: AuthFold, failures: FailedAuthentications = FailedAuthentications()) -> Router<InstanceRequestContext> {
        InstanceRouter.make(
            gate: InstanceGate(), feed: RecordFeed(maxWatchers: 4), version: "9.9.9-test",
            browserGuard: BrowserRequestGuard(host: "127.0.0.1", port: 9100, allowedOrigins: []),
            authentication: TCPAuthentication(accounts: { fold }, failures: failures, logger: Logger(label: "test")))
    }

    private static func code(_ body: ByteBuffer) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])?["code"] as? String
    }

    private static func message(_ body: ByteBuffer) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])?["message"] as? String
    }

    @Test func everyRegisteredRouteHasAScopeAndEveryScopeARoute() {
        let registered = Set(Self.router(AuthFold()).routes.map { "\($0.method.rawValue) \($0.path.description)" })
        #expect(registered == Set(RouteScopes.table.keys))
    }

    @Test func tokensAreReadFromBearerOrAPIKeyAndCheckedAgainstTheScope() async throws {
        let bearer: HTTPFields = [.authorization: "Bearer \(Self.readerToken.text)"]
        try await Application(router: Self.router(try Self.accounts())).test(.router) { client in
            try await client.execute(uri: "/v1/threads", method: .get) { response in
                #expect(response.status == .unauthorized && Self.code(response.body) == "UNAUTHENTICATED")
            }
            try await client.execute(uri: "/v1/threads", method: .get, headers: bearer) { response in
                #expect(response.status == .serviceUnavailable && Self.code(response.body) == "STARTING", "authenticated, then routed")
            }
            try await client.execute(uri: "/v1/threads", method: .get, headers: [TCPAuthentication.apiKeyHeader: Self.readerToken.text]) {
                #expect($0.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/v1/records", method: .post, headers: bearer) { response in
                #expect(response.status == .forbidden && Self.code(response.body) == "INSUFFICIENT_SCOPE")
                #expect(Self.message(response.body) == "POST /v1/records needs scope records:write, which service account \(Self.reader) does not have")
            }
            var claiming = bearer
            claiming[TCPAuthentication.actorHeader] = "did:example:someone-else"
            try await client.execute(uri: "/v1/threads", method: .get, headers: claiming) { response in
                #expect(response.status == .forbidden && Self.code(response.body) == "DID_CLAIM_DENIED")
            }
            try await client.execute(uri: "/v1/nowhere", method: .get) { response in
                #expect(response.status == .unauthorized, "an unknown path tells nothing to a client without a token")
            }
        }
    }

    @Test func withoutAccountsEveryRouteButHealthAndBootstrapAsksForBootstrap() async throws {
        try await Application(router: Self.router(AuthFold())).test(.router) { client in
            try await client.execute(uri: "/v1/threads", method: .get) { response in
                #expect(response.status == .serviceUnavailable && Self.code(response.body) == "BOOTSTRAP_REQUIRED")
                #expect(
                    Self.message(response.body)
                        == "no service account exists yet, so TCP clients cannot authenticate; on the instance's machine run 'spl service-account create --name admin --bootstrap' (or POST /v1/bootstrap/service-account once, or start the daemon with SPL_BOOTSTRAP_TOKEN set)")
            }
            try await client.execute(uri: "/v1/bootstrap/service-account", method: .post) { response in
                #expect(Self.code(response.body) == "STARTING", "reaches its route without a token")
            }
        }
    }

    @Test func failuresPastTheThresholdAreDelayedThenRefused() async throws {
        let failures = FailedAuthentications(settings: .init(threshold: 2, step: .milliseconds(1), maximumDelay: .milliseconds(2), refuseAbove: 4))
        try await Application(router: Self.router(try Self.accounts(), failures: failures)).test(.router) { client in
            for _ in 0..<4 {
                try await client.execute(uri: "/v1/threads", method: .get, headers: [.authorization: "Bearer wrong"]) {
                    #expect($0.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/v1/threads", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .tooManyRequests && Self.code(response.body) == "TOO_MANY_FAILED_AUTHENTICATIONS")
                #expect(response.headers[.retryAfter] == "60")
                #expect(Self.message(response.body) == "too many failed authentications from this address; retry after 60 s with a valid token")
            }
            try await client.execute(uri: "/v1/threads", method: .get, headers: [.authorization: "Bearer \(Self.readerToken.text)"]) {
                #expect($0.status == .serviceUnavailable, "a valid token from the same address is never held back")
            }
        }
    }
}

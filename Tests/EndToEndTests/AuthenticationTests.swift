import Foundation
import SyncropelProbes
import SyncropelTestSupport
import Testing

/// TCP authentication against real daemons (issue 13): tokens, scopes, allowed actors,
/// bootstrap, and that a token's secret is never written anywhere but the client's hands.
@Suite(.serialized) struct AuthenticationTests {
    static func envelope(actor: String, thread: String = "th_auth", clock: Int = 1) -> String {
        #"{"act":"KNOW","actor":"\#(actor)","body":{"text":"hi"},"clock":\#(clock),"data_type":"SCALAR","parents":[],"thread":"\#(thread)"}"#
    }

    private func started(_ environment: [String: String] = [:], arguments: [String] = []) async throws -> DaemonFixture {
        let daemon = try DaemonFixture()
        let result = try await daemon.start(arguments, extraEnvironment: environment)
        try #require(result.status == 0, "\(result.stderr)")
        return daemon
    }

    /// A new account through the socket; its token's text.
    private func account(_ daemon: DaemonFixture, scopes: [String], actors: [String]) async throws -> (id: String, token: String) {
        let body = try JSONSerialization.data(withJSONObject: ["name": "test", "scopes": scopes, "actors": actors, "with_token": true])
        let created = try await daemon.socketJSON("POST", "/v1/admin/service-accounts", json: String(decoding: body, as: UTF8.self))
        try #require(created.status == 201, "\(created.object)")
        let token = try #require((created.object["token"] as? [String: Any])?["token"] as? String)
        return (try #require(created.object["id"] as? String), token)
    }

    @Test func tokensScopesAndActorsDecideWhatATCPClientMayDo() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let anonymous = try await daemon.httpJSON("GET", "/v1/threads", token: nil)
        #expect(anonymous.status == 401 && anonymous.object["code"] as? String == "UNAUTHENTICATED")
        #expect(anonymous.object["message"] as? String == "no token: send Authorization: Bearer <token> or x-api-key: <token>")
        let garbage = try await daemon.httpJSON("GET", "/v1/threads", token: "not-a-token")
        #expect(garbage.status == 401)

        let reader = try await account(daemon, scopes: ["records:read"], actors: ["did:example:reader"])
        #expect(try await daemon.http("GET", "/v1/threads", token: reader.token).status == 200)
        let viaAPIKey = try await daemon.http("GET", "/v1/threads", headers: ["x-api-key": reader.token], token: nil)
        #expect(viaAPIKey.status == 200, "the Python SDK's header")
        let write = try await daemon.httpJSON("POST", "/v1/records", json: Self.envelope(actor: "did:example:reader"), token: reader.token)
        #expect(write.status == 403 && write.object["code"] as? String == "INSUFFICIENT_SCOPE")
        #expect(write.object["message"] as? String == "POST /v1/records needs scope records:write, which service account \(reader.id) does not have")

        let writer = try await account(daemon, scopes: ["records:write"], actors: ["did:example:writer"])
        let claimed = try await daemon.httpJSON("POST", "/v1/records", json: Self.envelope(actor: "did:example:other"), token: writer.token)
        #expect(claimed.status == 403 && claimed.object["code"] as? String == "DID_CLAIM_DENIED" && claimed.object["field"] as? String == "actor")
        let batch = #"{"records":[\#(Self.envelope(actor: "did:example:writer")),\#(Self.envelope(actor: "did:example:other", clock: 2))]}"#
        let claimedInBatch = try await daemon.httpJSON("POST", "/v1/records", json: batch, token: writer.token)
        #expect(claimedInBatch.status == 403 && claimedInBatch.object["field"] as? String == "records[1].actor")
        let header = try await daemon.httpJSON(
            "POST", "/v1/records", json: Self.envelope(actor: "did:example:writer"), headers: ["X-Syncropel-Actor": "did:example:other"],
            token: writer.token)
        #expect(header.status == 403 && header.object["code"] as? String == "DID_CLAIM_DENIED")
        #expect(
            header.object["message"] as? String
                == "service account \(writer.id) may not act as did:example:other; its allowed actors are set by 'spl service-account create --actors'")
        let allowed = try await daemon.http("POST", "/v1/records", json: Self.envelope(actor: "did:example:writer"), token: writer.token)
        #expect(allowed.status == 201)
        let reserved = try await daemon.httpJSON(
            "POST", "/v1/records", json: Self.envelope(actor: "did:example:writer", thread: "th_engine_config"), token: writer.token)
        #expect(reserved.status == 403 && reserved.object["code"] as? String == "INSUFFICIENT_SCOPE")
        #expect((reserved.object["message"] as? String)?.hasPrefix("a write to th_engine_config needs scope config:write") == true)
        let accountsThread = try await daemon.httpJSON(
            "POST", "/v1/records", json: Self.envelope(actor: "did:sync:system:engine", thread: "th_service_accounts"))
        #expect(accountsThread.status == 403 && accountsThread.object["code"] as? String == "RESERVED_THREAD", "even for the admin token")

        let liveness = try await daemon.httpJSON("GET", "/health", token: nil)
        #expect(liveness.status == 200 && Set(liveness.object.keys) == ["status", "version"], "\(liveness.object)")
        let full = try await daemon.httpJSON("GET", "/health")
        #expect(full.object["tcp_auth"] as? String == "on" && full.object["records"] != nil)

        let refusals = daemon.logLines.filter { $0["message"] as? String == "authentication refused" }
        #expect(refusals.count == 2, "one line per refused authentication: \(refusals)")
        #expect(refusals.allSatisfy { ($0["client"] as? String) == "127.0.0.1" && $0["token_id"] != nil }, "\(refusals)")
    }

    @Test func revokedAndRotatedOutTokensAreRefused() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let reader = try await account(daemon, scopes: ["records:read"], actors: [])
        let second = try await daemon.socketJSON("POST", "/v1/admin/tokens", json: #"{"sa_id":"\#(reader.id)"}"#)
        let secondToken = try #require(second.object["token"] as? String)
        let secondID = try #require(second.object["id"] as? String)
        #expect(try await daemon.http("GET", "/v1/threads", token: secondToken).status == 200)
        #expect(try await daemon.socketJSON("POST", "/v1/admin/tokens/\(secondID)/revoke").status == 200)
        let revoked = try await daemon.httpJSON("GET", "/v1/threads", token: secondToken)
        #expect(revoked.status == 401 && revoked.object["message"] as? String == "the token was revoked")

        let tokens = try await daemon.socketJSON("GET", "/v1/admin/tokens?sa_id=\(reader.id)")
        let firstID = try #require(((tokens.object["data"] as? [[String: Any]]) ?? []).first { $0["status"] as? String == "active" }?["id"] as? String)
        let rotated = try await daemon.socketJSON("POST", "/v1/admin/tokens/\(firstID)/rotate")
        let newToken = try #require(rotated.object["token"] as? String)
        let old = try await daemon.httpJSON("GET", "/v1/threads", token: reader.token)
        #expect(old.status == 401 && old.object["message"] as? String == "the token was rotated out; use the token 'spl token rotate' printed")
        #expect(try await daemon.http("GET", "/v1/threads", token: newToken).status == 200)

        #expect(try await daemon.socketJSON("POST", "/v1/admin/service-accounts/\(reader.id)/revoke").status == 200)
        let accountGone = try await daemon.httpJSON("GET", "/v1/threads", token: newToken)
        #expect(accountGone.status == 401 && accountGone.object["message"] as? String == "service account \(reader.id) was revoked")
    }

    @Test func bootstrapWorksOnceThenCloses() async throws {
        let daemon = try await started(["SPL_BOOTSTRAP_TOKEN": ""])
        defer { daemon.tearDown() }
        let required = try await daemon.httpJSON("GET", "/v1/threads")
        #expect(required.status == 503 && required.object["code"] as? String == "BOOTSTRAP_REQUIRED")
        #expect((required.object["message"] as? String)?.contains("run 'spl service-account create --name admin --bootstrap'") == true)
        #expect(try await daemon.http("GET", "/health", token: nil).status == 200)

        let opened = try await daemon.httpJSON("POST", "/v1/bootstrap/service-account", json: #"{"name":"first"}"#, token: nil)
        #expect(opened.status == 201, "\(opened.object)")
        let token = try #require((opened.object["token"] as? [String: Any])?["token"] as? String)
        #expect(try await daemon.http("GET", "/v1/threads", token: token).status == 200)
        let again = try await daemon.httpJSON("POST", "/v1/bootstrap/service-account", token: nil)
        #expect(again.status == 409 && again.object["code"] as? String == "BOOTSTRAP_CLOSED")
        let cli = try await daemon.cli(["service-account", "create", "--name", "late", "--bootstrap"])
        #expect(cli.status == 1)
        #expect(
            cli.stderr.contains("a service account already exists; create more with 'spl service-account create' on the instance's machine"),
            "\(cli.stderr)")
    }

    @Test func aMalformedBootstrapTokenStopsTheStart() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let result = try await daemon.start(extraEnvironment: ["SPL_BOOTSTRAP_TOKEN": "spl_prod_sa_short_abc"])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                "Error: failed to start spl serve: SPL_BOOTSTRAP_TOKEN is not a token: a token is spl_prod_sa_<16 hex>_<64 hex> (lowercase), as 'spl token create' prints it; generate one with: echo spl_prod_sa_$(openssl rand -hex 8)_$(openssl rand -hex 32)"),
            "\(result.stderr)")
    }

    @Test func tokensSurviveBackupRestoreAndRestartAndTheirSecretsAreWrittenNowhere() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let reader = try await account(daemon, scopes: ["records:read"], actors: [])
        let backup = try await daemon.cli(["backup", "now", "-o", "json"])
        let path = try #require((try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])?["path"] as? String, "\(backup.stdout)\(backup.stderr)")
        #expect(try await daemon.stopDaemon().status == 0)
        let restored = try await daemon.cli(["backup", "restore", path, "--yes"])
        #expect(restored.status == 0, "\(restored.stderr)")
        _ = try await daemon.serveReady()
        #expect(try await daemon.http("GET", "/v1/threads", token: reader.token).status == 200)
        #expect(try await daemon.http("GET", "/v1/threads").status == 200)

        let listings = [
            try await daemon.cli(["token", "list", "-o", "json"]).stdout, try await daemon.cli(["token", "list"]).stdout,
            try await daemon.cli(["service-account", "list", "-o", "json"]).stdout,
            try await daemon.cli(["service-account", "describe", reader.id, "-o", "json"]).stdout,
        ]
        let health = String(decoding: try await daemon.http("GET", "/health").body, as: UTF8.self)
        #expect(try await daemon.stopDaemon().status == 0)
        let files = [daemon.store, daemon.home + "/logs/spl.log", path]
        let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for secret in [String(reader.token.suffix(64)), String(TestToken.bootstrap.suffix(64))] {
            for (index, listing) in listings.enumerated() { #expect(!listing.contains(secret), "listing \(index)") }
            #expect(!health.contains(secret))
            for (file, bytes) in zip(files, contents) { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret") }
        }
        #expect(listings[0].contains("\"status\":\"active\""), "\(listings[0])")
    }

    @Test func insecureLocalhostWarnsAndNeverBindsBeyondLoopback() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let refused = try await daemon.start(["--insecure-localhost", "--host", "0.0.0.0"])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains(
                "Error: failed to start spl serve: --host 0.0.0.0 is not a loopback address, and --insecure-localhost turns TCP authentication off; drop --insecure-localhost to serve 0.0.0.0 with tokens"),
            "\(refused.stderr)")

        let started = try await daemon.start(["--insecure-localhost"])
        try #require(started.status == 0, "\(started.stderr)")
        let warning = "--insecure-localhost: TCP authentication is OFF; any process on this machine can read and write records on 127.0.0.1"
        #expect(daemon.logLines.contains { $0["level"] as? String == "WARN" && $0["message"] as? String == warning }, "\(daemon.logLines)")
        #expect(try await daemon.http("GET", "/v1/threads", token: nil).status == 200)
        let status = try await daemon.cli(["status"])
        #expect(status.stdout.contains("\nAuth:    OFF (--insecure-localhost): any process on this machine can read and write over TCP\n"), "\(status.stdout)")

        // A restart keeps the mode, and says so again.
        let restart = try await daemon.cli(["restart"], seconds: 60)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(daemon.logLines.filter { $0["level"] as? String == "WARN" && $0["message"] as? String == warning }.count == 2, "\(daemon.logLines)")
        #expect(try await daemon.http("GET", "/v1/threads", token: nil).status == 200)
    }

    /// Issue 13's probe, its outcome only: 10 000 wrong tokens are each answered 401 (or 429
    /// once the address has failed too often), and the valid client on the same address is
    /// served throughout. Its latency before and during is spl-bench's "wrong-token probe" row.
    @Test func tenThousandWrongTokensAreEachRefusedWhileAValidClientIsServed() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let port = daemon.port
        let probe = WrongTokenProbe(send: { token in
            let answer = try RawHTTPExchange.send(
                RawHTTPExchange.request("GET", "/v1/ping", contentType: nil, token: token), to: .tcp(port: port), seconds: 30, halfClose: false)
            guard let status = answer.status else { throw POSIXError(.ECONNRESET) }
            return status
        }) {
            let answer = try RawHTTPExchange.send(
                RawHTTPExchange.request("GET", "/v1/ping", contentType: nil), to: .tcp(port: port), seconds: 30, halfClose: false)
            guard answer.status == 204 else { throw POSIXError(.EPROTO) }
        }
        let result = try await offThePool { try probe.run() }
        #expect(result.unanswered == 0)
        #expect(Set(result.statuses.keys).isSubset(of: [401, 429]), "\(result.statuses)")
        #expect(result.statuses.values.reduce(0, +) == 10_000, "\(result.statuses)")
        #expect(result.during.milliseconds.count == 100, "the valid client was answered every time during the probe")
    }

    /// `spl service-account` and `spl token` through the socket: the text of a token is printed
    /// once, by create and rotate, and each refusal an operator can meet is worded.
    @Test func theCommandsManageAccountsAndTokens() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let created = try await daemon.cli([
            "service-account", "create", "--name", "ci", "--scopes", "records:read,records:write", "--actors", "did:example:ci", "--with-token",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let token = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        #expect(token.hasPrefix("spl_prod_sa_") && token.count == 93, "\(created.stdout)")
        let account = String(token.dropFirst("spl_prod_".count).prefix(19))
        #expect(created.stdout.contains("\(account)  ci    records:read,records:write  did:example:ci  no"), "\(created.stdout)")
        #expect(try await daemon.http("GET", "/v1/threads", token: token).status == 200)

        let list = try await daemon.cli(["service-account", "list", "-o", "json"])
        let accounts = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["data"] as? [[String: Any]])
        #expect(accounts.map { $0["name"] as? String } == ["admin", "ci"], "\(list.stdout)")

        let minted = try await daemon.cli(["token", "create", "--sa", account])
        let second = minted.stdout.trimmingCharacters(in: .newlines)
        #expect(minted.status == 0 && second.hasPrefix("spl_prod_\(account)_"), "\(minted.stdout)\(minted.stderr)")
        let tokens = try await daemon.cli(["token", "list", "--sa", account])
        #expect(tokens.stdout.hasPrefix("ID                    ACCOUNT              STATUS\n"), "\(tokens.stdout)")
        #expect(tokens.stdout.components(separatedBy: "active").count == 3 && !tokens.stdout.contains(String(second.suffix(64))))
        let described = try await daemon.cli(["service-account", "describe", account])
        let secondID = try #require(described.stdout.split(separator: "\n").last?.split(separator: " ").first.map(String.init))
        let rotated = try await daemon.cli(["token", "rotate", secondID])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(try await daemon.http("GET", "/v1/threads", token: second).status == 401)
        let revoked = try await daemon.cli(["token", "revoke", secondID])
        #expect(revoked.status == 1 && revoked.stderr.contains("token \(secondID) is already rotated"), "\(revoked.stderr)")
        #expect(try await daemon.cli(["service-account", "revoke", account]).stdout == "revoked service account \(account)\n")
        #expect(try await daemon.http("GET", "/v1/threads", token: token).status == 401)

        let badScope = try await daemon.cli(["service-account", "create", "--name", "x", "--scopes", "records:delete"])
        #expect(badScope.status == 1)
        #expect(badScope.stderr == "Error: unknown scope \"records:delete\"; scopes are records:read, records:write, config:read, config:write, backup, admin\n")
        let badActor = try await daemon.cli(["service-account", "create", "--name", "x", "--actors", "bob"])
        #expect(badActor.stderr == "Error: allowed actor \"bob\" is neither a DID (did:…) nor * (any actor)\n")
        let unknown = try await daemon.cli(["token", "create", "--sa", "sa_0000000000000000"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no service account sa_0000000000000000; 'spl service-account list' shows them"), "\(unknown.stderr)")

        #expect(try await daemon.cli(["token", "show-source"]).stdout == "no token: set --token, SPL_TOKEN or run 'spl token save <token>'\n")
        let badSave = try await daemon.cli(["token", "save", "nonsense"])
        #expect(badSave.stderr == "Error: a token is spl_prod_sa_<16 hex>_<64 hex> (lowercase), as 'spl token create' prints it\n")
        #expect(try await daemon.cli(["token", "save", TestToken.bootstrap]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: daemon.home + "/token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await daemon.cli(["token", "show-source"]).stdout == "token from \(daemon.home)/token\n")
        let fromVariable = try await daemon.spl.run(["token", "show-source"], extraEnvironment: ["SPL_TOKEN": TestToken.bootstrap])
        #expect(fromVariable.stdout == "token from SPL_TOKEN\n")
        #expect(try await daemon.cli(["--token", TestToken.bootstrap, "token", "show-source"]).stdout == "token from --token\n")
        let remote = try await daemon.spl.run(["thread", "list"], extraEnvironment: ["SPL_SERVE_URL": "http://127.0.0.1:\(daemon.port)"])
        #expect(remote.status == 0, "the saved token reaches the daemon over TCP: \(remote.stderr)")
        #expect(try await daemon.cli(["token", "unset"]).stdout == "removed \(daemon.home)/token\n")
        #expect(!FileManager.default.fileExists(atPath: daemon.home + "/token"))
    }

    /// The refusals of the admin routes and of an unknown token, word for word.
    @Test func adminRefusalsNameWhatIsWrong() async throws {
        let daemon = try await started()
        defer { daemon.tearDown() }
        let cases: [(String, String, String?, Int, String, String)] = [
            ("POST", "/v1/admin/service-accounts", #"{"scopes":["admin"]}"#, 400, "INVALID_FIELD", "name is required"),
            ("POST", "/v1/admin/service-accounts", #"{"name":"x"}"#, 400, "INVALID_FIELD", "give at least one scope"),
            ("POST", "/v1/admin/service-accounts", #"{"name":"x","scopes":"admin"}"#, 400, "INVALID_FIELD", "scopes must be an array of strings"),
            ("POST", "/v1/admin/service-accounts", #"{"name":"x","scopes":["admin"],"with_token":1}"#, 400, "INVALID_FIELD",
             "with_token must be true or false"),
            ("POST", "/v1/admin/service-accounts", #"{"name":"x","role":"admin"}"#, 400, "INVALID_FIELD",
             #"unknown field role; the body is {"name", "scopes"?: ["records:read", …], "actors"?: ["did:…"], "with_token"?: bool}"#),
            ("POST", "/v1/admin/tokens", #"{"sa_id":"bob"}"#, 400, "INVALID_FIELD", "a service account id is sa_ and 16 lowercase hex"),
            ("POST", "/v1/admin/tokens/tok_0000000000000000/revoke", nil, 404, "NOT_FOUND", "no token tok_0000000000000000; 'spl token list' shows them"),
        ]
        for (method, path, json, status, code, message) in cases {
            let answer = try await daemon.socketJSON(method, path, json: json)
            #expect(answer.status == status && answer.object["code"] as? String == code, "\(path) \(json ?? ""): \(answer.object)")
            #expect(answer.object["message"] as? String == message, "\(path) \(json ?? "")")
        }
        let reader = try await account(daemon, scopes: ["records:read"], actors: [])
        #expect(try await daemon.socketJSON("POST", "/v1/admin/service-accounts/\(reader.id)/revoke").status == 200)
        let late = try await daemon.socketJSON("POST", "/v1/admin/tokens", json: #"{"sa_id":"\#(reader.id)"}"#)
        #expect(late.status == 409 && late.object["message"] as? String == "service account \(reader.id) is revoked")
        let unknown = try await daemon.httpJSON("GET", "/v1/threads", token: "spl_prod_\(reader.id)_" + String(repeating: "0", count: 64))
        #expect(unknown.status == 401 && unknown.object["message"] as? String == "the token is not known to this instance")
        let credentials = try await daemon.httpJSON(
            "POST", "/v1/records", json: Self.envelope(actor: "did:sync:system:engine", thread: "th_service_accounts"))
        #expect(
            credentials.object["message"] as? String
                == "th_service_accounts is written only by 'spl service-account' and 'spl token' on the instance's machine")
        #expect(try await daemon.cli(["token", "unset"]).stdout == "no token file at \(daemon.home)/token\n")
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// The HTTP API of one real daemon: answers, refusals with the codes of SPEC 11,
/// and that a refused request changes nothing.
@Suite(.serialized) struct HTTPRouteTests {
    static let actor = "did:sync:user:route-test"

    static func envelope(clock: Int, thread: String = "th_routes", text: String = "hello", act: String = "KNOW") -> String {
        #"{"act":"\#(act)","actor":"\#(actor)","body":{"text":"\#(text)"},"clock":\#(clock),"data_type":"SCALAR","parents":[],"thread":"\#(thread)"}"#
    }

    private func withDaemon(_ body: (DaemonFixture) async throws -> Void) async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.start()
        try #require(started.status == 0, "\(started.stderr)")
        try await body(daemon)
    }

    private func recordCount(_ daemon: DaemonFixture) async throws -> Int {
        let (_, health) = try await daemon.httpJSON("GET", "/health")
        return health["records"] as? Int ?? -1
    }

    @Test func ingestIsIdempotentAndReadable() async throws {
        try await withDaemon { daemon in
            let first = try await daemon.httpJSON("POST", "/v1/records", json: Self.envelope(clock: 1))
            #expect(first.status == 201)
            let id = try #require(first.object["id"] as? String)
            #expect(first.object["object"] as? String == "record")
            #expect(first.object["sig"] == nil, "a TCP record is stored as sent, unsigned")
            let again = try await daemon.httpJSON("POST", "/v1/records", json: Self.envelope(clock: 1))
            #expect(again.status == 200)
            #expect(again.object["id"] as? String == id)
            let read = try await daemon.httpJSON("GET", "/v1/records/\(id)")
            #expect(read.status == 200)
            #expect(read.object["sequence"] as? Int == first.object["sequence"] as? Int)
            let state = try await daemon.httpJSON("GET", "/v1/threads/th_routes/state")
            #expect(state.object["record_count"] as? Int == 1)
            #expect(state.object["status"] as? String == "none")
        }
    }

    @Test func pingAnswersNoContentAndStoresNothing() async throws {
        try await withDaemon { daemon in
            let before = try await recordCount(daemon)
            let get = try await daemon.http("GET", "/v1/ping")
            #expect(get.status == 204)
            #expect(get.body.isEmpty)
            let post = try await daemon.http("POST", "/v1/ping", json: Self.envelope(clock: 1))
            #expect(post.status == 204)
            #expect(post.body.isEmpty)
            #expect(try await recordCount(daemon) == before)
            let wrongMethod = try await daemon.httpJSON("DELETE", "/v1/ping")
            #expect(wrongMethod.status == 405)
        }
    }

    @Test func batchIsAllOrNothingAndNamesTheBadRecord() async throws {
        try await withDaemon { daemon in
            let before = try await recordCount(daemon)
            let bad = #"{"records":[\#(Self.envelope(clock: 1)),\#(Self.envelope(clock: 2)),{"act":"KNOW","actor":"did:sync:user:x","body":{},"clock":-1,"data_type":"SCALAR","parents":[],"thread":"th_routes"}]}"#
            let refused = try await daemon.httpJSON("POST", "/v1/records", json: bad)
            #expect(refused.status == 400)
            #expect(refused.object["code"] as? String == "INVALID_CLOCK")
            #expect(refused.object["field"] as? String == "records[2].clock")
            #expect(try await recordCount(daemon) == before)

            let good = #"{"records":[\#(Self.envelope(clock: 1)),\#(Self.envelope(clock: 2))]}"#
            let created = try await daemon.httpJSON("POST", "/v1/records", json: good)
            #expect(created.status == 201)
            let results = try #require(created.object["results"] as? [[String: Any]])
            #expect(results.map { $0["status"] as? String } == ["created", "created"])
            #expect(try await recordCount(daemon) == before + 2)
        }
    }

    @Test func refusalsCarryTheCodesOfSpec11AndChangeNothing() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.httpJSON("POST", "/v1/records", json: Self.envelope(clock: 5))
            let before = try await recordCount(daemon)
            let cases: [(method: String, path: String, body: String?, contentType: String?, status: Int, code: String)] = [
                ("POST", "/v1/records", "{\"act\":", nil, 400, "INVALID_JSON"),
                ("POST", "/v1/records", "[1,2]", nil, 400, "INVALID_JSON"),
                ("POST", "/v1/records", Self.envelope(clock: 5, text: "other"), nil, 409, "DUPLICATE_CLOCK"),
                ("POST", "/v1/records", Self.envelope(clock: 1, thread: "th_service_accounts", act: "LEARN"), nil, 403, "RESERVED_THREAD"),
                ("POST", "/v1/records", Self.envelope(clock: 1).replacingOccurrences(of: "KNOW", with: "SHOUT"), nil, 400, "INVALID_ACT"),
                ("POST", "/v1/records", Self.envelope(clock: 1), "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
                ("POST", "/v1/records", "{\"records\":[" + String(repeating: "1,", count: 5 << 20) + "1]}", nil, 413, "PAYLOAD_TOO_LARGE"),
                ("GET", "/v1/records/" + String(repeating: "0", count: 64), nil, nil, 404, "NOT_FOUND"),
                ("GET", "/v1/nowhere", nil, nil, 404, "NOT_FOUND"),
                ("DELETE", "/v1/records", nil, nil, 405, "METHOD_NOT_ALLOWED"),
                ("GET", "/v1/threads/th_routes/records?limit=0", nil, nil, 400, "INVALID_FIELD"),
            ]
            for row in cases {
                var headers: [String: String] = [:]
                if let contentType = row.contentType { headers["Content-Type"] = contentType }
                let (status, body) = try await daemon.http(row.method, row.path, json: row.body, headers: headers)
                let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
                #expect(status == row.status, "\(row.method) \(row.path.prefix(60)) \(row.contentType ?? "")")
                #expect(object["object"] as? String == "error")
                #expect(object["code"] as? String == row.code, "\(row.method) \(row.path.prefix(60)): \(object)")
            }
            #expect(try await recordCount(daemon) == before)
            #expect(try await daemon.httpJSON("GET", "/health").status == 200)
        }
    }

    @Test func threadPagesWalkBothWaysInOrder() async throws {
        try await withDaemon { daemon in
            let batch = (1...25).map { Self.envelope(clock: $0, thread: "th_pages") }.joined(separator: ",")
            #expect(try await daemon.httpJSON("POST", "/v1/records", json: "{\"records\":[\(batch)]}").status == 201)
            let newest = try await daemon.httpJSON("GET", "/v1/threads/th_pages/records?limit=10")
            let clocks = (newest.object["data"] as? [[String: Any]] ?? []).compactMap { $0["clock"] as? Int }
            #expect(clocks == Array(16...25))
            let prev = try #require(newest.object["prev_cursor"] as? String)
            let older = try await daemon.httpJSON("GET", "/v1/threads/th_pages/records?limit=10&cursor=\(prev)")
            #expect((older.object["data"] as? [[String: Any]] ?? []).compactMap { $0["clock"] as? Int } == Array(6...15))
            let forward = try await daemon.httpJSON("GET", "/v1/threads/th_pages/records?limit=10&since=20")
            #expect((forward.object["data"] as? [[String: Any]] ?? []).compactMap { $0["clock"] as? Int } == Array(21...25))
            let unknown = try await daemon.httpJSON("GET", "/v1/threads/th_unknown/records")
            #expect((unknown.object["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func socketWritesAreSignedAndMayUseReservedThreads() async throws {
        try await withDaemon { daemon in
            let learned = try await daemon.spl.run([
                "config", "add-rule", "--name", "r1", "--target", "did:sync:agent:a", "--priority", "5", "-o", "json",
            ])
            #expect(learned.status == 0, "\(learned.stderr)")
            let rules = try await daemon.httpJSON("GET", "/v1/config/rules")
            let data = try #require(rules.object["data"] as? [[String: Any]])
            #expect(data.map { $0["name"] as? String } == ["r1"])
            let recordID = try #require(data.first?["record"] as? String)
            let record = try await daemon.httpJSON("GET", "/v1/records/\(recordID)")
            let (_, identity) = try await daemon.httpJSON("GET", "/v1/identity")
            #expect(record.object["signer"] as? String == identity["did"] as? String)
            #expect(record.object["thread"] as? String == "th_engine_config")
        }
    }

    private static func data(_ object: [String: Any]) -> [[String: Any]] {
        object["data"] as? [[String: Any]] ?? []
    }

    private static func threadClocks(_ object: [String: Any]) -> [String] {
        data(object).map { "\($0["thread"] as? String ?? "?")/\($0["clock"] as? Int ?? -1)" }
    }

    @Test func queryRouteFiltersSortsPagesAndExplains() async throws {
        try await withDaemon { daemon in
            let records = (1...6).map { clock in
                #"{"act":"\#(clock % 2 == 0 ? "KNOW" : "DO")","actor":"\#(Self.actor)","body":{"n":\#(clock),"kind":"x.test.item"},"clock":\#(clock),"thread":"th_query"}"#
            } + [#"{"act":"KNOW","actor":"\#(Self.actor)","body":{"n":"4","namespace":"acme"},"clock":1,"thread":"th_other"}"#]
            #expect(try await daemon.httpJSON("POST", "/v1/records", json: #"{"records":[\#(records.joined(separator: ","))]}"#).status == 201)

            let page = try await daemon.httpJSON(
                "POST", "/v1/records/query", json: #"{"filter":{"body.n":{"$gte":2}},"sort":{"clock":-1},"limit":2}"#)
            #expect(page.status == 200)
            #expect(page.object["object"] as? String == "list")
            #expect(Self.threadClocks(page.object) == ["th_query/6", "th_query/5"])
            #expect(page.object["capped"] as? Bool == true)
            #expect(page.object["matched_total"] as? Int == 5)

            let next = try await daemon.httpJSON(
                "POST", "/v1/records/query", json: #"{"filter":{"body.n":{"$gte":2}},"sort":{"clock":-1},"limit":2,"offset":4}"#)
            #expect(Self.threadClocks(next.object) == ["th_query/2"])
            #expect(next.object["capped"] as? Bool == false)

            let scoped = try await daemon.httpJSON(
                "POST", "/v1/records/query", json: #"{"filter":{"act":"KNOW"},"thread":"th_query","limit":5000,"explain":true}"#)
            #expect(Self.threadClocks(scoped.object) == ["th_query/2", "th_query/4", "th_query/6"])
            let plan = try #require(scoped.object["plan"] as? [String: Any])
            #expect(plan["indexed_fields"] as? [String] == ["thread", "act"])
            #expect(plan["unindexed_fields"] as? [String] == [])
            #expect((plan["sqlite_plan"] as? [String])?.isEmpty == false)

            let namespaced = try await daemon.httpJSON(
                "POST", "/v1/records/query", json: #"{"filter":{"$or":[{"namespace":"acme"},{"body.n":{"$in":[1,3]}}]}}"#)
            #expect(Self.threadClocks(namespaced.object) == ["th_query/1", "th_query/3", "th_other/1"])
            let nulls = try await daemon.httpJSON(
                "POST", "/v1/records/query", json: #"{"filter":{"body.n":"4"},"thread":null,"sort":null,"limit":null,"offset":null}"#)
            #expect(Self.threadClocks(nulls.object) == ["th_other/1"], "null members count as left out")
            #expect(namespaced.object["plan"] == nil)
        }
    }

    @Test func recordListReadsSinceAClockAcrossThreads() async throws {
        try await withDaemon { daemon in
            let other = "did:sync:user:other"
            let records = ["th_s1", "th_s2"].flatMap { thread in
                (1...5).map { Self.envelope(clock: $0, thread: thread) }
            } + [#"{"act":"KNOW","actor":"\#(other)","body":{},"clock":9,"thread":"th_s1"}"#]
            #expect(try await daemon.httpJSON("POST", "/v1/records", json: #"{"records":[\#(records.joined(separator: ","))]}"#).status == 201)

            let actor = Self.actor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let first = try await daemon.httpJSON("GET", "/v1/records?actor=\(actor)&since=3&limit=3")
            #expect(Self.threadClocks(first.object) == ["th_s1/4", "th_s2/4", "th_s1/5"])
            let cursor = try #require(first.object["next_cursor"] as? String)
            let rest = try await daemon.httpJSON("GET", "/v1/records?actor=\(actor)&since=3&limit=3&cursor=\(cursor)")
            #expect(Self.threadClocks(rest.object) == ["th_s2/5"])
            #expect(rest.object["next_cursor"] is NSNull)

            let everyone = try await daemon.httpJSON("GET", "/v1/records?since=4")
            #expect(Self.threadClocks(everyone.object) == ["th_s1/5", "th_s2/5", "th_s1/9"])

            let newest = try await daemon.httpJSON("GET", "/v1/records?limit=2")
            #expect(Self.threadClocks(newest.object) == ["th_s1/9", "th_s2/5"])

            let mine = try await daemon.httpJSON("GET", "/v1/records?thread=th_s1&actor=\(actor)&limit=2")
            #expect(Self.threadClocks(mine.object) == ["th_s1/5", "th_s1/4"])
            let theirs = try await daemon.httpJSON("GET", "/v1/records?thread=th_s1&actor=did%3Async%3Auser%3Aother")
            #expect(Self.threadClocks(theirs.object) == ["th_s1/9"])

            let page = try await daemon.httpJSON("GET", "/v1/records?thread=th_s2&since=3")
            #expect(Self.threadClocks(page.object) == ["th_s2/4", "th_s2/5"])
            #expect(page.object.keys.contains("prev_cursor"), "thread alone reads the thread page")
        }
    }

    @Test func socketBatchWithSignFalseIsStoredUnsigned() async throws {
        try await withDaemon { daemon in
            let socket = RawHTTPExchange.Endpoint.unixSocket(path: daemon.spl.home.path + "/run/spl.sock")
            func post(_ json: String) throws -> [String: Any] {
                let response = try RawHTTPExchange.send(
                    RawHTTPExchange.request("POST", "/v1/records", body: Array(json.utf8)), to: socket)
                #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
                return response.json ?? [:]
            }
            func signer(_ batch: [String: Any]) async throws -> Any? {
                let id = try #require((batch["results"] as? [[String: Any]])?.first?["id"] as? String)
                return try await daemon.httpJSON("GET", "/v1/records/\(id)").object["signer"]
            }
            let unsigned = try post(#"{"records":[\#(Self.envelope(clock: 1, thread: "th_sign"))],"sign":false}"#)
            #expect(try await signer(unsigned) == nil, "sign:false keeps the record as sent")
            let signed = try post(#"{"records":[\#(Self.envelope(clock: 2, thread: "th_sign"))],"sign":true}"#)
            let (_, identity) = try await daemon.httpJSON("GET", "/v1/identity")
            #expect(try await signer(signed) as? String == identity["did"] as? String)
            let byDefault = try post(#"{"records":[\#(Self.envelope(clock: 3, thread: "th_sign"))]}"#)
            #expect(try await signer(byDefault) as? String == identity["did"] as? String)
        }
    }
}

/// Issue 13: a POST with `Host: evil.example` and `Origin: http://evil.example` was stored,
/// so a web page could write records through a rebound name or a cross-site form post.
@Suite struct BrowserRequestTests {
    private func exchange(_ port: Int, _ method: String, _ path: String, body: String? = nil, headers: [String: String]) async throws -> RawHTTPExchange.Response {
        var request = "\(method) \(path) HTTP/1.1\r\nConnection: close\r\nAuthorization: Bearer \(TestToken.bootstrap)\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        let bytes = Array(request.utf8)
        return try await offThePool { try RawHTTPExchange.send(bytes, to: .tcp(port: port), seconds: 30, halfClose: false) }
    }

    @Test func aRequestNamingAnotherHostOrFromAnotherOriginIsRefused() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        let port = daemon.port
        let envelope = #"{"act":"KNOW","actor":"did:example:web","body":{"text":"from a page"},"clock":1,"thread":"th_web"}"#

        let rebound = try await exchange(port, "POST", "/v1/records", body: envelope, headers: ["Host": "evil.example:\(port)"])
        #expect(rebound.status == 403)
        #expect(rebound.json?["code"] as? String == "HOST_NOT_ALLOWED")
        #expect(rebound.json?["message"] as? String == "Host evil.example:\(port) does not name this daemon; send requests to http://127.0.0.1:\(port)")
        let otherPort = try await exchange(port, "GET", "/health", headers: ["Host": "127.0.0.1:\(port + 1)"])
        #expect(otherPort.status == 403)

        let crossSite = try await exchange(
            port, "POST", "/v1/records", body: envelope, headers: ["Host": "127.0.0.1:\(port)", "Origin": "http://evil.example"])
        #expect(crossSite.status == 403)
        #expect(crossSite.json?["code"] as? String == "ORIGIN_NOT_ALLOWED")
        #expect(crossSite.json?["message"] as? String == "a write from the web page at http://evil.example is refused;"
            + " list the origin in [server] allowed_origins of config.toml to allow it")
        let stored = try await daemon.httpJSON("GET", "/v1/threads/th_web/records").object["data"] as? [Any]
        #expect(stored?.isEmpty == true, "nothing stored")

        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "127.0.0.1"] {
            let health = try await exchange(port, "GET", "/health", headers: ["Host": host])
            #expect(health.status == 200, "\(host)")
        }
        let sameMachine = try await exchange(port, "POST", "/v1/records", body: envelope, headers: ["Host": "localhost:\(port)"])
        #expect(sameMachine.status == 201, "a client with no Origin writes as before")
        let readFromAPage = try await exchange(
            port, "GET", "/v1/threads/th_web/records", headers: ["Host": "127.0.0.1:\(port)", "Origin": "http://evil.example"])
        #expect(readFromAPage.status == 200, "reads carry no Origin check: the Host check stops rebinding")
    }

    @Test func anAllowedOriginMayWrite() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let config = daemon.home + "/config.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "[server]\n", with: "[server]\nallowed_origins = [\"https://app.example\"]\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        _ = try await daemon.serveReady()
        let envelope = #"{"act":"KNOW","actor":"did:example:web","body":{"text":"from the app"},"clock":1,"thread":"th_app"}"#
        let allowed = try await exchange(
            daemon.port, "POST", "/v1/records", body: envelope, headers: ["Host": "127.0.0.1:\(daemon.port)", "Origin": "https://app.example"])
        #expect(allowed.status == 201)
    }
}

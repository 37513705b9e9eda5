import Foundation
import Testing

/// Every refusal of SPEC 11, sent as raw bytes over TCP to one real daemon: each row
/// gets its documented status, code and field, changes nothing (the record count of
/// `/health` stays put), and after the whole table the daemon is alive and healthy.
@Suite(.serialized) struct BadInputTests {
    private func health(_ daemon: DaemonFixture) throws -> [String: Any]? {
        try RawHTTPExchange.send(RawHTTPExchange.request("GET", "/health", contentType: nil), to: .tcp(port: daemon.port)).json
    }

    @Test func everyRefusalKeepsItsCodeChangesNothingAndTheDaemonStaysUp() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.serve()
        try #require(started.status == 0, "\(started.stderr)")
        let pid = try #require(daemon.pid)

        let seed = try RawHTTPExchange.send(
            BadInputCases.post(BadInputCases.envelope(clock: String(BadInputCases.seededClock))), to: .tcp(port: daemon.port))
        try #require(seed.status == 201, "\(String(decoding: seed.body, as: UTF8.self))")
        let identity = try RawHTTPExchange.send(BadInputCases.get("/v1/identity"), to: .tcp(port: daemon.port)).json
        let signer = try #require(identity?["did"] as? String)
        let records = try #require(try health(daemon)?["records"] as? Int)

        let rows = BadInputCases.rows(signerDID: signer)
        #expect(rows.count >= 40)
        #expect(Set(rows.map(\.name)).count == rows.count, "row names are unique")
        let codes = Set(rows.compactMap(\.code))
        for code in ["INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "NOT_FOUND", "METHOD_NOT_ALLOWED", "INVALID_FIELD",
                     "INVALID_ACT", "INVALID_DATA_TYPE", "INVALID_CLOCK", "INVALID_THREAD", "INVALID_PARENTS", "RESERVED_THREAD",
                     "DUPLICATE_CLOCK", "BAD_SIGNATURE"] {
            #expect(codes.contains(code), "no row provokes \(code)")
        }
        for row in rows {
            let response = try RawHTTPExchange.send(row.request, to: .tcp(port: daemon.port))
            let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            #expect(response.status == row.status, "\(row.name): \(text)")
            if let code = row.code {
                let error = response.json
                #expect(error?["object"] as? String == "error", "\(row.name): \(text)")
                #expect(error?["code"] as? String == code, "\(row.name): \(text)")
                #expect(error?["field"] as? String == row.field, "\(row.name): \(text)")
                if let message = row.message {
                    #expect(error?["message"] as? String == message, "\(row.name)")
                }
            } else {
                #expect(response.body.isEmpty, "\(row.name): the HTTP decoder answers without a body")
            }
            #expect(try health(daemon)?["records"] as? Int == records, "\(row.name) changed the store")
        }

        #expect(try health(daemon)?["status"] as? String == "ok")
        #expect(kill(pid, 0) == 0 && !DaemonProcess.hasExited(pid), "the daemon died on bad input")
        #expect(daemon.pid == pid, "the daemon restarted")
    }
}

import Foundation
import Testing

/// Issue 13: secrets, tokens and keys never reach the log. Requests carrying a bearer token
/// and an API key the daemon never issued, refused, leave neither in logs/spl.log (which logs
/// each refusal) nor the daemon's stderr.
@Suite(.timeLimit(.minutes(2))) struct SecretsInLogsTests {
    @Test func tokensSentWithRequestsAreNotLogged() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        let token = "spl_tok_" + UUID().uuidString
        let key = "key_" + UUID().uuidString
        let headers = ["Authorization": "Bearer \(token)", "X-Api-Key": key]
        var statuses: [Int] = []
        for (method, path, json) in [
            ("GET", "/health", nil), ("GET", "/v1/nowhere", nil), ("POST", "/v1/records", "{\"act\":"),
            ("POST", "/v1/admin/backup", "{}"), ("DELETE", "/v1/records", nil),
        ] {
            statuses.append(try await daemon.http(method, path, json: json, headers: headers, token: nil).status)
        }
        #expect(statuses == [200, 401, 401, 401, 401])
        #expect(try await daemon.stopDaemon().status == 0)
        for file in ["/logs/spl.log", "/logs/spl.stderr.log"] {
            let text = (try? String(contentsOfFile: daemon.home + file, encoding: .utf8)) ?? ""
            #expect(!text.contains(token) && !text.contains(key), "\(file) holds a secret a request carried")
        }
    }
}

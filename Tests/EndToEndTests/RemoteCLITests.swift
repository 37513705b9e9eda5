import Foundation
import SyncropelTestSupport
import Testing

extension ListeningSocket {
    /// Accepts one connection, reads its request head, answers `json` with 200, and returns
    /// the head with header names lowercased; nil when nobody connected within `seconds`.
    func answerOnce(json: String, seconds: Int32 = 30) -> String? {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, seconds * 1000) > 0 else { return nil }
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { return nil }
        defer { close(connection) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nConnection: close\r\n\r\n\(json)"
        _ = answer.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return String(decoding: received, as: UTF8.self).split(separator: "\r\n").map { line in
            guard let colon = line.firstIndex(of: ":") else { return String(line) }
            return line[..<colon].lowercased() + line[colon...]
        }.joined(separator: "\n")
    }
}

/// The CLI over TCP (issue 13): `SPL_SERVE_URL` names a daemon at http:// or https://; the
/// token comes from `--token`, else `SPL_TOKEN`, else `<home>/token` (0600 or refused), and
/// goes in `Authorization: Bearer`; `SPL_CA_FILE` adds a CA for HTTPS.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RemoteCLITests {
    private static let emptyList = #"{"object":"list","data":[],"next_cursor":null}"#

    /// `spl thread list` against a one-shot server; the request head it sent and the result.
    private func threadListHead(_ spl: SPLProcess, arguments: [String] = [], environment: [String: String]) async throws
        -> (head: String?, result: SPLProcess.Result)
    {
        let server = try ListeningSocket()
        let environment = environment.merging(["SPL_SERVE_URL": "http://127.0.0.1:\(server.port)"]) { $1 }
        async let head = offThePool { server.answerOnce(json: Self.emptyList, seconds: 20) }
        let result = try await spl.run(["thread", "list", "-o", "json"] + arguments, extraEnvironment: environment)
        return (try await head, result)
    }

    /// `<home>/token` holding `tok_file`, with `mode`; its path.
    private func writeTokenFile(_ spl: SPLProcess, mode: mode_t) throws -> String {
        try FileManager.default.createDirectory(atPath: spl.home.path, withIntermediateDirectories: true)
        let tokenFile = spl.home.path + "/token"
        try "tok_file\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try #require(chmod(tokenFile, mode) == 0)
        return tokenFile
    }

    @Test func theTokenComesFromTheFlagThenTheVariableThenTheFile() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        _ = try writeTokenFile(spl, mode: 0o600)

        let flag = try await threadListHead(spl, arguments: ["--token", "tok_flag"], environment: ["SPL_TOKEN": "tok_env"])
        #expect(flag.result.status == 0, "\(flag.result.stderr)")
        #expect(flag.head?.contains("\nauthorization: Bearer tok_flag\n") == true, "\(flag.head ?? "no request")")
        #expect(flag.result.stdout.contains(#""object":"list""#))

        let equals = try await threadListHead(spl, arguments: ["--token=tok_equals"], environment: ["SPL_TOKEN": "tok_env"])
        #expect(equals.head?.contains("\nauthorization: Bearer tok_equals\n") == true, "\(equals.head ?? "no request")")

        let variable = try await threadListHead(spl, environment: ["SPL_TOKEN": "tok_env"])
        #expect(variable.head?.contains("\nauthorization: Bearer tok_env\n") == true, "\(variable.head ?? "no request")")

        let file = try await threadListHead(spl, environment: [:])
        #expect(file.head?.contains("\nauthorization: Bearer tok_file\n") == true, "\(file.head ?? "no request")")
    }

    @Test func aTokenFileOthersMayReadIsRefusedWithTheChmodToRun() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let tokenFile = try writeTokenFile(spl, mode: 0o644)
        let result = try await spl.run(["thread", "list"], extraEnvironment: ["SPL_SERVE_URL": "http://127.0.0.1:9"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(
            "token file \(tokenFile) has mode 0644, open to group or others; fix it with: chmod 600 \(tokenFile)"), "\(result.stderr)")
        #expect(!result.stderr.contains("tok_file"))
    }

    @Test(arguments: [
        (["SPL_SERVE_URL": "ftp://127.0.0.1:9100"], "SPL_SERVE_URL ftp://127.0.0.1:9100 is not an http:// or https:// URL of a host and port (such as https://spl.example:9100)"),
        (["SPL_SERVE_URL": "http://127.0.0.1:9100/v1"], "SPL_SERVE_URL http://127.0.0.1:9100/v1 is not an http:// or https:// URL of a host and port (such as https://spl.example:9100)"),
        (["SPL_SERVE_URL": "http://127.0.0.1:9100", "SPL_CA_FILE": "/ca.pem"], "SPL_CA_FILE is set but SPL_SERVE_URL http://127.0.0.1:9100 is not https://; use https:// or unset SPL_CA_FILE"),
        (["SPL_SERVE_URL": "http://127.0.0.1:9100", "SPL_TOKEN": "two words"], "the token from SPL_TOKEN is empty or holds a space or control character; a token is one word of printable ASCII"),
        (["SPL_SERVE_URL": "https://127.0.0.1:9100", "SPL_CA_FILE": "/nonexistent/ca.pem"], "SPL_CA_FILE /nonexistent/ca.pem cannot be used as PEM certificates: "),
    ])
    func badSettingsAreNamed(environment: [String: String], message: String) async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["thread", "list"], extraEnvironment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: " + message), "\(result.stderr)")
    }

    @Test func nobodyAtTheURLExits3() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let port = try DaemonFixture.freePort()
        let result = try await spl.run(["thread", "list"], extraEnvironment: ["SPL_SERVE_URL": "http://127.0.0.1:\(port)"])
        #expect(result.status == 3)
        #expect(result.stderr.contains(
            "Error: no spl daemon answers at http://127.0.0.1:\(port) (SPL_SERVE_URL); check the address, or that the daemon serves on it"),
            "\(result.stderr)")
    }

    /// A real daemon over HTTPS: the CLI, from another home with no socket, writes with the
    /// daemon's certificate trusted through SPL_CA_FILE, and is refused without it.
    @Test func theCLIWritesOverHTTPSWithTheCAFile() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let folder = daemon.spl.userHome.path
        let (certificate, key) = try await offThePool { try SelfSignedCertificate.make(in: folder) }
        try FileManager.default.createDirectory(atPath: daemon.home, withIntermediateDirectories: true)
        try "[server]\ntls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n"
            .write(toFile: daemon.home + "/config.toml", atomically: true, encoding: .utf8)
        let started = try await daemon.serve()
        try #require(started.status == 0, "\(started.stderr)")

        let remote = try SPLProcess()
        defer { remote.remove() }
        let url = "https://127.0.0.1:\(daemon.port)"
        let written = try await remote.run(
            ["know", "over https", "--thread", "th_https"], extraEnvironment: ["SPL_SERVE_URL": url, "SPL_CA_FILE": certificate, "SPL_TOKEN": TestToken.bootstrap])
        #expect(written.status == 0, "\(written.stderr)")
        let records = try await daemon.cli(["thread", "records", "th_https", "-o", "json"])
        #expect(records.stdout.contains("over https"), "\(records.stdout)")

        let untrusted = try await remote.run(["know", "no CA", "--thread", "th_https"], extraEnvironment: ["SPL_SERVE_URL": url])
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("Error: POST /v1/records to the spl daemon at \(url) failed in the TLS handshake ("), "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains(
            "); for a private CA or a self-signed certificate set SPL_CA_FILE to its PEM file, and for a daemon without TLS use http://"))
    }
}

import Foundation
import SyncropelTestSupport
import Testing

/// Issue 13, transport: `[server] tls_cert` and `tls_key` make the TCP listener serve HTTPS,
/// a key file others may read stops the start with the chmod to run, and a listener on a
/// non-loopback address without TLS warns that tokens cross the network in clear. The SDK
/// over HTTPS with a test CA, and plain HTTP refused, are checked by Tests/tls/run.sh.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TLSListenerTests {
    private static func writeConfig(_ text: String, home: String) throws {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try text.write(toFile: home + "/config.toml", atomically: true, encoding: .utf8)
    }

    @Test func aTLSKeyOthersMayReadStopsTheStartWithTheChmodToRun() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let folder = daemon.spl.userHome.path
        let (certificate, key) = try await offThePool { try SelfSignedCertificate.make(in: folder) }
        #expect(chmod(key, 0o644) == 0)
        try Self.writeConfig("[server]\ntls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n", home: daemon.home)
        let refused = try await daemon.serve()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(
            "TLS key \(key) (server.tls_key) has mode 0644, open to group or others; fix it with: chmod 600 \(key)"), "\(refused.stderr)")

        #expect(chmod(key, 0o600) == 0)
        let started = try await daemon.serve()
        #expect(started.status == 0, "\(started.stderr)")
        let log = try String(contentsOfFile: daemon.home + "/logs/spl.log", encoding: .utf8)
        #expect(!log.contains("BEGIN"), "no line of a PEM file reaches the log")
    }

    @Test func aCertificateThatIsNotPEMIsNamed() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let folder = daemon.spl.userHome.path
        try "not a certificate\n".write(toFile: folder + "/cert.pem", atomically: true, encoding: .utf8)
        try Self.writeConfig("[server]\ntls_cert = \"\(folder)/cert.pem\"\ntls_key = \"\(folder)/key.pem\"\n", home: daemon.home)
        let refused = try await daemon.serve()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("TLS certificate \(folder)/cert.pem (server.tls_cert) "), "\(refused.stderr)")
    }

    @Test func plainHTTPOnANonLoopbackAddressWarns() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.cli(["serve", "--daemon", "--host", "0.0.0.0", "--port", String(daemon.port)], seconds: 60)
        #expect(started.status == 0, "\(started.stderr)")
        let log = try String(contentsOfFile: daemon.home + "/logs/spl.log", encoding: .utf8)
        #expect(log.contains(
            "TCP listener 0.0.0.0:\(daemon.port) is not a loopback address and serves plain HTTP: tokens and records cross the network in clear; set [server] tls_cert and tls_key in config.toml to serve HTTPS"),
            "\(log)")
        #expect(log.contains("\"level\":\"WARN\""), "\(log)")
    }

    /// The head timeout also covers the TLS handshake: a connection that sends a ClientHello a
    /// byte at a time, or nothing, is closed after `idle_timeout_secs` like a slow HTTP head.
    @Test func aHandshakeTrickledOrNeverSentIsClosedByTheTimeout() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let folder = daemon.spl.userHome.path
        let (certificate, key) = try await offThePool { try SelfSignedCertificate.make(in: folder) }
        try Self.writeConfig(
            "[server]\nidle_timeout_secs = 2\ntls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n", home: daemon.home)
        let started = try await daemon.serve()
        try #require(started.status == 0, "\(started.stderr)")
        let port = daemon.port
        let seconds = try await offThePool { () throws -> [Double] in
            let silent = try RawHTTPExchange.connect(.tcp(port: port))
            let trickled = try RawHTTPExchange.connect(.tcp(port: port))
            defer { [silent, trickled].forEach { close($0) } }
            let start = Date()
            var ended: [Int32: Double] = [:]
            // A TLS record header of a ClientHello, then filler: never a whole handshake.
            let hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01] + Array(repeating: 0, count: 60)
            var sent = 0
            while ended.count < 2, Date().timeIntervalSince(start) < 20 {
                for descriptor in [silent, trickled] where ended[descriptor] == nil {
                    var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    if poll(&readable, 1, 0) > 0 {
                        var byte: UInt8 = 0
                        if recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) <= 0 { ended[descriptor] = Date().timeIntervalSince(start) }
                    }
                }
                if ended[trickled] == nil, sent < hello.count {
                    var value = hello[sent]
                    if Glibc.send(trickled, &value, 1, Int32(MSG_NOSIGNAL)) == 1 { sent += 1 }
                }
                usleep(250_000)
            }
            return [ended[silent] ?? -1, ended[trickled] ?? -1]
        }
        #expect(seconds.allSatisfy { (1.5...6).contains($0) }, "closed after \(seconds) s (silent, trickled); the timeout is 2 s")
    }
}

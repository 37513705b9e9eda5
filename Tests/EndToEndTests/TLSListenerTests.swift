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
}

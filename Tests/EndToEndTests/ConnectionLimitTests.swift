import Foundation
import SyncropelProbes
import SyncropelTestSupport
import Testing

/// Issue 13, connections: 20 000 idle sockets exhausted the daemon's descriptors and slow
/// headers were never timed out. TCP connections are capped (`[server] max_connections`)
/// and closed after `[server] idle_timeout_secs` idle or waiting for a whole request head;
/// the socket the CLI uses has neither limit, so the operator keeps a way in.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConnectionLimitTests {
    /// A daemon whose config.toml caps TCP at `maxConnections` with an idle timeout of `idleSeconds`.
    private func limitedDaemon(maxConnections: Int, idleSeconds: Int) async throws -> DaemonFixture {
        let daemon = try DaemonFixture()
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let config = daemon.home + "/config.toml"
        // A new home's config.toml names every key with its default.
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacing(/max_connections = \d+/, with: "max_connections = \(maxConnections)")
            .replacing(/idle_timeout_secs = \d+/, with: "idle_timeout_secs = \(idleSeconds)")
        try #require(text.contains("max_connections = \(maxConnections)\n") && text.contains("idle_timeout_secs = \(idleSeconds)\n"), "\(text)")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        _ = try await daemon.serveReady()
        return daemon
    }

    /// True once the server has closed `descriptor` (a read sees the end), within `seconds`.
    private static func closedByServer(_ descriptor: Int32, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var byte: UInt8 = 0
        while Date() < deadline {
            var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 100) > 0 else { continue }
            let count = recv(descriptor, &byte, 1, 0)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { return true }
        }
        return false
    }

    @Test func connectionsPastTheCapAreClosedAndIdleOnesTimeOut() async throws {
        // An idle timeout long enough that none of the first 20 is closed while the rest connect.
        let daemon = try await limitedDaemon(maxConnections: 20, idleSeconds: 5)
        defer { daemon.tearDown() }
        let port = daemon.port
        let (heldAfterASecond, heldAfterTimeout) = try await offThePool { () throws -> (Int, Int) in
            let idle = try (0..<50).map { _ in try RawHTTPExchange.connect(.tcp(port: port)) }
            defer { idle.forEach { close($0) } }
            // Past the cap a connection is closed at once, long before the idle timeout.
            usleep(1_000_000)
            let held = idle.filter { !Self.closedByServer($0, within: 0.01) }
            let stillHeld = held.filter { !Self.closedByServer($0, within: 20) }
            return (held.count, stillHeld.count)
        }
        // A connection of the start-up check may still be counted at first, so 19 or 20.
        #expect((19...20).contains(heldAfterASecond), "the daemon held \(heldAfterASecond) of 50 connections with a cap of 20")
        #expect(heldAfterTimeout == 0, "idle connections are closed by the 5 s idle timeout")
        let (status, _) = try await daemon.http("GET", "/health")
        #expect(status == 200, "a fresh client is served once the idle ones are gone")
    }

    @Test func theSocketStaysOpenWhileTCPIsFull() async throws {
        let daemon = try await limitedDaemon(maxConnections: 8, idleSeconds: 60)
        defer { daemon.tearDown() }
        let port = daemon.port
        let held = try await offThePool { try (0..<8).map { _ in try RawHTTPExchange.connect(.tcp(port: port)) } }
        defer { held.forEach { close($0) } }
        let written = try await daemon.cli(["know", "while TCP is full", "--thread", "th_full"])
        #expect(written.status == 0, "\(written.stderr)")
    }

    @Test func headersTrickledAByteAtATimeAreCutOff() async throws {
        let daemon = try await limitedDaemon(maxConnections: 64, idleSeconds: 2)
        defer { daemon.tearDown() }
        let port = daemon.port
        let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 40))\r\n\r\n".utf8)
        let (sent, closed) = try await offThePool { () throws -> (Int, Bool) in
            let descriptor = try RawHTTPExchange.connect(.tcp(port: port))
            defer { close(descriptor) }
            var sent = 0
            for byte in request {
                var value = byte
                guard Glibc.send(descriptor, &value, 1, Int32(MSG_NOSIGNAL)) == 1 else { return (sent, true) }
                sent += 1
                if Self.closedByServer(descriptor, within: 0.25) { return (sent, true) }
            }
            return (sent, false)
        }
        #expect(closed, "the daemon waited for all \(request.count) bytes sent 0.25 s apart")
        #expect(sent < request.count)
    }

    /// Issue 13's probe, its outcome only: 200 connections trickle a head a byte a second
    /// beside a valid client, and each is answered or closed by the head timeout while the
    /// valid client is still served. Its latency before and during is spl-bench's to judge
    /// (the "slow-connection probe" row): here other suites share the cores.
    @Test func twoHundredSlowConnectionsEndWhileAValidClientIsServed() async throws {
        let daemon = try await limitedDaemon(maxConnections: 1024, idleSeconds: 3)
        defer { daemon.tearDown() }
        let port = daemon.port
        let probe = SlowConnectionProbe(connect: { try RawHTTPExchange.connect(.tcp(port: port)) }) {
            let answer = try RawHTTPExchange.send(
                RawHTTPExchange.request("GET", "/health", contentType: nil), to: .tcp(port: port), seconds: 30, halfClose: false)
            guard answer.status == 200 else { throw POSIXError(.EPROTO) }
        }
        let result = try await offThePool { try probe.run(deadline: 30) }
        #expect(result.stillOpen == 0, "\(result.stillOpen) of 200 slow connections were neither answered nor closed")
        #expect(result.answered + result.closed == 200)
        #expect(result.during.milliseconds.count == 100, "the valid client was answered every time during the probe")
    }

    /// A daemon whose config.toml sets `[server]` `settings` (key = value lines) beside the defaults.
    private func daemonWithServerSettings(_ settings: String) async throws -> DaemonFixture {
        let daemon = try DaemonFixture()
        try FileManager.default.createDirectory(atPath: daemon.home, withIntermediateDirectories: true)
        try "[server]\n\(settings)\n".write(toFile: daemon.home + "/config.toml", atomically: true, encoding: .utf8)
        _ = try await daemon.serveReady()
        return daemon
    }

    /// One `GET /v1/ping` on a blocking connection left open; throws unless a 204 head comes back.
    private static func pingKeepingOpen(_ descriptor: Int32) throws {
        let request = Array("GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(TestToken.bootstrap)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw POSIXError(.EPIPE)
        }
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(descriptor, &byte, 1, 0) == 1 else { throw POSIXError(.ECONNRESET) }
            head.append(byte)
        }
        guard head.starts(with: Array("HTTP/1.1 204".utf8)) else { throw POSIXError(.EPROTO) }
    }

    /// `count` `GET /v1/ping` over TCP, one after another, each on a connection of its own.
    private static func pings(_ count: Int, port: Int) async throws -> [RawHTTPExchange.Response] {
        try await offThePool {
            try (0..<count).map { _ in
                try RawHTTPExchange.send(RawHTTPExchange.request("GET", "/v1/ping", contentType: nil), to: .tcp(port: port), seconds: 10, halfClose: false)
            }
        }
    }

    @Test func aClientPastItsRateIsAnswered429WithRetryAfter() async throws {
        let daemon = try await daemonWithServerSettings("limit_loopback = true\nrate_limit_per_sec = 2\nrate_limit_burst = 5")
        defer { daemon.tearDown() }
        let answers = try await Self.pings(8, port: daemon.port)
        // The start-up check may have taken one token, so 4 or 5 pass.
        let passed = answers.prefix { $0.status == 204 }.count
        #expect((4...5).contains(passed), "\(answers.map(\.status))")
        let refused = try #require(answers.last)
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "1", "\(refused.headers)")
        #expect(refused.json?["code"] as? String == "RATE_LIMITED")
        #expect(refused.json?["message"] as? String
            == "127.0.0.1 sent more than 5 requests at once or 2 a second ([server] rate_limit_burst, rate_limit_per_sec); retry after 1 s")
        let socket = try await daemon.socketJSON("GET", "/health")
        #expect(socket.status == 200, "the unix socket is never limited")
    }

    @Test func aClientHoldingTooManyConnectionsIsAnswered429() async throws {
        let daemon = try await daemonWithServerSettings("limit_loopback = true\nmax_connections_per_client = 3")
        defer { daemon.tearDown() }
        let port = daemon.port
        // Each held connection answers a ping first: the daemon counts a connection when its
        // channel is set up, on an event loop of its own, which can come after a later client's request.
        let held = try await offThePool {
            try (0..<3).map { _ in
                let descriptor = try RawHTTPExchange.connect(.tcp(port: port))
                try Self.pingKeepingOpen(descriptor)
                return descriptor
            }
        }
        defer { held.forEach { close($0) } }
        let refused = try #require(try await Self.pings(1, port: port).first)
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.json?["message"] as? String
            == "127.0.0.1 holds 4 connections, more than [server] max_connections_per_client (3); reuse or close connections and retry")
    }

    /// The default exempts loopback: a burst far past the remote limits is all served, as the
    /// benchmark's and the SDK suites' loads need.
    @Test func loopbackClientsAreNotLimitedByDefault() async throws {
        let daemon = try await daemonWithServerSettings("rate_limit_per_sec = 1\nrate_limit_burst = 1")
        defer { daemon.tearDown() }
        let statuses = try await Self.pings(50, port: daemon.port).map(\.status)
        #expect(statuses.allSatisfy { $0 == 204 }, "\(statuses)")
    }
}

import NIOCore
import Synchronization
import Testing

@testable import SyncropelServer

/// The per-client token bucket and connection count, on a clock the test moves.
@Suite struct ClientLimitsTests {
    private final class Clock: Sendable {
        let seconds = Mutex(100.0)
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
    }

    private func limits(perSecond: Int = 10, burst: Int = 5, connections: Int = 2, loopback: Bool = true, clock: Clock, pruneAbove: Int = 10_000) -> ClientLimits {
        ClientLimits(
            settings: .init(perSecond: perSecond, burst: burst, connectionsPerClient: connections, limitLoopback: loopback),
            pruneAbove: pruneAbove, now: { clock.seconds.withLock { $0 } })
    }

    @Test func aBurstIsAdmittedThenTheRateRefillsIt() {
        let clock = Clock()
        let limits = limits(perSecond: 10, burst: 5, clock: clock)
        #expect((0..<5).map { _ in limits.admit("10.0.0.1") } == Array(repeating: nil, count: 5))
        #expect(limits.admit("10.0.0.1") == .rate(retryAfter: 1))
        #expect(limits.admit("10.0.0.2") == nil, "another client has its own bucket")
        clock.advance(0.25)
        #expect(limits.admit("10.0.0.1") == nil)
        #expect(limits.admit("10.0.0.1") == nil)
        #expect(limits.admit("10.0.0.1") == .rate(retryAfter: 1))
    }

    @Test func retryAfterCoversTheWholeWaitAtASlowRate() {
        let clock = Clock()
        let limits = limits(perSecond: 1, burst: 1, clock: clock)
        #expect(limits.admit("10.0.0.1") == nil)
        clock.advance(0.1)
        #expect(limits.admit("10.0.0.1") == .rate(retryAfter: 1))
        let slow = self.limits(perSecond: 1, burst: 1, clock: clock)
        #expect(slow.admit("10.0.0.9") == nil)
        // 0.9 of a token missing at 1 a second: one second, rounded up, never 0.
        #expect(slow.admit("10.0.0.9") == .rate(retryAfter: 1))
    }

    @Test func connectionsPastTheCapAreRefusedUntilOneCloses() {
        let clock = Clock()
        let limits = limits(connections: 2, clock: clock)
        for _ in 0..<3 { limits.connectionOpened("10.0.0.1") }
        #expect(limits.admit("10.0.0.1") == .connections(open: 3))
        limits.connectionClosed("10.0.0.1")
        #expect(limits.admit("10.0.0.1") == nil)
    }

    @Test func loopbackIsExemptUnlessAsked() throws {
        let clock = Clock()
        let loopback = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let remote = try SocketAddress(ipAddress: "192.0.2.7", port: 5000)
        #expect(limits(loopback: false, clock: clock).key(for: loopback) == nil)
        #expect(limits(loopback: false, clock: clock).key(for: try SocketAddress(ipAddress: "::1", port: 1)) == nil)
        #expect(limits(loopback: false, clock: clock).key(for: remote) == "192.0.2.7")
        #expect(limits(loopback: true, clock: clock).key(for: loopback) == "127.0.0.1")
        #expect(limits(clock: clock).key(for: nil) == nil)
    }

    @Test func idleClientsAreForgottenPastThePruneSize() {
        let clock = Clock()
        let limits = limits(perSecond: 10, burst: 5, clock: clock, pruneAbove: 2)
        for index in 0..<3 { _ = limits.admit("10.0.1.\(index)") }
        limits.connectionOpened("10.0.2.1")
        clock.advance(10)
        // The table held 4 clients; the three idle ones with full buckets go, the connected one stays.
        limits.connectionOpened("10.0.2.2")
        #expect(limits.trackedClients == 2)
        for _ in 0..<2 { limits.connectionOpened("10.0.2.1") }
        #expect(limits.admit("10.0.2.1") == .connections(open: 3))
    }
}

import Foundation
import NIOCore
import Synchronization

/// Per-client limits on the TCP listener: a request rate (a token bucket of `burst` requests
/// refilled at `perSecond`) and connections open at once, keyed by the client's IP address.
///
/// One client's flood or pile of connections then costs that client 429s, not every client
/// their latency. Loopback clients are exempt unless `limitLoopback`: they can reach the
/// unix socket anyway, and the benchmark and the SDK suites drive thousands of requests a
/// second over 127.0.0.1 from one client.
final class ClientLimits: Sendable {
    struct Settings: Sendable, Equatable {
        var perSecond: Int
        var burst: Int
        var connectionsPerClient: Int
        var limitLoopback: Bool
    }

    /// Why a request was refused, and how many whole seconds to wait (`Retry-After`).
    enum Refusal: Equatable {
        case rate(retryAfter: Int)
        case connections(open: Int)
    }

    private struct Client {
        var tokens: Double
        var refilledAt: Double
        var connections = 0
    }

    let settings: Settings
    /// Past this many clients tracked, the idle ones (full bucket, no connection) are forgotten,
    /// so addresses that come and go cannot grow the table without end.
    private let pruneAbove: Int
    private let clients = Mutex<[String: Client]>([:])
    private let now: @Sendable () -> Double

    init(settings: Settings, pruneAbove: Int = 10_000, now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.settings = settings
        self.pruneAbove = pruneAbove
        self.now = now
    }

    /// The address limits apply to, or nil for a client they exempt (no IP, or loopback when allowed).
    func key(for address: SocketAddress?) -> String? {
        guard let ip = address?.ipAddress else { return nil }
        if !settings.limitLoopback, LoopbackAddress.contains(ip) { return nil }
        return ip
    }

    /// Takes one request from `client`'s bucket; the refusal when it is empty or the client
    /// holds more connections than allowed.
    func admit(_ client: String) -> Refusal? {
        let time = now()
        return clients.withLock { table in
            var entry = table[client] ?? Client(tokens: Double(settings.burst), refilledAt: time)
            defer { table[client] = entry }
            if entry.connections > settings.connectionsPerClient { return .connections(open: entry.connections) }
            entry.tokens = min(Double(settings.burst), entry.tokens + (time - entry.refilledAt) * Double(settings.perSecond))
            entry.refilledAt = time
            guard entry.tokens >= 1 else {
                return .rate(retryAfter: max(1, Int(((1 - entry.tokens) / Double(settings.perSecond)).rounded(.up))))
            }
            entry.tokens -= 1
            return nil
        }
    }

    /// How many clients the table holds now.
    var trackedClients: Int { clients.withLock { $0.count } }

    func connectionOpened(_ client: String) {
        let time = now()
        clients.withLock { table in
            if table.count > pruneAbove { prune(&table, at: time) }
            table[client, default: Client(tokens: Double(settings.burst), refilledAt: time)].connections += 1
        }
    }

    func connectionClosed(_ client: String) {
        clients.withLock { table in table[client]?.connections -= 1 }
    }

    private func prune(_ table: inout [String: Client], at time: Double) {
        table = table.filter { _, entry in
            entry.connections > 0 || entry.tokens + (time - entry.refilledAt) * Double(settings.perSecond) < Double(settings.burst)
        }
    }

    /// One handler a connection: counts it against its client while it lives.
    func handler() -> ConnectionCounter { ConnectionCounter(limits: self) }

    final class ConnectionCounter: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        private let limits: ClientLimits
        private var client: String?

        init(limits: ClientLimits) {
            self.limits = limits
        }

        func handlerAdded(context: ChannelHandlerContext) {
            client = limits.key(for: context.channel.remoteAddress)
            if let client { limits.connectionOpened(client) }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            if let client { limits.connectionClosed(client) }
            client = nil
        }
    }
}

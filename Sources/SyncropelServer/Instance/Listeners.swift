import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Tells the start-up sequence when both listeners are bound (SPEC 5.2 step 3 comes before the store check).
final class BindSignal: Sendable {
    private struct State {
        var pending: Int
        var isCancelled = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    init(listeners: Int) {
        state = Mutex(State(pending: listeners))
    }

    func bound() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pending -= 1
            guard state.pending == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once every listener is bound, or throws `CancellationError` when the group is
    /// cancelled first (a listener failed to bind), so the group never waits on a start that cannot come.
    func wait() async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let isReady = state.withLock { state -> Bool in
                    if state.pending <= 0 || state.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if isReady { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.isCancelled = true
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.resume()
        }
        try Task.checkCancellation()
    }
}

/// One Hummingbird application (TCP or the unix socket) as a service of the daemon's group.
struct Listener: Service {
    let application: Application<RouterResponder<InstanceRequestContext>>
    /// `127.0.0.1:9100` or the socket path, for the error an operator sees.
    let address: String
    let failure: StartupFailure

    /// `channelHandlers` gives each connection's counters (`ConnectionLimit`, which caps the
    /// connections open at once, and `ClientLimits`'); `idleTimeout` closes a connection
    /// that waits that long between requests or for a whole request head (bytes trickled one at
    /// a time do not reset it), so idle and slow sockets cannot pile up. With `tls` the listener
    /// serves HTTPS only: a plain-HTTP request fails the handshake and is closed.
    init(
        responder: RouterResponder<InstanceRequestContext>, address: BindAddress, name: String,
        channelHandlers: @escaping @Sendable () -> [any RemovableChannelHandler], idleTimeout: Duration?, tls: TLSConfiguration? = nil, signal: BindSignal, failure: StartupFailure, logger: Logger
    ) throws(StartupError) {
        let http1 = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: channelHandlers(), idleTimeout: idleTimeout.map { TimeAmount($0) }))
        let server: HTTPServerBuilder
        do {
            server = try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1
        } catch {
            throw .configuration("cannot serve HTTPS on \(name): \(error)")
        }
        application = Application(
            responder: responder,
            server: server,
            configuration: .init(address: address, serverName: nil),
            onServerRunning: { _ in signal.bound() }, logger: logger)
        self.address = name
        self.failure = failure
    }

    func run() async throws {
        do {
            try await application.run()
        } catch {
            let inUse = (error as? IOError)?.errnoCode == EADDRINUSE || "\(error)".contains("Address already in use")
            let startupError: StartupError = inUse ? .addressInUse("address already in use: \(address)") : .other("cannot listen on \(address): \(error)")
            failure.record(startupError)
            throw startupError
        }
    }
}

/// The first start-up error any service of the group hit: the one the operator sees.
final class StartupFailure: Sendable {
    private let first = Mutex<StartupError?>(nil)

    func record(_ error: StartupError) {
        first.withLock { if $0 == nil { $0 = error } }
    }

    var error: StartupError? { first.withLock { $0 } }
}

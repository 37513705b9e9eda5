import NIOCore
import Synchronization

/// Closes a TCP connection as soon as it is accepted when `maximum` are open already.
///
/// 20 000 idle sockets once exhausted the daemon's descriptors: `/health` and `spl know`
/// timed out and memory stayed at 280 MB. With a cap, the connections past it cost one
/// accept and one close each, and the ones within it are closed by the idle timeout.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// One handler a connection: it counts the connection while it lives.
    func handler() -> Handler { Handler(limit: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        private let limit: ConnectionLimit
        private var counted = false

        init(limit: ConnectionLimit) {
            self.limit = limit
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let now = limit.open.add(1, ordering: .relaxed).newValue
            counted = true
            if now > limit.maximum { context.close(promise: nil) }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            guard counted else { return }
            counted = false
            limit.open.subtract(1, ordering: .relaxed)
        }
    }
}

import NIOCore

/// Closes a watch's connection as soon as the client closes its side.
///
/// The listeners allow half-closed connections, so a client that leaves is otherwise
/// noticed only when the next heartbeat fails to write; closing at once fires
/// `channel.closeFuture`, which unsubscribes the watch. A watch client never half-closes
/// while it still wants frames.
final class ClientDepartureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Adds the handler in front of `channel`'s pipeline.
    static func install(on channel: any Channel) {
        channel.eventLoop.execute {
            try? channel.pipeline.syncOperations.addHandler(ClientDepartureHandler(), position: .first)
        }
    }
}

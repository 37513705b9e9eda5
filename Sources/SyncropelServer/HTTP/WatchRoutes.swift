import Hummingbird
import NIOCore
import SyncropelStore

/// `GET /v1/threads/{id}/watch`: the thread's records as Server-Sent Events (SPEC 7.2).
///
/// `Last-Event-ID: <sequence>` replays the thread's records after that sequence;
/// otherwise `since_clock=N` replays those with a clock above N; then the stream
/// follows the thread live, in sequence order, with heartbeats between records.
struct WatchRoutes {
    let gate: InstanceGate
    let feed: RecordFeed

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

    func register(on router: Router<InstanceRequestContext>) {
        router.get("/v1/threads/:id/watch") { request, context in
            try await watch(request, thread: context.parameters.get("id") ?? "", channel: context.channel)
        }
    }

    private func watch(_ request: Request, thread: String, channel: any Channel) async throws -> Response {
        let instance = try gate.readyInstance()
        let replay = try Self.replayStart(request)
        let subscription = try await feed.subscribe(thread: thread, replay: replay, store: instance.store) {
            channel.close(promise: nil)
        }
        guard let subscription else {
            return Response(status: .ok, headers: Self.headers, body: ResponseBody(byteBuffer: SSEFrame.serverShutdown))
        }
        let feed = feed
        ClientDepartureHandler.install(on: channel)
        // Fires at once when the client already left.
        channel.closeFuture.whenComplete { _ in
            Task { await feed.remove(subscription, ending: .disconnected) }
        }
        let store = instance.store
        return Response(status: .ok, headers: Self.headers, body: ResponseBody { writer in
            var reader = FeedReader(subscription: subscription, store: store)
            do {
                while let frames = try await reader.next() {
                    try await writer.write(contentsOf: frames)
                }
                try await writer.finish(nil)
            } catch {
                // The client left or the store failed mid-stream; either way the stream is over
                // and a client reconnects with Last-Event-ID.
                channel.close(promise: nil)
            }
            subscription.finished()
            await feed.remove(subscription, ending: .disconnected)
        })
    }

    /// `Last-Event-ID` (a record sequence) wins over `since_clock`, as a reconnecting
    /// EventSource sends both; empty `Last-Event-ID` means none.
    static func replayStart(_ request: Request) throws(APIError) -> ReplayStart {
        if let text = request.headers[.lastEventID], !text.isEmpty {
            guard let sequence = Int64(text), sequence >= 0 else {
                throw APIError.invalidField("Last-Event-ID", "Last-Event-ID must be the id of an event this server sent (a record sequence)")
            }
            return .afterSequence(sequence)
        }
        if let text = request.uri.queryParameters["since_clock"] {
            guard let clock = Int64(text) else {
                throw APIError.invalidField("since_clock", "since_clock must be an integer clock")
            }
            return .clockAbove(clock)
        }
        return .liveOnly
    }
}

extension HTTPFields.Element.Name {
    static let lastEventID = Self("Last-Event-ID")!
}

import ServiceLifecycle

/// Beats the feed's heartbeat, and at a graceful stop ends every watch with
/// `server_shutdown` so open streams do not hold the listeners' shutdown.
///
/// Listed last in the daemon's ServiceGroup, it is the first service asked to stop
/// (services stop in reverse order), before the listeners wait for their requests.
struct RecordFeedService: Service {
    let feed: RecordFeed
    let heartbeat: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: heartbeat)
                await feed.heartbeat()
            }
        }
        await feed.shutdown()
    }
}

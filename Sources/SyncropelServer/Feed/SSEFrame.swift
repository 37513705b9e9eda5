import NIOCore
import SyncropelKit
import SyncropelStore

/// The Server-Sent Events a thread watch writes (SPEC 7.2), each a complete frame
/// ending in a blank line. Only record frames carry `id:`, so a client's
/// `Last-Event-ID` is always the sequence of the last record it received.
enum SSEFrame {
    /// `id: <sequence>` / `event: record.created` / `data: {"id":"<record id>","record":{…}}`.
    static func record(_ stored: StoredRecord) -> ByteBuffer {
        let data = JSONValue.object(JSONObject([
            .init(key: "id", value: .string(stored.id.hex)),
            .init(key: "record", value: stored.jsonValue),
        ]))
        return ByteBuffer(string: "id: \(stored.sequence)\nevent: record.created\ndata: \(data.serialized())\n\n")
    }

    static let heartbeat = ByteBuffer(string: "event: heartbeat\ndata: {}\n\n")

    /// Sent to every open stream when the daemon stops; clients reconnect after `retry_after_ms`.
    static let serverShutdown = ByteBuffer(string: "event: server_shutdown\ndata: {\"retry_after_ms\":2000}\n\n")

    /// The last frame of a watcher that fell a whole buffer of `capacity` frames behind.
    static func lagged(capacity: Int) -> ByteBuffer {
        let data = JSONValue.object(JSONObject([
            .init(key: "code", value: "lagged"),
            .init(key: "message", value: .string(
                "this watch fell \(capacity) events behind and was closed; reconnect with Last-Event-ID to resume")),
        ]))
        return ByteBuffer(string: "event: error\ndata: \(data.serialized())\n\n")
    }
}

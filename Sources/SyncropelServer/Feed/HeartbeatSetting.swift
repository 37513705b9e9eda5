import SyncropelHome

/// Seconds between heartbeats on a thread watch: `SPL_SSE_HEARTBEAT_SECS` in the daemon's
/// environment, else `[server] sse_heartbeat_secs` of config.toml (15 by default).
enum HeartbeatSetting {
    static let variable = "SPL_SSE_HEARTBEAT_SECS"

    static func interval(config: HomeConfig, environment: [String: String]) throws(HeartbeatSettingError) -> Duration {
        guard let text = environment[variable], !text.isEmpty else { return .seconds(config.server.sseHeartbeatSecs) }
        guard let seconds = Int(text), (1...86_400).contains(seconds) else { throw HeartbeatSettingError(value: text) }
        return .seconds(seconds)
    }
}

/// `SPL_SSE_HEARTBEAT_SECS` holds something that is not a heartbeat interval; `description` is the operator message.
struct HeartbeatSettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The value as it was set.
    let value: String

    var description: String {
        "\(HeartbeatSetting.variable)=\(value) is not a heartbeat interval; use a whole number of seconds from 1 to 86400"
    }
}

import Logging

/// The daemon's log level, from `SPL_LOG` (SPEC 5.3).
public enum LogLevelSetting {
    /// `SPL_LOG` as `error`, `warn`, `info`, `debug` or `trace` (any case); unset or empty is `info`.
    public static func level(from environment: [String: String]) throws(LogLevelError) -> Logger.Level {
        guard let value = environment["SPL_LOG"], !value.isEmpty else { return .info }
        switch value.lowercased() {
        case "error": return .error
        case "warn": return .warning
        case "info": return .info
        case "debug": return .debug
        case "trace": return .trace
        default: throw LogLevelError(value: value)
        }
    }
}

/// `SPL_LOG` holds something that is not a log level; `description` is the operator message.
public struct LogLevelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The value as it was set.
    public let value: String

    public var description: String {
        "SPL_LOG=\(value) is not a log level; use one of error, warn, info, debug, trace"
    }
}

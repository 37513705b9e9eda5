import Logging
import SyncropelKit

/// The daemon's `LogHandler`: one JSON object per line in logs/spl.log (SPEC 5.3).
///
/// A line holds `ts`, `level`, `target` (the logger's label) and `message`, then every
/// metadata entry as a string field, keys sorted:
///
/// ```swift
/// let file = try RotatingLogFile(path: home.root + "/logs/spl.log")
/// let level = try LogLevelSetting.level(from: ProcessInfo.processInfo.environment)
/// LoggingSystem.bootstrap { label, provider in
///     JSONLogHandler(label: label, file: file, logLevel: level, metadataProvider: provider)
/// }
/// Logger(label: "store").info("opened", metadata: ["path": "\(path)"])
/// // {"ts":"2026-11-27T13:04:05.123Z","level":"INFO","target":"store","message":"opened","path":"/…/hub.db"}
/// ```
public struct JSONLogHandler: LogHandler {
    /// The fields every line starts with; metadata cannot overwrite them.
    static let fixedFields: Set<String> = ["ts", "level", "target", "message"]

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Written as `target`: the subsystem (`startup`, `http`, `store`).
    public let label: String
    private let file: RotatingLogFile

    public init(
        label: String,
        file: RotatingLogFile,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.file = file
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = Self.line(
            timestamp: LogTimestamp.now(),
            level: event.level,
            target: label,
            message: event.message.description,
            metadata: mergedMetadata(for: event)
        )
        file.append(line)
    }

    /// swift-log's merge: the handler's metadata, then the provider's, then the call
    /// site's, later ones winning; an event's error adds `error.message` and `error.type`.
    func mergedMetadata(for event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }

    /// One log line, without its newline. A metadata key that names a fixed field is
    /// written as `metadata.<key>` so it can neither vanish nor forge the field.
    static func line(
        timestamp: String,
        level: Logger.Level,
        target: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        var members: [JSONObject.Member] = [
            .init(key: "ts", value: .string(timestamp)),
            .init(key: "level", value: .string(level.logName)),
            .init(key: "target", value: .string(target)),
            .init(key: "message", value: .string(message)),
        ]
        let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for key in keys {
            let field = fixedFields.contains(key) ? "metadata." + key : key
            members.append(.init(key: field, value: .string(metadata[key]!.description)))
        }
        return JSONValue.object(JSONObject(members)).serialized()
    }
}

extension Logger.Level {
    /// The `level` field: swift-log's seven levels folded into SPEC 5.3's five.
    var logName: String {
        switch self {
        case .critical, .error: return "ERROR"
        case .warning: return "WARN"
        case .notice, .info: return "INFO"
        case .debug: return "DEBUG"
        case .trace: return "TRACE"
        }
    }
}

/// A LEARN on `th_engine_config` that the config fold did not use, for the daemon's WARN line.
public struct IgnoredConfigRecord: Sendable, Equatable, Codable, CustomStringConvertible {
    public let id: RecordID
    public let sequence: Int64
    public let reason: ConfigIgnoreReason

    public var description: String { "config record ignored record=\(id) sequence=\(sequence): \(reason)" }
}

/// Why a LEARN on `th_engine_config` is not configuration.
public enum ConfigIgnoreReason: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Neither `body.kind` nor `body.topic` is a string.
    case noKindOrTopic
    /// `body.kind` is not an engine rule kind and there is no `body.topic`.
    case unknownKind(String)
    /// `body.topic` is not a known topic (and `body.kind` not a rule kind).
    case unknownTopic(String)
    /// A rule kind whose body is not a valid rule; the previous declaration stays in force.
    case invalidRule(kind: String, String)

    public var description: String {
        switch self {
        case .noKindOrTopic: "LEARN has neither body.kind nor body.topic"
        case .unknownKind(let kind): "body.kind \"\(kind)\" is not an engine config kind"
        case .unknownTopic(let topic): "body.topic \"\(topic)\" is not a known config topic"
        case .invalidRule(let kind, let message): "invalid \(kind): \(message)"
        }
    }
}

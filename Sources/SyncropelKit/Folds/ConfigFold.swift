/// The engine configuration declared by LEARN records on `th_engine_config` (SPEC 9.3).
///
/// A LEARN is a rule when `body.kind` is one of `ruleKinds` and it has a
/// `body.name`; the latest record per (kind, name) by (clock, sequence) wins, so a
/// record that arrives late with a lower clock does not override a newer one.
/// `body.tombstone: true` removes the name and a later declaration revives it.
/// Otherwise it is a topic when `body.topic` is one of `settingTopics` or
/// `otherTopics`, latest per topic in the same way. Any other LEARN on the
/// thread is listed in `ignored` with the reason, for the daemon to log at WARN;
/// so is a routing rule that does not parse, which leaves the previous
/// declaration of its name in force. Other acts and other threads are not configuration.
///
/// ```swift
/// let config = ConfigFold.fold(records)
/// for rule in config.routingRules { print(rule.priority, rule.name, rule.target) }
/// ```
public struct ConfigFold: Sendable, Equatable, Codable {
    /// The engine rule kinds; `RoutingRule` reads the first, the others are listed as they are.
    public static let ruleKinds: Set<String> = [
        RoutingRule.kind, "core.aitl_rule.v1", "core.permission_rule.v1", "core.trigger.v1", "core.fold_rule.v1",
        "core.health_rule.v1",
    ]
    /// Topics that set something: `auth_required` (`{"enabled": Bool}`) turns bearer-token
    /// authentication on, `auth_cors_origins` (`{"origins": [String]}`) lists the CORS origins
    /// allowed while it is on. A new setting is a new name here.
    public static let settingTopics: Set<String> = ["auth_required", "auth_cors_origins"]
    /// Known topics that record an event rather than set anything: `instance_bootstrap`,
    /// written once when the daemon first starts on an empty store.
    public static let otherTopics: Set<String> = ["instance_bootstrap"]

    /// The highest `sequence` applied; records at or below it are skipped.
    public private(set) var watermark: Int64 = 0
    /// LEARNs on `th_engine_config` that are not configuration, in the order they were folded.
    public private(set) var ignored: [IgnoredConfigRecord] = []
    private var ruleEntries: [RuleKey: Entry] = [:]
    private var topicEntries: [String: Entry] = [:]

    public init() {}

    /// Folds one record; records must come in ascending `sequence`.
    public mutating func apply(_ stored: StoredRecord) {
        guard stored.sequence > watermark else { return }
        watermark = stored.sequence
        let record = stored.record
        guard record.act == .learn, record.thread == RecordRules.engineConfigThread else { return }
        let body = record.body
        let kind = body["kind"]?.stringValue
        let topic = body["topic"]?.stringValue
        let entry = Entry(stored)
        if let kind, Self.ruleKinds.contains(kind) {
            guard case .string(let name)? = body["name"], !name.isEmpty else {
                return ignore(stored, .invalidRule(kind: kind, "body.name must be a non-empty string"))
            }
            if kind == RoutingRule.kind && !entry.tombstone {
                do {
                    _ = try RoutingRule(body: body)
                } catch {
                    return ignore(stored, error)
                }
            }
            Self.keep(entry, in: &ruleEntries, at: RuleKey(kind: kind, name: ExactString(name)))
        } else if let topic, Self.settingTopics.contains(topic) || Self.otherTopics.contains(topic) {
            Self.keep(entry, in: &topicEntries, at: topic)
        } else if let topic {
            ignore(stored, .unknownTopic(topic))
        } else if let kind {
            ignore(stored, .unknownKind(kind))
        } else {
            ignore(stored, .noKindOrTopic)
        }
    }

    /// The fold of `records`, in ascending `sequence`.
    public static func fold(_ records: some Sequence<StoredRecord>) -> ConfigFold {
        var fold = ConfigFold()
        for record in records { fold.apply(record) }
        return fold
    }

    /// Live routing rules, highest priority first, then by name.
    public var routingRules: [RoutingRule] {
        rules(ofKind: RoutingRule.kind).compactMap { try? RoutingRule(body: $0.body) }.sorted(
            by: RoutingRule.listedBefore)
    }

    /// Live rules of every kind, sorted by kind, then name (code point order).
    public var rules: [ConfigRule] {
        liveRules { _ in true }
    }

    /// Live rules of one kind, sorted by name (code point order).
    public func rules(ofKind kind: String) -> [ConfigRule] {
        liveRules { $0 == kind }
    }

    /// The live setting of each of `settingTopics` that has one, sorted by topic.
    public var settings: [ConfigSetting] {
        Self.settingTopics.sorted().compactMap(topic)
    }

    /// The latest live LEARN of a known topic, setting or not.
    public func topic(_ topic: String) -> ConfigSetting? {
        guard let entry = topicEntries[topic], !entry.tombstone else { return nil }
        return ConfigSetting(topic: topic, body: entry.body.object, recordID: entry.recordID)
    }

    private func liveRules(where includesKind: (String) -> Bool) -> [ConfigRule] {
        ruleEntries.filter { includesKind($0.key.kind) && !$0.value.tombstone }
            .sorted { $0.key < $1.key }
            .map {
                ConfigRule(
                    kind: $0.key.kind, name: $0.key.name.value, body: $0.value.body.object, recordID: $0.value.recordID)
            }
    }

    private mutating func ignore(_ stored: StoredRecord, _ reason: ConfigIgnoreReason) {
        ignored.append(IgnoredConfigRecord(id: stored.id, sequence: stored.sequence, reason: reason))
    }

    /// Keeps `entry` unless the table already holds a later declaration of the same key.
    private static func keep<Key: Hashable>(_ entry: Entry, in table: inout [Key: Entry], at key: Key) {
        if let current = table[key], current.position > entry.position { return }
        table[key] = entry
    }

    private struct RuleKey: Sendable, Hashable, Comparable, Codable {
        let kind: String
        let name: ExactString

        static func < (lhs: RuleKey, rhs: RuleKey) -> Bool {
            (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
        }
    }

    private struct Entry: Sendable, Equatable, Codable {
        let recordID: RecordID
        let position: LogPosition
        let tombstone: Bool
        let body: SavedJSONObject

        init(_ stored: StoredRecord) {
            recordID = stored.id
            position = LogPosition(stored)
            tombstone = stored.record.body["tombstone"] == .bool(true)
            body = SavedJSONObject(stored.record.body)
        }
    }
}

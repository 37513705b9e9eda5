import TOMLKit

extension HomeConfig {
    /// One `[[replica]]` table: a place the daemon ships the record log to continuously
    /// (docs/REPLICATION.md).
    public struct Replica: Sendable, Equatable {
        public static let defaultSyncInterval = ConfigDuration("1s")!
        public static let defaultSnapshotInterval = ConfigDuration("24h")!
        public static let defaultRetention = ConfigDuration("14d")!
        public static let defaultAckTimeout = ConfigDuration("10s")!

        /// Names the replica in commands, logs and the store's shipped mark: `[A-Za-z0-9._-]`, 1 to 64.
        public var name: String
        /// `file:///absolute/path` or `s3://bucket/prefix`.
        public var url: String
        /// How often new records are shipped as a segment.
        public var syncInterval: ConfigDuration
        /// How often a new generation (a fresh snapshot) starts.
        public var snapshotInterval: ConfigDuration
        /// How far back a restore must stay possible; older generations are deleted.
        public var retention: ConfigDuration
        /// Whether every object is encrypted under SPL_BACKUP_PASSPHRASE.
        public var encryption: Encryption
        /// When a write is answered: once committed locally, or once also in this replica.
        public var ack: Ack
        /// With `ack = "after_replica"`: how long a write waits for the replica before `503`.
        public var ackTimeout: ConfigDuration
        /// S3 only: the endpoint URL, region and whether to address the bucket in the path.
        public var endpoint: String?
        public var region: String?
        public var pathStyle: Bool?

        public init(
            name: String, url: String, syncInterval: ConfigDuration = defaultSyncInterval,
            snapshotInterval: ConfigDuration = defaultSnapshotInterval, retention: ConfigDuration = defaultRetention,
            encryption: Encryption = .none, ack: Ack = .afterCommit, ackTimeout: ConfigDuration = defaultAckTimeout,
            endpoint: String? = nil, region: String? = nil, pathStyle: Bool? = nil
        ) {
            self.name = name
            self.url = url
            self.syncInterval = syncInterval
            self.snapshotInterval = snapshotInterval
            self.retention = retention
            self.encryption = encryption
            self.ack = ack
            self.ackTimeout = ackTimeout
            self.endpoint = endpoint
            self.region = region
            self.pathStyle = pathStyle
        }

        /// `encryption` of a `[[replica]]`: `"none"` (the default) or `"passphrase"`, every object
        /// encrypted with AES-256-GCM under a key derived from SPL_BACKUP_PASSPHRASE.
        public enum Encryption: String, Sendable, Equatable, CaseIterable {
            case none
            case passphrase
        }

        /// `ack` of a `[[replica]]`: `"after_commit"` (the default: a write is answered once it is
        /// in the store) or `"after_replica"` (once it is also durable in this replica).
        public enum Ack: String, Sendable, Equatable, CaseIterable {
            case afterCommit = "after_commit"
            case afterReplica = "after_replica"
        }

        /// What `ack` must be for `self` beside `others`, or nil when it may be what it is:
        /// a write waits only on a file replica (an S3 round trip per commit would set ingest's
        /// pace), and on one replica at most.
        public func ackRequirement(besides others: [Replica]) -> String? {
            guard ack == .afterReplica else { return nil }
            if !url.hasPrefix("file:///") {
                return "\"after_commit\" on an s3:// replica: only a file:// replica can be waited on (ack = \"after_replica\")"
            }
            if let other = others.first(where: { $0.ack == .afterReplica }) {
                return "\"after_commit\": replica \(other.name) already has ack = \"after_replica\", and a write waits on one replica at most"
            }
            return nil
        }

        public static func isValidName(_ name: String) -> Bool {
            (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
        }

        /// `file:///absolute/path` or `s3://bucket[/prefix]`; anything else is refused.
        public static func isValidURL(_ url: String) -> Bool {
            if url.hasPrefix("file:///") { return !url.split(separator: "/").contains("..") }
            if url.hasPrefix("s3://") { return !url.dropFirst(5).split(separator: "/").isEmpty }
            return false
        }

        var tomlTable: TOMLTable {
            var values: [String: any TOMLValueConvertible] = [
                "name": name, "url": url, "sync_interval": syncInterval.text,
                "snapshot_interval": snapshotInterval.text, "retention": retention.text,
            ]
            if encryption != .none { values["encryption"] = encryption.rawValue }
            if ack != .afterCommit { values["ack"] = ack.rawValue }
            if ackTimeout != Self.defaultAckTimeout { values["ack_timeout"] = ackTimeout.text }
            if let endpoint { values["endpoint"] = endpoint }
            if let region { values["region"] = region }
            if let pathStyle { values["path_style"] = pathStyle }
            return TOMLTable(values)
        }
    }

    /// Reads the `[[replica]]` array: each table checked, names unique.
    static func replicas(in document: TOMLTable, path: String) throws(ConfigError) -> [Replica] {
        guard let value = document["replica"] else { return [] }
        guard let array = value.array else {
            throw .invalidValue(path: path, key: "replica", expected: "an array of tables ([[replica]])")
        }
        var replicas: [Replica] = []
        for (index, element) in array.enumerated() {
            let label = "replica[\(index)]"
            guard let table = element.table else { throw .invalidValue(path: path, key: label, expected: "a table") }
            let section = ConfigSection(name: label, table: table, path: path)
            let expectedName = "a name of 1 to 64 characters from [A-Za-z0-9._-], unique among replicas"
            guard let name = try section.string("name", expected: expectedName, as: { Replica.isValidName($0) ? $0 : nil }),
                !replicas.contains(where: { $0.name == name })
            else { throw .invalidValue(path: path, key: "\(label).name", expected: expectedName) }
            // Two replicas in one place would prune each other's generations.
            let expectedURL = "file:///absolute/path or s3://bucket/prefix, not another replica's"
            guard let url = try section.string("url", expected: expectedURL, as: { Replica.isValidURL($0) ? $0 : nil }),
                !replicas.contains(where: { $0.url == url })
            else { throw .invalidValue(path: path, key: "\(label).url", expected: expectedURL) }
            let duration = "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""
            let replica = Replica(
                name: name, url: url,
                syncInterval: try section.string("sync_interval", expected: duration, as: ConfigDuration.init) ?? Replica.defaultSyncInterval,
                snapshotInterval: try section.string("snapshot_interval", expected: duration, as: ConfigDuration.init)
                    ?? Replica.defaultSnapshotInterval,
                retention: try section.string("retention", expected: duration, as: ConfigDuration.init) ?? Replica.defaultRetention,
                encryption: try section.string("encryption", expected: "\"none\" or \"passphrase\"", as: Replica.Encryption.init) ?? .none,
                ack: try section.string("ack", expected: "\"after_commit\" or \"after_replica\"", as: Replica.Ack.init) ?? .afterCommit,
                ackTimeout: try section.string("ack_timeout", expected: duration, as: ConfigDuration.init) ?? Replica.defaultAckTimeout,
                endpoint: try section.string("endpoint", expected: "an http:// or https:// URL") {
                    $0.hasPrefix("http://") || $0.hasPrefix("https://") ? $0 : nil
                },
                region: try section.string("region", expected: "a region name such as us-east-1") { $0.isEmpty ? nil : $0 },
                pathStyle: try section.bool("path_style"))
            if let requirement = replica.ackRequirement(besides: replicas) {
                throw .invalidValue(path: path, key: "\(label).ack", expected: requirement)
            }
            replicas.append(replica)
        }
        return replicas
    }
}

/// A span of time written in config.toml as a whole number and a unit: `500ms`, `1s`, `10m`,
/// `24h`, `14d`. Parsed strictly: no spaces, no fractions, no zero.
public struct ConfigDuration: Sendable, Equatable, CustomStringConvertible {
    /// The text as written, kept so a rewrite of the file writes it back unchanged.
    public let text: String
    public let milliseconds: Int64

    public init?(_ text: String) {
        let digits = text.prefix { ("0"..."9").contains($0) }
        let unit = text.dropFirst(digits.count)
        let scale: Int64? = switch unit {
        case "ms": 1
        case "s": 1000
        case "m": 60_000
        case "h": 3_600_000
        case "d": 86_400_000
        default: nil
        }
        guard let scale, !digits.isEmpty, digits.count <= 12, let count = Int64(digits), count > 0 else { return nil }
        self.text = text
        milliseconds = count * scale
    }

    public var duration: Duration { .milliseconds(milliseconds) }

    public var description: String { text }
}

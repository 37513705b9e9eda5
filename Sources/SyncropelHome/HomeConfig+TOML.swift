import SyncropelKit
import TOMLKit

extension HomeConfig {
    /// Reads config.toml at `path`; a missing file gives the defaults.
    ///
    /// Throws `ConfigError` for a file that is not TOML or holds a wrong value, and
    /// `HomeError.fileSystem` when it cannot be read.
    public static func load(from path: String, environment: [String: String]) throws -> HomeConfig {
        guard let file = try PrivateFiles.contents(of: path) else { return defaults(environment: environment) }
        return try parse(text(of: file.bytes, path: path), path: path, environment: environment)
    }

    /// Parses config.toml text; `path` only names the file in errors.
    ///
    /// Keys and tables this version does not know are ignored, so a newer config still loads.
    public static func parse(
        _ text: String, path: String, environment: [String: String]
    ) throws(ConfigError) -> HomeConfig {
        let document = try table(parsing: text, path: path)
        let defaults = HomeConfig.defaults(environment: environment)

        let identity = try ConfigSection("identity", in: document, path: path)
        let server = try ConfigSection("server", in: document, path: path)
        let store = try ConfigSection("store", in: document, path: path)
        let backup = try ConfigSection("backup", in: document, path: path)
        let tlsCert = try server.string("tls_cert", expected: "the absolute path of a PEM certificate chain") { $0.hasPrefix("/") ? $0 : nil }
        let tlsKey = try server.string("tls_key", expected: "the absolute path of a PEM private key") { $0.hasPrefix("/") ? $0 : nil }
        // One without the other would serve plain HTTP where the operator asked for HTTPS.
        if (tlsCert == nil) != (tlsKey == nil) {
            throw .invalidValue(
                path: path, key: tlsCert == nil ? "server.tls_cert" : "server.tls_key",
                expected: "set together with \(tlsCert == nil ? "server.tls_key" : "server.tls_cert") (HTTPS needs both)")
        }

        return HomeConfig(
            identity: Identity(
                actor: try identity.string(
                    "actor", expected: "a DID (did:…) of at most \(RecordRules.maxActorBytes) bytes") {
                    (try? RecordRules.checkActor($0)) == nil ? nil : $0
                } ?? defaults.identity.actor,
                did: try identity.string("did", expected: "the did:key of an Ed25519 key (did:key:z6Mk…)") {
                    DIDKey($0) == nil ? nil : $0
                }
            ),
            server: Server(
                host: try server.string("host", expected: "a host name or address") { $0.isEmpty ? nil : $0 }
                    ?? defaults.server.host,
                port: try server.int("port", in: 1...65535) ?? defaults.server.port,
                sseHeartbeatSecs: try server.int("sse_heartbeat_secs", in: 1...86_400) ?? defaults.server.sseHeartbeatSecs,
                allowedOrigins: try server.strings("allowed_origins", expected: "a list of origins such as [\"https://app.example\"]") {
                    $0.wholeMatch(of: /https?:\/\/[A-Za-z0-9.\-\[\]:]+/) == nil ? nil : $0
                } ?? defaults.server.allowedOrigins,
                maxConnections: try server.int("max_connections", in: 8...1_000_000) ?? defaults.server.maxConnections,
                idleTimeoutSecs: try server.int("idle_timeout_secs", in: 1...3600) ?? defaults.server.idleTimeoutSecs,
                maxWatchers: try server.int("max_watchers", in: 1...1_000_000) ?? defaults.server.maxWatchers,
                rateLimitPerSec: try server.int("rate_limit_per_sec", in: 1...1_000_000) ?? defaults.server.rateLimitPerSec,
                rateLimitBurst: try server.int("rate_limit_burst", in: 1...1_000_000) ?? defaults.server.rateLimitBurst,
                maxConnectionsPerClient: try server.int("max_connections_per_client", in: 1...1_000_000)
                    ?? defaults.server.maxConnectionsPerClient,
                limitLoopback: try server.bool("limit_loopback") ?? defaults.server.limitLoopback,
                tlsCert: tlsCert, tlsKey: tlsKey
            ),
            store: Store(
                url: try store.string("url", expected: "a store URL such as sqlite:///path/hub.db") {
                    $0.isEmpty ? nil : $0
                },
                durability: try store.string(
                    "durability", expected: "\"normal\" or \"full\"", as: Durability.init(rawValue:)
                ) ?? defaults.store.durability
            ),
            backup: Backup(
                root: try backup.string("root", expected: "an absolute path") { $0.hasPrefix("/") ? $0 : nil },
                retentionDays: try backup.int("retention_days", in: 1...Int.max) ?? defaults.backup.retentionDays,
                dailyAt: try backup.string("daily_at", expected: "a UTC time \"HH:MM\"", as: DailyTime.init(_:))
                    ?? defaults.backup.dailyAt,
                intervalSecs: try backup.int("interval_secs", in: 1...Int.max),
                auto: try backup.bool("auto") ?? defaults.backup.auto
            ),
            replicas: try replicas(in: document, path: path)
        )
    }

    /// Writes this config to `path` (0600, atomically).
    ///
    /// An existing file is read first and only the keys above are replaced, so keys and
    /// tables an operator or a newer version added survive the rewrite. Throws
    /// `ConfigError.malformed` rather than overwrite a file that is not TOML.
    public func save(to path: String) throws {
        let document: TOMLTable
        if let file = try PrivateFiles.contents(of: path) {
            document = try HomeConfig.table(parsing: HomeConfig.text(of: file.bytes, path: path), path: path)
        } else {
            document = TOMLTable()
        }
        HomeConfig.set("identity", in: document, ["actor": identity.actor, "did": identity.did])
        HomeConfig.set(
            "server", in: document,
            [
                "host": server.host, "port": server.port, "sse_heartbeat_secs": server.sseHeartbeatSecs,
                "allowed_origins": server.allowedOrigins.isEmpty ? nil : server.allowedOrigins,
                "max_connections": server.maxConnections, "idle_timeout_secs": server.idleTimeoutSecs,
                "max_watchers": server.maxWatchers, "rate_limit_per_sec": server.rateLimitPerSec,
                "rate_limit_burst": server.rateLimitBurst, "max_connections_per_client": server.maxConnectionsPerClient,
                "limit_loopback": server.limitLoopback, "tls_cert": server.tlsCert, "tls_key": server.tlsKey,
            ]
        )
        HomeConfig.set("store", in: document, ["url": store.url, "durability": store.durability.rawValue])
        HomeConfig.set(
            "backup", in: document,
            [
                "root": backup.root, "retention_days": backup.retentionDays, "daily_at": backup.dailyAt.description,
                "interval_secs": backup.intervalSecs, "auto": backup.auto,
            ]
        )
        if replicas.isEmpty {
            document.remove(at: "replica")
        } else {
            document["replica"] = TOMLArray(replicas.map { $0.tomlTable as any TOMLValueConvertible })
        }
        try PrivateFiles.writeAtomically(Array((document.convert(to: .toml) + "\n").utf8), to: path)
    }

    private static func text(of bytes: [UInt8], path: String) throws(ConfigError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformed(path: path, message: "the file is not UTF-8 text", line: nil, column: nil)
        }
        return text
    }

    private static func table(parsing text: String, path: String) throws(ConfigError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            // toml++ counts lines and columns from 1; 0 means it had no position.
            throw .malformed(
                path: path, message: error.description,
                line: begin.line > 0 ? begin.line : nil, column: begin.column > 0 ? begin.column : nil
            )
        } catch {
            throw .malformed(path: path, message: "\(error)", line: nil, column: nil)
        }
    }

    /// Replaces `values` in table `[name]`, creating it when missing; nil removes the key.
    private static func set(_ name: String, in document: TOMLTable, _ values: [String: (any TOMLValueConvertible)?]) {
        if document[name]?.table == nil {
            document[name] = TOMLTable()
        }
        // The table read back is a view into `document`, so writes to it land in the document.
        guard let section = document[name]?.table else { return }
        for (key, value) in values {
            if let value {
                section[key] = value
            } else {
                section.remove(at: key)
            }
        }
    }
}

/// One `[table]` of config.toml, reading typed values and naming the key on a wrong one.
struct ConfigSection {
    let name: String
    let table: TOMLTable?
    let path: String

    init(name: String, table: TOMLTable?, path: String) {
        self.name = name
        self.table = table
        self.path = path
    }

    init(_ name: String, in document: TOMLTable, path: String) throws(ConfigError) {
        self.name = name
        self.path = path
        guard let value = document[name] else {
            table = nil
            return
        }
        guard let table = value.table else {
            throw .invalidValue(path: path, key: name, expected: "a table ([\(name)])")
        }
        self.table = table
    }

    /// The string at `key` converted by `convert`, which returns nil for a value out of its domain.
    func string<Value>(_ key: String, expected: String, as convert: (String) -> Value?) throws(ConfigError) -> Value? {
        guard let value = table?[key] else { return nil }
        guard let text = value.string, let converted = convert(text) else { throw invalid(key, expected) }
        return converted
    }

    /// The array of strings at `key`, each converted by `convert` (nil refuses the whole value).
    func strings<Value>(_ key: String, expected: String, as convert: (String) -> Value?) throws(ConfigError) -> [Value]? {
        guard let value = table?[key] else { return nil }
        guard let array = value.array else { throw invalid(key, expected) }
        var converted: [Value] = []
        for element in array {
            guard let text = element.string, let item = convert(text) else { throw invalid(key, expected) }
            converted.append(item)
        }
        return converted
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = table?[key] else { return nil }
        let expected = range.upperBound == Int.max
            ? "an integer of at least \(range.lowerBound)"
            : "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard let number = value.int, range.contains(number) else { throw invalid(key, expected) }
        return number
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table?[key] else { return nil }
        guard let flag = value.bool else { throw invalid(key, "true or false") }
        return flag
    }

    private func invalid(_ key: String, _ expected: String) -> ConfigError {
        .invalidValue(path: path, key: "\(name).\(key)", expected: expected)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The settings of config.toml, with the default for everything the file leaves out.
///
/// Reading and writing the file is in `HomeConfig+TOML.swift`.
public struct HomeConfig: Sendable, Equatable {
    /// `[identity]`
    public struct Identity: Sendable, Equatable {
        /// The default author of records this home's CLI writes (`--actor`, `SPL_ACTOR` override it).
        public var actor: String
        /// The instance's did:key, written when the keys are made; informative, the key file decides.
        public var did: String?

        public init(actor: String, did: String? = nil) {
            self.actor = actor
            self.did = did
        }
    }

    /// `[server]`
    public struct Server: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Seconds between heartbeats on a thread watch (SSE); `SPL_SSE_HEARTBEAT_SECS` overrides it.
        public var sseHeartbeatSecs: Int
        /// Web origins (`https://app.example`) whose pages may write over TCP; none by default.
        public var allowedOrigins: [String]
        /// TCP connections open at once; one more is closed as soon as it is accepted.
        public var maxConnections: Int
        /// Seconds a TCP connection may wait between requests, or for a whole request head.
        public var idleTimeoutSecs: Int
        /// Thread watches (SSE) open at once, on both listeners.
        public var maxWatchers: Int
        /// Requests a second one TCP client (an IP address) may sustain, and how many it may send at once.
        public var rateLimitPerSec: Int
        public var rateLimitBurst: Int
        /// TCP connections one client may hold open; past it, its requests are answered 429.
        public var maxConnectionsPerClient: Int
        /// Whether the per-client limits apply to loopback clients too (off: the benchmark and the
        /// SDK suites drive one loopback client hard, and a local client can use the socket anyway).
        public var limitLoopback: Bool
        /// The PEM certificate chain and private key of HTTPS on the TCP listener; both or neither.
        public var tlsCert: String?
        public var tlsKey: String?

        public init(
            host: String = "127.0.0.1", port: Int = 9100, sseHeartbeatSecs: Int = 15, allowedOrigins: [String] = [],
            maxConnections: Int = 1024, idleTimeoutSecs: Int = 30, maxWatchers: Int = 1000,
            rateLimitPerSec: Int = 200, rateLimitBurst: Int = 400, maxConnectionsPerClient: Int = 64, limitLoopback: Bool = false,
            tlsCert: String? = nil, tlsKey: String? = nil
        ) {
            self.host = host
            self.port = port
            self.sseHeartbeatSecs = sseHeartbeatSecs
            self.allowedOrigins = allowedOrigins
            self.maxConnections = maxConnections
            self.idleTimeoutSecs = idleTimeoutSecs
            self.maxWatchers = maxWatchers
            self.rateLimitPerSec = rateLimitPerSec
            self.rateLimitBurst = rateLimitBurst
            self.maxConnectionsPerClient = maxConnectionsPerClient
            self.limitLoopback = limitLoopback
            self.tlsCert = tlsCert
            self.tlsKey = tlsKey
        }
    }

    /// How much a commit survives (SPEC 4).
    public enum Durability: String, Sendable, Equatable {
        /// `synchronous=NORMAL`: a killed process loses nothing it acknowledged.
        case normal
        /// `synchronous=FULL`: every commit also survives power loss.
        case full
    }

    /// `[store]`
    public struct Store: Sendable, Equatable {
        /// The store location; nil means `sqlite://<home>/hub.db`.
        public var url: String?
        public var durability: Durability

        public init(url: String? = nil, durability: Durability = .normal) {
            self.url = url
            self.durability = durability
        }
    }

    /// A time of day in UTC, `HH:MM`.
    public struct DailyTime: Sendable, Equatable, CustomStringConvertible {
        public let hour: Int
        public let minute: Int

        /// Nil unless `hour` is 0–23 and `minute` 0–59.
        public init?(hour: Int, minute: Int) {
            guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
            self.hour = hour
            self.minute = minute
        }

        /// Parses `HH:MM` (two digits each).
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { ("0"..."9").contains($0) } }),
                let hour = Int(parts[0]), let minute = Int(parts[1])
            else { return nil }
            self.init(hour: hour, minute: minute)
        }

        public var description: String {
            (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
    }

    /// `[backup]`
    public struct Backup: Sendable, Equatable {
        /// Overrides the default backup root; `SPL_BACKUP_ROOT` overrides this. Absolute.
        public var root: String?
        /// Timestamped backups older than this are pruned (three backups always stay; see `spl backup prune`).
        public var retentionDays: Int
        /// When the daemon takes the daily timestamped backup, in UTC.
        public var dailyAt: DailyTime
        /// When set, the timed backup runs every this many seconds instead of daily (for tests).
        public var intervalSecs: Int?
        /// Whether the running daemon takes timed backups (`spl backup --auto enable`).
        public var auto: Bool

        public init(
            root: String? = nil,
            retentionDays: Int = 14,
            dailyAt: DailyTime = DailyTime(hour: 3, minute: 0)!,
            intervalSecs: Int? = nil,
            auto: Bool = false
        ) {
            self.root = root
            self.retentionDays = retentionDays
            self.dailyAt = dailyAt
            self.intervalSecs = intervalSecs
            self.auto = auto
        }
    }

    public var identity: Identity
    public var server: Server
    public var store: Store
    public var backup: Backup
    /// `[[replica]]`, in the file's order.
    public var replicas: [Replica]

    public init(
        identity: Identity, server: Server = Server(), store: Store = Store(), backup: Backup = Backup(),
        replicas: [Replica] = []
    ) {
        self.identity = identity
        self.server = server
        self.store = store
        self.backup = backup
        self.replicas = replicas
    }

    /// Every setting at its default, the actor taken from the login name in `environment`.
    public static func defaults(environment: [String: String]) -> HomeConfig {
        HomeConfig(identity: Identity(actor: defaultActor(environment: environment)))
    }

    /// `did:sync:user:<login name>`: `USER`, else `LOGNAME`, else the password database,
    /// else the numeric uid (a container user may have no passwd entry).
    public static func defaultActor(environment: [String: String]) -> String {
        let name = [environment["USER"], environment["LOGNAME"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? passwordDatabaseName()
            ?? String(getuid())
        return "did:sync:user:" + name
    }

    /// The login name of this process's user; getpwuid_r because tests and tasks may ask concurrently.
    private static func passwordDatabaseName() -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { storage in
            guard getpwuid_r(getuid(), &entry, storage.baseAddress!, storage.count, &result) == 0, result != nil,
                let name = entry.pw_name
            else { return nil }
            return String(validatingCString: name)
        }
    }
}

/// What `spl serve` was asked for on its command line (SPEC 5.1).
public struct ServeOptions: Sendable, Equatable {
    /// Overrides `[server] host`.
    public var host: String?
    /// Overrides `[server] port`.
    public var port: Int?
    /// Run on an in-memory store: nothing is written to disk, no backup is taken.
    public var memory: Bool
    /// A store file other than `<home>/hub.db`, or a `postgresql://` URL.
    public var storePath: String?
    /// Start an empty store although the home has an identity and no hub.db.
    public var newStore: Bool
    /// Listen on 127.0.0.1 only and authenticate no TCP client: for a machine of one user.
    public var insecureLocalhost: Bool

    public init(
        host: String? = nil, port: Int? = nil, memory: Bool = false, storePath: String? = nil, newStore: Bool = false,
        insecureLocalhost: Bool = false
    ) {
        self.host = host
        self.port = port
        self.memory = memory
        self.storePath = storePath
        self.newStore = newStore
        self.insecureLocalhost = insecureLocalhost
    }

    /// The same options as `spl serve` flags, for a daemon's child or a restart.
    public var arguments: [String] {
        var arguments: [String] = []
        if let host { arguments += ["--host", host] }
        if let port { arguments += ["--port", String(port)] }
        if memory { arguments.append("--memory") }
        if let storePath { arguments += ["--store", storePath] }
        if newStore { arguments.append("--new-store") }
        if insecureLocalhost { arguments.append("--insecure-localhost") }
        return arguments
    }
}

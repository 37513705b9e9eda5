import SyncropelHome

extension CommandEnvironment {
    /// The actor a command writes as: `--actor`, else `SPL_ACTOR`, else `[identity] actor` of
    /// config.toml (itself `did:sync:user:<login>` by default), as `spl identity show` reports it.
    static func actor(override: String?, home: HomeLayout) throws -> String {
        if let override { return override }
        if let fromEnvironment = variables["SPL_ACTOR"] { return fromEnvironment }
        return try HomeConfig.load(from: home.configFile, environment: variables).identity.actor
    }
}

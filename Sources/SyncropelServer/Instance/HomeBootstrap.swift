import SyncropelHome
import SyncropelKit
import SyncropelStore

/// A new home with its identity, config and an empty store: what `spl init` makes,
/// and what the first `spl serve` on an empty home makes (SPEC 2, 5.2 step 1).
public enum HomeBootstrap {
    public struct Result: Sendable {
        public let config: HomeConfig
        public let identity: SigningIdentity
        /// False when a store was already there and was kept.
        public let createdStore: Bool
    }

    /// Creates the folders (0700), a new key pair (refused over existing keys unless `force`),
    /// config.toml naming the new DID, and an empty store unless one exists.
    public static func create(
        _ home: HomeLayout, environment: [String: String], force: Bool, version: String
    ) async throws -> Result {
        try home.create()
        let identity = try KeyFiles.create(in: home, force: force)
        var config = try HomeConfig.load(from: home.configFile, environment: environment)
        config.identity.did = identity.didKey.description
        try config.save(to: home.configFile)
        if case .present = home.storeFileState {
            return Result(config: config, identity: identity, createdStore: false)
        }
        let store = try SQLiteRecordStore(
            path: home.storeFile, options: .init(createdByVersion: version, instanceDID: identity.didKey.instanceDID))
        try await store.close()
        return Result(config: config, identity: identity, createdStore: true)
    }
}

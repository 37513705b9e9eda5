import ArgumentParser
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// `spl init`: creates a home with its identity, config and an empty store.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the home and its Ed25519 identity.",
        discussion: """
            Creates keys/, secrets/, run/, logs/ (mode 0700), config.toml and an empty hub.db \
            (mode 0600) in $SYNCROPEL_HOME, else ~/.syncro. An existing config.toml and hub.db \
            are kept. Existing keys are never replaced without --force: a new key is a new \
            instance identity.
            """
    )

    @Flag(help: "Replace existing keys with a new identity.")
    var force = false

    func run() async throws {
        let home = try CommandEnvironment.home()
        if home.hasIdentity && !force {
            throw OperatorError("\(home.privateKeyFile) already holds this home's identity; pass --force to replace it with a new one")
        }
        try home.create()
        let identity = try KeyFiles.create(in: home, force: force)
        let did = identity.didKey

        var config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
        config.identity.did = did.description
        try config.save(to: home.configFile)

        let storeExisted: Bool
        if case .present = home.storeFileState {
            storeExisted = true
        } else {
            storeExisted = false
            let store = try SQLiteRecordStore(
                path: home.storeFile, options: .init(createdByVersion: BuildInfo.semver, instanceDID: did.instanceDID))
            try await store.close()
        }

        print("Initialised Syncropel home \(home.root)")
        print("Identity: \(did)")
        print("Instance: \(did.instanceDID)")
        print("Actor:    \(config.identity.actor)")
        print("Store:    sqlite://\(home.storeFile) (\(storeExisted ? "kept" : "new, empty"))")
    }
}

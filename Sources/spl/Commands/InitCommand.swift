import ArgumentParser
import SyncropelHome
import SyncropelKit
import SyncropelServer

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
        let result = try await HomeBootstrap.create(
            home, environment: CommandEnvironment.variables, force: force, version: BuildInfo.semver)
        let did = result.identity.didKey
        let config = result.config
        print("Initialised Syncropel home \(home.root)")
        print("Identity: \(did)")
        print("Instance: \(did.instanceDID)")
        print("Actor:    \(config.identity.actor)")
        print("Store:    sqlite://\(home.storeFile) (\(result.createdStore ? "new, empty" : "kept"))")
    }
}

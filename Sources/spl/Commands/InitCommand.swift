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
            are kept. On a home that already has its identity, init changes nothing, says so and \
            exits 0, so it is safe in set-up scripts. Existing keys are replaced only with --force: \
            a new key is a new instance identity.
            """
    )

    @Flag(help: "Replace existing keys with a new identity.")
    var force = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let home = try CommandEnvironment.home()
        if home.hasIdentity && !force {
            let did = try KeyFiles.load(from: home).didKey
            if output.json {
                return print(Self.json(home: home, did: did, actor: nil, created: false).serialized())
            }
            print("Syncropel home \(home.root) is already initialised; nothing was changed")
            print("Identity: \(did)")
            print("Instance: \(did.instanceDID)")
            print("(spl init --force replaces this identity with a new one: a new instance)")
            return
        }
        let result = try await HomeBootstrap.create(
            home, environment: CommandEnvironment.variables, force: force, version: BuildInfo.semver)
        let did = result.identity.didKey
        let config = result.config
        if output.json {
            return print(Self.json(home: home, did: did, actor: config.identity.actor, created: true).serialized())
        }
        print("Initialised Syncropel home \(home.root)")
        print("Identity: \(did)")
        print("Instance: \(did.instanceDID)")
        print("Actor:    \(config.identity.actor)")
        print("Store:    sqlite://\(home.storeFile) (\(result.createdStore ? "new, empty" : "kept"))")
    }

    /// `{"object":"home","home","did","instance_did","actor"?,"initialised":bool}`; `initialised` is
    /// false when the home already had its identity and nothing changed.
    static func json(home: HomeLayout, did: DIDKey, actor: String?, created: Bool) -> JSONValue {
        var object = JSONObject([
            "object": "home", "home": .string(home.root), "did": .string(did.description),
            "instance_did": .string(did.instanceDID),
        ])
        if let actor { object["actor"] = .string(actor) }
        object["initialised"] = .bool(created)
        return .object(object)
    }
}

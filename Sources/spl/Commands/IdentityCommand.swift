import ArgumentParser
import SyncropelHome
import SyncropelKit

/// `spl identity …`: the instance's keys and names.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Show the instance identity.",
        subcommands: [IdentityShowCommand.self]
    )
}

struct IdentityShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the identity DID, the instance DID, the default actor and the key path."
    )

    @OptionGroup var output: OutputOptions

    func run() throws {
        let home = try CommandEnvironment.home()
        guard home.hasIdentity else {
            throw OperatorError("\(home.root) has no identity yet; run 'spl init' to create one")
        }
        let did = try KeyFiles.load(from: home).didKey
        let actor = try CommandEnvironment.actor(override: nil, home: home)
        if output.json {
            let object: JSONValue = [
                "did": .string(did.description),
                "instance_did": .string(did.instanceDID),
                "actor": .string(actor),
                "key_path": .string(home.privateKeyFile),
                "home": .string(home.root),
            ]
            print(object.serialized())
        } else {
            print("DID:      \(did)")
            print("Instance: \(did.instanceDID)")
            print("Actor:    \(actor)")
            print("Key:      \(home.privateKeyFile)")
            print("Home:     \(home.root)")
        }
    }
}

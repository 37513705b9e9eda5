import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit

/// `spl backup restore-keys FILE [--force]` (SPEC 8.4): the identity back from a sealed backup.
struct BackupRestoreKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore-keys",
        abstract: "Decrypt a sealed identity backup (keys.<stamp>.sealed) into keys/ (the daemon must be stopped).",
        discussion: """
            The passphrase is read from SPL_BACKUP_PASSPHRASE, never from an argument that 'ps' \
            would show: the one the daemon had when it wrote FILE. Existing keys are replaced only \
            with --force. Then put the store back with 'spl backup restore <hub.db backup> --yes' \
            and start with 'spl serve --daemon': the same instance DID signs as before. \
            'spl backup --auto restore-keys FILE' still works. Keys a daemon shipped to a replica \
            come back with the store: 'spl backup restore --from-replica URL --with-keys'.
            """
    )

    @Argument(help: "The sealed keys file, keys.<stamp>.sealed beside a timestamped backup.")
    var file: String

    @OptionGroup var force: BackupForceOption

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try Self.restore(file: file, force: force.force, home: try CommandEnvironment.home(), output: output)
    }

    /// Decrypts `file` into keys/ of `home`, which no daemon may run on.
    static func restore(file: String, force: Bool, home: HomeLayout, output: OutputOptions) throws {
        guard let passphrase = CommandEnvironment.variables["SPL_BACKUP_PASSPHRASE"], !passphrase.isEmpty else {
            throw OperatorError(
                "SPL_BACKUP_PASSPHRASE is not set; set it to the passphrase the daemon had when it wrote \(file)")
        }
        guard !HomeLock.isHeld(home) else {
            throw OperatorError("a spl daemon is running for \(home.root); stop it with 'spl stop' before restoring its keys")
        }
        let source = file.absolutePath
        try SealedKeys.restore(from: source, passphrase: passphrase, into: home, force: force)
        let identity = try KeyFiles.load(from: home)
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "keys_restored", "path": .string(source), "keys": .string(home.keysDirectory),
                "did": .string(identity.didKey.description), "instance_did": .string(identity.didKey.instanceDID),
            ])).serialized())
        } else {
            print("Restored keys from \(source) into \(home.keysDirectory)")
            print("Identity: \(identity.didKey)")
            print("Instance: \(identity.didKey.instanceDID)")
            if home.storeFileState == .missing {
                print("Next: put the store back with 'spl backup restore <hub.db backup> --yes', then 'spl serve'")
            }
        }
    }
}

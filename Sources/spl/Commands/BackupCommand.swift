import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit

/// `spl backup …` (SPEC 8.2): one subcommand per file (`Backup<Name>Command.swift`); the
/// `--auto` actions (timed backups, sealed keys) are in `BackupAuto.swift`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take, list, verify, restore and prune backups of this instance's store.",
        discussion: """
            Backups live outside the home, in <backup root>/instance-<tail> (SPL_BACKUP_ROOT, \
            else [backup] root, else ~/.local/share/syncropel/backups).
            """,
        subcommands: [
            BackupNowCommand.self,
            BackupListCommand.self,
            BackupVerifyCommand.self,
            BackupRestoreCommand.self,
            BackupPruneCommand.self,
            BackupReplicaCommand.self,
            BackupRestoreKeysCommand.self,
        ]
    )

    /// `--auto <action> [FILE]`: one option taking up to two values, because a positional
    /// argument on this command would swallow the subcommand names (`spl backup now`).
    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Timed backups by the running daemon: enable, disable or status.",
            valueName: "action"))
    var auto: [String] = []

    @OptionGroup var force: BackupForceOption

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let action = auto.first else { return }
        guard BackupAutoAction(rawValue: action) != nil else {
            let actions = BackupAutoAction.allCases.filter { $0 != .restoreKeys }.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--auto takes one of \(actions), not \(action)")
        }
        guard auto.count <= 2 else {
            throw ValidationError("--auto takes an action and at most one file, not \(auto.joined(separator: " "))")
        }
    }

    func run() async throws {
        guard let action = auto.first.flatMap(BackupAutoAction.init(rawValue:)) else { throw CleanExit.helpRequest(self) }
        try await BackupAuto.run(action, file: auto.dropFirst().first, force: force.force, output: output)
    }
}

/// `--force`, declared once for `backup` and `backup restore`: ArgumentParser gives a flag the
/// parent command declares to the parent, so both read this shared group.
struct BackupForceOption: ParsableArguments {
    @Flag(help: "restore: restore a file that fails verification; restore-keys: overwrite existing keys.")
    var force = false
}

/// Where this home's backups are: the instance folder its identity names, under the backup root.
struct BackupLocation {
    let home: HomeLayout
    let config: HomeConfig
    let root: BackupRoot
    let instanceFolder: String

    /// Reads config.toml and the instance key of the home the environment names.
    static func resolve() throws -> BackupLocation {
        let home = try CommandEnvironment.home()
        guard home.hasIdentity else {
            throw OperatorError("\(home.root) has no identity (no \(home.privateKeyFile)), so it has no backups; check SYNCROPEL_HOME")
        }
        let config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
        let root = try BackupRoot.resolve(environment: CommandEnvironment.variables, config: config)
        let did = try KeyFiles.load(from: home).didKey
        return BackupLocation(home: home, config: config, root: root, instanceFolder: root.instanceFolder(for: did))
    }

    /// The legacy backup at the root of the backup root, read by restore tools and never written (SPEC 8.1).
    var legacyBackup: String { root.path + "/hub.db.bak" }
}

extension String {
    /// A path the operator typed, made absolute against the current directory.
    var absolutePath: String { URL(fileURLWithPath: self).standardizedFileURL.path }
}

/// Byte counts as the backup commands print them: `1234567 bytes (1.2 MB)`.
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        "\(bytes) bytes (\(String(format: "%.1f", Double(bytes) / 1e6)) MB)"
    }
}

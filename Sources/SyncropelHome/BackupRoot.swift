import Foundation
import SyncropelKit

/// Where an instance's backups live (SPEC 1): outside the home, so deleting a home never
/// deletes its backups, in a folder per instance named after its instance DID.
///
/// ```swift
/// let root = try BackupRoot.resolve(environment: env, config: config)
/// let folder = try root.createInstanceFolder(for: identity.didKey)  // …/backups/instance-3f2a…
/// ```
public struct BackupRoot: Sendable, Equatable {
    /// Which setting chose the root; `spl doctor` and the banner can say why a path was used.
    public enum Source: String, Sendable {
        case environment = "SPL_BACKUP_ROOT"
        case config = "[backup] root"
        case defaultLocation = "$HOME/.local/share/syncropel/backups"
    }

    /// The root folder, absolute.
    public let path: String
    public let source: Source

    public init(path: String, source: Source) {
        self.path = path
        self.source = source
    }

    /// `$SPL_BACKUP_ROOT` (made absolute against `currentDirectory`), else `[backup] root`
    /// (absolute by `HomeConfig`'s check), else `$HOME/.local/share/syncropel/backups`,
    /// the path the operator drill hard-codes. Empty variables count as unset.
    public static func resolve(
        environment: [String: String],
        config: HomeConfig,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(HomeError) -> BackupRoot {
        if let root = environment["SPL_BACKUP_ROOT"], !root.isEmpty {
            return BackupRoot(path: AbsolutePath.make(root, against: currentDirectory), source: .environment)
        }
        if let root = config.backup.root {
            return BackupRoot(path: AbsolutePath.make(root, against: "/"), source: .config)
        }
        guard let home = environment["HOME"], !home.isEmpty else { throw .noBackupRoot }
        let root = AbsolutePath.make(home + "/.local/share/syncropel/backups", against: currentDirectory)
        return BackupRoot(path: root, source: .defaultLocation)
    }

    /// `<root>/instance-<24-hex tail of the instance DID>`.
    public func instanceFolder(for did: DIDKey) -> String {
        path + "/instance-" + did.instanceTail
    }

    /// Creates the instance folder and any missing parents, each 0700, and returns its path.
    public func createInstanceFolder(for did: DIDKey) throws(HomeError) -> String {
        let folder = instanceFolder(for: did)
        try PrivateFiles.makeDirectory(folder)
        return folder
    }
}

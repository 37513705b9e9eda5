import Foundation
import SyncropelHome
import SyncropelStore

/// The backup files of one instance, by name and modification time, read from its folder
/// under the backup root (and the legacy `hub.db.bak` at the root) without opening any.
struct BackupFolder: Sendable {
    struct Entry: Sendable, Equatable {
        let path: String
        let modifiedAt: Date
    }

    /// `<backup root>/instance-<tail>`.
    let path: String
    /// Startup generations, timestamped and pre-migration copies, and the legacy root file.
    let backups: [Entry]
    /// `keys.<stamp>.sealed` files (SPEC 8.4).
    let sealedKeys: [Entry]

    var newestBackup: Entry? { backups.max { $0.modifiedAt < $1.modifiedAt } }
    var newestSealedKeys: Entry? { sealedKeys.max { $0.modifiedAt < $1.modifiedAt } }

    static func read(_ instance: DoctorInstance) -> BackupFolder? {
        guard let folder = instance.instanceFolder, let root = instance.backupRoot else { return nil }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // A backup still being written is dot-named (`.hub.db.bak.incoming`), so the prefix skips it.
        let backupPaths = names.filter { $0.hasPrefix(TimestampedBackupName.prefix) }.map { folder + "/" + $0 }
            + [root.path + "/" + StartupBackup.fileName]
        let sealedPaths = names.filter { $0.hasPrefix("keys.") && $0.hasSuffix(".sealed") }.map { folder + "/" + $0 }
        return BackupFolder(path: folder, backups: backupPaths.compactMap(entry), sealedKeys: sealedPaths.compactMap(entry))
    }

    /// The command that puts the newest backup in place of a damaged store, stopping the daemon
    /// first; without any backup, moving the store aside and starting empty is all that is left.
    static func restoreCommand(_ instance: DoctorInstance, folder: BackupFolder?) -> String {
        if let newest = folder?.newestBackup {
            return instance.withDaemonStopped("spl backup restore " + ShellWord.quoted(newest.path))
        }
        let store = ShellWord.quoted(instance.storePath)
        return instance.withDaemonStopped("mv \(store) \(ShellWord.quoted(instance.storePath + ".damaged")) && spl serve --daemon --new-store")
    }

    private static func entry(_ path: String) -> Entry? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let modified = info.st_mtim
        return Entry(path: path, modifiedAt: Date(timeIntervalSince1970: Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9))
    }
}

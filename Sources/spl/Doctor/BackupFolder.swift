import Foundation
import SyncropelHome
import SyncropelStore

/// The backup files of one instance, from its `BackupCatalog`: its folder under the backup
/// root and the legacy `hub.db.bak` at the root, read without opening any.
struct BackupFolder: Sendable {
    /// `<backup root>/instance-<tail>`.
    let path: String
    let catalog: BackupCatalog

    var newestBackup: BackupCatalog.Entry? { catalog.newest }
    var newestSealedKeys: BackupCatalog.SealedKeysFile? { catalog.newestSealedKeys }

    static func read(_ instance: DoctorInstance) -> BackupFolder? {
        guard let folder = instance.instanceFolder, let root = instance.backupRoot else { return nil }
        return BackupFolder(path: folder, catalog: BackupCatalog.read(folder: folder, legacy: root.path + "/" + StartupBackup.fileName))
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
}
